"""The patient's follow-up page, /f/<token>/: what it asks, what it answers, and the link
used, expired or unknown."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.records.models import Alert, AlertKind
from fascia.tests.csp import strict_policy_problem
from fascia.tests.html import soup_of, text_of
from fascia.treatment import events
from fascia.treatment.models import AdverseEvent, AdverseEventStatus, FollowUpStatus
from fascia.treatment.tests.test_follow_ups import (
    SIGNED_AT,
    WELL,
    day_1,
    hours,
    send,
    sign_needling_session,
    token_of,
)
from fascia.treatment.tests.test_sessions import prepare

CLINIC_PHONE = "tel:+918951047001"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(SIGNED_AT, tick=False)
    return time_machine


@pytest.fixture
def follow_up(clock, kavya_episode, arjun):
    """The 24-hour follow-up of a needling session Arjun signed at SIGNED_AT."""
    return day_1(sign_needling_session(prepare(kavya_episode, arjun), arjun))


def page_of(response) -> BeautifulSoup:
    """Any answer's page, whatever its status (410, 400, 404 have pages too)."""
    return BeautifulSoup(response.content, "html.parser")


def words_of(response) -> str:
    return " ".join(page_of(response).get_text(" ").split())


def address(follow_up) -> str:
    return f"/f/{token_of(follow_up)}/"


def questions_on(response) -> list[str]:
    return [q["data-question"] for q in soup_of(response).select("[data-question]")]


def shown_on(response) -> list[str]:
    return [q["data-question"] for q in soup_of(response).select("[data-question]:not([hidden])")]


def answered_page(client, follow_up):
    follow_up.refresh_from_db()
    return client.get(address(follow_up))


@pytest.mark.django_db
class TestThePage:
    def test_it_asks_the_checks_questions_for_the_muscles_needled(self, client, follow_up):
        response = client.get(address(follow_up))
        assert response.status_code == 200
        # Piriformis and gluteus medius were needled: nothing near the chest wall.
        assert questions_on(response) == [
            "soreness",
            "bruising_or_bleeding",
            "bleeding_not_stopping",
            "faint_or_drowsy",
            "fever_or_unwell",
            "symptoms_worse",
            "new_leg_symptoms",
            "worsening_weakness",
            "site_red_hot",
            "saddle_or_bladder",
            "other_concern",
        ]
        assert "bleeding_not_stopping" not in shown_on(response)
        text = text_of(response)
        assert "Have you had any new numbness, tingling or weakness in your leg" in text
        assert "About 24 hours after needling" in text

    def test_the_day_3_check_asks_whether_the_soreness_settled(self, client, follow_up):
        day_3 = follow_up.session.follow_ups.get(check_id="day_3")
        assert "soreness_not_settling" in questions_on(client.get(address(day_3)))

    def test_it_is_private_and_made_for_a_phone(self, client, follow_up):
        response = client.get(address(follow_up))
        assert response["Cache-Control"] == "no-store, private"
        assert response["X-Robots-Tag"] == "noindex"
        assert response["Referrer-Policy"] == "strict-origin"
        assert strict_policy_problem(response) is None
        page = soup_of(response)
        assert page.select_one("meta[name=robots]")["content"] == "noindex"
        assert "width=device-width" in page.select_one("meta[name=viewport]")["content"]
        assert not page.select("[style]")
        assert not [s for s in page.select("script") if not s.get("src")]
        for question in page.select(".question__set"):
            assert question.select_one("legend").get_text(strip=True)
        assert page.select_one(f".check-clinic a[href='{CLINIC_PHONE}']")

    def test_opening_it_is_recorded(self, client, follow_up):
        client.get(address(follow_up))
        follow_up.refresh_from_db()
        assert follow_up.opened_at == SIGNED_AT
        opened = AuditEvent.objects.get(action=events.FOLLOW_UP_OPENED_BY_PATIENT)
        assert (opened.actor, opened.patient_id) == (None, follow_up.session.episode.patient_id)


