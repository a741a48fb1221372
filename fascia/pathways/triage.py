"""Triage of screening answers, and which screening questions to show."""

from __future__ import annotations

from collections.abc import Mapping

from fascia.pathways.answers import normalise_answers, shown
from fascia.pathways.decision import Decision, decide
from fascia.pathways.models import Pathway, Question, Respondent, TriageOutcome


def triage(
    pathway: Pathway,
    answers: Mapping[str, object],
    *,
    respondent: Respondent = Respondent.CLINICIAN,
) -> Decision:
    """The triage decision for these screening answers.

    The outcome is the most serious one reached (a `TriageOutcome` value), with every
    rule that fired. An unanswered question never crashes triage: rules about it simply
    do not fire, and a shown, required question left unanswered adds the pathway's
    `when_incomplete` verdict (clinician review in the shipped pathways), so an
    incomplete screening is never `suitable`.

    `respondent=PATIENT` is the public self-check: questions that only a clinician
    answers are not expected, and answering them is refused with `AnswerError`.
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
    return Decision(
        outcome=TriageOutcome(decision.outcome),
        fired=decision.fired,
        unanswered=decision.unanswered,
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
