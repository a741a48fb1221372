"""Booking appointments, and patients' requests for one that staff confirm or decline.

`book` re-checks that the slot is offered (the practitioner's hours, leave and credential on
the day, not in the past) and lets the database refuse an overlap with an appointment that
holds the practitioner's time (migration 0002): two people pressing "Book" for one slot at
once get one appointment and one `BookingError`. A patient's request from the enquiry
confirmation page (`request_appointment`) is an appointment with status REQUESTED, which
holds the time too, until staff confirm it (booked, with its reminder) or decline it.

Every change is an audit event in the clinic's chain naming the patient when there is one
(`events.py`), in the transaction of the change; events from the public website record no
address.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.clinics.permissions import Capability, in_my_clinics, require
from fascia.enquiries.models import Enquiry, Status
from fascia.records.models import Patient

from . import events
from .appointments import audit_appointment
from .models import Appointment, AppointmentStatus, AppointmentType
from .reminders import schedule_reminder
from .slots import local_time, slots_for

OVERLAP_CONSTRAINT = "scheduling_appointment_no_overlap"


class BookingError(Exception):
    """A booking the rules or the schedule refuse; the message is fit to show as it is."""


def patient_of(enquiry: Enquiry) -> Patient | None:
    """The patient an enquiry was registered as (`enquiries.conversion`), if it was."""
    return enquiry.episode.patient if enquiry.episode_id else None


def _audit(
    action: str, appointment: Appointment, *, by: User | None, ip: str | None, **detail: object
) -> None:
    audit_appointment(
        action,
        appointment,
        by=by,
        ip=ip,
        detail={
            "type": appointment.type.name,
            "starts_at": appointment.starts_at.isoformat(),
            "practitioner": appointment.practitioner_id,
            **({"enquiry": appointment.enquiry.reference} if appointment.enquiry else {}),
            **detail,
        },
    )


def _taken(practitioner: User, starts_at: dt.datetime, clinic: Clinic) -> BookingError:
    return BookingError(
        _("%(name)s already has an appointment at %(time)s; choose another time.")
        % {
            "name": practitioner.get_full_name() or practitioner.username,
            "time": formats.time_format(local_time(starts_at, clinic), "H:i"),
        }
    )


def check_offered(
    *,
    clinic: Clinic,
    appointment_type: AppointmentType,
    practitioner: User,
    starts_at: dt.datetime,
    now: dt.datetime | None = None,
) -> None:
    """Raise BookingError unless `practitioner` works in `clinic` at `starts_at` for an
    appointment of this type (hours, breaks, leave, credential on the day, not past).
    Other appointments are the database's to refuse."""
    day = local_time(starts_at, clinic).date()
    offered = slots_for(
        clinic,
        appointment_type,
        first_day=day,
        days=1,
        practitioner=practitioner,
        now=now,
        ignore_busy=True,
    )
    if not any(slot.starts_at == starts_at for slot in offered):
        if appointment_type.needs_dry_needling_credential:
            raise BookingError(
                _(
                    "%(name)s cannot take a %(type)s at that time: outside their hours, on "
                    "leave, in the past, or without a dry-needling credential valid that day."
                )
                % {"name": practitioner.get_full_name(), "type": appointment_type.name}
            )
        raise BookingError(
            _(
                "%(name)s does not take appointments at that time: outside their hours, on "
                "leave, or in the past. Choose one of the free times shown."
            )
            % {"name": practitioner.get_full_name()}
        )


def _insert(appointment: Appointment) -> None:
    """Save a new appointment; the database refuses an overlap (BookingError)."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        if OVERLAP_CONSTRAINT not in str(error):
            raise
        raise _taken(appointment.practitioner, appointment.starts_at, appointment.clinic) from None


def book(
    *,
    clinic: Clinic,
    appointment_type: AppointmentType,
    practitioner: User,
    starts_at: dt.datetime,
    patient: Patient | None = None,
    enquiry: Enquiry | None = None,
    by: User,
    ip: str | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Book `practitioner` at `starts_at` for `patient`, or for `enquiry`'s patient when it
    was registered, or for the enquiry itself (no reminder can go to an enquiry). The
    reminder is queued in the same transaction."""
    if enquiry is not None:
        if enquiry.is_erased or enquiry.status == Status.SPAM:
            raise BookingError(_("This enquiry was erased or is held as spam: book nothing."))
        patient = patient or patient_of(enquiry)
    if patient is None and enquiry is None:
        raise BookingError(_("An appointment is for a patient or an enquiry."))
    check_offered(
        clinic=clinic,
        appointment_type=appointment_type,
        practitioner=practitioner,
        starts_at=starts_at,
        now=now,
    )
    appointment = Appointment(
        clinic=clinic,
        practitioner=practitioner,
        type=appointment_type,
        patient=patient,
        enquiry=enquiry,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=appointment_type.minutes),
        status=AppointmentStatus.BOOKED,
        note=note,
        created_by=by,
        status_changed_by=by,
    )
    with transaction.atomic():
        _insert(appointment)
        _audit(events.APPOINTMENT_BOOKED, appointment, by=by, ip=ip)
        schedule_reminder(appointment, by=by)
    return appointment