@pytest.mark.django_db
class TestAnswering:
    def test_expected_soreness_is_reassured_without_an_alert(self, client, follow_up):
        response = send(client, follow_up, WELL)
        assert response.status_code == 303
        assert response["Location"] == address(follow_up)
        follow_up.refresh_from_db()
        assert (follow_up.status, follow_up.outcome) == (FollowUpStatus.ANSWERED, "reassure")
        assert follow_up.answers["soreness"] == 3
        assert follow_up.answers["new_leg_symptoms"] is False
        assert [f["id"] for f in follow_up.fired] == ["fu-all-well"]
        text = text_of(answered_page(client, follow_up))
        assert "Thank you: your answers have been sent" in text
        assert "Your answers sound like a normal recovery" in text
        assert "Contact us today" not in text
        assert not Alert.objects.exists()
        assert not AdverseEvent.objects.exists()
        assert AuditEvent.objects.filter(action=events.FOLLOW_UP_ANSWERED).count() == 1

    def test_new_leg_tingling_means_call_the_clinic_today(self, client, follow_up):
        send(client, follow_up, WELL | {"new_leg_symptoms": "yes"})
        follow_up.refresh_from_db()
        assert follow_up.outcome == "contact_today"
        response = answered_page(client, follow_up)
        advice = soup_of(response).select_one(".urgent-advice")
        assert advice["role"] == "alert"
        text = " ".join(advice.get_text(" ").split())
        assert "Contact us today" in text
        assert "Please contact your physiotherapist today" in text
        assert f"Call {follow_up.clinic.name} now: +91" in text
        assert advice.select_one(f"a.button[href='{CLINIC_PHONE}']")
        assert advice.select_one("a[href^='https://wa.me/']")
        assert not advice.select_one("a[href='tel:112']")
        alert = Alert.objects.get()
        assert (alert.kind, alert.is_open, alert.episode) == (
            AlertKind.FOLLOW_UP,
            True,
            follow_up.session.episode,
        )
        assert "New leg numbness, tingling or weakness after needling" in alert.message
        assert follow_up.alert == alert
        event = AdverseEvent.objects.get()
        assert (event.kind, event.status, event.session, event.noticed_at) == (
            "new_neurological_symptoms",
            AdverseEventStatus.DRAFT,
            follow_up.session,
            SIGNED_AT,
        )
        assert AuditEvent.objects.filter(action="alert.raised").count() == 1

    def test_emergency_answers_send_the_patient_to_112(self, client, follow_up):
        send(client, follow_up, WELL | {"saddle_or_bladder": "yes", "new_leg_symptoms": "yes"})
        follow_up.refresh_from_db()
        assert follow_up.outcome == "emergency"
        advice = soup_of(answered_page(client, follow_up)).select_one(".urgent-advice")
        assert advice.select_one("a.button[href='tel:112']")
        paragraphs = [p.get_text(" ", strip=True) for p in advice.select("p strong")]
        # The most urgent advice first.
        assert paragraphs[0].startswith("Please go to a hospital emergency department now.")
        assert any(p.startswith("Please contact your physiotherapist today") for p in paragraphs)
        assert Alert.objects.get().kind == AlertKind.FOLLOW_UP

    def test_each_adverse_event_is_drafted_once(self, client, follow_up):
        send(client, follow_up, WELL | {"soreness": "8", "symptoms_worse": "yes"})
        follow_up.refresh_from_db()
        assert follow_up.outcome == "contact_soon"
        assert sorted(AdverseEvent.objects.values_list("kind", flat=True)) == [
            "pain_after",
            "symptoms_worse",
        ]

    def test_a_question_shown_by_an_answer_is_asked_before_anything_is_kept(
        self, client, follow_up
    ):
        response = send(client, follow_up, WELL | {"bruising_or_bleeding": "yes"})
        assert response.status_code == 200
        assert "Please also answer" in text_of(response)
        assert "bleeding_not_stopping" in shown_on(response)
        page = soup_of(response)
        assert page.select_one("#q-bruising_or_bleeding_0")["checked"] is not None
        follow_up.refresh_from_db()
        assert follow_up.answered_at is None
        shown = page.select_one("input[name=shown]")["value"]
        answers = WELL | {"bruising_or_bleeding": "yes", "bleeding_not_stopping": "no"}
        response = client.post(address(follow_up), {"shown": shown, **answers})
        assert response.status_code == 303
        follow_up.refresh_from_db()
        assert follow_up.outcome == "reassure"
        assert [f["id"] for f in follow_up.fired] == ["fu-bruising"]
        assert AdverseEvent.objects.get().kind == "bruising"
        assert not Alert.objects.exists()


