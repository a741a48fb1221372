"""Booking: the slot re-checked, the database refusing double booking (SQLite's trigger
here, PostgreSQL's exclusion constraint with two concurrent bookings), audit and reminder."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from fascia.accounts.models import AuditEvent, User
from fascia.clinics.models import Clinic
from fascia.enquiries.models import Enquiry
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.messaging.models import Message
from fascia.records.tests.factories import make_episode, make_patient
from fascia.scheduling import events
from fascia.scheduling.booking import BookingError, book
from fascia.scheduling.models import Appointment, AppointmentStatus, AppointmentType

from .schedule_data import BEFORE, IST, MONDAY, at, works

TEN = at(MONDAY, 10)


def book_at_ten(
    clinic: Clinic, appointment_type: AppointmentType, practitioner: User, by: User, **more
) -> Appointment:
    """`book` at ten on Monday with no address, seen from a month before; `more` names the
    patient or enquiry and may change the rest."""
    values = {"starts_at": TEN, "ip": None, "now": BEFORE, **more}
    return book(
        clinic=clinic, appointment_type=appointment_type, practitioner=practitioner, by=by, **values
    )


def test_booking_for_a_patient_is_audited_with_its_reminder(arjun, priya, bangalore, assessment):
    works(arjun, bangalore)
    patient = make_patient(bangalore, by=priya)
    appointment = book_at_ten(bangalore, assessment, arjun, priya, patient=patient, ip="10.0.0.1")
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
    first = EnquiryFactory(clinic=bangalore)
    book_at_ten(bangalore, assessment, arjun, priya, enquiry=first)
    with pytest.raises(BookingError, match="Arjun Rao already has an appointment at 10:15"):
        book_at_ten(
            bangalore,
            assessment,
            arjun,
            priya,
            starts_at=TEN + dt.timedelta(minutes=15),
            enquiry=EnquiryFactory(clinic=bangalore),
        )
    assert Appointment.objects.count() == 1
    assert AuditEvent.objects.filter(action=events.APPOINTMENT_BOOKED).count() == 1


def test_an_enquiry_without_a_patient_is_booked_without_a_reminder(
    arjun, priya, bangalore, assessment
):
    works(arjun, bangalore)
    appointment = book_at_ten(
        bangalore, assessment, arjun, priya, enquiry=EnquiryFactory(clinic=bangalore)
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
        book_at_ten(
            bangalore,
            assessment,
            arjun,
            priya,
            starts_at=starts_at,
            enquiry=EnquiryFactory(clinic=bangalore),
            now=TEN - dt.timedelta(days=1),
        )
    assert not Appointment.objects.exists()


def test_needling_is_refused_without_a_credential_on_the_day(
    kiran, arjun, priya, bangalore, needling
):
    works(kiran, bangalore)
    works(arjun, bangalore)
    enquiry = EnquiryFactory(clinic=bangalore)
    with pytest.raises(BookingError, match="dry-needling credential valid that day"):
        book_at_ten(bangalore, needling, kiran, priya, enquiry=enquiry)
    # Arjun's credential ends on 14 January 2029.
    late = dt.datetime(2029, 1, 15, 10, 0, tzinfo=IST)
    works(arjun, bangalore, weekday=late.weekday())
    with pytest.raises(BookingError, match="credential"):
        book_at_ten(bangalore, needling, arjun, priya, starts_at=late, enquiry=enquiry)
    assert book_at_ten(bangalore, needling, arjun, priya, enquiry=enquiry)


def test_an_enquiry_registered_as_a_patient_is_booked_for_the_patient(
    arjun, priya, bangalore, assessment
):
    works(arjun, bangalore)
    episode = make_episode(bangalore, by=priya)
    enquiry = EnquiryFactory(clinic=bangalore, episode=episode)
    appointment = book_at_ten(bangalore, assessment, arjun, priya, enquiry=enquiry)
    assert (appointment.patient, appointment.enquiry) == (episode.patient, enquiry)


def _insert(**values) -> Appointment:
    return Appointment.objects.create(**values)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite trigger")
def test_the_sqlite_trigger_refuses_an_overlapping_insert_and_update(arjun, bangalore, assessment):
    common = {"clinic": bangalore, "practitioner": arjun, "type": assessment}
    _insert(
        **common,
        enquiry=EnquiryFactory(clinic=bangalore),
        starts_at=TEN,
        ends_at=TEN + dt.timedelta(minutes=45),
    )
    with (
        pytest.raises(IntegrityError, match="scheduling_appointment_no_overlap"),
        transaction.atomic(),
    ):
        _insert(
            **common,
            enquiry=EnquiryFactory(clinic=bangalore),
            starts_at=TEN + dt.timedelta(minutes=30),
            ends_at=TEN + dt.timedelta(minutes=75),
        )
    # Touching is not overlapping; a cancelled one holds no time.
    later = _insert(
        **common,
        enquiry=EnquiryFactory(clinic=bangalore),
        starts_at=TEN + dt.timedelta(minutes=45),
        ends_at=TEN + dt.timedelta(minutes=90),
    )
    _insert(
        **common,
        enquiry=EnquiryFactory(clinic=bangalore),
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
    enquiries = [EnquiryFactory(clinic=bangalore), EnquiryFactory(clinic=bangalore)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt(enquiry: Enquiry) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                outcomes.append(book_at_ten(bangalore, assessment, arjun, priya, enquiry=enquiry))
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
