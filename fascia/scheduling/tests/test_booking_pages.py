"""The booking pages through HTTP: from a patient or an enquiry, across clinics, HTMX, a
taken slot, and patients' requests confirmed or declined by the front desk."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.records.tests.factories import make_patient
from fascia.scheduling import events
from fascia.scheduling.models import Appointment, AppointmentStatus
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.tests.queries import queries_for

from .schedule_data import works

IST = ZoneInfo("Asia/Kolkata")
MONDAY_MORNING = dt.datetime(2027, 3, 1, 8, 0, tzinfo=IST)
BOOK = reverse("booking:book")


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        yield


@pytest.fixture
def week(arjun, kiran, bangalore):
    for person in (arjun, kiran):
        works(person, bangalore, ends="11:00")


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def words(response) -> str:
    """The text of a page, whatever its status."""
    return " ".join(page_of(response).get_text(" ").split())


def slot_values(response) -> list[str]:
    return [radio["value"] for radio in page_of(response).select("input[name=slot]")]


def test_the_front_desk_books_for_a_patient(client, priya, arjun, bangalore, assessment, week):
    patient = make_patient(bangalore, by=priya)
    signed_in(client, priya)
    query = f"?patient={patient.pk}&clinic={bangalore.pk}&type={assessment.pk}&day=2027-03-01"
    page = client.get(BOOK + query)
    assert page.status_code == 200
    assert "Arjun Rao" in text_of(page) and "Kiran Shetty" in text_of(page)
    values = slot_values(page)
    arjuns = [v for v in values if v.startswith(f"{arjun.pk}@")]
    assert arjuns[0] == f"{arjun.pk}@2027-03-01T03:30:00+00:00"  # 09:00 in Bangalore
    response = client.post(BOOK + query, {"slot": arjuns[0], "note": "Prefers Hindi"})
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "schedule:appointment", kwargs={"appointment_id": appointment.pk}
    )
    assert (appointment.patient, appointment.practitioner, appointment.note) == (
        patient,
        arjun,
        "Prefers Hindi",
    )
    assert AuditEvent.objects.filter(action=events.APPOINTMENT_BOOKED, actor=priya).count() == 1
    # The same time again is no longer offered, and says so.
    again = client.post(BOOK + query, {"slot": arjuns[0]})
    assert again.status_code == 400
    assert "That time is no longer free" in words(again)
    assert arjuns[0] not in slot_values(again)
    assert Appointment.objects.count() == 1


def test_needling_slots_only_with_the_certified_physiotherapist(
    client, priya, arjun, kiran, bangalore, needling, week
):
    patient = make_patient(bangalore, by=priya)
    signed_in(client, priya)
    page = client.get(BOOK + f"?patient={patient.pk}&clinic={bangalore.pk}&type={needling.pk}")
    values = slot_values(page)
    assert values and all(v.startswith(f"{arjun.pk}@") for v in values)
    # A forged choice of Kiran's time is refused, nothing booked.
    forged = f"{kiran.pk}@2027-03-01T03:30:00+00:00"
    response = client.post(
        BOOK + f"?patient={patient.pk}&clinic={bangalore.pk}&type={needling.pk}",
        {"slot": forged},
    )
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_from_an_enquiry_not_yet_a_patient(client, priya, arjun, bangalore, assessment, week):
    enquiry = EnquiryFactory(clinic=bangalore)
    signed_in(client, priya)
    page = client.get(BOOK + f"?enquiry={enquiry.reference}")
    assert page.status_code == 200
    assert "no reminder can be sent" in text_of(page)
    response = client.post(
        BOOK + f"?enquiry={enquiry.reference}&clinic={bangalore.pk}"
        f"&type={assessment.pk}&day=2027-03-01",
        {"slot": slot_values(page)[0]},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.enquiry, appointment.patient) == (enquiry, None)


def test_htmx_gets_only_the_list_of_free_times(client, priya, bangalore, assessment, week):
    patient = make_patient(bangalore, by=priya)
    signed_in(client, priya)
    response = client.get(
        BOOK + f"?patient={patient.pk}&clinic={bangalore.pk}&type={assessment.pk}",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="slots"')
    assert "<h1>" not in html


def test_other_clinics_records_are_404(
    client, meera, priya, bangalore, hyderabad, assessment, week
):
    patient = make_patient(bangalore, by=priya)
    enquiry = EnquiryFactory(clinic=bangalore)
    signed_in(client, meera)
    assert client.get(BOOK + f"?patient={patient.pk}").status_code == 404
    assert client.get(BOOK + f"?enquiry={enquiry.reference}").status_code == 404
    # Meera cannot book in Bangalore even for a patient she may see.
    mine = make_patient(hyderabad, by=meera)
    page = client.get(BOOK + f"?patient={mine.pk}&clinic={bangalore.pk}&type=1")
    assert page.status_code == 200
    assert "Choose one of your clinics" in text_of(page)


def test_requests_are_confirmed_or_declined(client, priya, arjun, kiran, bangalore, assessment):
    enquiry = EnquiryFactory(clinic=bangalore)
    common = {"clinic": bangalore, "type": assessment, "enquiry": enquiry}
    ten = dt.datetime(2027, 3, 2, 10, tzinfo=IST)
    first = Appointment.objects.create(
        **common,
        practitioner=arjun,
        starts_at=ten,
        ends_at=ten + dt.timedelta(minutes=45),
        status=AppointmentStatus.REQUESTED,
    )
    second = Appointment.objects.create(
        **common,
        practitioner=kiran,
        starts_at=ten,
        ends_at=ten + dt.timedelta(minutes=45),
        status=AppointmentStatus.REQUESTED,
    )
    signed_in(client, priya)
    start = client.get(reverse("workspace:start"))
    assert soup_of(start).select_one(".start-requests .count-badge").get_text() == "2"
    listing = client.get(reverse("booking:requests"))
    assert "Tuesday 2 March 2027, 10:00" in text_of(listing)
    confirm = reverse("booking:request_confirm", kwargs={"appointment_id": first.pk})
    assert client.post(confirm).status_code == 302
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED
    assert client.post(confirm).status_code == 404  # no longer waiting
    decline = reverse("booking:request_decline", kwargs={"appointment_id": second.pk})
    refused = client.post(decline, {"reason": ""})
    assert refused.status_code == 400
    assert "Say why the request is declined" in words(refused)
    response = client.post(decline, {"reason": "Kiran is away that week"}, follow=True)
    assert "The request was declined" in " ".join(messages_on(response))
    second.refresh_from_db()
    assert (second.status, second.cancel_reason) == (
        AppointmentStatus.CANCELLED,
        "Kiran is away that week",
    )
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {events.APPOINTMENT_REQUEST_CONFIRMED, events.APPOINTMENT_REQUEST_DECLINED} <= actions


def test_the_page_reads_the_same_queries_for_one_practitioner_or_many(
    client, priya, arjun, kiran, farah, bangalore, needling
):
    patient = make_patient(bangalore, by=priya)
    signed_in(client, priya)
    url = BOOK + (f"?patient={patient.pk}&clinic={bangalore.pk}&type={needling.pk}")
    works(arjun, bangalore, ends="17:00")
    one = queries_for(client, url)
    for person in (kiran, farah):
        for weekday in range(6):
            works(person, bangalore, weekday, ends="17:00")
    assert queries_for(client, url) == one
