"""What is done with an appointment once it is booked: its status, the session recorded in
it, and the patient's own confirm or cancel from their private link (`/a/<token>/`).

The status moves booked → arrived → done; a booked or arrived appointment may be
cancelled (with a reason), and a booked one marked as a no-show once it has begun. Any
other change is refused with an `ActionError` saying why, and changes nothing. Each change
is audited in its transaction, in the trail of the appointment's clinic and naming the
patient (an appointment made from an enquiry may have none yet), as booking does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts import audit
from fascia.accounts.models import User
from fascia.clinics.permissions import Capability, require
from fascia.records.actions import ActionError
from fascia.records.models import CLOSED_STATUSES, Episode
from fascia.treatment.models import TreatmentSession
from fascia.treatment.sessions import session_start

from . import events
from .models import Appointment, AppointmentKind, AppointmentStatus
from .reminders import cancel_reminders

S = AppointmentStatus
# The changes staff may make, from each status.
NEXT: dict[str, frozenset[str]] = {
    S.BOOKED: frozenset({S.ARRIVED, S.CANCELLED, S.NO_SHOW}),
    S.ARRIVED: frozenset({S.DONE, S.CANCELLED}),
}
# Appointments in which a treatment session may be recorded.
SESSION_KINDS = frozenset({AppointmentKind.ASSESSMENT, AppointmentKind.TREATMENT})


def access_appointment(user: object, appointment_id: int) -> Appointment:
    """The appointment if `user` works with appointments in its clinic; 404 otherwise."""
    appointment = (
        Appointment.objects.select_related(
            "clinic", "practitioner", "type", "patient", "enquiry", "session"
        )
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise Http404
    require(user, Capability.APPOINTMENTS, appointment.clinic_id)
    return appointment


def audit_appointment(
    action: str,
    appointment: Appointment,
    *,
    by: User | None,
    ip: str | None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record `action` in the trail of the appointment's clinic, naming the patient when
    there is one (an appointment made from an enquiry may have none yet)."""
    audit.record(
        action,
        appointment,
        actor=by,
        clinic=appointment.clinic_id,
        patient=appointment.patient_id,
        ip=ip,
        detail=detail,
    )


