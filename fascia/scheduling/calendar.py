"""The day and week of a clinic: each practitioner's working hours, breaks, leave and
appointments, in the clinic's time zone.

Three queries whatever the number of appointments: the working hours, the leave and the
appointments of the days shown (with their type, patient, enquiry and practitioner).
The practitioners shown are those who work in the clinic on some weekday or have an
appointment there in the days shown, or the one asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q

from fascia.accounts.models import User
from fascia.clinics.models import Clinic

from .models import Appointment, Leave, WorkingHours


@dataclass
class PractitionerDay:
    practitioner: User
    day: dt.date
    hours: list[WorkingHours] = field(default_factory=list)
    leave: Leave | None = None
    appointments: list[Appointment] = field(default_factory=list)


@dataclass
class CalendarDay:
    day: dt.date
    practitioners: list[PractitionerDay]


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def clinic_today(clinic: Clinic) -> dt.date:
    return dt.datetime.now(ZoneInfo(clinic.time_zone)).date()


def calendar_days(
    clinic: Clinic, first: dt.date, count: int, *, practitioner_id: int | None = None
) -> list[CalendarDay]:
    """`count` days from `first` in `clinic`, for one practitioner or for all."""
    zone = ZoneInfo(clinic.time_zone)
    last = first + dt.timedelta(days=count - 1)
    start = dt.datetime.combine(first, dt.time.min, zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, zone)
    mine = Q(practitioner_id=practitioner_id) if practitioner_id else Q()
    hours = list(WorkingHours.objects.filter(mine, clinic=clinic).select_related("practitioner"))
    leave = list(
        Leave.objects.filter(mine, Q(clinic=clinic) | Q(clinic__isnull=True))
        .filter(first_day__lte=last, last_day__gte=first)
        .select_related("practitioner")
    )
    appointments = list(
        Appointment.objects.filter(mine, clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .select_related("type", "patient", "enquiry", "practitioner")
        .order_by("starts_at", "pk")
    )
    people: dict[int, User] = {}
    for row in [*hours, *appointments]:
        people.setdefault(row.practitioner_id, row.practitioner)
    ordered = sorted(people.values(), key=lambda u: (u.get_full_name() or u.username).lower())
    days = []
    for offset in range(count):
        day = first + dt.timedelta(days=offset)
        columns = []
        for person in ordered:
            column = PractitionerDay(practitioner=person, day=day)
            column.hours = [
                h for h in hours if h.practitioner_id == person.pk and h.weekday == day.weekday()
            ]
            column.leave = next(
                (
                    row
                    for row in leave
                    if row.practitioner_id == person.pk and row.first_day <= day <= row.last_day
                ),
                None,
            )
            column.appointments = [
                a
                for a in appointments
                if a.practitioner_id == person.pk and a.starts_at.astimezone(zone).date() == day
            ]
            columns.append(column)
        days.append(CalendarDay(day=day, practitioners=columns))
    return days
