"""Booking: the slot re-checked, the database refusing double booking (SQLite's trigger
here, PostgreSQL's exclusion constraint with two concurrent bookings), audit and reminder."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from fascia.accounts.models import AuditEvent
from fascia.enquiries.models import Enquiry
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.messaging.models import Message
from fascia.records.tests.factories import make_episode, make_patient
from fascia.scheduling import events
from fascia.scheduling.booking import BookingError, book
from fascia.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    WorkingHours,
)

IST = ZoneInfo("Asia/Kolkata")
MONDAY = dt.date(2027, 3, 1)
BEFORE = dt.datetime(2027, 2, 1, 9, 0, tzinfo=IST)
TEN = dt.datetime(2027, 3, 1, 10, 0, tzinfo=IST)


@pytest.fixture
def assessment(db) -> AppointmentType:
    return AppointmentType.objects.create(
        pathway_id="piriformis-dry-needling",
        name="Initial assessment",
        kind=AppointmentKind.ASSESSMENT,
        minutes=45,
        bookable_by_patients=True,
    )


@pytest.fixture
def needling(db) -> AppointmentType:
    return AppointmentType.objects.create(
        pathway_id="piriformis-dry-needling",
        name="Dry-needling treatment session",
        kind=AppointmentKind.TREATMENT,
        minutes=30,
        needs_dry_needling_credential=True,
    )


def works(person, clinic, weekday=0, starts="09:00", ends="13:00") -> WorkingHours:
    return WorkingHours.objects.create(
        practitioner=person,
        clinic=clinic,
        weekday=weekday,
        starts=dt.time.fromisoformat(starts),
        ends=dt.time.fromisoformat(ends),
    )


def new_enquiry(clinic, key="") -> Enquiry:
    return EnquiryFactory(clinic=clinic)


def test_booking_for_a_patient_is_audited_with_its_reminder(arjun, priya, bangalore, assessment):
    works(arjun, bangalore)
    patient = make_patient(bangalore, by=priya)
    appointment = book(
        clinic=bangalore,
        appointment_type=assessment,
        practitioner=arjun,
        starts_at=TEN,
        patient=patient,
        by=priya,
        ip="10.0.0.1",
        now=BEFORE,
    )
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at == TEN + dt.timedelta(minutes=45)
    event = AuditEvent.objects.get(action=events.APPOINTMENT_BOOKED)
    assert (event.patient_id, event.clinic_id, event.actor_id) == (
        patient.pk,
        bangalore.pk,
        priya.pk,
    )
    assert Message.objects.filter(key__startswith=f"reminder:{appointment.pk}:").count() == 1


def test_a_second_booking_of_the_same_time_is_refused_clearly(arjun, priya, bangalore, assessment):
    works(arjun, bangalore)
    first = new_enquiry(bangalore, "a")
    book(
        clinic=bangalore,
        appointment_type=assessment,
        practitioner=arjun,
        starts_at=TEN,
        enquiry=first,
        by=priya,
        ip=None,
        now=BEFORE,
    )
    with pytest.raises(BookingError, match="Arjun Rao already has an appointment at 10:15"):
        book(
            clinic=bangalore,
            appointment_type=assessment,
            practitioner=arjun,
            starts_at=TEN + dt.timedelta(minutes=15),
            enquiry=new_enquiry(bangalore, "b"),
            by=priya,
            ip=None,
            now=BEFORE,
        )
    assert Appointment.objects.count() == 1
    assert AuditEvent.objects.filter(action=events.APPOINTMENT_BOOKED).count() == 1


def test_an_enquiry_without_a_patient_is_booked_without_a_reminder(
    arjun, priya, bangalore, assessment
):
    works(arjun, bangalore)
    appointment = book(
        clinic=bangalore,
        appointment_type=assessment,
        practitioner=arjun,
        starts_at=TEN,
        enquiry=new_enquiry(bangalore),
        by=priya,
        ip=None,
        now=BEFORE,
    )
    assert appointment.patient is None
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "starts_at, why",
    [
        (TEN.replace(hour=14), "outside their hours"),  # after 13:00
        (TEN.replace(minute=5), "outside their hours"),  # not on the grid
        (TEN - dt.timedelta(days=7), "in the past"),
    ],
)
def test_times_not_offered_are_refused(arjun, priya, bangalore, assessment, starts_at, why):
    works(arjun, bangalore)
    with pytest.raises(BookingError, match=why):
        book(
            clinic=bangalore,
            appointment_type=assessment,
            practitioner=arjun,
            starts_at=starts_at,
            enquiry=new_enquiry(bangalore),
            by=priya,
            ip=None,
            now=TEN - dt.timedelta(days=1),
        )
    assert not Appointment.objects.exists()


def test_needling_is_refused_without_a_credential_on_the_day(
    kiran, arjun, priya, bangalore, needling
):
    works(kiran, bangalore)
    works(arjun, bangalore)
    enquiry = new_enquiry(bangalore)
    with pytest.raises(BookingError, match="dry-needling credential valid that day"):
        book(
            clinic=bangalore,
            appointment_type=needling,
            practitioner=kiran,
            starts_at=TEN,
            enquiry=enquiry,
            by=priya,
            ip=None,
            now=BEFORE,
        )
    # Arjun's credential ends on 14 January 2029.
    late = dt.datetime(2029, 1, 15, 10, 0, tzinfo=IST)
    works(arjun, bangalore, weekday=late.weekday())
    with pytest.raises(BookingError, match="credential"):
        book(
            clinic=bangalore,
            appointment_type=needling,
            practitioner=arjun,
            starts_at=late,
            enquiry=enquiry,
            by=priya,
            ip=None,
            now=BEFORE,
        )
    assert book(
        clinic=bangalore,
        appointment_type=needling,
        practitioner=arjun,
        starts_at=TEN,
        enquiry=enquiry,
        by=priya,
        ip=None,
        now=BEFORE,
    )


def test_an_enquiry_registered_as_a_patient_is_booked_for_the_patient(
    arjun, priya, bangalore, assessment
):
    works(arjun, bangalore)
    episode = make_episode(bangalore, by=priya)
    enquiry = EnquiryFactory(clinic=bangalore, episode=episode)
    appointment = book(
        clinic=bangalore,
        appointment_type=assessment,
        practitioner=arjun,
        starts_at=TEN,
        enquiry=enquiry,
        by=priya,
        ip=None,
        now=BEFORE,
    )
    assert (appointment.patient, appointment.enquiry) == (episode.patient, enquiry)


def _insert(**values) -> Appointment:
    return Appointment.objects.create(**values)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite trigger")
def test_the_sqlite_trigger_refuses_an_overlapping_insert_and_update(arjun, bangalore, assessment):
    common = {"clinic": bangalore, "practitioner": arjun, "type": assessment}
    _insert(
        **common,
        enquiry=new_enquiry(bangalore, "x"),
        starts_at=TEN,
        ends_at=TEN + dt.timedelta(minutes=45),
    )
    with (
        pytest.raises(IntegrityError, match="scheduling_appointment_no_overlap"),
        transaction.atomic(),
    ):
        _insert(
            **common,
            enquiry=new_enquiry(bangalore, "y"),
            starts_at=TEN + dt.timedelta(minutes=30),
            ends_at=TEN + dt.timedelta(minutes=75),
        )
    # Touching is not overlapping; a cancelled one holds no time.
    later = _insert(
        **common,
        enquiry=new_enquiry(bangalore, "z"),
        starts_at=TEN + dt.timedelta(minutes=45),
        ends_at=TEN + dt.timedelta(minutes=90),
    )
    _insert(
        **common,
        enquiry=new_enquiry(bangalore, "w"),
        starts_at=TEN,
        ends_at=TEN + dt.timedelta(minutes=30),
        status=AppointmentStatus.CANCELLED,
    )
    with (
        pytest.raises(IntegrityError, match="scheduling_appointment_no_overlap"),
        transaction.atomic(),
    ):
        Appointment.objects.filter(pk=later.pk).update(starts_at=TEN + dt.timedelta(minutes=30))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections booking at once need PostgreSQL (SQLite has one writer at a time)",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_slot_give_one_appointment(
    arjun, priya, bangalore, assessment
):
    works(arjun, bangalore)
    enquiries = [new_enquiry(bangalore, "p"), new_enquiry(bangalore, "q")]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt(enquiry: Enquiry) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                outcomes.append(
                    book(
                        clinic=bangalore,
                        appointment_type=assessment,
                        practitioner=arjun,
                        starts_at=TEN,
                        enquiry=enquiry,
                        by=priya,
                        ip=None,
                        now=BEFORE,
                    )
                )
        except BookingError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(enquiry,)) for enquiry in enquiries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Appointment", "BookingError"]
    assert "already has an appointment at 10:00" in str(
        next(o for o in outcomes if isinstance(o, BookingError))
    )
    assert Appointment.objects.filter(practitioner=arjun).count() == 1
