"""The episode page (/app/episodes/<id>/): the clinician's home for one patient's care."""

from datetime import date
from decimal import Decimal

import pytest

from fascia.accounts.models import AuditEvent
from fascia.enquiries.actions import enquiry_log_call
from fascia.enquiries.models import CallOutcome
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.pathways import ExaminationInput
from fascia.records import events
from fascia.records.assessment import assessment_record
from fascia.records.consent import ConsentDetails, consent_record, consent_withdraw
from fascia.records.models import Judgement, LinkKind, Measurement
from fascia.records.screening import (
    alert_acknowledge,
    judgement_record,
    patient_link_create,
    screening_complete,
    screening_record,
    screening_save,
)
from fascia.records.tests.answers import CLEAR
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.tests.queries import queries_for
from fascia.treatment.sessions import session_start

# Everything a patient answers, with nothing to worry about (the clinician adds the rest).
PATIENT_ANSWERS = CLEAR

# The same, with what only the clinician answers: a complete screening, suitable.
CLINICIAN_ANSWERS = {
    **PATIENT_ANSWERS,
    "notch_tenderness": True,
    "cannot_consent": False,
    "frail": False,
    "psychological_concern": False,
    "severe_hyperalgesia": False,
}


def page_url(episode) -> str:
    return f"/app/episodes/{episode.pk}/"


def timeline_titles(response) -> list[str]:
    return [
        entry.select_one("strong").get_text(" ", strip=True)
        for entry in soup_of(response).select(".episode-timeline .timeline__entry")
    ]


def next_steps(response) -> list[str]:
    return [
        step.select_one(".button").get_text(strip=True)
        for step in soup_of(response).select(".steps__step")
    ]


def fill(episode, *, times: int, arjun, priya) -> None:
    """Everything that happens in an episode, `times` times over: enquiries and calls, links
    (one returned), screenings and their alerts, a judgement, assessments, later measures,
    and consents given and withdrawn."""
    for _ in range(times):
        enquiry = EnquiryFactory(clinic=episode.clinic, episode=episode)
        enquiry_log_call(enquiry=enquiry, outcome=CallOutcome.NO_ANSWER, by=priya)
        patient_link_create(episode=episode, kind=LinkKind.SCREENING, by=priya, ip=None)
    link, _token = patient_link_create(episode=episode, kind=LinkKind.SCREENING, by=priya, ip=None)
    screening_save(link=link, answers=PATIENT_ANSWERS)
    screening_complete(link=link)
    for _ in range(times):
        review = screening_record(
            episode=episode,
            answers={**PATIENT_ANSWERS, "cancer_history": True},
            by=arjun,
            ip=None,
        )
    for alert in review.alerts.all()[: max(times - 1, 1)]:
        alert_acknowledge(alert=alert, note="Called; history reviewed.", by=arjun, ip=None)
    judgement_record(
        screening=review,
        judgement=Judgement.PROCEED,
        reason="Breast cancer 12 years ago, discharged; no signs now.",
        by=arjun,
        ip=None,
    )
    episode.refresh_from_db()
    for n in range(times):
        assessment_record(
            episode=episode,
            examination=ExaminationInput(
                pain={"now": 6, "worst_week": 8, "least_week": 3},
                sitting_minutes=20,
                diagnosis_code="G57.0",
                diagnosis_side="left",
            ),
            history={},
            findings="",
            by=arjun,
            ip=None,
        )
        Measurement.objects.create(
            episode=episode, measure="nprs", qualifier="now", value=Decimal(2), recorded_by=arjun
        )
        episode.refresh_from_db()
        consent = consent_record(episode=episode, details=ConsentDetails(True), by=arjun, ip=None)
        if n < times - 1:
            consent_withdraw(consent=consent, reason="Wants to think.", by=arjun, ip=None)


