"""Free slots: the pure rule, and what `slots_for` reads from the schedules."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fascia.clinics.credentials import dry_needling_credential
from fascia.clinics.models import Credential, CredentialKind, Membership, Role
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.scheduling.models import Appointment, AppointmentStatus, Leave
from fascia.scheduling.slots import by_day_and_practitioner, free_slots, slots_for

from .schedule_data import BEFORE, IST, MONDAY, at, make_appointment, works


def times(starts) -> list[str]:
    return [f"{start.astimezone(IST):%H:%M}" for start in starts]


# The pure rule.


@pytest.mark.parametrize(
    "hours, breaks, busy, minutes, step, expected",
    [
        pytest.param(
            [(at(MONDAY, 9), at(MONDAY, 11))],
            [],
            [],
            45,
            15,
            ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15"],
            id="a stretch is cut into appointments every step",
        ),
        pytest.param(
            [(at(MONDAY, 9), at(MONDAY, 14))],
            [(at(MONDAY, 12), at(MONDAY, 13))],
            [(at(MONDAY, 9, 30), at(MONDAY, 10, 30))],
            30,
            30,
            ["09:00", "10:30", "11:00", "11:30", "13:00", "13:30"],
            id="breaks and busy times are skipped",
        ),
        pytest.param(
            [(at(MONDAY, 14), at(MONDAY, 15)), (at(MONDAY, 9), at(MONDAY, 10))],
            [],
            [],
            60,
            15,
            ["09:00", "14:00"],
            id="several stretches a day",
        ),
    ],
)
def test_free_slots(hours, breaks, busy, minutes, step, expected):
    starts = free_slots(hours, breaks, [], busy, day=MONDAY, minutes=minutes, step=step)
    assert times(starts) == expected


def test_leave_empties_the_day_and_past_times_are_gone():
    hours = [(at(MONDAY, 9), at(MONDAY, 11))]
    assert free_slots(hours, [], [(MONDAY, MONDAY)], [], day=MONDAY, minutes=30, step=30) == []
    later = free_slots(
        hours, [], [], [], day=MONDAY, minutes=30, step=30, not_before=at(MONDAY, 9, 40)
    )
    assert times(later) == ["10:00", "10:30"]


# From the database.


def test_hours_with_a_break_in_the_clinic_time_zone(arjun, bangalore, assessment):
    works(
        arjun,
        bangalore,
        starts="09:00",
        ends="12:00",
        break_starts="10:00",
        break_ends="10:30",
    )
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=1, now=BEFORE)
    assert times(s.starts_at for s in slots) == [
        "09:00",
        "09:15",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
    ]
    first = slots[0]
    assert first.starts_at.utcoffset() == dt.timedelta(0)
    assert first.starts_at == dt.datetime(2027, 3, 1, 3, 30, tzinfo=dt.UTC)
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=45)


def test_a_clinic_in_another_time_zone(arjun, bangalore, assessment):
    bangalore.time_zone = "Europe/London"
    bangalore.save()
    works(arjun, bangalore, starts="09:00", ends="09:45")
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=1, now=BEFORE)
    assert [s.starts_at for s in slots] == [dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)]


def test_leave_here_or_everywhere_and_appointments_anywhere(
    arjun, bangalore, hyderabad, assessment, farah
):
    for weekday in range(3):
        works(arjun, bangalore, weekday=weekday, starts="09:00", ends="10:00")
    Leave.objects.create(practitioner=arjun, clinic=bangalore, first_day=MONDAY, last_day=MONDAY)
    Leave.objects.create(
        practitioner=arjun,
        clinic=hyderabad,
        first_day=MONDAY + dt.timedelta(days=1),
        last_day=MONDAY + dt.timedelta(days=1),
    )
    Leave.objects.create(
        practitioner=arjun,
        clinic=None,
        first_day=MONDAY + dt.timedelta(days=2),
        last_day=MONDAY + dt.timedelta(days=2),
    )
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=3, now=BEFORE)
    assert {s.day for s in slots} == {MONDAY + dt.timedelta(days=1)}
    # An appointment in the other clinic holds his time too; a cancelled one does not.
    tuesday = MONDAY + dt.timedelta(days=1)
    for clinic, status in (
        (hyderabad, AppointmentStatus.BOOKED),
        (bangalore, AppointmentStatus.CANCELLED),
    ):
        make_appointment(
            clinic=clinic,
            practitioner=arjun,
            enquiry=EnquiryFactory(clinic=clinic),
            starts_at=at(tuesday, 9),
            status=status,
        )
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=3, now=BEFORE)
    assert times(s.starts_at for s in slots) == []
    Appointment.objects.filter(clinic=hyderabad).update(status=AppointmentStatus.CANCELLED)
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=3, now=BEFORE)
    assert times(s.starts_at for s in slots) == ["09:00", "09:15"]


def test_only_practitioners_who_see_patients_in_the_clinic(
    arjun, priya, farah, meera, bangalore, assessment
):
    works(arjun, bangalore, starts="09:00", ends="09:45")
    works(priya, bangalore, starts="09:00", ends="09:45")  # front desk: never offered
    works(meera, bangalore, starts="09:00", ends="09:45")  # no role in Bangalore
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=1, now=BEFORE)
    assert {s.practitioner for s in slots} == {arjun}
    works(farah, bangalore, starts="09:00", ends="09:45")  # a manager with hours sees patients
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=1, now=BEFORE)
    assert {s.practitioner for s in slots} == {arjun, farah}
    assert [
        s.practitioner
        for s in slots_for(
            bangalore, assessment, first_day=MONDAY, days=1, practitioner=farah, now=BEFORE
        )
    ] == [farah]


def test_past_times_are_never_offered(arjun, bangalore, assessment):
    works(arjun, bangalore, starts="09:00", ends="11:00")
    slots = slots_for(bangalore, assessment, first_day=MONDAY, days=1, now=at(MONDAY, 9, 50))
    assert times(s.starts_at for s in slots) == ["10:00", "10:15"]


def needling_credential(user, *, valid_to=None, checked_by=None) -> Credential:
    """A dry-needling credential from 2026, checked by `checked_by` (who recorded it) or
    waiting to be checked."""
    return Credential.objects.create(
        user=user,
        kind=CredentialKind.DRY_NEEDLING,
        title="Dry needling",
        issuer="IAP",
        valid_from=dt.date(2026, 1, 1),
        valid_to=valid_to,
        recorded_by=checked_by or user,
        checked_by=checked_by,
        checked_at=timezone.now() if checked_by else None,
    )


def test_needling_only_with_a_credential_valid_that_day(arjun, kiran, farah, bangalore, needling):
    for weekday in range(7):
        works(arjun, bangalore, weekday=weekday, starts="09:00", ends="09:30")
        works(kiran, bangalore, weekday=weekday, starts="09:00", ends="09:30")
    march = slots_for(bangalore, needling, first_day=MONDAY, days=31, now=BEFORE)
    assert {s.practitioner for s in march} == {arjun}
    assert len(march) == 31
    # Kiran gets a credential that ends on 10 March: needling slots until then only.
    needling_credential(kiran, valid_to=dt.date(2027, 3, 10), checked_by=farah)
    kirans = [
        s.day
        for s in slots_for(bangalore, needling, first_day=MONDAY, days=31, now=BEFORE)
        if s.practitioner == kiran
    ]
    assert kirans == [MONDAY + dt.timedelta(days=n) for n in range(10)]
    for day in (dt.date(2027, 3, 10), dt.date(2027, 3, 11)):
        assert bool(dry_needling_credential(kiran, day)) == (day in kirans)
    # A type that needs no credential is offered with both.
    needling.needs_dry_needling_credential = False
    offered = slots_for(bangalore, needling, first_day=MONDAY, days=1, now=BEFORE)
    assert {s.practitioner for s in offered} == {arjun, kiran}


def test_a_credential_waiting_to_be_checked_does_not_count(kiran, bangalore, needling):
    works(kiran, bangalore, starts="09:00", ends="09:30")
    needling_credential(kiran)
    assert slots_for(bangalore, needling, first_day=MONDAY, days=1, now=BEFORE) == []


def test_a_range_is_read_in_a_few_queries(arjun, kiran, farah, bangalore, needling):
    for person in (arjun, kiran):
        for weekday in range(6):
            works(person, bangalore, weekday=weekday)
    with CaptureQueriesContext(connection) as one_day:
        slots_for(bangalore, needling, first_day=MONDAY, days=1, now=BEFORE)
    with CaptureQueriesContext(connection) as four_weeks:
        slots = slots_for(bangalore, needling, first_day=MONDAY, days=28, now=BEFORE)
    assert len(slots) > 100
    assert len(four_weeks.captured_queries) == len(one_day.captured_queries) <= 5


def test_grouped_by_day_then_practitioner(arjun, kiran, bangalore, assessment):
    works(arjun, bangalore, starts="09:00", ends="09:45")
    works(kiran, bangalore, starts="09:00", ends="10:00")
    grouped = by_day_and_practitioner(
        slots_for(bangalore, assessment, first_day=MONDAY, days=7, now=BEFORE)
    )
    assert [(day, [(p.username, len(s)) for p, s in people]) for day, people in grouped] == [
        (MONDAY, [("arjun", 1), ("kiran", 2)])
    ]


def test_an_inactive_type_or_clinic_offers_nothing(arjun, bangalore, assessment):
    works(arjun, bangalore)
    Membership.objects.filter(user=arjun).update(role=Role.PHYSIOTHERAPIST)
    assessment.active = False
    assert slots_for(bangalore, assessment, first_day=MONDAY, days=1, now=BEFORE) == []
