"""The patient's private link, /check/<token>/, through HTTP: the screening one step at a
time, urgent advice at once, the decision stored on completion, the LEFS scored, and links
that no longer work saying what to do."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from fascia.accounts import audit
from fascia.pathways import REGISTRY, Respondent, TriageOutcome, triage
from fascia.records import events
from fascia.records.models import AlertKind, LinkKind, Measurement, PatientLink
from fascia.records.screening import patient_link_create, patient_link_revoke
from fascia.records.tests.answers import CLEAR, URGENT_TEXT
from fascia.tests.html import soup_of, text_of

PATHWAY = REGISTRY.current("piriformis-dry-needling")
LEFS = PATHWAY.measure("lefs")
GROUPS = [g.id for g in PATHWAY.screening]


def soup_of_any(response):
    """The page whatever its status (`soup_of` wants a 200)."""
    return BeautifulSoup(response.content, "html.parser")


def text_of_any(response) -> str:
    return " ".join(soup_of_any(response).get_text(" ").split())


@pytest.fixture
def screening_link(kavya_episode, priya):
    link, token = patient_link_create(
        episode=kavya_episode, kind=LinkKind.SCREENING, by=priya, ip=None
    )
    return link, token


@pytest.fixture
def lefs_link(kavya_episode, priya):
    return patient_link_create(episode=kavya_episode, kind=LinkKind.LEFS, by=priya, ip=None)


def step_url(token, step):
    return f"/check/{token}/questions/{step}/"


def form_value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, list) else str(value)


def post_step(client, token, step, answers, *, go="next", **extra):
    """Post a step as the page shows it: its `shown` list and the questions on it."""
    page = soup_of(client.get(step_url(token, step)))
    on_page = {tag["data-question"] for tag in page.select("[data-question]")}
    data = {"go": go, "shown": page.select_one('input[name="shown"]')["value"], **extra}
    data.update({k: form_value(v) for k, v in answers.items() if k in on_page})
    return client.post(step_url(token, step), data)


def answer_everything(client, token, answers):
    url = f"/check/{token}/"
    page = soup_of(client.get(url))
    url = page.select_one("a.button")["href"]
    while "/questions/" in url:
        step = url.rstrip("/").rsplit("/", 1)[1]
        response = post_step(client, token, step, answers)
        assert response.status_code == 303, text_of(response)
        url = response["Location"]
    return url


@pytest.mark.django_db
class TestTheStart:
    def test_it_names_the_clinic_and_starts_at_the_first_step(self, client, screening_link):
        link, token = screening_link
        page = text_of(client.get(f"/check/{token}/"))
        assert link.episode.clinic.name in page
        assert link.episode.clinic.phone.as_international in page
        start = soup_of(client.get(f"/check/{token}/")).select_one("a.button")["href"]
        assert start == step_url(token, "about_you")

    def test_each_visit_is_audited(self, client, screening_link):
        link, token = screening_link
        client.get(f"/check/{token}/")
        client.get(step_url(token, "about_you"))
        opened = audit.events_for(link).filter(action=events.LINK_OPENED)
        assert opened.count() == 1
        assert opened.get().patient_id == link.episode.patient_id

    def test_every_answer_is_private_and_unindexed(self, client, screening_link, lefs_link):
        link, token = screening_link
        answers = {"age": 40, "pregnant": False, "saddle_numbness": True}
        responses = [
            client.get(f"/check/{token}/"),
            client.get(step_url(token, "about_you")),
            post_step(client, token, "about_you", answers),
            post_step(client, token, "red_flags", answers),
            client.get(f"/check/{token}/urgent/"),
            client.get(f"/check/{token}/check-your-answers/"),
            client.get(f"/check/{lefs_link[1]}/questions/part-1/"),
            client.get("/check/no-such-token/"),
        ]
        PatientLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
        responses.append(client.get(f"/check/{token}/"))
        for response in responses:
            assert response["Cache-Control"] == "no-store, private", response
            assert response["Referrer-Policy"] == "strict-origin"
            assert response["X-Robots-Tag"] == "noindex"

    def test_csrf_protection_stays_on(self, screening_link):
        _, token = screening_link
        client = Client(enforce_csrf_checks=True)
        response = client.post(step_url(token, "about_you"), {"go": "next", "age": "40"})
        assert response.status_code == 403


@pytest.mark.django_db
class TestTheSteps:
    def test_continue_and_back_keep_the_answers(self, client, screening_link):
        _, token = screening_link
        response = post_step(client, token, "about_you", {"age": 34, "pregnant": False})
        assert response.status_code == 303
        assert response["Location"] == step_url(token, "symptom_profile")
        response = post_step(client, token, "symptom_profile", {"buttock_pain": True}, go="back")
        assert response["Location"] == step_url(token, "about_you")
        page = soup_of(client.get(step_url(token, "about_you")))
        assert page.select_one('input[name="age"]')["value"] == "34"
        assert page.select_one('input[name="pregnant"][value="no"]').has_attr("checked")
        page = soup_of(client.get(step_url(token, "symptom_profile")))
        assert page.select_one('input[name="buttock_pain"][value="yes"]').has_attr("checked")

    def test_it_asks_again_for_what_is_missing_or_wrong(self, client, screening_link):
        _, token = screening_link
        response = post_step(client, token, "about_you", {"age": 300})
        assert response.status_code == 400
        errors = [
            p.get_text(" ", strip=True) for p in soup_of_any(response).select(".question__error")
        ]
        assert errors == ["Error: Enter a number from 0 to 120 years.", "Error: Choose yes or no."]

    def test_leaving_and_coming_back_resumes_at_the_first_unanswered_step(
        self, client, screening_link
    ):
        _, token = screening_link
        post_step(client, token, "about_you", {"age": 34, "pregnant": False})
        post_step(client, token, "symptom_profile", CLEAR)
        start = soup_of(Client().get(f"/check/{token}/"))
        button = start.select_one("a.button")
        assert button["href"] == step_url(token, "history")
        assert "Carry on where you left off" in button.get_text()

    def test_the_pregnancy_stage_is_asked_only_after_yes(self, client, screening_link):
        _, token = screening_link
        page = soup_of(client.get(step_url(token, "about_you")))
        stage = page.select_one('[data-question="pregnancy_first_trimester"]')
        assert stage.has_attr("hidden")
        assert all(i.has_attr("disabled") for i in stage.select("input"))
        response = post_step(client, token, "about_you", {"age": 30, "pregnant": True})
        assert response["Location"] == step_url(token, "about_you")
        page = soup_of(client.get(step_url(token, "about_you")))
        stage = page.select_one('[data-question="pregnancy_first_trimester"]')
        assert not stage.has_attr("hidden")
        assert "How far along is your pregnancy?" in stage.get_text()
        pregnant = {"age": 30, "pregnant": True}
        response = post_step(client, token, "about_you", pregnant)
        assert response.status_code == 400
        assert "Choose an answer." in text_of_any(response)
        response = post_step(
            client, token, "about_you", {**pregnant, "pregnancy_first_trimester": "later"}
        )
        assert response["Location"] == step_url(token, "symptom_profile")
        post_step(client, token, "about_you", {"age": 30, "pregnant": False})
        page = soup_of(client.get(step_url(token, "about_you")))
        assert page.select_one('[data-question="pregnancy_first_trimester"]').has_attr("hidden")

    def test_the_patient_never_sees_a_clinicians_question(self, client, screening_link):
        _, token = screening_link
        page = client.get(step_url(token, "symptom_profile")).content.decode()
        assert "notch_tenderness" not in page
        assert "greater sciatic notch" not in page
        page = client.get(step_url(token, "precautions")).content.decode()
        assert 'data-question="frail"' not in page

    def test_an_answer_to_a_clinicians_question_is_refused(self, client, screening_link):
        link, token = screening_link
        response = post_step(
            client, token, "about_you", {"age": 34, "pregnant": False}, frail="yes"
        )
        assert response.status_code == 400
        assert "Only your physiotherapist can answer this question." in text_of_any(response)
        link.refresh_from_db()
        assert link.screening is None


@pytest.mark.django_db
class TestAnEmergency:
    def test_it_shows_urgent_advice_at_once_saves_and_alerts(
        self, client, screening_link, kavya_episode
    ):
        link, token = screening_link
        answers = {**CLEAR, "saddle_numbness": True}
        response = post_step(client, token, "red_flags", answers)
        assert response["Location"] == f"/check/{token}/urgent/"
        page = text_of(client.get(response["Location"]))
        assert URGENT_TEXT in page
        assert link.episode.clinic.phone.as_international in page
        assert "cauda equina" not in page.lower()
        assert "rf-cauda-equina" not in page
        link.refresh_from_db()
        assert link.screening.answers["saddle_numbness"] is True
        assert list(link.screening.alerts.values_list("kind", flat=True)) == [AlertKind.EMERGENCY]
        assert link.screening.completed_at is None

    def test_the_patient_may_still_finish(self, client, screening_link):
        link, token = screening_link
        answers = {**CLEAR, "saddle_numbness": True}
        assert answer_everything(client, token, answers) == f"/check/{token}/urgent/"
        assert answer_everything(client, token, answers) == f"/check/{token}/check-your-answers/"
        done = client.post(f"/check/{token}/check-your-answers/")
        assert URGENT_TEXT in text_of(done)
        link.refresh_from_db()
        assert link.screening.outcome == TriageOutcome.EMERGENCY_REFERRAL
        assert link.screening.alerts.count() == 1


@pytest.mark.django_db
class TestCompletion:
    def test_it_stores_the_engines_decision_and_says_what_happens_next(
        self, client, screening_link
    ):
        link, token = screening_link
        assert answer_everything(client, token, CLEAR) == f"/check/{token}/check-your-answers/"
        review = text_of(client.get(f"/check/{token}/check-your-answers/"))
        assert "How old are you? 34 years" in review
        assert "Where else do you feel the pain? The back of my thigh" in review
        done = client.post(f"/check/{token}/check-your-answers/")
        page = text_of(done)
        assert "Nothing in your answers rules out dry needling." in page
        assert "No red flags" not in page
        assert "no-concerns" not in page
        link.refresh_from_db()
        expected = triage(PATHWAY, CLEAR, respondent=Respondent.PATIENT)
        assert link.screening.outcome == expected.outcome == TriageOutcome.SUITABLE
        assert [f["id"] for f in link.screening.fired] == [f.id for f in expected.fired]
        assert link.completed_at is not None

    def test_it_cannot_be_sent_with_questions_unanswered(self, client, screening_link):
        link, token = screening_link
        post_step(client, token, "about_you", {"age": 34, "pregnant": False})
        review = soup_of(client.get(f"/check/{token}/check-your-answers/"))
        assert "Some questions are not answered yet" in review.get_text()
        response = client.post(f"/check/{token}/check-your-answers/")
        assert response["Location"] == step_url(token, "symptom_profile")
        link.refresh_from_db()
        assert link.completed_at is None


@pytest.mark.django_db
class TestLinksThatNoLongerWork:
    def test_an_expired_link_says_to_call_the_clinic(self, client, screening_link):
        link, token = screening_link
        later = timezone.now() + timedelta(days=8)
        with mock.patch("django.utils.timezone.now", return_value=later):
            response = client.get(f"/check/{token}/")
            step = client.get(step_url(token, "about_you"))
        assert response.status_code == step.status_code == 410
        page = text_of_any(response)
        assert "This link has expired" in page
        assert link.episode.clinic.phone.as_international in page

    def test_a_revoked_link_is_gone(self, client, screening_link, priya):
        link, token = screening_link
        patient_link_revoke(link=link, by=priya, ip=None)
        response = client.get(f"/check/{token}/")
        assert response.status_code == 410
        assert "This link is no longer in use" in text_of_any(response)

    def test_a_used_link_does_not_open_again(self, client, screening_link):
        _, token = screening_link
        answer_everything(client, token, CLEAR)
        client.post(f"/check/{token}/check-your-answers/")
        for url in (f"/check/{token}/", step_url(token, "about_you")):
            response = client.get(url)
            assert response.status_code == 410
            assert "You have already sent your answers" in text_of_any(response)

    def test_an_unknown_token_is_not_found(self, client, db):
        response = client.get("/check/not-a-real-token/")
        assert response.status_code == 404
        assert "We could not find this link" in text_of_any(response)


@pytest.mark.django_db
class TestTheLefs:
    def test_it_is_scored_by_the_engine_and_stored(self, client, lefs_link):
        link, token = lefs_link
        ratings = {item.id: n % 5 for n, item in enumerate(LEFS.items)}
        url = soup_of(client.get(f"/check/{token}/")).select_one("a.button")["href"]
        assert url == step_url(token, "part-1")
        page = text_of(client.get(url))
        assert LEFS.stem in page
        assert "Extreme difficulty or unable to perform the activity" in page
        while "/questions/" in url:
            step = url.rstrip("/").rsplit("/", 1)[1]
            response = post_step(client, token, step, ratings)
            assert response.status_code == 303
            url = response["Location"]
        assert url == f"/check/{token}/check-your-answers/"
        done = client.post(url)
        assert done.status_code == 200
        measurement = Measurement.objects.get(episode=link.episode)
        assert measurement.measure == "lefs"
        assert measurement.value == Decimal(sum(ratings.values()))
        assert measurement.items == ratings
        assert measurement.recorded_by is None
        actions = set(
            audit.events_for_patient(link.episode.patient_id).values_list("action", flat=True)
        )
        assert {events.MEASUREMENT_RECORDED, events.LINK_COMPLETED} <= actions
        link.refresh_from_db()
        assert link.completed_at is not None

    def test_answers_are_saved_as_they_go(self, client, lefs_link):
        link, token = lefs_link
        first = {item.id: 3 for item in LEFS.items[:5]}
        post_step(client, token, "part-1", first)
        link.refresh_from_db()
        assert link.answers == first
        button = soup_of(Client().get(f"/check/{token}/")).select_one("a.button")
        assert button["href"] == step_url(token, "part-2")
