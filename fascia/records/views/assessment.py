"""The assessment pages: recording the physiotherapist's examination, and reading it back.

Both are clinical (Capability.CLINICAL in the episode's clinic); anyone else gets a 404.
The form is made from the pathway the episode follows; the engine judges what is typed
(`forms.assessment`), and `assessment.assessment_record` stores it. Reading an assessment
is audited.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.pathways import REGISTRY, Pathway, score_range
from fascia.pathways.examination import LEFS, NPRS, PSFS, SITTING_TOLERANCE

from .. import body_chart, data_rights, events
from ..actions import ActionError
from ..assessment import assessment_record
from ..forms.assessment import (
    AGGRAVATING,
    EASING,
    KIND_LABELS,
    ONSET,
    PAIN_LABELS,
    RESULT_LABELS,
    SIDE_LABELS,
    AssessmentForm,
)
from ..models import Assessment, Episode
from ..queries import access_assessment, access_episode
from ..screening import pathway_of

clinical_view = staff_required(Capability.CLINICAL)


def _form_page(request, episode: Episode, pathway: Pathway, form: AssessmentForm):
    marks = {}
    field_ids = {}
    for row in form.trigger_point_rows():
        for side, bound in zip(("left", "right"), row.fields, strict=True):
            marks[row.item.id, side] = bound.value() or ""
            field_ids[row.item.id, side] = bound.auto_id
    context = {
        "episode": episode,
        "patient": episode.patient,
        "form": form,
        "nprs": pathway.measure(NPRS),
        "lefs": pathway.measure(LEFS),
        "psfs": pathway.measure(PSFS),
        "chart": body_chart.regions(pathway.session.muscles, marks, field_ids),
        "chart_size": (body_chart.WIDTH, body_chart.HEIGHT),
    }
    return render(request, "records/assessment/new.html", context)


@require_http_methods(["GET", "POST"])
@clinical_view
def assessment_new(request, episode_id):
    episode = access_episode(request.user, episode_id)
    pathway = pathway_of(episode)
    form = AssessmentForm(pathway, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessment_record(
                episode=episode,
                examination=form.examination,
                history=form.history(),
                findings=form.cleaned_data["findings"],
                by=request.user,
                ip=request_ip(request),
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The assessment is saved."))
            return redirect(
                "records:assessment", episode_id=episode.pk, assessment_id=assessment.pk
            )
    return _form_page(request, episode, pathway, form)


def _label(labels, value: str) -> str:
    return str(labels.get(value, value.replace("_", " ")))


def _by_side(rows: list[dict], key: str, value: str, labels=None) -> dict[str, dict[str, str]]:
    """{item id: {side: label of value}} from stored rows such as the special tests."""
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        shown = _label(labels, str(row[value])) if labels else str(row[value])
        found.setdefault(row[key], {})[row["side"]] = shown
    return found


def _reading(pathway: Pathway, assessment: Assessment) -> dict[str, object]:
    """What the read-only page shows, in the pathway's words."""
    tests = _by_side(assessment.special_tests, "test", "result", RESULT_LABELS)
    movements = _by_side(assessment.range_of_motion, "movement", "degrees")
    muscles = {m.id: m.name for m in pathway.session.muscles}
    order = list(muscles)
    points = sorted(
        assessment.trigger_points.all(),
        key=lambda p: (order.index(p.muscle) if p.muscle in muscles else len(order), p.side),
    )
    measurements = {(m.measure, m.qualifier): m for m in assessment.measurements.all()}
    history = assessment.history
    sitting = measurements.get((SITTING_TOLERANCE, ""))
    psfs = measurements.get((PSFS, ""))
    return {
        "history": history,
        "onset": _label(dict(ONSET), history.get("onset", "")) if history.get("onset") else "",
        "aggravating": [_label(dict(AGGRAVATING), a) for a in history.get("aggravating", [])],
        "easing": [_label(dict(EASING), e) for e in history.get("easing", [])],
        "tests": [(t, tests[t.id]) for t in pathway.examination.special_tests if t.id in tests],
        "movements": [
            (m, movements[m.id]) for m in pathway.examination.range_of_motion if m.id in movements
        ],
        "pain": [
            (_label(PAIN_LABELS, q), measurements[NPRS, q])
            for q in PAIN_LABELS
            if (NPRS, q) in measurements
        ],
        "sitting": sitting,
        "sitting_minutes": int(sitting.value) if sitting else None,
        "lefs": measurements.get((LEFS, "")),
        "lefs_high": score_range(pathway.measure(LEFS))[1],
        "nprs_high": pathway.measure(NPRS).max,
        "psfs": psfs,
        "psfs_activities": psfs.item_pairs if psfs else [],
        "points": [
            {
                "muscle": muscles.get(p.muscle, p.muscle),
                "side": _label(SIDE_LABELS, p.side),
                "kind": _label(KIND_LABELS, p.kind),
            }
            for p in points
        ],
        "chart": body_chart.regions(
            pathway.session.muscles, {(p.muscle, p.side): p.kind for p in points}
        ),
        "chart_size": (body_chart.WIDTH, body_chart.HEIGHT),
        "diagnosis": next(
            (c for c in pathway.condition_codes if c.code == assessment.diagnosis_code), None
        ),
        "diagnosis_side": _label(SIDE_LABELS, assessment.diagnosis_side)
        if assessment.diagnosis_side
        else "",
    }


@require_GET
@clinical_view
def assessment_detail(request, episode_id, assessment_id):
    assessment = access_assessment(request.user, episode_id, assessment_id)
    episode = assessment.episode
    events.viewed(
        events.ASSESSMENT_VIEWED,
        assessment,
        about=episode,
        by=request.user,
        ip=request_ip(request),
    )
    pathway = REGISTRY.get(
        episode.pathway_id, assessment.pathway_version, sha256=assessment.pathway_sha256
    )
    context = {
        "episode": episode,
        "patient": episode.patient,
        "assessment": assessment,
        "amendments": data_rights.amendments_for(assessment),
        **_reading(pathway, assessment),
    }
    return render(request, "records/assessment/detail.html", context)


urlpatterns = [
    path("episodes/<int:episode_id>/assessment/new/", assessment_new, name="assessment_new"),
    path(
        "episodes/<int:episode_id>/assessment/<int:assessment_id>/",
        assessment_detail,
        name="assessment",
    ),
]
