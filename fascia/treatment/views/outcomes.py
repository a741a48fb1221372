"""Staff pages: outcomes and discharge.

Clinical pages (Capability.CLINICAL in the episode's clinic; anyone else gets a 404). The
outcome chart is an SVG served from here for the episode page's <img>, audited like every
read of the record (`outcomes.viewed`); so are the measures form of a session, the
discharge and its summary PDF (`discharge.viewed`, `discharge.summary_made`). Writes are
audited by their actions (`outcomes.session_measures_record`, `discharge.episode_discharge`).
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.pathways import ScoreError
from fascia.records import events as record_events
from fascia.records.actions import ActionError
from fascia.records.queries import access_episode
from fascia.records.screening import pathway_of

from .. import discharge, events, outcomes
from ..forms.outcomes import DischargeForm, SessionMeasuresForm
from ..sessions import access_session

clinical_view = staff_required(Capability.CLINICAL)


@require_GET
@clinical_view
def chart(request, episode_id):
    episode = access_episode(request.user, episode_id)
    found = outcomes.episode_outcomes(episode)
    record_events.viewed(
        events.OUTCOMES_VIEWED,
        episode,
        about=episode,
        by=request.user,
        ip=request_ip(request),
        detail={"as": "chart"},
    )
    return HttpResponse(outcomes.chart_svg(found), content_type="image/svg+xml; charset=utf-8")


@require_http_methods(["GET", "POST"])
@clinical_view
def session_measures(request, session_id):
    session = access_session(request.user, session_id)
    episode = session.episode
    pathway = pathway_of(episode)
    data = request.POST if request.method == "POST" else None
    form = SessionMeasuresForm(pathway, outcomes.psfs_activities(episode), data)
    if request.method == "POST" and form.is_valid():
        try:
            outcomes.session_measures_record(
                session=session,
                lefs=form.lefs_answers,
                psfs=form.psfs_answers,
                by=request.user,
                ip=request_ip(request),
            )
        except (ActionError, ScoreError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The measures at session %(number)d are saved.") % {"number": session.number},
            )
            return redirect("workspace:episode", episode_id=episode.pk)
    if request.method == "GET":
        record_events.viewed(
            events.OUTCOMES_VIEWED,
            session,
            about=episode,
            by=request.user,
            ip=request_ip(request),
            detail={"as": "session measures form", "session": session.number},
        )
    context = {
        "session": session,
        "episode": episode,
        "patient": episode.patient,
        "form": form,
        "lefs": form.lefs,
        "psfs": form.psfs,
    }
    return render(request, "treatment/outcomes/session_measures.html", context)


def _discharge_form_page(request, episode, form: DischargeForm):
    context = {
        "episode": episode,
        "patient": episode.patient,
        "form": form,
        "problems": discharge.discharge_problems(episode),
        "last_session": episode.treatment_sessions.order_by("-number").first(),
    }
    return render(request, "treatment/discharge/new.html", context)


@require_http_methods(["GET", "POST"])
@clinical_view
def discharge_page(request, episode_id):
    episode = access_episode(request.user, episode_id)
    if not episode.is_open:
        record = discharge.access_discharge(episode)
        discharge.discharge_viewed(discharge=record, by=request.user, ip=request_ip(request))
        context = {"episode": episode, "patient": episode.patient, "discharge": record}
        return render(request, "treatment/discharge/detail.html", context)
    pathway = pathway_of(episode)
    data = request.POST if request.method == "POST" else None
    form = DischargeForm(pathway, discharge.programme_dosages(episode), data)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            discharge.episode_discharge(
                episode=episode,
                reason=data["reason"],
                summary=data["summary"],
                advice=discharge.advice_text(
                    form.choices, form.chosen_advice(), data["advice_other"]
                ),
                by=request.user,
                ip=request_ip(request),
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The patient is discharged and the episode closed."))
            return redirect("treatment:discharge", episode_id=episode.pk)
    if request.method == "GET":
        record_events.viewed(
            events.OUTCOMES_VIEWED,
            episode,
            about=episode,
            by=request.user,
            ip=request_ip(request),
            detail={"as": "discharge form"},
        )
    return _discharge_form_page(request, episode, form)


@require_GET
@clinical_view
def discharge_summary(request, episode_id):
    episode = access_episode(request.user, episode_id)
    record = discharge.access_discharge(episode)
    pdf = discharge.summary_pdf(discharge=record, by=request.user, ip=request_ip(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="discharge-summary-episode-{episode.pk}.pdf"'
    )
    return response


urlpatterns = [
    path("episodes/<int:episode_id>/outcomes/chart.svg", chart, name="outcome_chart"),
    path("sessions/<int:session_id>/measures/", session_measures, name="session_measures"),
    path("episodes/<int:episode_id>/discharge/", discharge_page, name="discharge"),
    path(
        "episodes/<int:episode_id>/discharge/summary.pdf",
        discharge_summary,
        name="discharge_summary",
    ),
]
