"""Free slots: when each practitioner of a clinic can take an appointment of a given type.

`free_slots` is the rule, pure: a day's working stretches, less breaks, leave, appointments
that hold time and the past, cut into appointments of `minutes` starting every `step`
minutes from the start of each stretch. `slots_for` reads what it needs from the database
for a range of days, once for the whole range (five queries whatever the number of days or
practitioners), and applies the rule per practitioner and day.

Who is offered: staff with a physiotherapist's or a clinic manager's role in the clinic who
have working hours there (a manager without hours sees no patients). A type that needs the
dry-needling credential is offered only with practitioners whose checked credential is
valid on the appointment's day (`clinics.credentials.dry_needling_credential`, the rule for
who may needle), not on the day it is booked. Appointments hold time in every clinic: a
practitioner is in one place at once.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from fascia.accounts.models import User
from fascia.clinics.models import Clinic, Credential, CredentialKind, Role

from .models import HOLDS_TIME, Appointment, AppointmentType, Leave, WorkingHours

Interval = tuple[dt.datetime, dt.datetime]
# The roles that see patients: a manager only when they have working hours in the clinic.
PRACTITIONER_ROLES = (Role.PHYSIOTHERAPIST, Role.CLINIC_MANAGER)


def step_minutes() -> int:
    return settings.FASCIA_SLOT_STEP_MINUTES


def _overlaps(start: dt.datetime, end: dt.datetime, intervals: Iterable[Interval]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in intervals)


def free_slots(
    hours: Sequence[Interval],
    breaks: Sequence[Interval],
    leave: Iterable[tuple[dt.date, dt.date]],
    busy: Sequence[Interval],
    *,
    day: dt.date,
    minutes: int,
    step: int,
    not_before: dt.datetime | None = None,
) -> list[dt.datetime]:
    """The start of each free appointment of `minutes` on `day`.

    `hours` are the day's working stretches and `breaks` the pauses inside them (aware
    datetimes); `leave` is (first day, last day) ranges, inclusive: a day inside one has no
    slots; `busy` are the times other appointments hold. A slot starts every `step`
    minutes from the start of its stretch, ends within it, overlaps no break and nothing
    busy, and starts no earlier than `not_before` (now).
    """
    if any(first <= day <= last for first, last in leave):
        return []
    length = dt.timedelta(minutes=minutes)
    found = []
    for stretch_start, stretch_end in sorted(hours):
        start = stretch_start
        while start + length <= stretch_end:
            end = start + length
            if (
                (not_before is None or start >= not_before)
                and not _overlaps(start, end, breaks)
                and not _overlaps(start, end, busy)
            ):
                found.append(start)
            start += dt.timedelta(minutes=step)
    return sorted(set(found))


@dataclass(frozen=True)
class Slot:
    practitioner: User
    starts_at: dt.datetime
    ends_at: dt.datetime
    day: dt.date
    """The day in the clinic's time zone."""

    @property
    def key(self) -> str:
        """What a form sends for the slot: the practitioner and the start (UTC, ISO)."""
        return f"{self.practitioner.pk}@{self.starts_at.astimezone(dt.UTC).isoformat()}"


def _at(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, zone).astimezone(dt.UTC)


def practitioner_hours(clinic: Clinic, practitioner: User | None = None) -> list[WorkingHours]:
    """The working hours in `clinic` of those who see patients there (one query)."""
    rows = WorkingHours.objects.filter(
        clinic=clinic,
        practitioner__is_active=True,
        practitioner__memberships__clinic=clinic,
        practitioner__memberships__role__in=PRACTITIONER_ROLES,
    ).select_related("practitioner")
    if practitioner is not None:
        rows = rows.filter(practitioner=practitioner)
    return list(rows)


def needling_days(
    practitioner_ids: Iterable[int], days: Sequence[dt.date]
) -> dict[int, set[dt.date]]:
    """For each practitioner, the days among `days` on which their checked dry-needling
    credential is valid: the rule of `dry_needling_credential`, for many days in one query."""
    valid: dict[int, set[dt.date]] = defaultdict(set)
    for credential in Credential.objects.filter(
        user__in=list(practitioner_ids),
        kind=CredentialKind.DRY_NEEDLING,
        revoked_at__isnull=True,
        checked_by__isnull=False,
    ):
        valid[credential.user_id].update(day for day in days if credential.valid_on(day))
    return valid


