"""Appointment reminders: one message to the patient before each booked appointment.

A reminder is queued when the appointment is booked, `FASCIA_REMINDER_DAYS_BEFORE` days
before it at `FASCIA_REMINDER_TIME` of the clinic's day. Its key names the appointment and
the moment it starts, so moving the appointment queues a new reminder (and cancels the old
one) while booking it again changes nothing. The message carries the patient's private
confirm/cancel link (`/a/<token>/`); the appointment keeps only the SHA-256 of its token.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone, translation

from fascia.accounts.models import User
from fascia.messaging.delivery import cancel_for
from fascia.messaging.links import Link
from fascia.messaging.models import Message
from fascia.messaging.outbox import queue

from .models import Appointment, AppointmentStatus

TEMPLATE = "appointment_reminder"
# A reminder that would come less than this long before the appointment is not sent.
LAST_USEFUL = dt.timedelta(hours=2)


def reminder_key(appointment: Appointment) -> str:
    return f"reminder:{appointment.pk}:{int(appointment.starts_at.timestamp())}"


def reminder_due(appointment: Appointment, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the appointment's reminder should go out: the set days before at the set time
    of the clinic's day; now when that moment has passed but the appointment is still more
    than two hours away; None when it is nearer (or past)."""
    now = now or timezone.now()
    zone = ZoneInfo(appointment.clinic.time_zone)
    day = appointment.starts_at.astimezone(zone).date() - dt.timedelta(
        days=settings.FASCIA_REMINDER_DAYS_BEFORE
    )
    due = dt.datetime.combine(day, dt.time.fromisoformat(settings.FASCIA_REMINDER_TIME), zone)
    if due > now:
        return due
    if appointment.starts_at - now > LAST_USEFUL:
        return now
    return None


def when_in_words(appointment: Appointment, language: str) -> dict[str, str]:
    """The appointment's day and time in the clinic's zone, as the patient reads them."""
    local = appointment.starts_at.astimezone(ZoneInfo(appointment.clinic.time_zone))
    with translation.override(language):
        return {
            "date": formats.date_format(local, "l j F Y"),
            "time": formats.time_format(local, "H:i"),
        }


def cancel_reminders(appointment: Appointment, *, by: User | None, keep: str = "") -> int:
    """Cancel the appointment's reminders still waiting to go out (all but `keep`)."""
    return cancel_for(f"reminder:{appointment.pk}:", by=by, keep=keep)


def schedule_reminder(appointment: Appointment, *, by: User | None) -> Message | None:
    """Queue the reminder of a booked appointment with a patient; cancel any reminder queued
    for an earlier time of it. Returns the reminder, or None when none is due (no patient,
    not booked, too close). Call inside the transaction that books or moves it."""
    key = reminder_key(appointment)
    cancel_reminders(appointment, by=by, keep=key)
    patient = appointment.patient
    if patient is None or appointment.status != AppointmentStatus.BOOKED:
        return None
    existing: Message | None = Message.objects.filter(key=key).first()
    if existing is not None:
        return existing
    due = reminder_due(appointment)
    if due is None:
        return None
    link = Link.new("appointment", "my_appointment:manage")
    appointment.token_sha256 = link.digest
    appointment.save(update_fields=["token_sha256"])
    practitioner = appointment.practitioner
    return queue(
        patient=patient,
        clinic=appointment.clinic,
        template=TEMPLATE,
        key=key,
        context={
            "appointment_id": appointment.pk,
            "type": appointment.type.name,
            "practitioner": practitioner.get_full_name() or practitioner.username,
            **when_in_words(appointment, patient.preferred_language),
        },
        link=link,
        due_at=due,
        by=by,
    )
