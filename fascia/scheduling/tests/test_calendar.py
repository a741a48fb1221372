"""The day and week views: what each practitioner's day shows, HTMX moving between days,
the practitioner filter, a constant number of queries, and other clinics kept out."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fascia.records.tests.factories import make_patient
from fascia.scheduling.models import AppointmentKind, AppointmentStatus, Leave
from fascia.tests.csp import strict_policy_problem
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.tests.queries import queries_for

from .schedule_data import TUESDAY, at, make_appointment, works

DAY = reverse("schedule:day")
WEEK = reverse("schedule:week")


@pytest.fixture
def tuesday(bangalore, arjun, kiran, priya):
    """Arjun works Tuesdays 09:00 to 17:00 with lunch 13:00 to 14:00 and sees Kavya at 10:00
    and Ravi at 11:00 (cancelled); Kiran works Tuesdays but is on leave that week."""
    works(
        arjun, bangalore, TUESDAY.weekday(), ends="17:00", break_starts="13:00", break_ends="14:00"
    )
    works(kiran, bangalore, TUESDAY.weekday(), ends="17:00")
    Leave.objects.create(
        practitioner=kiran,
        first_day=TUESDAY - dt.timedelta(days=1),
        last_day=TUESDAY + dt.timedelta(days=3),
        reason="Conference",
    )
    kavya = make_patient(bangalore, by=priya, name="Kavya Rao", mobile="+919845012345")
    ravi = make_patient(bangalore, by=priya, name="Ravi Kumar", mobile="+919845099999")
    make_appointment(
        clinic=bangalore,
        practitioner=arjun,
        patient=kavya,
        starts_at=at(TUESDAY, 10),
        kind=AppointmentKind.ASSESSMENT,
    )
    make_appointment(
        clinic=bangalore,
        practitioner=arjun,
        patient=ravi,
        starts_at=at(TUESDAY, 11),
        status=AppointmentStatus.CANCELLED,
    )
    return TUESDAY


def columns(response) -> dict[str, str]:
    """Each practitioner's column: name → its text."""
    return {
        column.h4.get_text(strip=True): " ".join(column.get_text(" ").split())
        for column in soup_of(response).select(".calendar-column")
    }


def test_the_front_desk_sees_each_practitioners_day(client, priya, bangalore, tuesday):
    signed_in(client, priya)
    response = client.get(DAY, {"clinic": bangalore.pk, "day": tuesday.isoformat()})
    day = columns(response)
    assert set(day) == {"Arjun Rao", "Kiran Shetty"}
    assert "Works 09:00 to 17:00 break 13:00 to 14:00" in day["Arjun Rao"]
    assert "10:00 – 10:45 Booked Kavya Rao Initial assessment · +91 98450 12345" in day["Arjun Rao"]
    assert "11:00 – 11:30 Cancelled Ravi Kumar Treatment session" in day["Arjun Rao"]
    assert day["Kiran Shetty"] == "Kiran Shetty On leave: Conference No appointments."
    assert "Tuesday 2 March 2027" in text_of(response)
    assert strict_policy_problem(response) is None


