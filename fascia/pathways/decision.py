"""Running a list of rules over answers: shared by triage and follow-up checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from fascia.pathways.answers import normalise_answers, shown
from fascia.pathways.messages import Message
from fascia.pathways.models import (
    FollowUpRule,
    FollowUpVerdict,
    Question,
    Respondent,
    TriageRule,
    TriageVerdict,
)
from fascia.pathways.rules import holds

Verdict = TriageVerdict | FollowUpVerdict
Rule = TriageRule | FollowUpRule


@dataclass(frozen=True)
class FiredRule:
    """A rule (or a standing verdict) that applies, with what to tell the patient and staff.

    The messages are the file's English texts, coded by where they are written, such as
    `triage.rf-cauda-equina.patient_message` (see `fascia.pathways.messages`).
    """

    id: str
    outcome: str
    patient_message: Message
    staff_message: Message
    sources: tuple[str, ...]

    @classmethod
    def of(cls, verdict: Verdict) -> FiredRule:
        section = "triage" if isinstance(verdict, TriageVerdict) else "follow_up"
        return cls(
            id=verdict.id,
            outcome=str(verdict.outcome),
            patient_message=Message(
                f"{section}.{verdict.id}.patient_message", {}, verdict.patient_message
            ),
            staff_message=Message(
                f"{section}.{verdict.id}.staff_message", {}, verdict.staff_message
            ),
            sources=verdict.sources,
        )


@dataclass(frozen=True)
class Decision:
    """The highest outcome reached, every rule that fired, and what is still unanswered.

    `fired` is never empty and is ordered from the most to the least serious outcome
    (file order within one outcome). When no rule fires it holds the pathway's
    "nothing fires" verdict. When a required question that is shown is unanswered,
    it also holds the pathway's "incomplete" verdict, and `unanswered` lists them.
    """

    outcome: str
    fired: tuple[FiredRule, ...]
    unanswered: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.unanswered


def decide(
    *,
    questions: Sequence[Question],
    rules: Sequence[Rule],
    when_nothing_fires: Verdict,
    when_incomplete: Verdict,
    rank: Callable[[str], int],
    answers: Mapping[str, object],
    respondent: Respondent,
) -> Decision:
    """Validate the answers, run every rule and combine the result (see `Decision`)."""
    valid = normalise_answers(questions, answers, respondent=respondent)
    visible, kept = shown(questions, valid)
    unanswered = tuple(
        q.id
        for q in visible
        if q.required
        and q.id not in kept
        and (respondent is Respondent.CLINICIAN or q.answered_by is Respondent.PATIENT)
    )
    verdicts: list[Verdict] = [rule for rule in rules if holds(rule.when, kept)]
    if unanswered:
        verdicts.append(when_incomplete)
    if not verdicts:
        verdicts.append(when_nothing_fires)
    fired = sorted((FiredRule.of(v) for v in verdicts), key=lambda f: -rank(f.outcome))
    return Decision(outcome=fired[0].outcome, fired=tuple(fired), unanswered=unanswered)
