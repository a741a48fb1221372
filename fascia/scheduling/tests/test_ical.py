"""The practitioner's calendar feed: made and replaced on their page (the token shown once,
its digest stored, audited), read back with `icalendar`, switched off, and nobody else's."""

import datetime as dt
import hashlib
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from fascia.accounts.models import AuditEvent
from fascia.records.tests.factories import make_patient
from fascia.scheduling import events
from fascia.scheduling.models import AppointmentStatus, CalendarFeed
from fascia.tests.html import messages_on, soup_of
from fascia.tests.personas import signed_in

from .schedule_data import TUESDAY, at, make_appointment

NOW = at(TUESDAY, 8)


def make_feed(client, person) -> str:
    """The feed address `person` makes on their page."""
    signed_in(client, person)
    response = client.post(reverse("schedule:feed_new"))
    assert "no-store" in response["Cache-Control"]
    return soup_of(response).select_one("#link-url")["value"]


def read(client, address: str):
    return client.get(urlsplit(address).path)


def events_of(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


@pytest.fixture
def diary(bangalore, arjun, meera, hyderabad, priya):
    """Arjun's appointments: one today, one cancelled tomorrow, one 40 days ago and one 100
    days ahead (both out of range); and Meera's at Hyderabad."""
    kavya = make_patient(bangalore, by=priya, name="Kavya Rao")
    return {
        "today": make_appointment(
            clinic=bangalore, practitioner=arjun, patient=kavya, starts_at=at(TUESDAY, 10)
        ),
        "cancelled": make_appointment(
            clinic=bangalore,
            practitioner=arjun,
            patient=kavya,
            starts_at=at(TUESDAY + dt.timedelta(days=1), 10),
            status=AppointmentStatus.CANCELLED,
        ),
        "long_ago": make_appointment(
            clinic=bangalore,
            practitioner=arjun,
            patient=kavya,
            starts_at=at(TUESDAY - dt.timedelta(days=40), 10),
            status=AppointmentStatus.DONE,
        ),
        "far_ahead": make_appointment(
            clinic=bangalore,
            practitioner=arjun,
            patient=kavya,
            starts_at=at(TUESDAY + dt.timedelta(days=100), 10),
        ),
        "meeras": make_appointment(
            clinic=hyderabad,
            practitioner=meera,
            patient=make_patient(hyderabad, by=meera, name="Sana Ali"),
            starts_at=at(TUESDAY, 11),
        ),
    }


def test_the_feed_holds_ones_own_appointments_without_names(client, arjun, bangalore, diary):
    with time_machine.travel(NOW, tick=False):
        address = make_feed(client, arjun)
        client.logout()
        response = read(client, address)
        found = events_of(response)
    assert re.fullmatch(rf"{settings.FASCIA_BASE_URL}/calendar/[\w-]{{40,}}\.ics", address)
    assert len(found) == 2
    today, cancelled = found
    assert str(today["UID"]) == f"appointment-{diary['today'].pk}@127.0.0.1:8000"
    assert today.decoded("DTSTART") == diary["today"].starts_at
    assert today.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert today.to_ical().decode().count("DTSTART:20270302T043000Z") == 1
    assert today.decoded("DTEND") == diary["today"].ends_at
    assert str(today["SUMMARY"]) == "Treatment session · K. R."
    assert str(today["LOCATION"]) == bangalore.name
    assert str(today["URL"]).endswith(reverse("schedule:appointment", args=[diary["today"].pk]))
    assert str(today["STATUS"]) == "CONFIRMED"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Kavya" not in response.content.decode()
    feed = CalendarFeed.objects.get(practitioner=arjun)
    assert feed.last_read_at == NOW


def test_only_the_digest_is_stored_and_the_making_is_audited(client, arjun):
    address = make_feed(client, arjun)
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(practitioner=arjun)
    assert feed.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    event = AuditEvent.objects.get(action=events.CALENDAR_FEED_CREATED)
    assert (event.actor, event.detail) == (arjun, {"replaced": False})


def test_a_new_address_ends_the_old_one(client, arjun, diary):
    old = make_feed(client, arjun)
    new = make_feed(client, arjun)
    assert read(client, old).status_code == 404
    assert read(client, new).status_code == 200
    assert AuditEvent.objects.filter(action=events.CALENDAR_FEED_CREATED).count() == 2


def test_switched_off_the_address_is_not_found(client, arjun, diary):
    address = make_feed(client, arjun)
    response = client.post(reverse("schedule:feed_off"), follow=True)
    assert messages_on(response) == ["Your calendar feed is switched off: its address is ended."]
    assert "Off: you have no feed address." in response.content.decode()
    assert read(client, address).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert AuditEvent.objects.filter(action=events.CALENDAR_FEED_REVOKED).count() == 1


def test_an_unknown_address_or_a_deactivated_account_is_not_found(client, arjun, diary):
    assert client.get(reverse("calendar_feed:ics", args=["made-up"])).status_code == 404
    address = make_feed(client, arjun)
    arjun.is_active = False
    arjun.save(update_fields=["is_active"])
    assert read(client, address).status_code == 404


def test_each_practitioner_has_their_own(client, meera, diary):
    with time_machine.travel(NOW, tick=False):
        found = events_of(read(client, make_feed(client, meera)))
    assert [str(e["UID"]).split("@")[0] for e in found] == [f"appointment-{diary['meeras'].pk}"]
    assert str(found[0]["SUMMARY"]).endswith("S. A.")


def test_the_account_page_leads_practitioners_to_their_feed(client, arjun, priya):
    signed_in(client, arjun)
    account = soup_of(client.get(reverse("staff:account")))
    assert account.find("a", href=reverse("schedule:feed")) is not None
    signed_in(client, priya)
    account = soup_of(client.get(reverse("staff:account")))
    assert account.find("a", href=reverse("schedule:feed")) is None
    assert client.get(reverse("schedule:feed")).status_code == 404
