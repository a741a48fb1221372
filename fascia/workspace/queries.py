"""What the episode page shows: the timeline, the latest measures, and what to do next.

The episode's timeline is one query per kind of row (enquiries, calls, links, link openings,
screenings, judgements, alerts, assessments, measurements, consents; treatment sessions,
adverse events, follow-ups after needling, the care plan, exercise programmes, the
discharge), whether it has one entry or hundreds. Nothing here checks permissions: the
view fetches the episode with `access_episode` first.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from fascia.accounts.audit import target_type
from fascia.accounts.models import AuditEvent, User
from fascia.enquiries.models import CallAttempt, Enquiry
from fascia.pathways import Pathway, TriageOutcome
from fascia.records import events
from fascia.records.consent import age_on
from fascia.records.forms.assessment import PAIN_LABELS
from fascia.records.models import (
    Alert,
    Assessment,
    ClinicalJudgement,
    Consent,
    Episode,
    LinkKind,
    Measurement,
    PatientLink,
    Screening,
)
from fascia.records.queries import LatestMeasure, latest_measures
from fascia.records.screening import OUTCOME_LABELS, pathway_of
from fascia.treatment.adverse_events import NamedEvent, named_events
from fascia.treatment.care_plans import CarePlanSummary, care_plan_summary
from fascia.treatment.exercises import ProgrammeSummary, programme_summary
from fascia.treatment.follow_ups import FollowUpRow, follow_up_rows
from fascia.treatment.models import (
    AdverseEvent,
    CarePlan,
    Discharge,
    ExerciseProgramme,
    FollowUp,
)
from fascia.treatment.outcomes import Outcomes, episode_outcomes
from fascia.treatment.sessions import SessionRow, StartCheck, session_rows, start_check

from .steps import EpisodeState, NextStep, next_steps


def _name(user: User | None) -> str:
    if user is None:
        return _("the patient")
    return user.get_full_name() or user.get_username()


def _outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS[TriageOutcome(outcome)]) if outcome else ""


# -- The episode's timeline ---------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    url: str = ""


@dataclass
class EpisodeRows:
    """Everything recorded in an episode, one list per kind of row."""

    enquiries: list[Enquiry]
    calls: list[CallAttempt]
    links: list[PatientLink]
    links_opened: dict[int, datetime]
    screenings: list[Screening]
    judgements: list[ClinicalJudgement]
    alerts: list[Alert]
    assessments: list[Assessment]
    measurements: list[Measurement]
    consents: list[Consent]


def episode_rows(episode: Episode) -> EpisodeRows:
    """The episode's rows, ten queries whatever their number."""
    links = list(episode.links.select_related("created_by"))
    opened = (
        AuditEvent.objects.filter(
            action=events.LINK_OPENED,
            target_type=target_type(PatientLink),
            target_id__in=[str(link.pk) for link in links],
        )
        .values("target_id")
        .annotate(first=Min("at"))
        .order_by()
    )
    return EpisodeRows(
        enquiries=list(Enquiry.objects.filter(episode=episode)),
        calls=list(
            CallAttempt.objects.filter(enquiry__episode=episode).select_related("by", "enquiry")
        ),
        links=links,
        links_opened={int(row["target_id"]): row["first"] for row in opened},
        screenings=list(episode.screenings.select_related("recorded_by")),
        judgements=list(
            ClinicalJudgement.objects.filter(screening__episode=episode).select_related(
                "recorded_by"
            )
        ),
        alerts=list(episode.alerts.select_related("acknowledged_by")),
        assessments=list(episode.assessments.select_related("assessed_by")),
        measurements=list(episode.measurements.select_related("recorded_by")),
        consents=list(episode.consents.select_related("explained_by", "withdrawn_recorded_by")),
    )


@dataclass
class TreatmentRows:
    """The episode's treatment records, as the episode page reads them anyway."""

    sessions: list[SessionRow]
    adverse_events: list[NamedEvent]
    care_plan: CarePlan | None
    programmes: list[ExerciseProgramme]
    discharge: Discharge | None
    follow_ups: list[FollowUpRow]


