"""Schedules and appointment types through HTTP: who sees and changes them, and specific
refusals of bad input that change nothing."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.scheduling import events
from fascia.scheduling.models import AppointmentType, Leave, WorkingHours
from fascia.scheduling.schedules import seed_appointment_types
from fascia.tests.html import messages_on
from fascia.tests.personas import signed_in


def words(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def schedule_url(clinic, person) -> str:
    return reverse("booking:schedule", kwargs={"clinic_id": clinic.pk, "user_id": person.pk})


def week(*rows: dict) -> dict:
    """A posted hours formset with `rows` (and no stretches before)."""
    data = {
        "hours-TOTAL_FORMS": str(len(rows)),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "28",
    }
    for index, row in enumerate(rows):
        data.update({f"hours-{index}-{key}": value for key, value in row.items()})
    return data


MONDAY = {"weekday": "0", "starts": "09:00", "ends": "13:00"}


def test_a_manager_sets_working_hours_with_a_break(client, farah, kiran, bangalore):
    signed_in(client, farah)
    row = {**MONDAY, "ends": "17:00", "break_starts": "13:00", "break_ends": "14:00"}
    response = client.post(schedule_url(bangalore, kiran), week(row, {**MONDAY, "weekday": "1"}))
    assert response.status_code == 302
    hours = WorkingHours.objects.filter(practitioner=kiran, clinic=bangalore)
    assert [(h.weekday, h.starts, h.ends, h.break_starts) for h in hours] == [
        (0, dt.time(9), dt.time(17), dt.time(13)),
        (1, dt.time(9), dt.time(13), None),
    ]
    event = AuditEvent.objects.get(action=events.WORKING_HOURS_CHANGED)
    assert (event.actor_id, event.clinic_id) == (farah.pk, bangalore.pk)


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [MONDAY, {**MONDAY, "starts": "12:00", "ends": "15:00"}],
            "This overlaps Monday 09:00 to 13:00",
        ),
        (
            [{**MONDAY, "break_starts": "12:30", "break_ends": "13:30"}],
            "The break must fall inside the working hours (09:00 to 13:00)",
        ),
        ([{**MONDAY, "break_starts": "10:00"}], "A break needs both a start and an end"),
        ([{**MONDAY, "ends": "08:00"}], "The stretch must end after it starts (09:00)"),
        ([{**MONDAY, "starts": "nine"}], "Enter the start as hours and minutes"),
    ],
    ids=["overlap", "break outside", "half a break", "backwards", "not a time"],
)
def test_bad_hours_are_refused_specifically(client, farah, kiran, bangalore, rows, message):
    signed_in(client, farah)
    response = client.post(schedule_url(bangalore, kiran), week(*rows))
    assert response.status_code == 400
    assert message in words(response)
    assert not WorkingHours.objects.exists()
    assert not AuditEvent.objects.filter(action=events.WORKING_HOURS_CHANGED).exists()


def test_leave_is_added_checked_and_removed(client, farah, kiran, bangalore):
    signed_in(client, farah)
    url = reverse("booking:leave_new", kwargs={"clinic_id": bangalore.pk, "user_id": kiran.pk})
    backwards = client.post(url, {"first_day": "2027-03-10", "last_day": "2027-03-08"})
    assert backwards.status_code == 400
    assert "Leave cannot end before it starts (2027-03-10)" in words(backwards)
    assert not Leave.objects.exists()
    response = client.post(
        url,
        {"first_day": "2027-03-08", "last_day": "2027-03-10", "every_clinic": "on"},
        follow=True,
    )
    assert "The leave was added." in messages_on(response)
    leave = Leave.objects.get()
    assert (leave.clinic, leave.created_by) == (None, farah)
    remove = reverse(
        "booking:leave_remove",
        kwargs={"clinic_id": bangalore.pk, "user_id": kiran.pk, "leave_id": leave.pk},
    )
    assert client.post(remove).status_code == 302
    assert not Leave.objects.exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert events.LEAVE_ADDED in actions and events.LEAVE_REMOVED in actions


def test_who_sees_and_changes_a_schedule(client, farah, priya, arjun, kiran, meera, bangalore):
    url = schedule_url(bangalore, kiran)
    signed_in(client, kiran)
    own = client.get(url)
    assert own.status_code == 200
    assert "Save the working hours" not in words(own)
    assert client.post(url, week(MONDAY)).status_code == 404  # not his to change
    signed_in(client, priya)
    assert client.get(url).status_code == 200
    assert client.post(url, week(MONDAY)).status_code == 404
    signed_in(client, arjun)
    assert client.get(url).status_code == 404  # a colleague's
    listing = client.get(reverse("booking:schedules"))
    assert "Arjun Rao" in words(listing) and "Kiran Shetty" not in words(listing)
    signed_in(client, meera)
    assert client.get(url).status_code == 404  # another clinic's
    assert not WorkingHours.objects.exists()


def test_appointment_types_are_the_managers(client, farah, priya):
    seed_appointment_types()
    assert seed_appointment_types() == 0  # idempotent
    needling = AppointmentType.objects.get(name="Dry-needling treatment session")
    assert needling.needs_dry_needling_credential and needling.minutes == 30
    url = reverse("booking:type_edit", kwargs={"type_id": needling.pk})
    signed_in(client, priya)
    assert client.get(reverse("booking:types")).status_code == 404
    assert client.post(url, {"name": "X", "kind": "treatment", "minutes": "5"}).status_code == 404
    signed_in(client, farah)
    form = {"name": "Dry-needling treatment session", "kind": "treatment", "active": "on"}
    for minutes, message in [("0", "from 5 minutes to 8 hours"), ("half", "whole number")]:
        response = client.post(url, {**form, "minutes": minutes})
        assert response.status_code == 400
        assert message in words(response)
    taken = client.post(url, {**form, "name": "Initial assessment", "minutes": "30"})
    assert "There is already an appointment type called Initial assessment" in words(taken)
    response = client.post(url, {**form, "minutes": "40", "needs_dry_needling_credential": "on"})
    assert response.status_code == 302
    needling.refresh_from_db()
    assert needling.minutes == 40
    event = AuditEvent.objects.get(action=events.APPOINTMENT_TYPE_CHANGED)
    assert event.detail["fields"] == ["minutes"]
