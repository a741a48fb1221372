"""The rules of a session: which protocol steps the record proves, the safety gate before
needling, and what stops a session being signed (all clinic-policy unless a step says)."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.clinics.credentials import dry_needling_credential, dry_needling_credential_waiting
from fascia.clinics.models import Credential
from fascia.pathways import (
    NeedleCounts,
    Pathway,
    Question,
    QuestionType,
    TriageOutcome,
    validate_session,
)
from fascia.pathways.models import GroupKind, SessionStep
from fascia.records.models import Consent, Episode

from ..models import NeedleInsertion, TreatmentSession

# The screening groups asked again at each session: "anything new since last time?"
RECHECK_GROUPS = frozenset(
    {GroupKind.RED_FLAGS, GroupKind.CONTRAINDICATIONS, GroupKind.PRECAUTIONS}
)

# A rule that fires for the first time at a re-check with one of these outcomes stops needling.
STOPS_NEEDLING = frozenset(
    {
        TriageOutcome.NOT_SUITABLE_FOR_NEEDLING,
        TriageOutcome.CLINICIAN_REVIEW,
        TriageOutcome.EMERGENCY_REFERRAL,
    }
)

# Protocol steps the record itself confirms (clinic-policy), by step id.
CONSENT_STEP = "consent_on_file"
RECHECK_STEP = "safety_rechecked"
COUNT_IN_STEP = "needles_counted_in"
NEEDLING_STEP = "treatment"
COUNT_OUT_STEP = "needles_counted_out"
AFTERCARE_STEP = "aftercare_given"
AFTER_NEEDLING = frozenset({NEEDLING_STEP, COUNT_OUT_STEP, AFTERCARE_STEP})
FROM_RECORD = frozenset({CONSENT_STEP, RECHECK_STEP, COUNT_IN_STEP}) | AFTER_NEEDLING

# Needles the clinic stocks (clinic-policy; the pathway's piriformis cautions cite 0.30 mm
# needles of 60 and 80 mm).
NEEDLE_LENGTHS_MM = (25, 30, 40, 50, 60, 75, 80, 100)
NEEDLE_GAUGES_MM = (Decimal("0.16"), Decimal("0.20"), Decimal("0.25"), Decimal("0.30"))
SIDES = ("left", "right")


def recheck_questions(pathway: Pathway) -> tuple[Question, ...]:
    """The yes/no questions of the pathway's safety groups, asked again at each session."""
    return tuple(
        q
        for group in pathway.screening
        if group.kind in RECHECK_GROUPS
        for q in group.questions
        if q.type is QuestionType.YES_NO
    )


def ticked_steps(pathway: Pathway) -> tuple[SessionStep, ...]:
    """The protocol's steps the physiotherapist confirms by ticking."""
    return tuple(s for s in pathway.session.steps if s.id not in FROM_RECORD)


def session_day(session: TreatmentSession) -> date:
    return timezone.localdate(session.started_at)


@dataclass(frozen=True)
class Gate:
    """Whether needling may be recorded in a session, and every reason it may not."""

    consent: Consent | None
    credential: Credential | None
    rechecked: bool
    stopped_by: list[dict] = field(default_factory=list)
    """The rules of today's re-check that stop needling (stored on the session)."""
    missing: list[SessionStep] = field(default_factory=list)
    """Required steps before needling not yet confirmed."""
    counted_in: bool = False
    credential_waiting: bool = False
    """A credential valid on the day exists but no manager has checked it yet."""

    @property
    def is_open(self) -> bool:
        return not self.refusals()

    def refusals(self) -> list[str]:
        found = []
        if self.consent is None:
            found.append(
                _(
                    "No consent to dry needling is in force for this episode (none recorded, "
                    "or it was withdrawn): no needling."
                )
            )
        if self.credential is None and self.credential_waiting:
            found.append(
                _(
                    "The physiotherapist's dry-needling credential for the session's date "
                    "has not yet been checked against its certificate by a clinic manager: "
                    "no needling until it is."
                )
            )
        elif self.credential is None:
            found.append(
                _(
                    "The physiotherapist recording this session holds no dry-needling "
                    "credential valid on the session's date: no needling."
                )
            )
        found.extend(
            _("Today's re-check stops needling: %(message)s") % {"message": rule["staff_message"]}
            for rule in self.stopped_by
        )
        if not self.rechecked:
            found.append(_("Ask the re-check questions (anything new since last time?) first."))
        found.extend(
            _("Required step not confirmed: %(title)s.") % {"title": step.title}
            for step in self.missing
        )
        if not self.counted_in:
            found.append(_("Record the number of needles counted in first."))
        return found


def stopping_rules(session: TreatmentSession) -> list[dict]:
    return [rule for rule in session.recheck_fired if rule.get("stops")]


def gate_of(session: TreatmentSession, pathway: Pathway, consent: Consent | None) -> Gate:
    before = [
        s
        for s in ticked_steps(pathway)
        if s.required and s.id not in AFTER_NEEDLING and session.checklist.get(s.id) is not True
    ]
    day = session_day(session)
    credential = dry_needling_credential(session.physiotherapist, day)
    return Gate(
        consent=consent,
        credential=credential,
        credential_waiting=credential is None
        and dry_needling_credential_waiting(session.physiotherapist, day),
        rechecked=bool(session.recheck_outcome),
        stopped_by=stopping_rules(session),
        missing=before,
        counted_in=session.needles_in is not None,
    )


def consent_in_force(episode: Episode) -> Consent | None:
    return episode.consents.filter(withdrawn_at__isnull=True).first()


def record_checklist(
    session: TreatmentSession, consent: Consent | None, has_needling: bool
) -> dict[str, bool]:
    """The whole protocol checklist: the ticked steps, and the steps the record confirms."""
    return {
        **session.checklist,
        CONSENT_STEP: consent is not None,
        RECHECK_STEP: bool(session.recheck_outcome) and not stopping_rules(session),
        COUNT_IN_STEP: session.needles_in is not None,
        NEEDLING_STEP: has_needling,
        COUNT_OUT_STEP: session.needles_out is not None,
        AFTERCARE_STEP: session.aftercare_given_at is not None,
    }


def needle_counts(
    session: TreatmentSession, insertions: Collection[NeedleInsertion]
) -> NeedleCounts:
    by_muscle: dict[str, int] = {}
    for row in insertions:
        by_muscle[row.muscle] = by_muscle.get(row.muscle, 0) + row.needles
    return NeedleCounts(session.needles_in or 0, session.needles_out or 0, by_muscle)


def sign_problems(
    session: TreatmentSession,
    pathway: Pathway,
    *,
    consent: Consent | None,
    insertions: Collection[NeedleInsertion],
    has_incident: bool,
) -> list[str]:
    """Everything that stops a session being signed, in words.

    A session in which no needle was counted in nor used is signed without the needling
    protocol (only other components were done). Otherwise the gate is checked again and the
    engine checks the checklist and the counts; a count that differs is accepted only with
    its incident recorded.
    """
    if not insertions and session.needles_in is None:
        return []
    problems = gate_of(session, pathway, consent).refusals()
    check = validate_session(
        pathway,
        record_checklist(session, consent, bool(insertions)),
        needle_counts(session, insertions),
    )
    for problem in check.problems:
        if not problem.blocking:
            continue
        if problem.code == "needle-count-mismatch" and has_incident:
            continue
        problems.append(str(problem.message))
    return list(dict.fromkeys(problems))
