"""A patient asks for a first assessment from the enquiry confirmation page: only with the
page's signature, once per enquiry, and a taken slot says so with fresh slots."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import signing
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.enquiries import confirmation
from fascia.enquiries.confirmation import confirmation_url
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.scheduling import events
from fascia.scheduling.models import Appointment, AppointmentStatus, WorkingHours

from .schedule_data import works

IST = ZoneInfo("Asia/Kolkata")
MONDAY_MORNING = dt.datetime(2027, 3, 1, 8, 0, tzinfo=IST)


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        yield


@pytest.fixture
def enquiry(bangalore, arjun):
    works(arjun, bangalore, ends="09:45")
    return EnquiryFactory(clinic=bangalore)


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def words(response) -> str:
    return " ".join(page_of(response).get_text(" ").split())


def signature_of(enquiry) -> str:
    return parse_qs(urlsplit(confirmation_url(enquiry)).query)[confirmation.PARAMETER][0]


def nine_oclock(enquiry, practitioner, appointment_type, details=None) -> dict[str, object]:
    """The form asking for the practitioner's 09:00 on Monday, signed as the page signs it."""
    return {
        "details": signature_of(enquiry) if details is None else details,
        "slot": f"{practitioner.pk}@2027-03-01T03:30:00+00:00",
        "type": appointment_type.pk,
    }


def post_url(enquiry) -> str:
    return reverse("appointment_request:request", kwargs={"reference": enquiry.reference})


def test_the_confirmation_page_offers_slots_and_a_request_holds_one(
    client, enquiry, assessment, arjun
):
    page = client.get(confirmation_url(enquiry))
    assert page.status_code == 200
    section = page_of(page).select_one("#appointment-request")
    assert section is not None
    assert "not a booking" in section.get_text()
    slots = [radio["value"] for radio in section.select("input[name=slot]")]
    assert slots == [f"{arjun.pk}@2027-03-01T03:30:00+00:00"]  # 09:00 to 09:45
    form = {"details": signature_of(enquiry), "slot": slots[0], "type": assessment.pk}
    response = client.post(post_url(enquiry), form)
    assert response.status_code == 303
    assert response["Location"].startswith(
        reverse("enquiries:received", kwargs={"reference": enquiry.reference})
    )
    request = Appointment.objects.get()
    assert (request.status, request.enquiry, request.practitioner) == (
        AppointmentStatus.REQUESTED,
        enquiry,
        arjun,
    )
    event = AuditEvent.objects.get(action=events.APPOINTMENT_REQUESTED)
    assert (event.actor_id, event.ip) == (None, None)
    shown = words(client.get(response["Location"]))
    assert "You asked for: Initial assessment on Monday 1 March 2027, 09:00" in shown
    assert "the clinic will call you to confirm it" in shown
    # Sent again (a double click, back and resubmit): nothing new.
    assert client.post(post_url(enquiry), form).status_code == 303
    assert Appointment.objects.count() == 1
    assert AuditEvent.objects.filter(action=events.APPOINTMENT_REQUESTED).count() == 1


def test_no_section_without_the_signature(client, enquiry, assessment):
    url = reverse("enquiries:received", kwargs={"reference": enquiry.reference})
    assert page_of(client.get(url)).select_one("#appointment-request") is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda enquiry, other: "",
        lambda enquiry, other: "not-a-signature",
        lambda enquiry, other: signature_of(other),
        lambda enquiry, other: signing.TimestampSigner(salt="another").sign(enquiry.reference),
    ],
    ids=["missing", "garbage", "another enquiry's", "another salt"],
)
def test_a_post_without_its_own_signature_creates_nothing(
    client, enquiry, assessment, arjun, bangalore, forge
):
    other = EnquiryFactory(clinic=bangalore)
    form = nine_oclock(enquiry, arjun, assessment, details=forge(enquiry, other))
    assert client.post(post_url(enquiry), form).status_code == 404
    assert not Appointment.objects.exists()


def test_an_old_signature_creates_nothing(client, enquiry, assessment, arjun):
    form = nine_oclock(enquiry, arjun, assessment)
    with time_machine.travel(MONDAY_MORNING + dt.timedelta(hours=1, minutes=1), tick=False):
        assert client.post(post_url(enquiry), form).status_code == 404
    assert not Appointment.objects.exists()


def test_control_characters_are_refused_clearly(client, enquiry, assessment, arjun):
    url = reverse("appointment_request:request", kwargs={"reference": "AB\x07CD"})
    response = client.post(url, {"details": "x", "slot": "y", "type": assessment.pk})
    assert response.status_code == 400
    assert "Nothing was sent" in words(response)
    form = {
        "details": signature_of(enquiry),
        "slot": f"{arjun.pk}@2027-03-01T03:30:00+00:00\x00",
        "type": assessment.pk,
    }
    response = client.post(post_url(enquiry), form)
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_a_slot_taken_meanwhile_says_so_with_fresh_slots(
    client, enquiry, assessment, arjun, bangalore
):
    WorkingHours.objects.filter(practitioner=arjun).update(ends=dt.time(11))
    slot = f"{arjun.pk}@2027-03-01T03:30:00+00:00"
    someone = EnquiryFactory(clinic=bangalore)
    first = client.post(
        post_url(someone),
        {"details": signature_of(someone), "slot": slot, "type": assessment.pk},
    )
    assert first.status_code == 303
    response = client.post(
        post_url(enquiry), {"details": signature_of(enquiry), "slot": slot, "type": assessment.pk}
    )
    assert response.status_code == 409
    assert "Someone has just taken that time" in words(response)
    fresh = [radio["value"] for radio in page_of(response).select("input[name=slot]")]
    assert fresh and slot not in fresh
    assert Appointment.objects.count() == 1


def test_a_post_from_another_site_is_refused(client, enquiry, assessment, arjun):
    form = nine_oclock(enquiry, arjun, assessment)
    response = client.post(post_url(enquiry), form, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_a_type_patients_may_not_ask_for_is_refused(client, enquiry, needling, arjun):
    form = nine_oclock(enquiry, arjun, needling)
    assert client.post(post_url(enquiry), form).status_code == 400
    assert not Appointment.objects.exists()


def test_later_days_are_a_page_of_their_own(client, enquiry, assessment, arjun):
    more = page_of(client.get(confirmation_url(enquiry))).find("a", string="Show later days")
    response = client.get(more["href"])
    assert response.status_code == 200
    slots = [radio["value"] for radio in page_of(response).select("input[name=slot]")]
    assert slots == [f"{arjun.pk}@2027-03-08T03:30:00+00:00"]
