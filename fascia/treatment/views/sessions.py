"""Staff pages: the treatment session at the couch.

Clinical pages (Capability.CLINICAL in the episode's clinic; anyone else gets a 404). The
session page shows every part of the session, each with its own small form posting to its
own address; a refused post shows the page again with what was refused, and changes
nothing. Every view of the page is audited (`treatment_session.viewed`); the writes are
audited by their actions (`fascia.treatment.sessions`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.pathways import CLINIC_POLICY, Pathway
from fascia.records import body_chart
from fascia.records import events as record_events
from fascia.records.actions import ActionError
from fascia.records.forms.staff import StaffForm
from fascia.records.queries import access_episode
from fascia.records.screening import current_screening, pathway_of, stored_answers

from .. import events, sessions
from ..follow_ups import session_follow_ups
from ..forms.sessions import (
    AddendumForm,
    AftercareForm,
    ComponentsForm,
    CountOutForm,
    NeedlingForm,
    PainForm,
    RecheckForm,
    StepsForm,
)
from ..models import TreatmentSession

clinical_view = staff_required(Capability.CLINICAL)


@dataclass(frozen=True)
class SourceRef:
    citation: str
    link: str


def cite(pathway: Pathway, ids: list[str] | tuple[str, ...]) -> list[SourceRef]:
    """The sources a pathway entry names, as the pathway cites them."""
    known = {source.id: source for source in pathway.sources}
    return [
        SourceRef(_("Clinic policy: our choice, not published evidence"), "")
        if source_id == CLINIC_POLICY
        else SourceRef(known[source_id].citation, known[source_id].link or "")
        for source_id in ids
    ]


def _forms(session: TreatmentSession, pathway: Pathway) -> dict[str, forms.Form]:
    """The page's forms as they stand, before anything is posted."""
    previous = current_screening(session.episode)
    answers = stored_answers(previous) if previous else {}
    answers.update(session.recheck_answers)
    components = {c.kind: c for c in session.components.all()}
    initial_components: dict[str, Any] = {}
    for kind, component in components.items():
        initial_components |= {
            f"done-{kind}": True,
            f"detail-{kind}": component.detail,
            f"minutes-{kind}": component.minutes,
        }
    return {
        "recheck": RecheckForm(questions=sessions.recheck_questions(pathway), previous=answers),
        "steps": StepsForm(
            pathway=pathway,
            initial={f"step-{k}": v for k, v in session.checklist.items()}
            | {"needles_in": session.needles_in},
        ),
        "needling": NeedlingForm(pathway=pathway),
        "count": CountOutForm(initial={"needles_out": session.needles_out}),
        "components": ComponentsForm(initial=initial_components),
        "pain": PainForm(
            pathway=pathway,
            initial={
                "before": None if session.nprs_before is None else int(session.nprs_before),
                "after": None if session.nprs_after is None else int(session.nprs_after),
            },
        ),
        "aftercare": AftercareForm(
            pathway=pathway,
            initial={"advice": session.aftercare or [a.id for a in pathway.follow_up.aftercare]},
        ),
        "addendum": AddendumForm(),
    }


def _render(
    request: HttpRequest,
    session: TreatmentSession,
    *,
    status: int = 200,
    refusal: str = "",
    **bound: forms.Form,
) -> HttpResponse:
    """The session page (its view audited), with a posted form in place of its blank one."""
    record_events.viewed(
        events.SESSION_VIEWED,
        session,
        about=session.episode,
        by=request.user,
        ip=request_ip(request),
    )
    page = sessions.session_page(session)
    pathway = page.pathway
    page_forms = _forms(session, pathway) | bound
    editable = not session.is_signed and session.physiotherapist_id == request.user.pk
    can_needle = editable and page.gate.is_open
    radios = list(page_forms["needling"]["target"])
    field_ids = {}
    if can_needle:
        field_ids = {
            tuple(choice.data["value"].split(":")): choice.id_for_label for choice in radios
        }
    sides = len(sessions.SIDES)
    context = {
        "refusal": refusal,
        "session": session,
        "episode": session.episode,
        "patient": session.episode.patient,
        "page": page,
        "targets": [
            (
                muscle,
                radios[sides * index : sides * (index + 1)],
                [(c, cite(pathway, c.sources)) for c in muscle.cautions],
            )
            for index, muscle in enumerate(pathway.session.muscles)
        ],
        "steps": [(step, cite(pathway, step.sources)) for step in pathway.session.steps],
        "recheck_fired": [(rule, cite(pathway, rule["sources"])) for rule in session.recheck_fired],
        "aftercare": [
            (advice, cite(pathway, advice.sources)) for advice in pathway.follow_up.aftercare
        ],
        "editable": editable,
        "can_needle": can_needle,
        "chart": body_chart.regions(
            pathway.session.muscles,
            {(row.muscle, row.side): "needled" for row, _label in page.insertions},
            field_ids,
        ),
        "chart_size": (body_chart.WIDTH, body_chart.HEIGHT),
        "forms": page_forms,
        "follow_ups": session_follow_ups(session, pathway),
    }
    return render(request, "treatment/sessions/session.html", context, status=status)


@require_POST
@clinical_view
def new(request, episode_id):
    episode = access_episode(request.user, episode_id)
    try:
        session = sessions.session_start(episode=episode, by=request.user, ip=request_ip(request))
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("workspace:episode", episode_id=episode.pk)
    return redirect("treatment:session", session_id=session.pk)


@require_GET
@clinical_view
def session_page(request, session_id):
    return _render(request, sessions.access_session(request.user, session_id))


