"""What to do next in an episode, from where it stands: the same answer on the episode page
and on each person's start page.

An episode's state is a handful of facts (`EpisodeState`): its status, the outcome of its
current screening and whether a physiotherapist judged it, whether a screening link is out
with the patient, whether it has an assessment and a consent in force, and whether a
treatment session was started. The start page reads them for many episodes in one query
(`with_state`); the episode page reads them from the rows it has already fetched for its
timeline.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fascia.pathways import TriageOutcome
from fascia.records.models import (
    Assessment,
    ClinicalJudgement,
    Consent,
    Episode,
    LinkKind,
    PatientLink,
    Screening,
)
from fascia.records.screening import NEEDS_JUDGEMENT
from fascia.treatment.models import TreatmentSession


class Step(StrEnum):
    SEND_LINK = "send_link"
    AWAIT_PATIENT = "await_patient"
    REVIEW_SCREENING = "review_screening"
    EMERGENCY = "emergency"
    RECORD_ASSESSMENT = "record_assessment"
    RECORD_CONSENT = "record_consent"
    START_SESSION = "start_session"


@dataclass(frozen=True)
class EpisodeState:
    is_open: bool
    outcome: str
    """The current (latest completed) screening's outcome; "" before any."""
    judged: bool
    link_expires_at: datetime | None
    """When the screening link out with the patient stops working; None if none is out."""
    has_assessment: bool
    has_consent: bool
    has_session: bool = False
    """Whether a treatment session has been started in the episode."""


@dataclass(frozen=True)
class NextStep:
    step: Step
    title: str
    detail: str = ""
    url: str = ""
    post: bool = False
    """The step is a button that posts (creating a link), not a link to follow."""


def next_steps(episode_id: int, state: EpisodeState) -> list[NextStep]:
    """The steps still to do, first to last: screening, then the judgement it needs, then the
    assessment and the consent, then the first treatment session. A closed episode has
    none."""
    if not state.is_open:
        return []
    if not state.outcome:
        return [_screening_step(episode_id, state)]
    if state.outcome == TriageOutcome.EMERGENCY_REFERRAL:
        return [
            NextStep(
                Step.EMERGENCY,
                _("Act on the emergency screening answer"),
                _("Same-day emergency referral: see the alert."),
                reverse("records:screening", args=[episode_id]),
            )
        ]
    if state.outcome in NEEDS_JUDGEMENT and not state.judged:
        return [
            NextStep(
                Step.REVIEW_SCREENING,
                _("Review the screening and record your judgement"),
                _("No needling until a physiotherapist records a judgement with a reason."),
                reverse("records:screening", args=[episode_id]),
            )
        ]
    steps = []
    if not state.has_assessment:
        steps.append(
            NextStep(
                Step.RECORD_ASSESSMENT,
                _("Record the assessment"),
                url=reverse("records:assessment_new", args=[episode_id]),
            )
        )
    if not state.has_consent:
        steps.append(
            NextStep(
                Step.RECORD_CONSENT,
                _("Record consent to dry needling"),
                url=reverse("records:consent", args=[episode_id]),
            )
        )
    if not steps and not state.has_session:
        steps.append(
            NextStep(
                Step.START_SESSION,
                _("Start session 1"),
                _("The safety checks come first, at the couch."),
                reverse("treatment:session_new", args=[episode_id]),
                post=True,
            )
        )
    return steps


def _screening_step(episode_id: int, state: EpisodeState) -> NextStep:
    if state.link_expires_at is not None:
        until = formats.date_format(timezone.localtime(state.link_expires_at), "j M Y, H:i")
        return NextStep(
            Step.AWAIT_PATIENT,
            _("Wait for the patient's screening answers"),
            _(
                "The link works until %(until)s. You can also go through the questions with the "
                "patient."
            )
            % {"until": until},
            reverse("records:screening_review", args=[episode_id]),
        )
    return NextStep(
        Step.SEND_LINK,
        _("Send the screening link"),
        _("Or go through the questions with the patient in the clinic."),
        reverse("records:link_new", args=[episode_id]),
        post=True,
    )


def with_state(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """The episodes with the facts of their state annotated, in the same query (read them
    with `state_of`)."""
    current = Screening.objects.filter(episode=OuterRef("pk"), completed_at__isnull=False).order_by(
        "-completed_at", "-pk"
    )
    link_out = PatientLink.objects.filter(
        episode=OuterRef("pk"),
        kind=LinkKind.SCREENING,
        completed_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-expires_at")
    return episodes.annotate(
        current_screening_id=Subquery(current.values("pk")[:1]),
        current_outcome=Subquery(current.values("outcome")[:1]),
        current_judged=Exists(
            ClinicalJudgement.objects.filter(screening=OuterRef("current_screening_id"))
        ),
        link_expires_at=Subquery(link_out.values("expires_at")[:1]),
        has_assessment=Exists(Assessment.objects.filter(episode=OuterRef("pk"))),
        has_consent=Exists(
            Consent.objects.filter(episode=OuterRef("pk"), withdrawn_at__isnull=True)
        ),
        has_session=Exists(TreatmentSession.objects.filter(episode=OuterRef("pk"))),
    )


def state_of(episode: Episode) -> EpisodeState:
    """The state of an episode read through `with_state`."""
    return EpisodeState(
        is_open=episode.is_open,
        outcome=episode.current_outcome or "",
        judged=episode.current_judged,
        link_expires_at=episode.link_expires_at,
        has_assessment=episode.has_assessment,
        has_consent=episode.has_consent,
        has_session=episode.has_session,
    )
