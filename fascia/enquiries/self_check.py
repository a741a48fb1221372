"""The public self-check, "Could dry needling suit me?", at /self-check/ (namespace `self_check`).

Anyone may answer the pathway's patient questions, one group a step, the same questions
and the same form as a patient's private link (`fascia.records.forms.questions`). Nothing
is stored: the answers so far travel with the page, signed (`self_check_answers`), and no
session or cookie but Django's CSRF cookie is used. An answer that reaches an emergency
shows the urgent advice at once. The last page says what the answers mean, in the
pathway's patient messages, and offers to send them with an enquiry (`/enquire/`).

The start page is the same for everyone and may be cached; the steps never are.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from fascia.cacheable import cacheable_page
from fascia.pathways import Respondent, TriageOutcome
from fascia.pathways.models import ScreeningGroup
from fascia.records.forms.questions import QuestionsForm, Steps, answer_rows, asked
from fascia.records.views.check import private_page

from . import self_check_answers
from .forms import FROM_SELF_CHECK
from .self_check_answers import SelfCheck, Unreadable

PATIENT = Respondent.PATIENT
BACK = "back"
SHOW = "show"
"""Show the step named in the form, without reading answers from it."""


@require_GET
@cacheable_page
def start(request):
    return render(request, "enquiries/self_check/start.html")


def _messages(check: SelfCheck, *, urgent: bool) -> list[str]:
    """The pathway's messages to the person for their answers: the urgent ones, or the rest."""
    decision = check.decision()
    texts = [
        f.patient_message.text
        for f in decision.fired
        if (f.outcome == TriageOutcome.EMERGENCY_REFERRAL) is urgent and f.patient_message.text
    ]
    return list(dict.fromkeys(texts))


def _step(request, check: SelfCheck, group: ScreeningGroup, form=None, status=200):
    steps = Steps(check.pathway, check.answers, PATIENT)
    form = form or QuestionsForm(
        questions=asked(group.questions, PATIENT),
        respondent=PATIENT,
        visible=steps.visible,
        answers=check.answers,
        known=check.pathway.screening_questions,
    )
    context = {
        "check": check,
        "group": group,
        "form": form,
        "number": steps.number(group),
        "total": len(steps.groups),
        "first": steps.before(group.id) is None,
        "urgent": _messages(check, urgent=True),
    }
    return render(request, "enquiries/self_check/step.html", context, status=status)


def _result(request, check: SelfCheck):
    steps = Steps(check.pathway, check.answers, PATIENT)
    sections = [
        (group, answer_rows(steps.shown_in(group), steps.answers, PATIENT))
        for group in steps.groups
    ]
    context = {
        "check": check,
        "urgent": _messages(check, urgent=True),
        "messages": _messages(check, urgent=False),
        "sections": sections,
        "from_self_check": FROM_SELF_CHECK,
    }
    return render(request, "enquiries/self_check/result.html", context)


@private_page
@require_http_methods(["GET", "POST"])
def questions(request):
    if request.method != "POST":
        check = self_check_answers.new()
        return _step(request, check, check.pathway.screening[0])
    try:
        check = self_check_answers.read(request.POST.get("answers", ""))
    except Unreadable as error:
        context = {"expired": error.expired}
        return render(request, "enquiries/self_check/unreadable.html", context, status=400)
    steps = Steps(check.pathway, check.answers, PATIENT)
    group = steps.group(request.POST.get("step", ""))
    go = request.POST.get("go")
    if group is None or go == SHOW:
        target = group or steps.first_unanswered()
        return _step(request, check, target) if target else _result(request, check)
    form = QuestionsForm(
        request.POST,
        questions=asked(group.questions, PATIENT),
        respondent=PATIENT,
        visible=steps.visible,
        answers=check.answers,
        known=check.pathway.screening_questions,
        require_answers=go != BACK,
    )
    if not form.is_valid():
        if go == BACK:
            return _step(request, check, steps.before(group.id) or group)
        return _step(request, check, group, form=form, status=400)
    answered = check.with_answers(form.answers)
    after = Steps(answered.pathway, answered.answers, PATIENT)
    if go == BACK:
        return _step(request, answered, after.before(group.id) or group)
    if after.newly_shown(group, form.presented):
        following = group
    else:
        following = after.after(group.id) or after.first_unanswered()
    if _messages(answered, urgent=True) and not _messages(check, urgent=True):
        context = {
            "check": answered,
            "messages": _messages(answered, urgent=True),
            "next": following.id if following else "",
        }
        return render(request, "enquiries/self_check/urgent.html", context)
    return _step(request, answered, following) if following else _result(request, answered)
