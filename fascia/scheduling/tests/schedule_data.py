"""Appointments and working hours made straight with the ORM, for the scheduling tests
(booking goes through `book`, in `test_booking.py`)."""

import datetime as dt
from zoneinfo import ZoneInfo

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.records.models import Patient
from fascia.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    WorkingHours,
)

IST = ZoneInfo("Asia/Kolkata")
# A Monday and a Tuesday in the future of every clock these tests set, and a time before them.
MONDAY = dt.date(2027, 3, 1)
TUESDAY = dt.date(2027, 3, 2)
BEFORE = dt.datetime(2027, 2, 1, 9, 0, tzinfo=IST)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=IST)


# Each kind's name and length.
TYPES = {
    AppointmentKind.ASSESSMENT: ("Initial assessment", 45),
    AppointmentKind.TREATMENT: ("Treatment session", 30),
    AppointmentKind.REVIEW: ("Review", 20),
}


def appointment_type(kind: str = AppointmentKind.TREATMENT) -> AppointmentType:
    name, minutes = TYPES[kind]
    made, _created = AppointmentType.objects.get_or_create(
        pathway_id="piriformis-dry-needling",
        name=name,
        defaults={"kind": kind, "minutes": minutes},
    )
    return made


def make_appointment(
    *,
    clinic: Clinic,
    practitioner: User,
    patient: Patient | None = None,
    starts_at: dt.datetime,
    kind: str = AppointmentKind.TREATMENT,
    status: str = AppointmentStatus.BOOKED,
    by: User | None = None,
    **fields,
) -> Appointment:
    chosen = appointment_type(kind)
    return Appointment.objects.create(
        clinic=clinic,
        practitioner=practitioner,
        patient=patient,
        type=chosen,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=chosen.minutes),
        status=status,
        created_by=by,
        **fields,
    )


def works(
    person: User,
    clinic: Clinic,
    weekday: int = 0,
    starts: str = "09:00",
    ends: str = "13:00",
    break_starts: str | None = None,
    break_ends: str | None = None,
) -> WorkingHours:
    return WorkingHours.objects.create(
        practitioner=person,
        clinic=clinic,
        weekday=weekday,
        starts=dt.time.fromisoformat(starts),
        ends=dt.time.fromisoformat(ends),
        break_starts=dt.time.fromisoformat(break_starts) if break_starts else None,
        break_ends=dt.time.fromisoformat(break_ends) if break_ends else None,
    )
