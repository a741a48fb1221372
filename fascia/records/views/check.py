"""The patient's private link, /check/<token>/ (namespace `check`): no account needed.

A screening link asks the pathway's screening questions one group a step, in the patient's
words, and saves the answers on every step (`screening_save`), so a patient who leaves
comes back to the first step not yet answered. An answer that reaches an emergency shows
the pathway's urgent advice at once (the alert is raised as it is saved); the patient may
still finish. The last step shows the answers to check, then `screening_complete` stores
the engine's decision and the patient reads what happens next.

A LEFS link asks the questionnaire's 20 items, five a step, saved as they go
(`links.lefs_save`) and scored on completion (`links.lefs_complete`).

Every answer here says: never stored by a browser or proxy, never named in full as a
referrer (the address holds the token), never indexed. Expired, revoked and used links say what to
do instead (410); a token that names no link is a 404.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fascia.pathways import (
    AnswerValue,
    Pathway,
    Question,
    Respondent,
    TriageOutcome,
    answers_from_json,
    triage,
)

from .. import events
from ..forms.questions import QuestionsForm, Steps, answer_rows, asked, measure_questions
from ..links import lefs_answers, lefs_complete, lefs_measure, lefs_save
from ..models import LinkKind, PatientLink
from ..screening import pathway_of, patient_link_find, screening_complete, screening_save

PATIENT = Respondent.PATIENT
BACK = "back"
LEFS_ITEMS_PER_STEP = 5


def private_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page about one person: never stored, its address never sent on, never indexed.

    The referrer policy is `strict-origin`, not `no-referrer`: either keeps the address (and
    the token in it) from every request the page makes, but under `no-referrer` browsers
    send `Origin: null` with the page's own forms, which Django's CSRF check refuses.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        response["Referrer-Policy"] = "strict-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapped


def _gone(request: HttpRequest, link: PatientLink) -> HttpResponse:
    if link.completed_at:
        reason = "completed"
    elif link.revoked_at:
        reason = "revoked"
    else:
        reason = "expired"
    context = {"clinic": link.episode.clinic, "reason": reason, "kind": link.kind}
    return render(request, "records/check/gone.html", context, status=410)


def patient_link_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Call `view` with the usable link the address names, or say why there is none."""

    @private_page
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, **kwargs) -> HttpResponseBase:
        link = patient_link_find(token)
        if link is None:
            return render(request, "records/check/unknown.html", status=404)
        if not link.is_usable():
            return _gone(request, link)
        return view(request, link, token=token, **kwargs)

    return wrapped


def _see_other(url: str) -> HttpResponseRedirect:
    """Where to go after a step is sent: always a GET (303)."""
    return HttpResponseRedirect(url, status=303)


def _url(name: str, token: str, *args: str) -> str:
    return reverse(f"check:{name}", args=[token, *args])


def _page(request, link: PatientLink, template: str, context: dict, status: int = 200):
    context = {"link": link, "clinic": link.episode.clinic, **context}
    return render(request, f"records/check/{template}", context, status=status)


# The screening


def _screening(link: PatientLink) -> tuple[Pathway, dict[str, AnswerValue]]:
    pathway = pathway_of(link.episode)
    saved = link.screening.answers if link.screening else {}
    return pathway, answers_from_json(pathway.screening_questions, saved)


def _urgent_messages(pathway: Pathway, answers: dict[str, AnswerValue]) -> list[str]:
    """The pathway's urgent advice when the answers reach an emergency, else nothing."""
    decision = triage(pathway, answers, respondent=PATIENT)
    if decision.outcome is not TriageOutcome.EMERGENCY_REFERRAL:
        return []
    fired = [f.patient_message.text for f in decision.fired if f.outcome == decision.outcome]
    return list(dict.fromkeys(m for m in fired if m))


def _screening_resume(link: PatientLink, token: str) -> str:
    pathway, answers = _screening(link)
    group = Steps(pathway, answers, PATIENT).first_unanswered()
    return _url("step", token, group.id) if group else _url("review", token)