def slots_for(
    clinic: Clinic,
    appointment_type: AppointmentType,
    *,
    first_day: dt.date,
    days: int,
    practitioner: User | None = None,
    now: dt.datetime | None = None,
    ignore_busy: bool = False,
) -> list[Slot]:
    """The free slots for `appointment_type` in `clinic` on `days` days from `first_day`
    (days in the clinic's time zone), by time then practitioner's name; only
    `practitioner`'s when given. `ignore_busy` leaves other appointments out of the
    reckoning (booking re-checks the hours and leave and lets the database refuse overlaps)."""
    now = now or timezone.now()
    zone = ZoneInfo(clinic.time_zone)
    if not clinic.active or not appointment_type.active or days < 1:
        return []
    day_list = [first_day + dt.timedelta(days=offset) for offset in range(days)]
    last_day = day_list[-1]
    hours = practitioner_hours(clinic, practitioner)
    by_practitioner: dict[int, list[WorkingHours]] = defaultdict(list)
    people: dict[int, User] = {}
    for row in hours:
        by_practitioner[row.practitioner_id].append(row)
        people[row.practitioner_id] = row.practitioner
    if not people:
        return []
    range_start = _at(first_day, dt.time(0), zone)
    range_end = _at(last_day + dt.timedelta(days=1), dt.time(0), zone)
    leave: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for person_id, first, last in Leave.objects.filter(
        Q(clinic=clinic) | Q(clinic__isnull=True),
        practitioner__in=list(people),
        first_day__lte=last_day,
        last_day__gte=first_day,
    ).values_list("practitioner_id", "first_day", "last_day"):
        leave[person_id].append((first, last))
    busy: dict[int, list[Interval]] = defaultdict(list)
    if not ignore_busy:
        for person_id, starts_at, ends_at in Appointment.objects.filter(
            practitioner__in=list(people),
            status__in=HOLDS_TIME,
            starts_at__lt=range_end,
            ends_at__gt=range_start,
        ).values_list("practitioner_id", "starts_at", "ends_at"):
            busy[person_id].append((starts_at, ends_at))
    allowed_days = (
        needling_days(people, day_list)
        if appointment_type.needs_dry_needling_credential
        else {person_id: set(day_list) for person_id in people}
    )
    length = dt.timedelta(minutes=appointment_type.minutes)
    found = []
    for person_id, rows in by_practitioner.items():
        for day in day_list:
            if day not in allowed_days.get(person_id, set()):
                continue
            todays = [row for row in rows if row.weekday == day.weekday()]
            starts = free_slots(
                [(_at(day, row.starts, zone), _at(day, row.ends, zone)) for row in todays],
                [
                    (_at(day, row.break_starts, zone), _at(day, row.break_ends, zone))
                    for row in todays
                    if row.break_starts and row.break_ends
                ],
                leave[person_id],
                busy[person_id],
                day=day,
                minutes=appointment_type.minutes,
                step=step_minutes(),
                not_before=now,
            )
            found.extend(Slot(people[person_id], start, start + length, day) for start in starts)
    return sorted(
        found, key=lambda slot: (slot.starts_at, slot.practitioner.get_full_name(), slot.key)
    )


def by_day_and_practitioner(
    slots: Iterable[Slot],
) -> list[tuple[dt.date, list[tuple[User, list[Slot]]]]]:
    """Slots grouped for a page: each day, then each practitioner's slots that day."""
    days: dict[dt.date, dict[int, list[Slot]]] = defaultdict(lambda: defaultdict(list))
    for slot in slots:
        days[slot.day][slot.practitioner.pk].append(slot)
    return [
        (
            day,
            sorted(
                ((group[0].practitioner, group) for group in per_person.values()),
                key=lambda pair: pair[0].get_full_name(),
            ),
        )
        for day, per_person in sorted(days.items())
    ]


def local_time(moment: dt.datetime, clinic: Clinic) -> dt.datetime:
    return moment.astimezone(ZoneInfo(clinic.time_zone))


def find_slot(slots: Iterable[Slot], key: str) -> Slot | None:
    return next((slot for slot in slots if slot.key == key), None)
