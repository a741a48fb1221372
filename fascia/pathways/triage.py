"""Triage of screening answers, and which screening questions to show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fascia.pathways.answers import normalise_answers, shown
from fascia.pathways.decision import Decision, FiredRule, decide
from fascia.pathways.fit import FitAssessment, FitStatus, assess_fit
from fascia.pathways.models import Pathway, Question, Respondent, TriageOutcome


@dataclass(frozen=True, kw_only=True)
class TriageDecision(Decision):
    """A triage decision that keeps apart the two things screening decides.

    `safety` is what the red flags, contraindications and precautions alone say (and
    whether the screening is complete). `fit` says whether the picture fits the
    pathway's condition, with the features present and any finding that points
    elsewhere (None when the pathway defines no fit). `outcome` is what to act on: the
    safety outcome, raised to the pathway's not-fitting verdict when the picture does
    not fit, so that such a patient is never told that needling suits them.
    """

    safety: TriageOutcome
    fit: FitAssessment | None


def triage(
    pathway: Pathway,
    answers: Mapping[str, object],
    *,
    respondent: Respondent = Respondent.CLINICIAN,
) -> TriageDecision:
    """The triage decision for these screening answers.

    The outcome is the most serious one reached (a `TriageOutcome` value), with every
    rule that fired. An unanswered question never crashes triage: rules about it simply
    do not fire, and a shown, required question left unanswered adds the pathway's
    `when_incomplete` verdict (clinician review in the shipped pathways), so an
    incomplete screening is never `suitable`. A picture that does not fit the
    condition adds the pathway's `fit.when_not_fitting` verdict (see `TriageDecision`).

    `respondent=PATIENT` is the public self-check: questions that only a clinician
    answers are not expected, and answering them is refused with `AnswerError`. Their
    features count as not yet known.
    """
    decision = decide(
        questions=pathway.screening_questions,
        rules=pathway.triage.rules,
        when_nothing_fires=pathway.triage.when_nothing_fires,
        when_incomplete=pathway.triage.when_incomplete,
        rank=lambda outcome: TriageOutcome(outcome).rank,
        answers=answers,
        respondent=respondent,
    )
    fired = decision.fired
    fit = None
    if pathway.fit is not None:
        valid = normalise_answers(pathway.screening_questions, answers, respondent=respondent)
        _, kept = shown(pathway.screening_questions, valid)
        fit = assess_fit(pathway.fit, kept)
        if fit.status is FitStatus.DOES_NOT_FIT:
            nothing = pathway.triage.when_nothing_fires.id
            verdicts = [f for f in fired if f.id != nothing]
            verdicts.append(FiredRule.of(pathway.fit.when_not_fitting))
            fired = tuple(sorted(verdicts, key=lambda f: -TriageOutcome(f.outcome).rank))
    return TriageDecision(
        outcome=TriageOutcome(fired[0].outcome),
        fired=fired,
        unanswered=decision.unanswered,
        safety=TriageOutcome(decision.outcome),
        fit=fit,
    )


def visible_questions(
    pathway: Pathway,
    answers: Mapping[str, object],
    *,
    respondent: Respondent = Respondent.CLINICIAN,
) -> tuple[Question, ...]:
    """The screening questions to show, in order, given the answers so far.

    With `respondent=PATIENT`, questions that only a clinician answers are left out.
    """
    valid = normalise_answers(pathway.screening_questions, answers, respondent=respondent)
    visible, _ = shown(pathway.screening_questions, valid)
    return tuple(
        q
        for q in visible
        if respondent is Respondent.CLINICIAN or q.answered_by is Respondent.PATIENT
    )
