"""Care pathways as data: clinical rules and measures read from YAML, used by pure functions.

Nothing in this package imports Django; it is the clinical core the Django apps call.

    pathway = load_pathway(DEFINITIONS_DIR / "piriformis-dry-needling.yaml")
    decision = triage(pathway, {"saddle_numbness": True, ...})
    decision.outcome   # TriageOutcome.EMERGENCY_REFERRAL
"""

from fascia.pathways.answers import AnswerError
from fascia.pathways.check import (
    DEFINITIONS_DIR,
    CheckResult,
    PathwayError,
    check_data,
    check_file,
    check_text,
    load_pathway,
)
from fascia.pathways.consistency import Problem
from fascia.pathways.decision import Decision, FiredRule
from fascia.pathways.followup import follow_up_outcome
from fascia.pathways.measures import Change, ScoreError, change, score, score_range
from fascia.pathways.models import (
    CLINIC_POLICY,
    GroupKind,
    Measure,
    MeasureKind,
    Pathway,
    Question,
    QuestionType,
    Respondent,
    TriageOutcome,
)
from fascia.pathways.progress import (
    MeasureProgress,
    Progress,
    ResponderStatus,
    ReviewFlag,
    progress,
)
from fascia.pathways.rules import AnswerValue, Condition, holds
from fascia.pathways.session import NeedleCounts, SessionCheck, SessionProblem, validate_session
from fascia.pathways.triage import triage, visible_questions

__all__ = [
    "CLINIC_POLICY",
    "DEFINITIONS_DIR",
    "AnswerError",
    "AnswerValue",
    "Change",
    "CheckResult",
    "Condition",
    "Decision",
    "FiredRule",
    "GroupKind",
    "Measure",
    "MeasureKind",
    "MeasureProgress",
    "NeedleCounts",
    "Pathway",
    "PathwayError",
    "Problem",
    "Progress",
    "Question",
    "QuestionType",
    "Respondent",
    "ResponderStatus",
    "ReviewFlag",
    "ScoreError",
    "SessionCheck",
    "SessionProblem",
    "TriageOutcome",
    "change",
    "check_data",
    "check_file",
    "check_text",
    "follow_up_outcome",
    "holds",
    "load_pathway",
    "progress",
    "score",
    "score_range",
    "triage",
    "validate_session",
    "visible_questions",
]
