"""The public self-check, "Could dry needling suit me?", through HTTP: anonymous, nothing
stored while answering, urgent advice at once, and the result sent with an enquiry only if
the person chooses to."""

import re

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.core import signing
from django.test import Client

from fascia.cacheable import is_marked
from fascia.enquiries import self_check_answers
from fascia.enquiries.actions import ErasureReason, enquiry_erase
from fascia.enquiries.models import Enquiry
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.pathways import REGISTRY
from fascia.records.tests.answers import CLEAR, URGENT_TEXT
from fascia.tests.personas import signed_in

PATHWAY = REGISTRY.current("piriformis-dry-needling")
ENQUIRY = {
    "name": "Asha Rao",
    "phone": "89510 47001",
    "clinic": "either",
    "preferred_time": "morning",
    "message": "Deep pain in my right buttock.",
    "consent": "on",
}


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def text(response) -> str:
    return " ".join(page(response).get_text(" ").split())


def form_value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, list) else str(value)


def answer(client, response, answers, *, go="next"):
    """Send the step `response` shows, as a browser without JavaScript would."""
    html = page(response)
    form = html.select_one("form.check-form")
    data = {tag["name"]: tag.get("value", "") for tag in form.select('input[type="hidden"]')}
    on_page = {tag["data-question"] for tag in form.select("[data-question]:not([hidden])")}
    data.update({k: form_value(v) for k, v in answers.items() if k in on_page})
    data["go"] = go
    return client.post("/self-check/questions/", data)


def answer_everything(client, answers):
    response = client.get("/self-check/questions/")
    while page(response).select_one('input[name="step"]') is not None:
        response = answer(client, response, answers)
        assert response.status_code == 200, text(response)
        if "urgent-heading" in response.content.decode():
            return response
    return response


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
class TestTheStart:
    def test_it_is_the_same_page_for_everyone_and_may_be_cached(self, site):
        first, second = Client().get("/self-check/"), Client().get("/self-check/")
        assert first.status_code == 200
        assert is_marked(first)
        assert first.content == second.content
        assert not first.cookies
        assert "csrfmiddlewaretoken" not in first.content.decode()

    def test_the_condition_and_treatment_pages_link_to_it(self, client, site):
        for url in (
            "/conditions/piriformis-syndrome/",
            "/treatments/dry-needling-for-piriformis-syndrome/",
        ):
            assert page(client.get(url)).select_one('a[href="/self-check/"]'), url


@pytest.mark.django_db
class TestTheQuestions:
    def test_no_step_writes_anything(self, site):
        client = Client()
        before = row_counts()
        result = answer_everything(
            client, {**CLEAR, "pregnant": True, "pregnancy_first_trimester": "later"}
        )
        assert "What your answers mean" in text(result)
        urgent = answer_everything(client, {**CLEAR, "saddle_numbness": True})
        assert URGENT_TEXT in text(urgent)
        assert row_counts() == before
        assert set(client.cookies) <= {"csrftoken"}

    def test_steps_are_never_stored(self, client, site):
        first = client.get("/self-check/questions/")
        second = answer(client, first, CLEAR)
        for response in (first, second):
            assert response["Cache-Control"] == "no-store, private"
            assert not is_marked(response)

    def test_it_asks_only_the_patients_questions(self, client, site):
        response = client.get("/self-check/questions/")
        response = answer(client, response, CLEAR)
        html = response.content.decode()
        assert "How long, and what you have tried" not in html
        assert "Do you have pain deep in your buttock?" in html
        assert "notch_tenderness" not in html

    def test_back_keeps_the_answers(self, client, site):
        second = answer(client, client.get("/self-check/questions/"), CLEAR)
        first = answer(client, second, {}, go="back")
        assert page(first).select_one('input[name="age"]')["value"] == "34"

    def test_a_tampered_answers_field_is_refused(self, client, site):
        response = client.get("/self-check/questions/")
        signed = page(response).select_one('input[name="answers"]')["value"]
        forged = signing.dumps({"p": PATHWAY.id, "v": 1, "h": "x", "a": {}}, salt="other")
        for value in (signed[:-3] + "abc", forged, "", "not signed at all"):
            refused = client.post(
                "/self-check/questions/", {"answers": value, "step": "about_you", "go": "next"}
            )
            assert refused.status_code == 400
            assert "We could not read your answers" in text(refused)

    def test_an_emergency_answer_shows_urgent_advice_at_once(self, client, site):
        response = client.get("/self-check/questions/")
        while page(response).select_one("h1").get_text() != "Safety questions":
            response = answer(client, response, CLEAR)
        urgent = answer(client, response, {**CLEAR, "saddle_numbness": True})
        assert URGENT_TEXT in text(urgent)
        assert "cauda equina" not in text(urgent).lower()
        carry_on = page(urgent).select_one("form.check-form")
        assert carry_on.select_one('input[name="step"]')["value"] == "contraindications"

    def test_it_says_what_the_answers_mean_without_promising_treatment(self, client, site):
        result = text(answer_everything(client, CLEAR))
        assert "Nothing in your answers rules out dry needling." in result
        assert "A physiotherapist must examine you before any treatment is chosen." in result
        assert "no-concerns" not in result

    def test_a_picture_that_does_not_fit_says_a_physiotherapist_must_examine(self, client, site):
        result = text(answer_everything(client, {**CLEAR, "buttock_pain": False}))
        assert "Your answers do not match the usual pattern of this problem." in result
        assert "Your physiotherapist will examine you to find the cause" in result


