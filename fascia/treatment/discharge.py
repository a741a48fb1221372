"""Discharge: how an episode ends, and its summary PDF.

`episode_discharge` records the reason, a summary note and the advice for staying well, and
closes the episode (status discharged, `closed_on` today, through
`records.actions.episode_set_status`), in one transaction with its audit events. The
advice is chosen from the pathway (its ergonomic advice, its aftercare and the exercises
of its library, with the dosage of the patient's programme where they have one) and written
into the discharge as it stands, so the summary keeps what the patient was told even when
the pathway changes; anything else the physiotherapist adds follows it.

A session not yet signed must be signed first (clinic-policy): a discharge closes the
record. The summary PDF is made from the record each time it is asked for (WeasyPrint,
nothing fetched from outside): the patient, the clinic, the dates, the sessions done, each
measure's baseline and final score with the engine's change and whether it is meaningful,
the responder status, the confirmed adverse events and the advice.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML

from fascia.accounts.models import User
from fascia.pathways import Change, Measure, Pathway
from fascia.records import events as record_events
from fascia.records.actions import ActionError, episode_set_status
from fascia.records.models import Episode, EpisodeStatus
from fascia.records.screening import pathway_of

from . import events
from .exercises import current_programme, local_only
from .models import AdverseEvent, AdverseEventStatus, Discharge, DischargeReason
from .outcomes import Outcomes, Point, episode_outcomes

SUMMARY_STYLESHEET = "css/outcomes.css"


@dataclass(frozen=True)
class AdviceChoice:
    id: str
    """The kind and the pathway's id: `ergonomic:sitting_breaks`, `exercise:bridge`."""
    text: str
    suggested: bool

    @property
    def kind(self) -> str:
        return self.id.partition(":")[0]


def programme_dosages(episode: Episode) -> dict[str, str]:
    """The exercises of the patient's current programme and their dosage ({} without one)."""
    programme = current_programme(episode)
    if programme is None:
        return {}
    return {row.exercise: row.dosage for row in programme.exercises.all()}


def advice_choices(pathway: Pathway, programme: dict[str, str]) -> list[AdviceChoice]:
    """What the discharge may advise, from the pathway: its ergonomic advice (suggested),
    its aftercare, and its exercises (suggested when in the patient's programme, with that
    programme's dosage)."""
    choices = [
        AdviceChoice(f"ergonomic:{a.id}", a.text, suggested=True) for a in pathway.ergonomic_advice
    ]
    choices += [
        AdviceChoice(f"aftercare:{a.id}", a.text, suggested=False)
        for a in pathway.follow_up.aftercare
    ]
    for exercise in pathway.exercises:
        dosage = programme.get(exercise.id, exercise.dosage.text)
        text = f"{exercise.name}: {dosage}"
        choices.append(
            AdviceChoice(f"exercise:{exercise.id}", text, suggested=exercise.id in programme)
        )
    return choices


def advice_text(choices: list[AdviceChoice], chosen: Collection[str], other: str) -> str:
    """The advice as the discharge keeps it: each chosen item on a line of its own, in the
    pathway's order, then anything else written."""
    known = {c.id for c in choices}
    unknown = set(chosen) - known
    if unknown:
        raise ActionError(_("Choose advice from the pathway's list."))
    lines = [f"- {c.text}" for c in choices if c.id in chosen]
    if other.strip():
        lines.append(other.strip())
    return "\n".join(lines)


def discharge_problems(episode: Episode) -> list[str]:
    """Why the episode cannot be discharged now; [] when it can."""
    if not episode.is_open:
        return [_("This episode is closed already.")]
    unsigned = sorted(
        episode.treatment_sessions.filter(signed_at__isnull=True).values_list("number", flat=True)
    )
    return [
        _("Session %(number)d is not signed yet: sign it before the discharge.") % {"number": n}
        for n in unsigned
    ]