def allowed_changes(appointment: Appointment, *, now: dt.datetime | None = None) -> list[str]:
    """The statuses staff may move the appointment to now, in the order they come."""
    now = now or timezone.now()
    allowed = NEXT.get(appointment.status, frozenset())
    return [
        status
        for status in (S.ARRIVED, S.DONE, S.NO_SHOW, S.CANCELLED)
        if status in allowed and (status != S.NO_SHOW or appointment.starts_at <= now)
    ]


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def appointment_set_status(
    appointment: Appointment,
    status: str,
    *,
    by: User,
    ip: str | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Move the appointment to `status`; cancelling needs a reason and ends its reminder."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(appointment)
        if status not in allowed_changes(current, now=now):
            raise ActionError(_refusal(current, status, now))
        if status == S.CANCELLED and not reason.strip():
            raise ActionError(_("Say why the appointment is cancelled."))
        old = current.status
        current.status = status
        current.status_changed_at = now
        current.status_changed_by = by
        fields = ["status", "status_changed_at", "status_changed_by"]
        if status == S.CANCELLED:
            current.cancel_reason = reason.strip()
            fields.append("cancel_reason")
            cancel_reminders(current, by=by)
        current.save(update_fields=fields)
        action = (
            events.APPOINTMENT_CANCELLED
            if status == S.CANCELLED
            else (events.APPOINTMENT_STATUS_CHANGED)
        )
        detail = {"from": old, "to": status} | ({"reason": reason.strip()} if reason else {})
        audit_appointment(action, appointment, by=by, ip=ip, detail=detail)
    appointment.refresh_from_db()
    return appointment


def _refusal(appointment: Appointment, status: str, now: dt.datetime) -> str:
    labels = dict(AppointmentStatus.choices)
    if status == S.NO_SHOW and appointment.status == S.BOOKED:
        return _("An appointment can be marked as a no-show only once its time has begun.")
    if status not in labels:
        return _("That is not a status an appointment can have.")
    return _("A %(old)s appointment cannot be marked “%(new)s”.") % {
        "old": str(labels[appointment.status]).lower(),
        "new": labels[status],
    }


def open_episode_for(appointment: Appointment) -> Episode | None:
    """The patient's open episode in the appointment's clinic (the latest one)."""
    if appointment.patient_id is None:
        return None
    episode: Episode | None = (
        Episode.objects.filter(patient_id=appointment.patient_id, clinic_id=appointment.clinic_id)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("-pk")
        .first()
    )
    return episode


def can_start_session(appointment: Appointment) -> bool:
    """Whether a session may be started from the appointment (by someone clinical)."""
    return (
        appointment.session_id is None
        and appointment.type.kind in SESSION_KINDS
        and appointment.status in (S.BOOKED, S.ARRIVED)
        and open_episode_for(appointment) is not None
    )


def appointment_start_session(
    appointment: Appointment, *, by: User, ip: str | None, now: dt.datetime | None = None
) -> TreatmentSession:
    """Start the treatment session recorded in this appointment (the treatment app's rules
    decide whether `by` may), link it, and mark the patient arrived if they were booked."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(appointment)
        if current.session_id is not None:
            raise ActionError(_("A session was already recorded in this appointment."))
        episode = open_episode_for(current)
        if episode is None or not can_start_session(current):
            raise ActionError(
                _(
                    "A session can be started only from a booked assessment or treatment "
                    "appointment of a patient with an open episode in this clinic."
                )
            )
        session = session_start(episode=episode, by=by, ip=ip)
        current.session = session
        fields = ["session"]
        if current.status == S.BOOKED:
            current.status = S.ARRIVED
            current.status_changed_at = now
            current.status_changed_by = by
            fields += ["status", "status_changed_at", "status_changed_by"]
        current.save(update_fields=fields)
        audit_appointment(
            events.APPOINTMENT_SESSION_LINKED,
            current,
            by=by,
            ip=ip,
            detail={"session": session.pk},
        )
    return session


def appointment_find(token: str) -> Appointment | None:
    """The appointment whose patient link is `token`, or None."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    appointment: Appointment | None = (
        Appointment.objects.select_related("clinic", "practitioner", "type", "patient")
        .filter(token_sha256=digest)
        .first()
    )
    return appointment


def patient_may_change(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """Whether the patient's link still confirms or cancels: booked and not yet begun."""
    now = now or timezone.now()
    return appointment.status == S.BOOKED and appointment.starts_at > now


def _locked_for_patient(appointment: Appointment, *, now: dt.datetime) -> Appointment:
    """The appointment locked for the patient's change, refused once it can no longer change."""
    current = _locked(appointment)
    if not patient_may_change(current, now=now):
        raise ActionError(_("This appointment can no longer be changed here."))
    return current


def appointment_confirm_by_patient(
    appointment: Appointment, *, now: dt.datetime | None = None
) -> Appointment:
    """The patient says they will come. Saying it again changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_for_patient(appointment, now=now)
        if current.patient_confirmed_at is None:
            current.patient_confirmed_at = now
            current.save(update_fields=["patient_confirmed_at"])
            audit_appointment(events.APPOINTMENT_CONFIRMED_BY_PATIENT, current, by=None, ip=None)
    return current


def appointment_cancel_by_patient(
    appointment: Appointment, *, now: dt.datetime | None = None
) -> Appointment:
    """The patient cancels before it begins: the time is free again and the reminder ends."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_for_patient(appointment, now=now)
        current.status = S.CANCELLED
        current.status_changed_at = now
        current.status_changed_by = None
        current.cancel_reason = _("Cancelled by the patient")
        current.save(
            update_fields=["status", "status_changed_at", "status_changed_by", "cancel_reason"]
        )
        cancel_reminders(current, by=None)
        audit_appointment(events.APPOINTMENT_CANCELLED_BY_PATIENT, current, by=None, ip=None)
    return current