@pytest.mark.django_db
class TestSendingTheAnswers:
    def open_the_enquiry_form(self, client, answers):
        result = page(answer_everything(client, answers))
        send = result.select_one('form[action="/enquire/"]')
        data = {tag["name"]: tag["value"] for tag in send.select("input")}
        response = client.post("/enquire/", data)
        assert response.status_code == 200
        return page(response)

    def test_the_result_arrives_with_the_enquiry(self, client, site):
        form = self.open_the_enquiry_form(client, CLEAR)
        assert "will be sent with this enquiry" in form.get_text()
        signed = form.select_one('input[name="self_check"]')["value"]
        token = form.select_one('input[name="form_token"]')["value"]
        response = client.post("/enquire/", {**ENQUIRY, "self_check": signed, "form_token": token})
        assert response.status_code == 303
        stored = Enquiry.objects.get().self_check
        assert stored["pathway"] == PATHWAY.id
        assert stored["version"] == PATHWAY.version
        assert stored["sha256"] == REGISTRY.entry(PATHWAY.id, PATHWAY.version).sha256
        assert stored["answers"]["saddle_numbness"] is False
        assert stored["answers"]["pain_spread"] == ["back_of_thigh"]
        assert stored["outcome"] == "suitable"
        assert stored["fired"] == ["no-concerns"]
        assert re.match(r"\d{4}-\d{2}-\d{2}T", stored["decided_at"])

    def test_an_enquiry_without_a_self_check_stores_none(self, client, site):
        client.post("/enquire/", ENQUIRY)
        assert Enquiry.objects.get().self_check is None

    def test_a_tampered_result_is_refused_with_a_clear_message(self, client, site):
        form = self.open_the_enquiry_form(client, CLEAR)
        signed = form.select_one('input[name="self_check"]')["value"]
        response = client.post("/enquire/", {**ENQUIRY, "self_check": signed[:-2] + "xx"})
        assert response.status_code == 400
        assert "We could not read the answers from your self-check" in text(response)
        assert page(response).select_one('input[name="self_check"]') is None
        assert not Enquiry.objects.exists()


@pytest.mark.django_db
class TestWhatStaffSee:
    @pytest.fixture
    def enquiry(self, bangalore):
        """Sent with a self-check that answered only one question: it needs a review."""
        check = self_check_answers.new().with_answers({"saddle_numbness": False})
        return EnquiryFactory(clinic=bangalore, self_check=check.stored())

    def test_a_physiotherapist_reads_the_answers_and_the_decision(self, client, arjun, enquiry):
        signed_in(client, arjun)
        html = text(client.get(f"/app/enquiries/{enquiry.reference}/"))
        assert "Decision:" in html
        assert "Saddle anaesthesia No" in html
        assert "Needs a physiotherapist's review" in html

    def test_the_front_desk_reads_only_that_one_was_sent(self, client, priya, enquiry):
        signed_in(client, priya)
        html = text(client.get(f"/app/enquiries/{enquiry.reference}/"))
        assert "Self-check sent with this enquiry" in html
        assert "Saddle anaesthesia" not in html
        assert "Decision:" not in html

    def test_either_clinic_is_read_by_any_physiotherapist(self, client, meera, enquiry):
        Enquiry.objects.filter(pk=enquiry.pk).update(clinic=None)
        signed_in(client, meera)
        assert "Decision:" in text(client.get(f"/app/enquiries/{enquiry.reference}/"))

    def test_erasing_the_enquiry_erases_the_answers(self, farah, enquiry):
        enquiry_erase(enquiry=enquiry, by=farah, reason=ErasureReason.REQUEST)
        enquiry.refresh_from_db()
        assert enquiry.self_check is None