def episode_discharge(
    *,
    episode: Episode,
    reason: str,
    summary: str,
    advice: str,
    by: User,
    ip: str | None,
) -> Discharge:
    """Discharge the episode and close it; ActionError naming what stops it."""
    reason = DischargeReason(reason)
    with transaction.atomic():
        episode = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
        problems = discharge_problems(episode)
        if problems:
            raise ActionError(" ".join(problems))
        discharge = Discharge.objects.create(
            episode=episode,
            reason=reason,
            summary=summary,
            advice=advice,
            discharged_by=by,
            discharged_at=timezone.now(),
        )
        record_events.record(
            events.EPISODE_DISCHARGED,
            discharge,
            about=episode,
            by=by,
            ip=ip,
            detail={"reason": str(reason)},
        )
        episode_set_status(
            episode, EpisodeStatus.DISCHARGED, by=by, ip=ip, reason=f"discharged: {reason}"
        )
    return discharge


def access_discharge(episode: Episode) -> Discharge:
    """The episode's discharge; 404 while it has none. The caller has checked the episode."""
    try:
        return Discharge.objects.select_related("discharged_by").get(episode=episode)
    except Discharge.DoesNotExist:
        raise Http404 from None


def discharge_viewed(*, discharge: Discharge, by: User, ip: str | None) -> None:
    record_events.viewed(events.DISCHARGE_VIEWED, discharge, about=discharge.episode, by=by, ip=ip)


# -- The summary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureLine:
    """A measure's baseline and final score in the summary, with the engine's change."""

    measure: Measure
    baseline: Point
    final: Point | None
    change: Change | None


def measure_lines(outcomes: Outcomes) -> list[MeasureLine]:
    """Each measure scored in the episode: its first score, its last, and the engine's change
    between them (None when it was scored once)."""
    return [
        MeasureLine(
            measure=series.measure,
            baseline=series.points[0],
            final=series.points[-1] if len(series.points) > 1 else None,
            change=series.change,
        )
        for series in outcomes.series
    ]


def summary_context(discharge: Discharge) -> dict[str, object]:
    episode = discharge.episode
    pathway = pathway_of(episode)
    outcomes = episode_outcomes(episode)
    sessions = list(episode.treatment_sessions.order_by("number"))
    kinds = {t.id: t.name for t in pathway.adverse_events.types}
    severities = {s.id: s.name for s in pathway.adverse_events.severities}
    adverse = [
        {
            "event": event,
            "kind": kinds.get(event.kind, event.kind),
            "severity": severities.get(event.severity, event.severity),
        }
        for event in AdverseEvent.objects.filter(
            session__episode=episode, status=AdverseEventStatus.CONFIRMED
        )
        .select_related("session")
        .order_by("noticed_at", "pk")
    ]
    return {
        "discharge": discharge,
        "episode": episode,
        "patient": episode.patient,
        "clinic": episode.clinic,
        "pathway": pathway,
        "sessions": sessions,
        "first_session": sessions[0] if sessions else None,
        "last_session": sessions[-1] if sessions else None,
        "outcomes": outcomes,
        "lines": measure_lines(outcomes),
        "adverse_events": adverse,
        "advice_lines": [
            line.removeprefix("- ").strip()
            for line in discharge.advice.splitlines()
            if line.strip()
        ],
        "made_at": timezone.now(),
    }


def summary_pdf(*, discharge: Discharge, by: User, ip: str | None) -> bytes:
    """The discharge summary as a PDF, audited as it is made."""
    html = render_to_string("treatment/discharge/summary_pdf.html", summary_context(discharge))
    stylesheet = CSS(filename=finders.find(SUMMARY_STYLESHEET), url_fetcher=local_only())
    pdf = HTML(string=html, url_fetcher=local_only()).write_pdf(stylesheets=[stylesheet])
    record_events.viewed(
        events.DISCHARGE_SUMMARY_MADE, discharge, about=discharge.episode, by=by, ip=ip
    )
    return pdf