def _part(
    name: str,
    make_form: Callable[[TreatmentSession, Pathway, Any], forms.Form],
    act: Callable[[HttpRequest, TreatmentSession, Any], object],
    done: str,
) -> Callable[..., HttpResponse]:
    """A view taking one part of the session: the form checks, the action writes; a refusal
    shows the page again with it (400 for bad input, 409 for what the session refuses)."""

    @require_POST
    @clinical_view
    def view(request, session_id, **kwargs):
        session = sessions.access_session(request.user, session_id)
        form = make_form(session, pathway_of(session.episode), request.POST)
        try:
            if name != "addendum":
                sessions.check_editable(session, request.user)
            if not form.is_valid():
                return _render(request, session, status=400, **{name: form})
            act(request, session, form, **kwargs)
        except ActionError as error:
            form.add_error(None, str(error))
            return _render(request, session, status=409, refusal=str(error), **{name: form})
        messages.success(request, done)
        return redirect(reverse("treatment:session", args=[session.pk]) + f"#{name}-heading")

    return view


def _recheck_form(session, pathway, data):
    return RecheckForm(data, questions=sessions.recheck_questions(pathway), previous={})


def _recheck(request, session, form):
    sessions.session_recheck(
        session=session, answers=form.answers(), by=request.user, ip=request_ip(request)
    )


def _steps(request, session, form):
    sessions.session_confirm_steps(
        session=session,
        confirmed=form.confirmed(),
        needles_in=form.cleaned_data["needles_in"],
        by=request.user,
        ip=request_ip(request),
    )


def _needling(request, session, form):
    sessions.session_add_needling(
        session=session, needling=form.needling(), by=request.user, ip=request_ip(request)
    )


def _remove(request, session, form, insertion_id):
    sessions.session_remove_needling(
        session=session, insertion_id=insertion_id, by=request.user, ip=request_ip(request)
    )


def _count(request, session, form):
    sessions.session_count_out(
        session=session,
        needles_out=form.cleaned_data["needles_out"],
        where_found=form.cleaned_data["where_found"],
        resolution=form.cleaned_data["resolution"],
        by=request.user,
        ip=request_ip(request),
    )


def _components(request, session, form):
    sessions.session_set_components(
        session=session, components=form.components(), by=request.user, ip=request_ip(request)
    )


def _pain(request, session, form):
    sessions.session_record_pain(
        session=session,
        before=form.cleaned_data["before"],
        after=form.cleaned_data["after"],
        by=request.user,
        ip=request_ip(request),
    )


def _aftercare(request, session, form):
    sessions.session_give_aftercare(
        session=session,
        advice=form.cleaned_data["advice"],
        by=request.user,
        ip=request_ip(request),
    )


def _sign(request, session, form):
    sessions.session_sign(session=session, by=request.user, ip=request_ip(request))


def _addendum(request, session, form):
    sessions.session_add_addendum(
        session=session,
        text=form.cleaned_data["text"],
        reason=form.cleaned_data["reason"],
        by=request.user,
        ip=request_ip(request),
    )


recheck = _part("recheck", _recheck_form, _recheck, _("Today's re-check was recorded."))
steps = _part(
    "steps",
    lambda session, pathway, data: StepsForm(data, pathway=pathway),
    _steps,
    _("The checklist was recorded."),
)
needling = _part(
    "needling",
    lambda session, pathway, data: NeedlingForm(data, pathway=pathway),
    _needling,
    _("The needling was recorded."),
)
needling_remove = _part(
    "remove",
    lambda session, pathway, data: StaffForm(data),
    _remove,
    _("The needling row was removed."),
)
count = _part(
    "count",
    lambda session, pathway, data: CountOutForm(data),
    _count,
    _("The needle count was recorded."),
)
components = _part(
    "components",
    lambda session, pathway, data: ComponentsForm(data),
    _components,
    _("The other components were recorded."),
)
pain = _part(
    "pain",
    lambda session, pathway, data: PainForm(data, pathway=pathway),
    _pain,
    _("Pain before and after was recorded."),
)
aftercare = _part(
    "aftercare",
    lambda session, pathway, data: AftercareForm(data, pathway=pathway),
    _aftercare,
    _("The aftercare advice given was recorded."),
)
sign = _part(
    "sign",
    lambda session, pathway, data: StaffForm(data),
    _sign,
    _("The session was signed. It can no longer be changed; write an addendum to correct it."),
)
addendum = _part(
    "addendum",
    lambda session, pathway, data: AddendumForm(data),
    _addendum,
    _("The addendum was added."),
)

urlpatterns = [
    path("episodes/<int:episode_id>/sessions/new/", new, name="session_new"),
    path("sessions/<int:session_id>/", session_page, name="session"),
    path("sessions/<int:session_id>/recheck/", recheck, name="session_recheck"),
    path("sessions/<int:session_id>/checklist/", steps, name="session_steps"),
    path("sessions/<int:session_id>/needling/", needling, name="session_needling"),
    path(
        "sessions/<int:session_id>/needling/<int:insertion_id>/remove/",
        needling_remove,
        name="session_needling_remove",
    ),
    path("sessions/<int:session_id>/count/", count, name="session_count"),
    path("sessions/<int:session_id>/components/", components, name="session_components"),
    path("sessions/<int:session_id>/pain/", pain, name="session_pain"),
    path("sessions/<int:session_id>/aftercare/", aftercare, name="session_aftercare"),
    path("sessions/<int:session_id>/sign/", sign, name="session_sign"),
    path("sessions/<int:session_id>/addenda/", addendum, name="session_addendum"),
]