def _changed(old: dict, new: dict) -> bool:
    return any(old.get(key) != value for key, value in new.items())


def _screening_step(request, link: PatientLink, token: str, step: str):
    pathway, answers = _screening(link)
    steps = Steps(pathway, answers, PATIENT)
    group = steps.group(step)
    if group is None:
        return redirect(_screening_resume(link, token))
    back = request.POST.get("go") == BACK
    form = QuestionsForm(
        request.POST if request.method == "POST" else None,
        questions=asked(group.questions, PATIENT),
        respondent=PATIENT,
        visible=steps.visible,
        answers=answers,
        known=pathway.screening_questions,
        require_answers=not back,
    )
    earlier = steps.before(group.id)
    back_url = _url("step", token, earlier.id) if earlier else _url("start", token)
    if request.method == "POST":
        if form.is_valid():
            urgent = bool(_urgent_messages(pathway, answers))
            if _changed(answers, form.answers):
                saved = screening_save(link=link, answers=form.answers)
                answers = answers_from_json(pathway.screening_questions, saved.screening.answers)
                if not urgent and _urgent_messages(pathway, answers):
                    return _see_other(_url("urgent", token))
            after = Steps(pathway, answers, PATIENT)
            if back:
                earlier = after.before(group.id)
                return _see_other(
                    _url("step", token, earlier.id) if earlier else _url("start", token)
                )
            if after.newly_shown(group, form.presented):
                return _see_other(_url("step", token, group.id))
            following = after.after(group.id)
            return _see_other(
                _url("step", token, following.id) if following else _url("review", token)
            )
        if back:
            return _see_other(back_url)
    context = {
        "form": form,
        "heading": group.title,
        "number": steps.number(group),
        "total": len(steps.groups),
        "back_url": back_url,
        "urgent": _urgent_messages(pathway, answers),
    }
    return _page(request, link, "step.html", context, status=400 if form.errors else 200)


def _screening_review(request, link: PatientLink, token: str):
    pathway, answers = _screening(link)
    steps = Steps(pathway, answers, PATIENT)
    missing = steps.first_unanswered()
    if request.method == "POST":
        if missing is not None:
            return _see_other(_url("step", token, missing.id))
        screening = screening_complete(link=link)
        emergency = [
            f["patient_message"]
            for f in screening.fired
            if f["outcome"] == TriageOutcome.EMERGENCY_REFERRAL
        ]
        others = [f["patient_message"] for f in screening.fired if f["patient_message"]]
        context = {
            "heading": _("Thank you: your answers have been sent"),
            "urgent": list(dict.fromkeys(m for m in emergency if m)),
            "messages": [m for m in dict.fromkeys(others) if m not in emergency],
        }
        return _page(request, link, "done.html", context)
    sections = [
        (
            group,
            _url("step", token, group.id),
            answer_rows(steps.shown_in(group), steps.answers, PATIENT),
        )
        for group in steps.groups
    ]
    context = {
        "sections": sections,
        "missing_url": _url("step", token, missing.id) if missing else "",
        "back_url": _url("step", token, steps.groups[-1].id),
        "urgent": _urgent_messages(pathway, answers),
    }
    return _page(request, link, "review.html", context)


# The LEFS


def _lefs_steps(link: PatientLink) -> list[tuple[str, tuple[Question, ...]]]:
    questions = measure_questions(lefs_measure(link))
    n = LEFS_ITEMS_PER_STEP
    return [(f"part-{i // n + 1}", questions[i : i + n]) for i in range(0, len(questions), n)]


def _lefs_resume(link: PatientLink, token: str) -> str:
    answered = lefs_answers(link)
    for step, questions in _lefs_steps(link):
        if any(q.id not in answered for q in questions):
            return _url("step", token, step)
    return _url("review", token)


