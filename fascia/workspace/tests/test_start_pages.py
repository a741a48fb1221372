"""Each person's start page (/app/): what waits for them, in their clinics only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.records.models import LinkKind
from fascia.records.screening import patient_link_create, screening_record
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.tests.queries import queries_for

START = "/app/"
RED_FLAG = "Red flag: history of cancer."


def section(response, heading_id: str) -> str:
    """The text of the page's section labelled by `heading_id` ("" when there is none)."""
    found = soup_of(response).select_one(f'section[aria-labelledby="{heading_id}"]')
    return " ".join(found.get_text(" ").split()) if found else ""


def with_red_flag(episode, by) -> None:
    """A clinician's screening with a history of cancer: it needs a judgement and raises an
    alert."""
    screening_record(episode=episode, answers={"age": 40, "cancer_history": True}, by=by, ip=None)


@pytest.fixture
def clinics_at_work(bangalore, hyderabad, priya, arjun, kiran, meera, kavya_episode, ravi_episode):
    """Both clinics on an ordinary day: enquiries new and overdue, links out, alerts open."""
    suresh = make_patient(bangalore, by=priya, name="Suresh Naik", mobile="+919845099999")
    kirans = make_episode(bangalore, by=priya, physiotherapist=kiran, patient=suresh)
    earlier = timezone.now() - timedelta(hours=2)
    EnquiryFactory(name="Deepa Shah", clinic=bangalore)
    EnquiryFactory(name="Either Clinic Person", clinic=None)
    EnquiryFactory(name="Late Callback", clinic=bangalore, callback_due_at=earlier)
    EnquiryFactory(name="Hari Hyderabad", clinic=hyderabad, callback_due_at=earlier)
    patient_link_create(episode=kavya_episode, kind=LinkKind.SCREENING, by=priya, ip=None)
    patient_link_create(episode=ravi_episode, kind=LinkKind.SCREENING, by=meera, ip=None)
    with_red_flag(kavya_episode, arjun)
    with_red_flag(ravi_episode, meera)
    return {"kavya": kavya_episode, "ravi": ravi_episode, "suresh": kirans}


@pytest.mark.django_db
class TestWhoGetsWhichStartPage:
    def test_an_administrator_without_a_clinic_role_goes_on_to_the_staff_list(self, client, asha):
        response = signed_in(client, asha).get(START)
        assert response.status_code == 302
        assert response["Location"] == "/app/staff/"

    def test_an_outsider_gets_a_404_and_a_visitor_is_asked_to_sign_in(self, client, vikram):
        assert client.get(START)["Location"].startswith("/app/login/")
        assert signed_in(client, vikram).get(START).status_code == 404

    def test_the_staff_navigation_leads_to_the_start_page_and_the_patients(
        self, client, priya, asha
    ):
        soup = soup_of(signed_in(client, priya).get(START))
        links = {a.get_text(strip=True): a["href"] for a in soup.select(".app-nav a")}
        assert links["Start"] == START
        assert links["Patients"] == "/app/patients/"
        assert soup.select_one('.app-nav a[aria-current="page"]').get_text() == "Start"
        staff_page = soup_of(signed_in(client, asha).get("/app/staff/"))
        assert [a.get_text(strip=True) for a in staff_page.select(".app-nav a")] == [
            "Staff",
            "Clinics",
            "Audit trail",
        ]


@pytest.mark.django_db
class TestTheFrontDesksStartPage:
    def test_it_lists_new_and_overdue_enquiries_and_screenings_not_returned(
        self, client, priya, clinics_at_work
    ):
        response = signed_in(client, priya).get(START)
        new = section(response, "new-heading")
        assert "Deepa Shah" in new
        assert "Either Clinic Person" in new
        assert "Hari Hyderabad" not in new
        overdue = section(response, "overdue-heading")
        assert "Late Callback" in overdue
        assert "overdue" in overdue
        assert "Hari Hyderabad" not in overdue
        links = section(response, "links-heading")
        assert "Kavya Rao" in links
        assert "Ravi Kumar" not in links

    def test_it_names_open_alerts_without_saying_what_they_are_about(
        self, client, priya, clinics_at_work
    ):
        alerts = section(signed_in(client, priya).get(START), "alerts-heading")
        assert "Kavya Rao · Needs a physiotherapist's review" in alerts
        assert RED_FLAG not in alerts
        assert "Ravi Kumar" not in alerts

    def test_it_has_no_clinical_lists(self, client, priya, clinics_at_work):
        response = signed_in(client, priya).get(START)
        assert section(response, "waiting-heading") == ""
        assert section(response, "episodes-heading") == ""
        assert section(response, "clinics-heading") == ""


