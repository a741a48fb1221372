"""The staff side of screening: sending the private link, the clinician's screening and
review, the recorded judgement, and alerts.

Sending links is the front desk's work (Capability.CONTACTS in the episode's clinic); the
screening itself, judgements and alerts are clinical (Capability.CLINICAL). Anything else is
a 404. A new link's token is shown once, on the page the creating POST returns, and that
page is never cached; it can email the link because its form carries the token, signed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia import phone_numbers
from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.pathways import (
    CLINIC_POLICY,
    REGISTRY,
    AnswerValue,
    FitStatus,
    Pathway,
    Respondent,
    TriageOutcome,
    answers_from_json,
    visible_questions,
)

from .. import data_rights, events
from ..actions import ActionError
from ..forms.questions import AnswerRow, QuestionsForm, answer_rows
from ..forms.screening import (
    AlertAcknowledgeForm,
    JudgementForm,
    LinkCreateForm,
    LinkEmailForm,
    seal_token,
)
from ..models import (
    ClinicalJudgement,
    Episode,
    Judgement,
    LinkKind,
    PatientLink,
    Screening,
)
from ..models import Respondent as StoredRespondent
from ..queries import access_episode
from ..screening import (
    OUTCOME_LABELS,
    access_alert,
    alert_acknowledge,
    current_screening,
    episode_link,
    episode_links,
    episode_screening,
    judgement_record,
    latest_screening,
    needs_judgement,
    pathway_of,
    patient_link_create,
    patient_link_email,
    patient_link_revoke,
    screening_record,
    stored_answers,
)

CLINICIAN = Respondent.CLINICIAN

contacts_view = staff_required(Capability.CONTACTS)
clinical_view = staff_required(Capability.CLINICAL)

FIT_LABELS = {
    FitStatus.FITS: gettext_lazy("Yes"),
    FitStatus.NOT_YET_KNOWN: gettext_lazy("Not yet known: some features need the examination"),
    FitStatus.DOES_NOT_FIT: gettext_lazy("No: look for another cause first"),
}


# Sending the private link


def _link_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("check:start", args=[token]))


def _whatsapp_href(link: PatientLink, url: str) -> str:
    """A wa.me link to the patient's mobile with the message filled in; "" without a mobile
    or without the patient's consent to be contacted."""
    mobile = link.episode.patient.mobile
    if not mobile or not data_rights.may_contact(link.episode.patient):
        return ""
    text = render_to_string("records/screening/whatsapp.txt", _message_context(link, url))
    return phone_numbers.whatsapp_url(mobile, text.strip())


def _message_context(link: PatientLink, url: str) -> dict[str, object]:
    return {
        "patient": link.episode.patient,
        "clinic": link.episode.clinic,
        "link": link,
        "url": url,
        "expires": timezone.localtime(link.expires_at),
    }


def _link_page(request: HttpRequest, link: PatientLink, token: str) -> HttpResponse:
    """The page that shows a new link, the only place its token is ever shown."""
    url = _link_url(request, token)
    context = {
        "episode": link.episode,
        "patient": link.episode.patient,
        "link": link,
        "url": url,
        "whatsapp_href": _whatsapp_href(link, url),
        "may_contact": data_rights.may_contact(link.episode.patient),
        "email_form": LinkEmailForm(initial={"sealed": seal_token(link, token)}, link=link),
    }
    return render(request, "records/screening/link_created.html", context)


def _links_page(
    request: HttpRequest, episode: Episode, form: LinkCreateForm | None = None
) -> HttpResponse:
    events.viewed(
        events.PATIENT_VIEWED,
        episode.patient,
        about=episode,
        by=request.user,
        ip=request_ip(request),
        detail={"page": "patient links"},
    )
    context = {
        "episode": episode,
        "patient": episode.patient,
        "rows": episode_links(episode),
        "form": form or LinkCreateForm(),
        "link_days": settings.FASCIA_PATIENT_LINK_DAYS,
    }
    return render(request, "records/screening/links.html", context)


@require_GET
@contacts_view
def link_list(request, episode_id):
    episode = access_episode(request.user, episode_id, Capability.CONTACTS)
    return _links_page(request, episode)


@never_cache
@require_POST
@contacts_view
def link_new(request, episode_id):
    episode = access_episode(request.user, episode_id, Capability.CONTACTS)
    form = LinkCreateForm(request.POST)
    if not form.is_valid():
        return _links_page(request, episode, form)
    try:
        link, token = patient_link_create(
            episode=episode,
            kind=LinkKind(form.cleaned_data["kind"]),
            by=request.user,
            ip=request_ip(request),
        )
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("records:links", episode_id=episode.pk)
    return _link_page(request, link, token)