@pytest.mark.django_db
class TestWhoMayOpenIt:
    def test_the_physiotherapist_opens_it_and_the_view_is_audited(
        self, client, arjun, kavya_episode
    ):
        assert signed_in(client, arjun).get(page_url(kavya_episode)).status_code == 200
        last = AuditEvent.objects.filter(patient_id=kavya_episode.patient_id).latest("pk")
        assert (last.action, last.actor, last.clinic_id) == (
            events.EPISODE_VIEWED,
            arjun,
            kavya_episode.clinic_id,
        )

    def test_a_colleague_in_the_same_clinic_can_open_it(self, client, kiran, kavya_episode):
        assert signed_in(client, kiran).get(page_url(kavya_episode)).status_code == 200

    def test_the_hyderabad_physiotherapist_gets_a_404_for_a_bangalore_episode(
        self, client, meera, kavya_episode
    ):
        assert signed_in(client, meera).get(page_url(kavya_episode)).status_code == 404

    @pytest.mark.parametrize("persona", ["priya", "asha", "vikram"])
    def test_the_front_desk_an_administrator_and_an_outsider_get_a_404(
        self, client, persona, kavya_episode, request
    ):
        user = request.getfixturevalue(persona)
        assert signed_in(client, user).get(page_url(kavya_episode)).status_code == 404

    def test_an_episode_that_does_not_exist_is_a_404(self, client, arjun):
        assert signed_in(client, arjun).get("/app/episodes/999999/").status_code == 404


@pytest.mark.django_db
class TestWhatItShows:
    def test_it_sums_up_the_patient(self, client, arjun, priya, bangalore):
        patient = make_patient(
            bangalore,
            by=priya,
            date_of_birth=date(1991, 4, 23),
            sex="female",
            preferred_language="kn",
            abha_number="12345678901234",
        )
        episode = make_episode(bangalore, by=priya, physiotherapist=arjun, patient=patient)
        text = text_of(signed_in(client, arjun).get(page_url(episode)))
        for fact in (
            "Kavya Rao",
            "(born 23 Apr 1991)",
            "Female",
            "Kannada",
            "+91 98450 12345",
            "12-3456-7890-1234",
            bangalore.name,
            "Arjun Rao",
            "Screening",
        ):
            assert fact in text

    def test_the_timeline_tells_everything_that_happened_newest_first(
        self, client, arjun, priya, kavya_episode
    ):
        fill(kavya_episode, times=1, arjun=arjun, priya=priya)
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        titles = timeline_titles(response)
        enquiry = kavya_episode.enquiries.get()
        for title in (
            f"Enquiry {enquiry.reference} received",
            "Call: No answer",
            "Link sent: Screening questions",
            "Answers returned: Screening questions",
            "Screening: Suitable for dry needling",
            "Screening: Needs a physiotherapist's review before any needling",
            "Alert: Needs a physiotherapist's review",
            "Alert acknowledged: Needs a physiotherapist's review",
            "Judgement: Proceed",
            "Assessment by Arjun Rao",
            "Measured: NPRS (Pain now) 2",
            "Consent to dry needling given",
        ):
            assert title in titles
        assert titles[-1] == f"Enquiry {enquiry.reference} received"
        times = [t["datetime"] for t in soup_of(response).select(".episode-timeline time")]
        assert times == sorted(times, reverse=True)
        assert "G57.0 left" in text_of(response)

    def test_it_shows_the_current_decision_with_its_reasons_and_sources(
        self, client, arjun, kavya_episode
    ):
        screening_record(
            episode=kavya_episode,
            answers={**PATIENT_ANSWERS, "cancer_history": True},
            by=arjun,
            ip=None,
        )
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        decision = soup_of(response).select_one('[aria-labelledby="decision-heading"]')
        text = " ".join(decision.get_text(" ").split())
        assert "Needs a physiotherapist's review before any needling" in text
        assert "Red flag: history of cancer." in text
        assert "rf-cancer-history" in text
        assert "AHCPR. Red flags for potentially serious conditions" in text
        assert "Needs a physiotherapist's judgement" in text

    def test_open_alerts_can_be_acknowledged_from_it(self, client, arjun, kavya_episode):
        screening = screening_record(
            episode=kavya_episode,
            answers={**PATIENT_ANSWERS, "cancer_history": True},
            by=arjun,
            ip=None,
        )
        alert = screening.alerts.get()
        soup = soup_of(signed_in(client, arjun).get(page_url(kavya_episode)))
        form = soup.select_one(".alerts form")
        assert form["action"] == f"/app/alerts/{alert.pk}/acknowledge/"
        assert form.select_one(f"textarea[name=alert-{alert.pk}-note]") is not None
        assert "Red flag: history of cancer." in soup.select_one(".alerts").get_text()

    def test_it_shows_the_baseline_and_the_latest_of_each_measure(
        self, client, arjun, priya, kavya_episode
    ):
        fill(kavya_episode, times=1, arjun=arjun, priya=priya)
        soup = soup_of(signed_in(client, arjun).get(page_url(kavya_episode)))
        rows = {
            row.select_one("th").get_text(strip=True): [
                cell.select_one(".measure-value").get_text()
                if cell.select_one(".measure-value")
                else cell.get_text(" ", strip=True)
                for cell in row.select("td")
            ]
            for row in soup.select(".measures tbody tr")
        }
        assert rows["NPRS (Pain now)"] == ["6", "2"]
        assert rows["NPRS (Worst pain in the last week)"] == ["8", "baseline only"]
        assert rows["Sitting"][0] == "20"
        sitting = next(row for row in soup.select(".measures tbody tr") if "Sitting" in row.th.text)
        assert sitting.td.get_text(" ", strip=True).startswith("20 minutes")
        assert "points" not in soup.select_one(".measures").get_text()
        assert "meaningfully better" in soup.select_one(".measures").get_text()


