"""Care pathways as data: clinical rules and measures read from YAML, used by pure functions.

Nothing in this package imports Django; it is the clinical core the Django apps call.

    pathway = REGISTRY.current("piriformis-dry-needling")   # or .get(id, version, sha256=…)
    decision = triage(pathway, {"saddle_numbness": True, ...})
    decision.outcome   # TriageOutcome.EMERGENCY_REFERRAL
"""

from fascia.pathways.answers import (
    AnswerError,
    FormValue,
    JSONAnswer,
    answers_from_form,
    answers_from_json,
    answers_to_form,
    answers_to_json,
)
from fascia.pathways.check import (
    DEFINITIONS_DIR,
    CheckResult,
    PathwayError,
    check_data,
    check_file,
    check_text,
    load_pathway,
)
from fascia.pathways.consent import (
    ConsentRequirements,
    ConsentRule,
    ConsentSection,
    ConsentText,
    consent_requirements,
    consent_text,
)
from fascia.pathways.consistency import Problem
from fascia.pathways.decision import Decision, FiredRule
from fascia.pathways.examination import (
    DIAGNOSIS_SIDES,
    PAIN_RATINGS,
    TRIGGER_POINT_KINDS,
    TRIGGER_POINT_SIDES,
    ExaminationError,
    ExaminationFindings,
    ExaminationInput,
    diagnosis_codes,
    validate_examination,
)
from fascia.pathways.fit import FitAssessment, FitFinding, FitStatus
from fascia.pathways.followup import follow_up_outcome
from fascia.pathways.measures import Change, ScoreError, change, score, score_range
from fascia.pathways.messages import ENGLISH, Message, message, render
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
    BASELINE,
    MeasureProgress,
    Progress,
    ResponderStatus,
    ReviewFlag,
    meaningful_line,
    progress,
)
from fascia.pathways.registry import (
    REGISTRY,
    PathwayFile,
    PathwayMismatch,
    Registry,
    Release,
    UnknownPathway,
)
from fascia.pathways.rules import AnswerValue, Condition, holds
from fascia.pathways.session import NeedleCounts, SessionCheck, SessionProblem, validate_session
from fascia.pathways.triage import TriageDecision, triage, visible_questions

__all__ = [
    "BASELINE",
    "CLINIC_POLICY",
    "DEFINITIONS_DIR",
    "DIAGNOSIS_SIDES",
    "ENGLISH",
    "PAIN_RATINGS",
    "REGISTRY",
    "TRIGGER_POINT_KINDS",
    "TRIGGER_POINT_SIDES",
    "AnswerError",
    "AnswerValue",
    "Change",
    "CheckResult",
    "Condition",
    "ConsentRequirements",
    "ConsentRule",
    "ConsentSection",
    "ConsentText",
    "Decision",
    "ExaminationError",
    "ExaminationFindings",
    "ExaminationInput",
    "FiredRule",
    "FitAssessment",
    "FitFinding",
    "FitStatus",
    "FormValue",
    "GroupKind",
    "JSONAnswer",
    "Measure",
    "MeasureKind",
    "MeasureProgress",
    "Message",
    "NeedleCounts",
    "Pathway",
    "PathwayError",
    "PathwayFile",
    "PathwayMismatch",
    "Problem",
    "Progress",
    "Question",
    "QuestionType",
    "Registry",
    "Release",
    "Respondent",
    "ResponderStatus",
    "ReviewFlag",
    "ScoreError",
    "SessionCheck",
    "SessionProblem",
    "TriageDecision",
    "TriageOutcome",
    "UnknownPathway",
    "answers_from_form",
    "answers_from_json",
    "answers_to_form",
    "answers_to_json",
    "change",
    "check_data",
    "check_file",
    "check_text",
    "consent_requirements",
    "consent_text",
    "diagnosis_codes",
    "follow_up_outcome",
    "holds",
    "load_pathway",
    "meaningful_line",
    "message",
    "progress",
    "render",
    "score",
    "score_range",
    "triage",
    "validate_examination",
    "validate_session",
    "visible_questions",
]