@never_cache
@require_POST
@contacts_view
def link_email(request, episode_id, link_id):
    episode = access_episode(request.user, episode_id, Capability.CONTACTS)
    link = episode_link(episode, link_id)
    form = LinkEmailForm(request.POST, link=link)
    if not form.is_valid():
        messages.error(request, form.errors["sealed"][0])
        return redirect("records:links", episode_id=episode.pk)
    token = form.cleaned_data["sealed"]
    try:
        address = patient_link_email(
            link=link, url=_link_url(request, token), by=request.user, ip=request_ip(request)
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The link was emailed to %(address)s.") % {"address": address})
    return _link_page(request, link, token)


@require_POST
@contacts_view
def link_revoke(request, episode_id, link_id):
    episode = access_episode(request.user, episode_id, Capability.CONTACTS)
    link = episode_link(episode, link_id)
    try:
        patient_link_revoke(link=link, by=request.user, ip=request_ip(request))
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The link was revoked: it no longer opens."))
    return redirect("records:links", episode_id=episode.pk)


# The clinician's screening page


@dataclass(frozen=True)
class SourceRef:
    id: str
    citation: str
    link: str
    confirmed: bool


@dataclass(frozen=True)
class FiredView:
    id: str
    outcome: str
    outcome_label: str
    staff_message: str
    sources: list[SourceRef]


@dataclass(frozen=True)
class AnswerGroup:
    title: str
    rows: list[AnswerRow]


@dataclass(frozen=True)
class DecisionSummary:
    """A stored screening decision as the clinician reads it: nothing in it is recomputed."""

    screening: Screening
    pathway: Pathway
    outcome_label: str
    safety_label: str
    fit_label: str
    fired: list[FiredView]
    unanswered: list[str]
    groups: list[AnswerGroup]
    needs_judgement: bool
    judgement: ClinicalJudgement | None


def _sources(pathway: Pathway, ids: list[str]) -> list[SourceRef]:
    """The sources a rule names, as the pathway cites them (a loaded pathway names no other)."""
    known = {source.id: source for source in pathway.sources}
    policy = _("Clinic policy: our choice, not published evidence")
    return [
        SourceRef(source_id, policy, "", True)
        if source_id == CLINIC_POLICY
        else SourceRef(
            source_id,
            known[source_id].citation,
            known[source_id].link or "",
            known[source_id].confirmed,
        )
        for source_id in ids
    ]


def _answer_groups(pathway: Pathway, answers: dict[str, AnswerValue]) -> list[AnswerGroup]:
    """The questions shown for these answers, by group, in the clinician's wording."""
    shown = {q.id for q in visible_questions(pathway, answers)}
    return [
        AnswerGroup(
            group.title,
            answer_rows([q for q in group.questions if q.id in shown], answers, CLINICIAN),
        )
        for group in pathway.screening
    ]


def decision_summary(screening: Screening) -> DecisionSummary:
    """The stored decision of a completed screening, ready for a page."""
    pathway = REGISTRY.get(
        screening.pathway_id, screening.pathway_version, sha256=screening.pathway_sha256
    )
    labels = {q.id: q.clinician for q in pathway.screening_questions}
    judgements = list(screening.judgements.all())
    return DecisionSummary(
        screening=screening,
        pathway=pathway,
        outcome_label=str(OUTCOME_LABELS[TriageOutcome(screening.outcome)]),
        safety_label=str(OUTCOME_LABELS[TriageOutcome(screening.safety_outcome)]),
        fit_label=str(FIT_LABELS[FitStatus(screening.fit_status)]) if screening.fit_status else "",
        fired=[
            FiredView(
                f["id"],
                f["outcome"],
                str(OUTCOME_LABELS[TriageOutcome(f["outcome"])]),
                f["staff_message"],
                _sources(pathway, f["sources"]),
            )
            for f in screening.fired
        ],
        unanswered=[labels.get(q, q) for q in screening.unanswered],
        groups=_answer_groups(
            pathway, answers_from_json(pathway.screening_questions, screening.answers)
        ),
        needs_judgement=needs_judgement(screening) and not judgements,
        judgement=judgements[0] if judgements else None,
    )


def _screening_page(
    request: HttpRequest,
    episode: Episode,
    *,
    judgement_form: JudgementForm | None = None,
    alert_forms: dict[int, AlertAcknowledgeForm] | None = None,
) -> HttpResponse:
    current = current_screening(episode)
    events.viewed(
        events.SCREENING_VIEWED,
        current or episode,
        about=episode,
        by=request.user,
        ip=request_ip(request),
    )
    alert_forms = alert_forms or {}
    alerts = [
        (alert, alert_forms.get(alert.pk) or AlertAcknowledgeForm(prefix=f"alert-{alert.pk}"))
        for alert in episode.alerts.filter(acknowledged_at__isnull=True)
    ]
    earlier = (
        episode.screenings.exclude(pk=current.pk if current else None)
        .select_related("recorded_by")
        .prefetch_related("judgements")
    )
    context = {
        "episode": episode,
        "patient": episode.patient,
        "summary": decision_summary(current) if current else None,
        "amendments": data_rights.amendments_for(current) if current else [],
        "judgement_form": judgement_form
        or JudgementForm(initial={"screening": current.pk if current else None}),
        "alerts": alerts,
        "earlier": [
            (s, OUTCOME_LABELS.get(TriageOutcome(s.outcome)) if s.outcome else None)
            for s in earlier
        ],
        "Respondent": StoredRespondent,
    }
    return render(request, "records/screening/screening.html", context)


@require_GET
@clinical_view
def screening_detail(request, episode_id):
    episode = access_episode(request.user, episode_id)
    return _screening_page(request, episode)


def _review_form(pathway: Pathway, answers: dict[str, AnswerValue], data=None) -> QuestionsForm:
    questions = pathway.screening_questions
    return QuestionsForm(
        data,
        questions=questions,
        respondent=CLINICIAN,
        visible={q.id for q in visible_questions(pathway, answers)},
        answers=answers,
        known=questions,
        require_answers=False,
    )


@require_http_methods(["GET", "POST"])
@clinical_view
def screening_review(request, episode_id):
    """Every screening question, the clinician's too, filled in from the latest answers:
    saving records a new screening and leaves the earlier ones as they were. A question
    that the new answers make apply, and that was not on the page (no JavaScript), is
    asked first."""
    episode = access_episode(request.user, episode_id)
    pathway = pathway_of(episode)
    latest = latest_screening(episode)
    answers = stored_answers(latest) if latest else {}
    form = _review_form(pathway, answers, request.POST if request.method == "POST" else None)
    more = False
    if request.method == "POST" and form.is_valid():
        given = {k: v for k, v in form.answers.items() if v is not None}
        visible = {q.id for q in visible_questions(pathway, given)}
        given = {k: v for k, v in given.items() if k in visible}
        if visible <= form.presented:
            screening_record(
                episode=episode, answers=given, by=request.user, ip=request_ip(request)
            )
            messages.success(request, _("Your screening was recorded."))
            return redirect("records:screening", episode_id=episode.pk)
        form, more = _review_form(pathway, given), True
    if request.method == "GET":
        events.viewed(
            events.SCREENING_VIEWED,
            latest or episode,
            about=episode,
            by=request.user,
            ip=request_ip(request),
            detail={"page": "review"},
        )
    context = {
        "episode": episode,
        "patient": episode.patient,
        "form": form,
        "latest": latest,
        "more": more,
    }
    return render(request, "records/screening/review.html", context)


@require_POST
@clinical_view
def judgement_new(request, episode_id):
    episode = access_episode(request.user, episode_id)
    form = JudgementForm(request.POST)
    if not form.is_valid():
        return _screening_page(request, episode, judgement_form=form)
    try:
        judgement_record(
            screening=episode_screening(episode, form.cleaned_data["screening"]),
            judgement=Judgement(form.cleaned_data["judgement"]),
            reason=form.cleaned_data["reason"],
            by=request.user,
            ip=request_ip(request),
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your judgement was recorded."))
    return redirect("records:screening", episode_id=episode.pk)


@require_POST
@clinical_view
def alert_acknowledge_view(request, alert_id):
    alert = access_alert(request.user, alert_id)
    form = AlertAcknowledgeForm(request.POST, prefix=f"alert-{alert.pk}")
    if form.is_valid():
        try:
            alert_acknowledge(
                alert=alert, note=form.cleaned_data["note"], by=request.user, ip=request_ip(request)
            )
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The alert was acknowledged."))
        return redirect("records:screening", episode_id=alert.episode_id)
    episode = access_episode(request.user, alert.episode_id)
    return _screening_page(request, episode, alert_forms={alert.pk: form})


urlpatterns = [
    path("episodes/<int:episode_id>/links/", link_list, name="links"),
    path("episodes/<int:episode_id>/links/new/", link_new, name="link_new"),
    path("episodes/<int:episode_id>/links/<int:link_id>/email/", link_email, name="link_email"),
    path("episodes/<int:episode_id>/links/<int:link_id>/revoke/", link_revoke, name="link_revoke"),
    path("episodes/<int:episode_id>/screening/", screening_detail, name="screening"),
    path("episodes/<int:episode_id>/screening/review/", screening_review, name="screening_review"),
    path("episodes/<int:episode_id>/screening/judgement/", judgement_new, name="judgement"),
    path("alerts/<int:alert_id>/acknowledge/", alert_acknowledge_view, name="alert_acknowledge"),
]
