"""Appointment reminders: when they fall due (with a controlled clock), their key, link and
words, and how moving or cancelling an appointment ends the reminder already queued."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from fascia.messaging.links import Link
from fascia.messaging.models import Message, MessageStatus
from fascia.messaging.rendering import rendered
from fascia.records.models import Language
from fascia.records.tests.factories import make_patient
from fascia.scheduling.appointments import appointment_set_status
from fascia.scheduling.models import AppointmentStatus
from fascia.scheduling.reminders import reminder_key, schedule_reminder

from .schedule_data import IST, TUESDAY, at, make_appointment

MONDAY = TUESDAY - dt.timedelta(days=1)


@pytest.fixture
def patient(bangalore, priya):
    return make_patient(bangalore, by=priya, name="Kavya Rao", email="kavya@example.in")


@pytest.fixture
def afternoon(bangalore, arjun, patient):
    """Kavya's treatment with Arjun on Tuesday at 15:00 in Bangalore."""
    return make_appointment(
        clinic=bangalore, practitioner=arjun, patient=patient, starts_at=at(TUESDAY, 15)
    )


def test_the_reminder_is_due_the_day_before_at_ten_in_the_clinics_time(afternoon, priya):
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        message = schedule_reminder(afternoon, by=priya)
    assert message is not None
    assert message.due_at == at(MONDAY, 10)
    assert message.key == f"reminder:{afternoon.pk}:{int(afternoon.starts_at.timestamp())}"
    assert message.template == "appointment_reminder"
    assert message.status == MessageStatus.QUEUED
    assert message.created_by == priya


@override_settings(FASCIA_REMINDER_DAYS_BEFORE=2, FASCIA_REMINDER_TIME="18:30")
def test_the_days_before_and_the_time_are_settings(afternoon, priya):
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        message = schedule_reminder(afternoon, by=priya)
    assert message.due_at == at(TUESDAY - dt.timedelta(days=2), 18, 30)


def test_booked_after_the_reminder_time_it_goes_now_if_more_than_two_hours_remain(afternoon, priya):
    now = at(MONDAY, 16)
    with time_machine.travel(now, tick=False):
        message = schedule_reminder(afternoon, by=priya)
    assert message.due_at == now


def test_no_reminder_within_two_hours_of_the_appointment(afternoon, priya):
    with time_machine.travel(at(TUESDAY, 13, 30), tick=False):
        assert schedule_reminder(afternoon, by=priya) is None
    assert not Message.objects.exists()


def test_only_booked_appointments_with_a_patient_are_reminded(bangalore, arjun, priya, patient):
    from fascia.enquiries.tests.factories import EnquiryFactory

    enquiry_only = make_appointment(
        clinic=bangalore,
        practitioner=arjun,
        enquiry=EnquiryFactory(clinic=bangalore),
        starts_at=at(TUESDAY, 9),
    )
    requested = make_appointment(
        clinic=bangalore,
        practitioner=arjun,
        patient=patient,
        starts_at=at(TUESDAY, 11),
        status=AppointmentStatus.REQUESTED,
    )
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        assert schedule_reminder(enquiry_only, by=priya) is None
        assert schedule_reminder(requested, by=priya) is None
    assert not Message.objects.exists()


def test_the_link_is_stored_only_as_its_digest_and_scheduling_again_changes_nothing(
    afternoon, priya
):
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        first = schedule_reminder(afternoon, by=priya)
        afternoon.refresh_from_db()
        digest = afternoon.token_sha256
        again = schedule_reminder(afternoon, by=priya)
    afternoon.refresh_from_db()
    link = Link.from_context(first.context["link"])
    assert link.url_name == "my_appointment:manage"
    assert digest == link.digest
    assert link.token not in str(first.context)
    assert again == first
    assert afternoon.token_sha256 == digest
    assert Message.objects.count() == 1


def test_the_message_names_the_type_the_day_and_time_in_words_and_the_practitioner(
    afternoon, priya
):
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        message = schedule_reminder(afternoon, by=priya)
    assert message.context["type"] == "Treatment session"
    assert message.context["date"] == "Tuesday 2 March 2027"
    assert message.context["time"] == "15:00"
    assert message.context["practitioner"] == "Arjun Rao"
    text = rendered(message).text
    assert "(Treatment session) with Arjun Rao on Tuesday 2 March 2027 at 15:00" in text
    assert Link.from_context(message.context["link"]).url in text


def test_a_patient_who_prefers_hindi_gets_the_hindi_reminder(afternoon, patient, priya):
    patient.preferred_language = Language.HINDI
    patient.save(update_fields=["preferred_language"])
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        message = schedule_reminder(afternoon, by=priya)
    result = rendered(message)
    assert result.language == "hi"
    assert "अपॉइंटमेंट" in result.text
    assert "15:00" in result.text


def test_moving_the_appointment_queues_a_new_reminder_and_cancels_the_old(afternoon, priya):
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        old = schedule_reminder(afternoon, by=priya)
        afternoon.starts_at = at(TUESDAY + dt.timedelta(days=2), 11)
        afternoon.ends_at = afternoon.starts_at + dt.timedelta(minutes=30)
        afternoon.save()
        new = schedule_reminder(afternoon, by=priya)
    old.refresh_from_db()
    assert old.status == MessageStatus.CANCELLED
    assert new.key == reminder_key(afternoon) != old.key
    assert new.status == MessageStatus.QUEUED
    assert new.due_at == at(TUESDAY + dt.timedelta(days=1), 10)


def test_cancelling_the_appointment_cancels_its_reminder(afternoon, priya):
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST), tick=False):
        reminder = schedule_reminder(afternoon, by=priya)
        appointment_set_status(
            afternoon, AppointmentStatus.CANCELLED, by=priya, ip=None, reason="Unwell"
        )
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.CANCELLED
