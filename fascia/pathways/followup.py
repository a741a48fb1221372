"""Follow-up checks after a dry-needling session (for example at about 24 h and 72 h)."""

from __future__ import annotations

from collections.abc import Mapping

from fascia.pathways.answers import AnswerError
from fascia.pathways.decision import Decision, decide
from fascia.pathways.models import Pathway, Respondent


def follow_up_outcome(
    pathway: Pathway,
    answers: Mapping[str, object],
    *,
    check: str | None = None,
) -> Decision:
    """The most urgent follow-up outcome for these answers, with every rule that fired.

    Outcomes are the pathway's own, ordered from least to most urgent in
    `follow_up.outcomes`. With `check` (a follow-up check id), only that check's
    questions may be answered and only they count as unanswered.
    """
    follow_up = pathway.follow_up
    questions = follow_up.questions
    if check is not None:
        chosen = next((c for c in follow_up.checks if c.id == check), None)
        if chosen is None:
            raise AnswerError(check, "there is no such follow-up check")
        questions = tuple(q for q in questions if q.id in chosen.questions)
    order = list(follow_up.outcomes)
    return decide(
        questions=questions,
        rules=follow_up.rules,
        when_nothing_fires=follow_up.when_nothing_fires,
        when_incomplete=follow_up.when_incomplete,
        rank=order.index,
        answers=answers,
        respondent=Respondent.PATIENT,
    )