def _lefs_step(request, link: PatientLink, token: str, step: str):
    parts = _lefs_steps(link)
    ids = [part for part, _questions in parts]
    if step not in ids:
        return redirect(_lefs_resume(link, token))
    index = ids.index(step)
    questions = parts[index][1]
    answers: dict[str, AnswerValue] = {k: str(v) for k, v in lefs_answers(link).items()}
    back = request.POST.get("go") == BACK
    form = QuestionsForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        respondent=PATIENT,
        visible={q.id for q in questions},
        answers=answers,
        require_answers=not back,
    )
    back_url = _url("step", token, ids[index - 1]) if index else _url("start", token)
    if request.method == "POST":
        if form.is_valid() and _changed(answers, form.answers):
            ratings = {k: None if v is None else int(str(v)) for k, v in form.answers.items()}
            lefs_save(link=link, answers=ratings)
        if back:
            return _see_other(back_url)
        if form.is_valid():
            following = _url("step", token, ids[index + 1]) if index + 1 < len(ids) else None
            return _see_other(following or _url("review", token))
    measure = lefs_measure(link)
    context = {
        "form": form,
        "heading": measure.name,
        "stem": measure.stem,
        "number": index + 1,
        "total": len(ids),
        "back_url": back_url,
    }
    return _page(request, link, "step.html", context, status=400 if form.errors else 200)


def _lefs_review(request, link: PatientLink, token: str):
    answered: dict[str, AnswerValue] = {k: str(v) for k, v in lefs_answers(link).items()}
    parts = _lefs_steps(link)
    missing = next((p for p, qs in parts if any(q.id not in answered for q in qs)), None)
    if request.method == "POST":
        if missing is not None:
            return _see_other(_url("step", token, missing))
        lefs_complete(link=link)
        return _page(
            request,
            link,
            "done.html",
            {"heading": _("Thank you: your answers have been sent"), "messages": []},
        )
    measure = lefs_measure(link)
    sections = [
        (None, _url("step", token, part), answer_rows(questions, answered, PATIENT))
        for part, questions in parts
    ]
    context = {
        "sections": sections,
        "stem": measure.stem,
        "missing_url": _url("step", token, missing) if missing else "",
        "back_url": _url("step", token, parts[-1][0]),
    }
    return _page(request, link, "review.html", context)


# The pages


@require_GET
@patient_link_page
def start(request, link: PatientLink, token: str):
    events.viewed(
        events.LINK_OPENED, link, about=link.episode, by=None, ip=None, detail={"kind": link.kind}
    )
    if link.kind == LinkKind.LEFS:
        resume, started = _lefs_resume(link, token), bool(link.answers)
        context = {"measure": lefs_measure(link)}
    else:
        resume, started = _screening_resume(link, token), link.screening_id is not None
        context = {}
    expires = timezone.localtime(link.expires_at)
    context.update(resume_url=resume, started=started, expires=expires)
    return _page(request, link, "start.html", context)


@require_http_methods(["GET", "POST"])
@patient_link_page
def step(request, link: PatientLink, token: str, step: str):
    if link.kind == LinkKind.LEFS:
        return _lefs_step(request, link, token, step)
    return _screening_step(request, link, token, step)


@require_GET
@patient_link_page
def urgent(request, link: PatientLink, token: str):
    if link.kind != LinkKind.SCREENING:
        return redirect(_lefs_resume(link, token))
    pathway, answers = _screening(link)
    messages = _urgent_messages(pathway, answers)
    if not messages:
        return redirect(_screening_resume(link, token))
    context = {"messages": messages, "resume_url": _screening_resume(link, token)}
    return _page(request, link, "urgent.html", context)


@require_http_methods(["GET", "POST"])
@patient_link_page
def review(request, link: PatientLink, token: str):
    if link.kind == LinkKind.LEFS:
        return _lefs_review(request, link, token)
    return _screening_review(request, link, token)


urlpatterns = [
    path("<str:token>/", start, name="start"),
    path("<str:token>/questions/<slug:step>/", step, name="step"),
    path("<str:token>/urgent/", urgent, name="urgent"),
    path("<str:token>/check-your-answers/", review, name="review"),
]