@pytest.mark.django_db
class TestWhatToDoNext:
    def test_a_new_episode_asks_for_the_screening_link(self, client, arjun, kavya_episode):
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        assert next_steps(response) == ["Send the screening link"]
        form = soup_of(response).select_one(".steps form")
        assert form["action"] == f"/app/episodes/{kavya_episode.pk}/links/new/"
        assert form.select_one("input[name=kind]")["value"] == "screening"

    def test_with_a_link_out_it_waits_for_the_patient(self, client, arjun, priya, kavya_episode):
        patient_link_create(episode=kavya_episode, kind=LinkKind.SCREENING, by=priya, ip=None)
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        assert next_steps(response) == ["Wait for the patient's screening answers"]

    def test_a_screening_that_needs_a_judgement_asks_for_it(self, client, arjun, kavya_episode):
        screening_record(
            episode=kavya_episode,
            answers={**PATIENT_ANSWERS, "cancer_history": True},
            by=arjun,
            ip=None,
        )
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        assert next_steps(response) == ["Review the screening and record your judgement"]

    def test_a_cleared_screening_asks_for_the_assessment_and_the_consent(
        self, client, arjun, kavya_episode
    ):
        screening_record(episode=kavya_episode, answers=CLINICIAN_ANSWERS, by=arjun, ip=None)
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        assert next_steps(response) == ["Record the assessment", "Record consent to dry needling"]
        links = [a["href"] for a in soup_of(response).select(".steps a.button")]
        assert links == [
            f"/app/episodes/{kavya_episode.pk}/assessment/new/",
            f"/app/episodes/{kavya_episode.pk}/consent/",
        ]

    def test_screened_assessed_and_consented_the_next_step_is_the_first_session(
        self, client, arjun, priya, kavya_episode
    ):
        fill(kavya_episode, times=1, arjun=arjun, priya=priya)
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        assert next_steps(response) == ["Start session 1"]
        session_start(episode=kavya_episode, by=arjun, ip=None)
        response = client.get(page_url(kavya_episode))
        assert next_steps(response) == []
        assert "ready for dry-needling sessions" in text_of(response)


@pytest.mark.django_db
class TestQueries:
    def test_it_takes_as_many_queries_for_fifty_entries_as_for_one_of_each(
        self, client, arjun, priya, bangalore, django_assert_num_queries
    ):
        small = make_episode(bangalore, by=priya, physiotherapist=arjun)
        fill(small, times=1, arjun=arjun, priya=priya)
        large = make_episode(bangalore, by=priya, physiotherapist=arjun)
        fill(large, times=8, arjun=arjun, priya=priya)
        client = signed_in(client, arjun)
        assert len(timeline_titles(client.get(page_url(small)))) < 20
        assert len(timeline_titles(client.get(page_url(large)))) >= 50
        with django_assert_num_queries(queries_for(client, page_url(small))):
            client.get(page_url(large))