@pytest.mark.django_db
class TestAPhysiotherapistsStartPage:
    def test_it_shows_open_alerts_with_what_they_say(self, client, arjun, clinics_at_work):
        alerts = section(signed_in(client, arjun).get(START), "alerts-heading")
        assert "Kavya Rao" in alerts
        assert RED_FLAG in alerts
        assert "Ravi Kumar" not in alerts

    def test_it_shows_their_episodes_and_what_waits_for_them(self, client, arjun, clinics_at_work):
        response = signed_in(client, arjun).get(START)
        waiting = section(response, "waiting-heading")
        assert "Screenings to review 1 Kavya Rao" in waiting
        episode_link = soup_of(response).select_one('section[aria-labelledby="waiting-heading"] a')[
            "href"
        ]
        assert episode_link == f"/app/episodes/{clinics_at_work['kavya'].pk}/"
        episodes = section(response, "episodes-heading")
        assert "Your episodes" in episodes
        assert "Kavya Rao" in episodes
        assert "Suresh Naik" not in episodes
        assert "Ravi Kumar" not in episodes
        assert section(response, "new-heading") == ""

    def test_a_colleague_sees_their_own_episodes(self, client, kiran, clinics_at_work):
        response = signed_in(client, kiran).get(START)
        episodes = section(response, "episodes-heading")
        assert "Suresh Naik" in episodes
        assert "Kavya Rao" not in episodes
        assert "Nothing is waiting for you." in section(response, "waiting-heading")

    def test_hyderabad_never_sees_bangalore(self, client, meera, clinics_at_work):
        text = text_of(signed_in(client, meera).get(START))
        assert "Ravi Kumar" in text
        for bangalore_name in ("Kavya Rao", "Suresh Naik", "Deepa Shah", "Late Callback"):
            assert bangalore_name not in text


@pytest.mark.django_db
class TestAManagersStartPage:
    def test_it_counts_each_clinic_and_lists_every_episode_of_both(
        self, client, farah, bangalore, hyderabad, clinics_at_work
    ):
        response = signed_in(client, farah).get(START)
        soup = soup_of(response)
        tallies = {
            panel.select_one("h3").get_text(strip=True): {
                row.select_one("dt").get_text(strip=True): int(row.select_one("dd").get_text())
                for row in panel.select(".tally div")
            }
            for panel in soup.select(".clinic-counts__clinic")
        }
        assert tallies[bangalore.name] == {
            "New enquiries": 2,
            "Overdue call-backs": 1,
            "Screenings not returned": 1,
            "Open alerts": 1,
            "Open episodes": 2,
            "Waiting for a physiotherapist": 1,
        }
        assert tallies[hyderabad.name]["Overdue call-backs"] == 1
        assert tallies[hyderabad.name]["Open episodes"] == 1
        episodes = section(response, "episodes-heading")
        for name in ("Kavya Rao", "Suresh Naik", "Ravi Kumar"):
            assert name in episodes
        assert "Either Clinic Person" in section(response, "new-heading")
        assert RED_FLAG in section(response, "alerts-heading")

    def test_it_takes_as_many_queries_for_many_rows_as_for_one(
        self, client, farah, arjun, priya, bangalore, hyderabad, django_assert_num_queries
    ):
        def a_day(clinic, n):
            episode = make_episode(
                clinic, by=priya, physiotherapist=arjun, patient=make_patient(clinic, by=priya)
            )
            EnquiryFactory(clinic=clinic)
            EnquiryFactory(clinic=clinic, callback_due_at=timezone.now() - timedelta(hours=1))
            patient_link_create(episode=episode, kind=LinkKind.SCREENING, by=priya, ip=None)
            if n % 2:
                with_red_flag(episode, arjun)

        a_day(bangalore, 1)
        client = signed_in(client, farah)
        few = queries_for(client, START)
        for n in range(30):
            a_day(hyderabad if n % 3 else bangalore, n)
        assert section(client.get(START), "episodes-heading").count("Kavya Rao") >= 30
        with django_assert_num_queries(few):
            client.get(START)