@pytest.mark.django_db
class TestAnswersRefused:
    def test_an_unanswered_question_is_named_and_nothing_is_kept(self, client, follow_up):
        answers = {k: v for k, v in WELL.items() if k != "new_leg_symptoms"}
        response = send(client, follow_up, answers)
        assert response.status_code == 400
        errors = page_of(response).select(".error-summary li")
        assert [e.get_text(strip=True) for e in errors] == ["Choose yes or no."]
        assert errors[0].select_one("a")["href"] == "#q-new_leg_symptoms_0"
        follow_up.refresh_from_db()
        assert follow_up.answered_at is None

    def test_answers_may_be_sent_as_they_are_and_the_engine_calls_them_incomplete(
        self, client, follow_up
    ):
        answers = {k: v for k, v in WELL.items() if k != "new_leg_symptoms"}
        response = send(client, follow_up, answers)
        assert page_of(response).select_one("button[value=as_they_are]")
        response = send(client, follow_up, answers, go="as_they_are")
        assert response.status_code == 303
        follow_up.refresh_from_db()
        assert follow_up.outcome == "contact_today"
        assert [f["id"] for f in follow_up.fired] == ["fu-incomplete"]
        assert "we will call you today" in text_of(answered_page(client, follow_up))
        assert Alert.objects.get().kind == AlertKind.FOLLOW_UP

    @pytest.mark.parametrize(
        ("field", "typed", "error"),
        [
            ("soreness", "11", "Enter a number from 0 to 10."),
            ("soreness", "three", "Enter a number, using digits."),
            ("site_red_hot", "maybe", "Choose yes or no."),
            ("other_concern", "It itches\x00", "a control character"),
            ("other_concern", "Sore \u202eleg", "changes the direction of the text"),
        ],
    )
    def test_a_bad_answer_is_refused_with_its_reason(self, client, follow_up, field, typed, error):
        response = send(client, follow_up, WELL | {field: typed})
        assert response.status_code == 400
        assert error in page_of(response).select_one(f"#q-{field}-error").get_text()
        follow_up.refresh_from_db()
        assert (follow_up.answered_at, follow_up.answers) == (None, {})
        assert not AuditEvent.objects.filter(action=events.FOLLOW_UP_ANSWERED).exists()


@pytest.mark.django_db
class TestTheLinkOnceUsed:
    def test_an_answered_link_thanks_the_patient_and_says_whom_to_call(self, client, follow_up):
        send(client, follow_up, WELL)
        response = answered_page(client, follow_up)
        assert response.status_code == 200
        text = text_of(response)
        assert "Thank you: your answers have been sent" in text
        assert "This link takes answers only once" in text
        assert "If you are worried about how you feel, call" in text
        assert soup_of(response).select_one(f"main a[href='{CLINIC_PHONE}']")
        assert not soup_of(response).select("form.check-form")

    def test_sending_again_changes_nothing(self, client, follow_up):
        send(client, follow_up, WELL | {"new_leg_symptoms": "yes"})
        follow_up.refresh_from_db()
        before = (follow_up.answers, follow_up.outcome, follow_up.answered_at, follow_up.fired)
        response = client.post(address(follow_up), WELL | {"saddle_or_bladder": "yes"})
        assert response.status_code == 303
        follow_up.refresh_from_db()
        assert (
            follow_up.answers,
            follow_up.outcome,
            follow_up.answered_at,
            follow_up.fired,
        ) == before
        assert Alert.objects.count() == 1
        assert AdverseEvent.objects.count() == 1
        assert AuditEvent.objects.filter(action=events.FOLLOW_UP_ANSWERED).count() == 1

    def test_an_expired_link_says_whom_to_call(self, client, clock, follow_up):
        clock.move_to(follow_up.expires_at, tick=False)
        response = client.get(address(follow_up))
        assert response.status_code == 410
        assert response["Cache-Control"] == "no-store, private"
        assert "This link has expired" in words_of(response)
        assert page_of(response).select_one(f"main a.button[href='{CLINIC_PHONE}']")
        response = client.post(address(follow_up), WELL)
        assert response.status_code == 410
        follow_up.refresh_from_db()
        assert follow_up.answered_at is None

    def test_it_works_until_it_expires(self, client, clock, follow_up):
        clock.move_to(follow_up.expires_at - hours(0.01), tick=False)
        assert send(client, follow_up, WELL).status_code == 303
        follow_up.refresh_from_db()
        assert follow_up.answered_at == timezone.now()

    def test_an_unknown_token_is_a_404(self, client, follow_up):
        response = client.get("/f/not-a-token-we-gave/")
        assert response.status_code == 404
        assert "We could not find this link" in words_of(response)
        assert response["X-Robots-Tag"] == "noindex"
        assert client.post("/f/not-a-token-we-gave/", WELL).status_code == 404
