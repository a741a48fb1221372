"""A practitioner's private iCalendar feed (`/calendar/<token>.ics`), built with `icalendar`.

The address is made on the practitioner's own page and shown once: only the SHA-256 of
its token is stored (`CalendarFeed`), so making a new one or switching it off ends the
old address. Calendar apps copy what they read to other companies' servers, so an event
says no more than the type of appointment and the patient's initials, the clinic, and a
link to the staff page (which asks for a sign-in); never a name or anything clinical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from fascia.accounts import audit
from fascia.accounts.models import User
from fascia.clinics.permissions import Capability, clinic_ids_for

from . import events
from .models import HOLDS_TIME, Appointment, AppointmentStatus, CalendarFeed

DAYS_BACK = 30
DAYS_AHEAD = 90
PRODUCT = "-//Fascia//Appointments//EN"
STATUS = {
    AppointmentStatus.REQUESTED: "TENTATIVE",
    AppointmentStatus.BOOKED: "CONFIRMED",
    AppointmentStatus.ARRIVED: "CONFIRMED",
    AppointmentStatus.DONE: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_replace(practitioner: User, *, ip: str | None) -> str:
    """A new private address for the practitioner's feed (the old one stops working);
    returns its token, which is never stored."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.update_or_create(
            practitioner=practitioner,
            defaults={"token_sha256": _digest(token), "last_read_at": None},
        )
        audit.record(
            events.CALENDAR_FEED_CREATED,
            feed,
            actor=practitioner,
            ip=ip,
            detail={"replaced": not created},
        )
    return token


def feed_switch_off(practitioner: User, *, ip: str | None) -> bool:
    """End the practitioner's feed address; False when there was none."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(practitioner=practitioner).first()
        if feed is None:
            return False
        audit.record(events.CALENDAR_FEED_REVOKED, feed, actor=practitioner, ip=ip)
        feed.delete()
    return True


def feed_find(token: str) -> CalendarFeed | None:
    """The feed whose address is `token`, if its practitioner's account is active."""
    feed: CalendarFeed | None = (
        CalendarFeed.objects.select_related("practitioner")
        .filter(token_sha256=_digest(token), practitioner__is_active=True)
        .first()
    )
    return feed


def initials(name: str) -> str:
    """ "Kavya Rao" → "K. R."."""
    return " ".join(f"{part[0].upper()}." for part in name.split() if part)


def feed_appointments(feed: CalendarFeed, *, now: dt.datetime) -> list[Appointment]:
    """The practitioner's appointments from 30 days back to 90 ahead that hold time or were
    cancelled, in the clinics where they still work with appointments."""
    return list(
        Appointment.objects.filter(
            practitioner=feed.practitioner,
            clinic_id__in=clinic_ids_for(feed.practitioner, Capability.APPOINTMENTS),
            starts_at__gte=now - dt.timedelta(days=DAYS_BACK),
            starts_at__lt=now + dt.timedelta(days=DAYS_AHEAD),
            status__in=[*HOLDS_TIME, AppointmentStatus.CANCELLED],
        )
        .select_related("clinic", "type", "patient", "enquiry")
        .order_by("starts_at", "pk")
    )


def feed_calendar(feed: CalendarFeed, *, now: dt.datetime | None = None) -> bytes:
    """The feed as an iCalendar file; notes when it was read."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Fascia")
    host = settings.FASCIA_BASE_URL.split("://", 1)[-1].split("/", 1)[0]
    for appointment in feed_appointments(feed, now=now):
        who = appointment.patient.full_name if appointment.patient else appointment.enquiry.name
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@{host}")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
        event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
        event.add("summary", f"{appointment.type.name} · {initials(who)}")
        event.add("location", appointment.clinic.name)
        event.add(
            "url",
            settings.FASCIA_BASE_URL
            + reverse("schedule:appointment", kwargs={"appointment_id": appointment.pk}),
        )
        event.add("status", STATUS[appointment.status])
        calendar.add_component(event)
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
    return calendar.to_ical()
