"""The patient's follow-up after needling, /f/<token>/ (namespace `follow_up`): no account.

One page with the check's questions in the patient's words (`follow_ups.asked`: only that
check's, and only those the muscles needled call for). A question that applies only after
another answer (`show_when`) is shown at once by js/check.js; without JavaScript the page
comes back with it to answer, and nothing is kept until every question shown was seen.
The answers go to the engine (`follow_ups.follow_up_answer`); its refusals, an unanswered
question and a character nobody types are said on the question, and nothing is kept. A
patient who cannot answer a question may send the rest as they are: the engine then
decides on what it has (the pathway's "incomplete" verdict).

Once answered, the page thanks the patient and shows the pathway's advice for the answers,
with whom to call now when the outcome calls for it; a second send changes nothing. An
expired link says whom to call instead (410); a token that names no follow-up is a 404.
Every answer is private (`private_page`): never stored, never indexed, never a referrer.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from fascia.pathways import AnswerError, Question, QuestionType, Respondent
from fascia.pathways.answers import shown
from fascia.records.actions import ActionError
from fascia.records.forms.questions import SHOWN, QuestionsForm, refusal
from fascia.records.views.check import private_page
from fascia.typed_text import TypedTextField
from fascia.typed_text import refusal as typed_refusal

from ..follow_ups import (
    Asked,
    advice,
    asked,
    follow_up_answer,
    follow_up_find,
    follow_up_opened,
    is_expired,
)
from ..models import FollowUp

PATIENT = Respondent.PATIENT
AS_THEY_ARE = "as_they_are"
"""The `go` of the button that sends the answers with required questions left blank."""


class FollowUpForm(QuestionsForm):
    """The check's questions; typed text also refuses characters nobody types."""

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            text = self.answers.get(question.id)
            if question.type is not QuestionType.FREE_TEXT or not isinstance(text, str):
                continue
            kind = typed_refusal(text, line_breaks=True)
            if kind is not None:
                self.add_error(question.id, TypedTextField.default_error_messages[kind])
        return cleaned


def _form(what: Asked, data=None, *, answers=None, require_answers: bool = True) -> FollowUpForm:
    given = {k: v for k, v in (answers or {}).items() if v is not None}
    visible = {q.id for q in shown(what.questions, given)[0]}
    if data is not None:
        visible |= set(str(data.get(SHOWN, "")).split())
    return FollowUpForm(
        data,
        questions=what.questions,
        respondent=PATIENT,
        visible=visible,
        answers=given,
        require_answers=require_answers,
    )


def _newly_shown(what: Asked, form: FollowUpForm) -> list[Question]:
    given = {k: v for k, v in form.answers.items() if v is not None}
    return [q for q in shown(what.questions, given)[0] if q.id not in form.presented]


def _page(request: HttpRequest, follow_up: FollowUp, template: str, context: dict, status=200):
    context = {"follow_up": follow_up, "clinic": follow_up.clinic, **context}
    return render(request, f"treatment/follow_up/{template}", context, status=status)


def _questions(request, follow_up: FollowUp, what: Asked, form, status=200, **context):
    context = {"form": form, "title": what.check.title, **context}
    return _page(request, follow_up, "questions.html", context, status=status)


def _answered(request: HttpRequest, follow_up: FollowUp) -> HttpResponse:
    return _page(request, follow_up, "answered.html", {"advice": advice(follow_up)})


def _expired(request: HttpRequest, follow_up: FollowUp) -> HttpResponse:
    return _page(request, follow_up, "expired.html", {}, status=410)


def _see_page(token: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("follow_up:answer", args=[token]), status=303)


@require_http_methods(["GET", "POST"])
@private_page
def answer(request, token):
    follow_up = follow_up_find(token)
    if follow_up is None:
        return render(request, "treatment/follow_up/unknown.html", status=404)
    if follow_up.answered_at is not None:
        if request.method == "POST":
            return _see_page(token)
        follow_up_opened(follow_up)
        return _answered(request, follow_up)
    if is_expired(follow_up):
        return _expired(request, follow_up)
    what = asked(follow_up)
    if request.method == "GET":
        follow_up_opened(follow_up)
        return _questions(request, follow_up, what, _form(what))
    as_they_are = request.POST.get("go") == AS_THEY_ARE
    form = _form(what, request.POST, require_answers=not as_they_are)
    if not form.is_valid():
        lenient = _form(what, request.POST, require_answers=False)
        return _questions(
            request, follow_up, what, form, status=400, offer_as_they_are=lenient.is_valid()
        )
    newly = _newly_shown(what, form)
    if newly:
        again = _form(what, answers=form.answers)
        return _questions(request, follow_up, what, again, newly_shown=newly)
    try:
        follow_up_answer(follow_up=follow_up, answers=form.answers)
    except AnswerError as error:
        question = next((q for q in what.questions if q.id == error.question_id), None)
        form.add_error(None, refusal(question, error, PATIENT))
        return _questions(request, follow_up, what, form, status=400)
    except ActionError:
        pass
    return _see_page(token)


urlpatterns = [
    path("<str:token>/", answer, name="answer"),
]