def test_the_page_moves_between_days_with_links_that_htmx_follows(
    client, priya, bangalore, tuesday
):
    signed_in(client, priya)
    response = client.get(DAY, {"clinic": bangalore.pk, "day": tuesday.isoformat()})
    soup = soup_of(response)
    links = {a.get_text(strip=True): a for a in soup.select(".calendar-nav a")}
    assert set(links) == {"Previous day", "Today", "Next day"}
    assert links["Next day"]["href"] == f"{DAY}?clinic={bangalore.pk}&day=2027-03-03"
    assert links["Previous day"]["href"] == f"{DAY}?clinic={bangalore.pk}&day=2027-03-01"
    for link in links.values():
        assert link["data-hx-get"] == link["href"]
        assert link["data-hx-target"] == "#calendar"
        assert link["data-hx-push-url"] == "true"
    assert soup.select_one("#calendar .calendar-nav") is not None
    # With HTMX, the calendar's body alone; without, the whole page.
    partial = client.get(links["Next day"]["href"], headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = partial.content.decode()
    assert "<html" not in body
    assert "Wednesday 3 March 2027" in body
    assert 'id="calendar"' not in body
    full = client.get(links["Next day"]["href"])
    assert '<div id="calendar">' in full.content.decode()


def test_today_is_the_clinics_today_in_the_users_first_clinic(client, farah, bangalore):
    with time_machine.travel(at(TUESDAY, 23, 30), tick=False):
        signed_in(client, farah)
        response = client.get(DAY)
    soup = soup_of(response)
    assert "Tuesday 2 March 2027 (today)" in soup.select_one(".calendar-title").get_text()
    assert soup.h1.get_text(strip=True) == f"Appointments · {bangalore.name}"


def test_one_practitioner_alone(client, priya, arjun, bangalore, tuesday):
    signed_in(client, priya)
    query = {"clinic": bangalore.pk, "day": tuesday.isoformat(), "practitioner": arjun.pk}
    response = client.get(DAY, query)
    assert set(columns(response)) == {"Arjun Rao"}
    soup = soup_of(response)
    assert f"practitioner={arjun.pk}" in soup.select_one(".calendar-nav a")["href"]
    selected = soup.select_one("#calendar-practitioner option[selected]")
    assert selected.get_text() == "Arjun Rao"


def test_the_week_from_monday_with_each_day(client, priya, arjun, bangalore, tuesday):
    signed_in(client, priya)
    response = client.get(WEEK, {"clinic": bangalore.pk, "day": tuesday.isoformat()})
    soup = soup_of(response)
    days = [h.get_text(strip=True) for h in soup.select(".calendar-day__title")]
    assert days[0] == "Monday 1 March"
    assert days[-1] == "Sunday 7 March"
    assert len(days) == 7
    tuesday_section = soup.select(".calendar-day")[1]
    assert "Kavya Rao" in tuesday_section.get_text()
    assert "Kavya Rao" not in soup.select(".calendar-day")[0].get_text()
    links = {a.get_text(strip=True): a["href"] for a in soup.select(".calendar-nav a")}
    assert links["Next week"] == f"{WEEK}?clinic={bangalore.pk}&day=2027-03-08"


def test_queries_do_not_grow_with_the_appointments(client, priya, arjun, bangalore, tuesday):
    signed_in(client, priya)
    url = f"{DAY}?clinic={bangalore.pk}&day={tuesday.isoformat()}"
    week = f"{WEEK}?clinic={bangalore.pk}&day={tuesday.isoformat()}"
    few, few_week = queries_for(client, url), queries_for(client, week)
    for hour in range(12, 17):
        make_appointment(
            clinic=bangalore,
            practitioner=arjun,
            patient=make_patient(bangalore, by=priya, name=f"Patient {hour}"),
            starts_at=at(TUESDAY, hour),
        )
    assert queries_for(client, url) == few
    assert queries_for(client, week) == few_week


def test_another_clinic_is_not_found(client, priya, hyderabad, asha):
    signed_in(client, priya)
    assert client.get(DAY, {"clinic": hyderabad.pk}).status_code == 404
    assert client.get(WEEK, {"clinic": hyderabad.pk}).status_code == 404
    assert client.get(DAY, {"clinic": "x"}).status_code == 404


def test_the_staff_navigation_leads_here_for_those_with_appointments(client, priya, asha):
    signed_in(client, priya)
    home = client.get(reverse("records:patient_list"))
    assert soup_of(home).select_one(f".app-nav a[href='{DAY}']").get_text() == "Appointments"
    signed_in(client, asha)
    staff_list = client.get(reverse("staff:list"))
    assert soup_of(staff_list).select_one(f".app-nav a[href='{DAY}']") is None
