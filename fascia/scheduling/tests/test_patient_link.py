"""The patient's page for an appointment, /a/<token>/, from the reminder's link: confirm,
cancel (with a second step), replays, an appointment past or cancelled, an unknown link."""

import datetime as dt

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.messaging.links import Link
from fascia.messaging.models import MessageStatus
from fascia.records.tests.factories import make_patient
from fascia.scheduling import events
from fascia.scheduling.models import Appointment, AppointmentStatus
from fascia.scheduling.reminders import schedule_reminder
from fascia.tests.csp import strict_policy_problem

from .schedule_data import IST, TUESDAY, at, make_appointment

BOOKED_ON = dt.datetime(2027, 2, 20, 9, 0, tzinfo=IST)
MONDAY_EVENING = at(TUESDAY - dt.timedelta(days=1), 19)


@pytest.fixture
def booked(bangalore, arjun, priya):
    """Kavya's treatment with Arjun on Tuesday at 15:00, its reminder queued; with the
    token of the reminder's link."""
    patient = make_patient(bangalore, by=priya, name="Kavya Rao")
    appointment = make_appointment(
        clinic=bangalore, practitioner=arjun, patient=patient, starts_at=at(TUESDAY, 15)
    )
    with time_machine.travel(BOOKED_ON, tick=False):
        reminder = schedule_reminder(appointment, by=priya)
    appointment.refresh_from_db()
    return appointment, reminder, Link.from_context(reminder.context["link"]).token


def page(token: str) -> str:
    return reverse("my_appointment:manage", args=[token])


def text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def patient_events(appointment: Appointment) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            target_type="scheduling.appointment", target_id=str(appointment.pk)
        ).values_list("action", flat=True)
    )


def test_the_page_shows_the_appointment_privately(client, booked, bangalore):
    _appointment, _reminder, token = booked
    with time_machine.travel(MONDAY_EVENING, tick=False):
        response = client.get(page(token))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert strict_policy_problem(response) is None
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    shown = text(response)
    assert "Tuesday 2 March 2027, 15:00" in shown
    assert "Treatment session" in shown
    assert "Arjun Rao" in shown
    assert bangalore.name in shown
    assert bangalore.phone.as_international in shown
    assert [b.get_text(strip=True) for b in soup.select("main button")] == ["I'll be there"]


def test_confirming_is_recorded_once_however_often_it_is_sent(client, booked):
    appointment, _reminder, token = booked
    url = reverse("my_appointment:confirm", args=[token])
    with time_machine.travel(MONDAY_EVENING, tick=False):
        first = client.post(url)
        again = client.post(url)
        shown = text(client.get(page(token)))
    assert first.status_code == again.status_code == 303
    assert first["Location"] == page(token)
    appointment.refresh_from_db()
    assert appointment.patient_confirmed_at == MONDAY_EVENING
    assert appointment.status == AppointmentStatus.BOOKED
    assert patient_events(appointment) == [events.APPOINTMENT_CONFIRMED_BY_PATIENT]
    assert "you told us you will be there" in shown


def test_cancelling_asks_first_then_frees_the_time_and_ends_the_reminder(
    client, booked, bangalore, arjun, priya
):
    appointment, reminder, token = booked
    url = reverse("my_appointment:cancel", args=[token])
    with time_machine.travel(MONDAY_EVENING, tick=False):
        step = client.get(url)
        assert step.status_code == 200
        assert "Cancel your appointment?" in text(step)
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.BOOKED
        done = client.post(url)
        replay = client.post(url)
        after = client.get(page(token))
    assert done.status_code == 303
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.status_changed_by is None
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.CANCELLED
    assert patient_events(appointment) == [events.APPOINTMENT_CANCELLED_BY_PATIENT]
    assert replay.status_code == 200
    assert "This appointment is cancelled" in text(replay)
    assert "This appointment is cancelled" in text(after)
    # The time is free again: another patient can have it.
    make_appointment(
        clinic=bangalore,
        practitioner=arjun,
        patient=make_patient(bangalore, by=priya, name="Ravi Kumar"),
        starts_at=at(TUESDAY, 15),
    )


def test_once_begun_the_page_says_to_call_and_changes_nothing(client, booked, bangalore):
    appointment, _reminder, token = booked
    with time_machine.travel(at(TUESDAY, 15, 5), tick=False):
        shown = client.get(page(token))
        confirm = client.post(reverse("my_appointment:confirm", args=[token]))
        cancel = client.post(reverse("my_appointment:cancel", args=[token]))
    assert "This appointment can no longer be changed here" in text(shown)
    assert f"Call {bangalore.phone.as_international}" in text(shown)
    assert "can no longer be changed" in text(confirm)
    assert "can no longer be changed" in text(cancel)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.patient_confirmed_at is None
    assert patient_events(appointment) == []


def test_an_unknown_link_is_not_found_with_what_to_do(client, booked):
    response = client.get(page("not-a-real-token"))
    assert response.status_code == 404
    assert "We could not find this link" in text(response)
    assert client.post(reverse("my_appointment:confirm", args=["nope"])).status_code == 404


def test_the_forms_need_their_csrf_token(booked):
    appointment, _reminder, token = booked
    strict = Client(enforce_csrf_checks=True)
    with time_machine.travel(MONDAY_EVENING, tick=False):
        refused = strict.post(reverse("my_appointment:cancel", args=[token]))
        form = BeautifulSoup(strict.get(page(token)).content, "html.parser").form
        accepted = strict.post(
            form["action"],
            {
                "csrfmiddlewaretoken": form.find("input", attrs={"name": "csrfmiddlewaretoken"})[
                    "value"
                ]
            },
        )
    assert refused.status_code == 403
    assert accepted.status_code == 303
    appointment.refresh_from_db()
    assert appointment.patient_confirmed_at == MONDAY_EVENING
