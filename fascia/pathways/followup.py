"""Follow-up checks after a dry-needling session (for example at about 24 h and 72 h)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from fascia.pathways.answers import AnswerError
from fascia.pathways.decision import Decision, decide
from fascia.pathways.messages import message
from fascia.pathways.models import Pathway, Respondent


def follow_up_outcome(
    pathway: Pathway,
    answers: Mapping[str, object],
    *,
    check: str | None = None,
    needled_muscles: Collection[str] | None = None,
) -> Decision:
    """The most urgent follow-up outcome for these answers, with every rule that fired.

    Outcomes are the pathway's own, ordered from least to most urgent in
    `follow_up.outcomes`. With `check` (a follow-up check id), only that check's
    questions may be answered and only they count as unanswered.

    Some questions are asked only after needling a particular muscle: a muscle's
    caution lists them in `ask_after_needling` (breathlessness or chest pain after
    needling near the chest wall, say). With `needled_muscles` (the session's muscle
    ids) such a question is asked only when one of those muscles was needled. When the
    muscles are not known (None, or an id the pathway does not know), every such
    question is asked: asking too much is safer than missing a warning sign.
    """
    follow_up = pathway.follow_up
    questions = follow_up.questions
    if check is not None:
        chosen = next((c for c in follow_up.checks if c.id == check), None)
        if chosen is None:
            raise AnswerError(check, message("answer.no-such-check"))
        questions = tuple(q for q in questions if q.id in chosen.questions)
    skipped = _not_asked(pathway, needled_muscles)
    questions = tuple(q for q in questions if q.id not in skipped)
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


def _not_asked(pathway: Pathway, needled_muscles: Collection[str] | None) -> set[str]:
    """Questions asked only after needling muscles that were not needled this time."""
    muscles = {m.id: m for m in pathway.session.muscles}
    if needled_muscles is None or any(m not in muscles for m in needled_muscles):
        return set()
    conditional = {
        q for m in muscles.values() for caution in m.cautions for q in caution.ask_after_needling
    }
    asked = {
        q
        for m in needled_muscles
        for caution in muscles[m].cautions
        for q in caution.ask_after_needling
    }
    return conditional - asked