def treatment_rows(
    episode: Episode,
    pathway: Pathway,
    *,
    sessions: list[SessionRow],
    care_plan: CarePlan | None,
    discharge: Discharge | None,
) -> TreatmentRows:
    """The rows the page has not read already: adverse events, follow-ups and every
    programme given (three queries)."""
    found = AdverseEvent.objects.filter(session__episode=episode).select_related("session")
    return TreatmentRows(
        sessions=sessions,
        adverse_events=named_events(pathway, found),
        care_plan=care_plan,
        programmes=list(episode.exercise_programmes.select_related("created_by")),
        discharge=discharge,
        follow_ups=follow_up_rows(
            pathway,
            list(FollowUp.objects.filter(session__episode=episode).select_related("session")),
        ),
    )


def timeline(
    episode: Episode, rows: EpisodeRows, pathway: Pathway, treatment: TreatmentRows
) -> list[TimelineEntry]:
    """Everything that happened in the episode, newest first."""
    entries = [
        *_enquiry_entries(rows),
        *_link_entries(episode, rows),
        *_screening_entries(episode, rows),
        *_alert_entries(episode, rows),
        *_assessment_entries(episode, rows, pathway),
        *_consent_entries(episode, rows),
        *_session_entries(treatment),
        *_follow_up_entries(treatment),
        *_care_entries(episode, treatment),
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _enquiry_entries(rows: EpisodeRows) -> Iterable[TimelineEntry]:
    for enquiry in rows.enquiries:
        yield TimelineEntry(
            enquiry.created_at,
            "enquiry",
            _("Enquiry %(reference)s received") % {"reference": enquiry.reference},
            _("(details erased)") if enquiry.is_erased else Truncator(enquiry.message).chars(160),
            reverse("inbox:detail", args=[enquiry.reference]),
        )
    for call in rows.calls:
        yield TimelineEntry(
            call.at,
            "call",
            _("Call: %(outcome)s") % {"outcome": call.get_outcome_display()},
            " · ".join(filter(None, [_name(call.by), call.note])),
            reverse("inbox:detail", args=[call.enquiry.reference]),
        )


def _link_entries(episode: Episode, rows: EpisodeRows) -> Iterable[TimelineEntry]:
    url = reverse("records:links", args=[episode.pk])
    for link in rows.links:
        kind = link.get_kind_display()
        yield TimelineEntry(
            link.created_at,
            "link",
            _("Link sent: %(kind)s") % {"kind": kind},
            _("By %(who)s") % {"who": _name(link.created_by)},
            url,
        )
        moments = [
            (rows.links_opened.get(link.pk), _("Link opened by the patient: %(kind)s")),
            (link.completed_at, _("Answers returned: %(kind)s")),
            (link.revoked_at, _("Link revoked: %(kind)s")),
        ]
        for at, title in moments:
            if at is not None:
                yield TimelineEntry(at, "link", title % {"kind": kind}, url=url)


def _screening_entries(episode: Episode, rows: EpisodeRows) -> Iterable[TimelineEntry]:
    url = reverse("records:screening", args=[episode.pk])
    for screening in rows.screenings:
        if screening.completed_at is None:
            continue
        yield TimelineEntry(
            screening.completed_at,
            "screening",
            _("Screening: %(outcome)s") % {"outcome": _outcome_label(screening.outcome)},
            _("Answered by %(who)s") % {"who": _name(screening.recorded_by)},
            url,
        )
    for judgement in rows.judgements:
        yield TimelineEntry(
            judgement.recorded_at,
            "judgement",
            _("Judgement: %(judgement)s") % {"judgement": judgement.get_judgement_display()},
            f"{_name(judgement.recorded_by)}: {judgement.reason}",
            url,
        )


def _alert_entries(episode: Episode, rows: EpisodeRows) -> Iterable[TimelineEntry]:
    url = reverse("records:screening", args=[episode.pk])
    for alert in rows.alerts:
        kind = alert.get_kind_display()
        yield TimelineEntry(
            alert.raised_at, "alert", _("Alert: %(kind)s") % {"kind": kind}, alert.message, url
        )
        if alert.acknowledged_at is not None:
            yield TimelineEntry(
                alert.acknowledged_at,
                "alert",
                _("Alert acknowledged: %(kind)s") % {"kind": kind},
                f"{_name(alert.acknowledged_by)}: {alert.acknowledgement}",
                url,
            )


def _assessment_entries(
    episode: Episode, rows: EpisodeRows, pathway: Pathway
) -> Iterable[TimelineEntry]:
    taken: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in rows.measurements:
        if measurement.assessment_id is not None:
            taken[measurement.assessment_id].append(measurement)
            continue
        yield TimelineEntry(
            measurement.taken_at,
            "measurement",
            _("Measured: %(measure)s %(value)s")
            % {"measure": measure_label(pathway, measurement), "value": measure_value(measurement)},
            _("Recorded by %(who)s") % {"who": _name(measurement.recorded_by)},
        )
    for assessment in rows.assessments:
        diagnosis = " ".join(filter(None, [assessment.diagnosis_code, assessment.diagnosis_side]))
        measures = ", ".join(
            f"{measure_label(pathway, m)} {measure_value(m)}" for m in taken[assessment.pk]
        )
        yield TimelineEntry(
            assessment.assessed_at,
            "assessment",
            _("Assessment by %(who)s") % {"who": _name(assessment.assessed_by)},
            " · ".join(filter(None, [diagnosis, measures])),
            reverse("records:assessment", args=[episode.pk, assessment.pk]),
        )


def _consent_entries(episode: Episode, rows: EpisodeRows) -> Iterable[TimelineEntry]:
    url = reverse("records:consent", args=[episode.pk])
    for consent in rows.consents:
        yield TimelineEntry(
            consent.recorded_at,
            "consent",
            _("Consent to dry needling given"),
            _("Explained by %(who)s · %(version)s")
            % {"who": _name(consent.explained_by), "version": consent.text_version},
            url,
        )
        if consent.withdrawn_at is not None:
            yield TimelineEntry(
                consent.withdrawn_at,
                "consent",
                _("Consent withdrawn"),
                f"{_name(consent.withdrawn_recorded_by)}: {consent.withdrawal_reason}",
                url,
            )


def _session_entries(treatment: TreatmentRows) -> Iterable[TimelineEntry]:
    for row in treatment.sessions:
        session = row.session
        url = reverse("treatment:session", args=[session.pk])
        who = _("By %(who)s") % {"who": _name(session.physiotherapist)}
        yield TimelineEntry(
            session.started_at,
            "session",
            _("Session %(number)d started") % {"number": session.number},
            who,
            url,
        )
        if session.signed_at is not None:
            yield TimelineEntry(
                session.signed_at,
                "session",
                _("Session %(number)d signed") % {"number": session.number},
                " · ".join(
                    [
                        _("By %(who)s") % {"who": _name(session.signed_by)},
                        ", ".join(row.muscles) or _("no needling"),
                    ]
                ),
                url,
            )
    for named in treatment.adverse_events:
        event = named.event
        yield TimelineEntry(
            event.noticed_at,
            "adverse-event",
            _("Adverse event: %(kind)s") % {"kind": named.kind},
            " · ".join(
                [
                    _("Session %(number)d") % {"number": event.session.number},
                    named.severity,
                    event.get_status_display(),
                ]
            ),
            reverse("treatment:adverse_event", args=[event.pk]),
        )


def _follow_up_entries(treatment: TreatmentRows) -> Iterable[TimelineEntry]:
    for row in treatment.follow_ups:
        follow_up = row.follow_up
        url = reverse("treatment:session", args=[follow_up.session_id]) + "#follow-ups"
        title = _("Follow-up after session %(number)d: %(check)s") % {
            "number": follow_up.session.number,
            "check": row.title,
        }
        status = follow_up.get_status_display()
        if follow_up.answered_at is not None:
            yield TimelineEntry(follow_up.answered_at, "follow-up", title, row.outcome, url)
        else:
            due = _("due %(when)s") % {
                "when": date_format(timezone.localtime(follow_up.due_at), "j M Y, H:i")
            }
            yield TimelineEntry(follow_up.due_at, "follow-up", title, f"{status} · {due}", url)


def _care_entries(episode: Episode, treatment: TreatmentRows) -> Iterable[TimelineEntry]:
    plan = treatment.care_plan
    if plan is not None:
        yield TimelineEntry(
            plan.created_at,
            "care-plan",
            _("Care plan made"),
            _("By %(who)s · %(sessions)d sessions planned, review at session %(review)d")
            % {
                "who": _name(plan.created_by),
                "sessions": plan.planned_sessions,
                "review": plan.review_at_session,
            },
            reverse("treatment:care_plan", args=[episode.pk]),
        )
    for programme in treatment.programmes:
        yield TimelineEntry(
            programme.created_at,
            "programme",
            _("Home exercises given"),
            _("By %(who)s") % {"who": _name(programme.created_by)},
            reverse("treatment:exercises", args=[episode.pk]),
        )
    discharge = treatment.discharge
    if discharge is not None:
        yield TimelineEntry(
            discharge.discharged_at,
            "discharge",
            _("Discharged: %(reason)s") % {"reason": discharge.get_reason_display()},
            _("By %(who)s") % {"who": _name(discharge.discharged_by)},
            reverse("treatment:discharge", args=[episode.pk]),
        )


# -- Measures --------------------------------------------------------------------------------


def measure_label(pathway: Pathway, measurement: Measurement) -> str:
    """The measure's abbreviation, with what it rates when it is one of several ratings
    taken together: "NPRS (Pain now)"."""
    try:
        name = pathway.measure(measurement.measure).abbreviation
    except KeyError:
        name = measurement.measure
    if not measurement.qualifier:
        return name
    return f"{name} ({PAIN_LABELS.get(measurement.qualifier, measurement.qualifier)})"


def measure_value(measurement: Measurement) -> str:
    """The value as recorded, without trailing zeros: "6", "6.5"."""
    return format(measurement.value.normalize(), "f")


def measure_unit(pathway: Pathway, measure_id: str) -> str:
    """The unit a value of the measure is shown with: none for a score in points."""
    try:
        unit = pathway.measure(measure_id).unit
    except KeyError:
        return ""
    return "" if unit == "points" else unit


# -- The episode page ------------------------------------------------------------------------


@dataclass
class EpisodePage:
    episode: Episode
    age: int | None
    timeline: list[TimelineEntry]
    current_screening: Screening | None
    open_alerts: list[Alert]
    pathway: Pathway
    measures: dict[str, dict[str, LatestMeasure]]
    steps: list[NextStep]
    consent: Consent | None
    sessions: list[SessionRow]
    next_session: StartCheck
    care_plan: CarePlanSummary | None
    exercises: ProgrammeSummary | None
    outcomes: Outcomes
    discharge: Discharge | None


def episode_page(episode: Episode) -> EpisodePage:
    rows = episode_rows(episode)
    pathway = pathway_of(episode)
    completed = [s for s in rows.screenings if s.completed_at is not None]
    current = max(completed, key=lambda s: (s.completed_at, s.pk), default=None)
    now = timezone.now()
    link_out = [
        link.expires_at
        for link in rows.links
        if link.kind == LinkKind.SCREENING and link.is_usable(now)
    ]
    consent = next((c for c in rows.consents if c.is_active), None)
    sessions = session_rows(episode, pathway)
    state = EpisodeState(
        is_open=episode.is_open,
        outcome=current.outcome if current else "",
        judged=current is not None and any(j.screening_id == current.pk for j in rows.judgements),
        link_expires_at=max(link_out, default=None),
        has_assessment=bool(rows.assessments),
        has_consent=consent is not None,
        has_session=bool(sessions),
    )
    care_plan = care_plan_summary(episode, pathway)
    discharge = Discharge.objects.filter(episode=episode).select_related("discharged_by").first()
    treatment = treatment_rows(
        episode,
        pathway,
        sessions=sessions,
        care_plan=care_plan.plan if care_plan else None,
        discharge=discharge,
    )
    birth = episode.patient.date_of_birth
    return EpisodePage(
        episode=episode,
        age=age_on(birth, timezone.localdate()) if birth else None,
        timeline=timeline(episode, rows, pathway, treatment),
        current_screening=current,
        open_alerts=[a for a in rows.alerts if a.is_open],
        pathway=pathway,
        measures=latest_measures(episode),
        steps=next_steps(episode.pk, state),
        consent=consent,
        sessions=sessions,
        next_session=start_check(
            episode, [row.session for row in sessions], bool(rows.assessments)
        ),
        care_plan=care_plan,
        exercises=programme_summary(episode, pathway),
        outcomes=episode_outcomes(episode),
        discharge=discharge,
    )