# Patients' requests from the enquiry confirmation page.


def pending_request(enquiry: Enquiry) -> Appointment | None:
    """The enquiry's request still waiting for staff, if any."""
    return (
        Appointment.objects.select_related("practitioner", "type", "clinic")
        .filter(enquiry=enquiry, status=AppointmentStatus.REQUESTED)
        .first()
    )


def may_request(enquiry: Enquiry) -> bool:
    """Whether the enquiry's sender may ask for an appointment: not spam, not erased, with a
    clinic chosen and not yet booked."""
    return (
        enquiry.clinic_id is not None
        and enquiry.status not in (Status.SPAM, Status.BOOKED, Status.CLOSED)
        and not enquiry.is_erased
        and enquiry.clinic.active
    )


def request_appointment(
    *,
    enquiry: Enquiry,
    appointment_type: AppointmentType,
    practitioner: User,
    starts_at: dt.datetime,
    now: dt.datetime | None = None,
) -> tuple[Appointment, bool]:
    """The patient's request for a slot (status REQUESTED, holding the time): (the request,
    whether it is new). One request waits per enquiry: asking again returns the waiting one
    and changes nothing. A taken slot is a BookingError."""
    if not appointment_type.bookable_by_patients or not appointment_type.active:
        raise BookingError(_("This kind of appointment cannot be asked for online."))
    with transaction.atomic():
        enquiry = (
            Enquiry.objects.select_for_update(of=("self",))
            .select_related("clinic")
            .get(pk=enquiry.pk)
        )
        if not may_request(enquiry):
            raise BookingError(_("Please call us to book: this enquiry cannot ask online."))
        waiting = pending_request(enquiry)
        if waiting is not None:
            return waiting, False
        check_offered(
            clinic=enquiry.clinic,
            appointment_type=appointment_type,
            practitioner=practitioner,
            starts_at=starts_at,
            now=now,
        )
        appointment = Appointment(
            clinic=enquiry.clinic,
            practitioner=practitioner,
            type=appointment_type,
            enquiry=enquiry,
            patient=patient_of(enquiry),
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=appointment_type.minutes),
            status=AppointmentStatus.REQUESTED,
        )
        try:
            _insert(appointment)
        except BookingError:
            raise BookingError(
                _("Someone has just taken that time. Please choose another.")
            ) from None
        _audit(events.APPOINTMENT_REQUESTED, appointment, by=None, ip=None)
    return appointment, True


def requests_for(user: User) -> QuerySet[Appointment]:
    """The requests waiting in the clinics where `user` handles appointments, soonest first."""
    return (
        Appointment.objects.filter(
            in_my_clinics(user, Capability.APPOINTMENTS), status=AppointmentStatus.REQUESTED
        )
        .select_related("clinic", "practitioner", "type", "enquiry", "patient")
        .order_by("starts_at", "pk")
    )


def access_request(user: User, appointment_id: int) -> Appointment:
    """A request waiting in one of `user`'s clinics (APPOINTMENTS); 404 otherwise."""
    appointment = (
        Appointment.objects.select_related("clinic", "practitioner", "type", "enquiry", "patient")
        .filter(pk=appointment_id, status=AppointmentStatus.REQUESTED)
        .first()
    )
    if appointment is None:
        raise Http404
    require(user, Capability.APPOINTMENTS, appointment.clinic_id)
    return appointment


def _set_status(appointment: Appointment, status: str, *, by: User, reason: str = "") -> bool:
    """Move a waiting request to `status`; False if it was no longer waiting."""
    changed: int = Appointment.objects.filter(
        pk=appointment.pk, status=AppointmentStatus.REQUESTED
    ).update(
        status=status, status_changed_at=timezone.now(), status_changed_by=by, cancel_reason=reason
    )
    appointment.refresh_from_db()
    return changed == 1


def request_confirm(appointment: Appointment, *, by: User, ip: str | None) -> Appointment:
    """The clinic confirms the patient's request: booked, and its reminder queued."""
    with transaction.atomic():
        if not _set_status(appointment, AppointmentStatus.BOOKED, by=by):
            raise BookingError(_("This request was already answered."))
        _audit(events.APPOINTMENT_REQUEST_CONFIRMED, appointment, by=by, ip=ip)
        schedule_reminder(appointment, by=by)
    return appointment


def request_decline(
    appointment: Appointment, *, reason: str, by: User, ip: str | None
) -> Appointment:
    """The clinic declines the patient's request, saying why: cancelled, its time freed."""
    with transaction.atomic():
        if not _set_status(appointment, AppointmentStatus.CANCELLED, by=by, reason=reason):
            raise BookingError(_("This request was already answered."))
        _audit(events.APPOINTMENT_REQUEST_DECLINED, appointment, by=by, ip=ip)
    return appointment
