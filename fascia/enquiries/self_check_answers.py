"""The public self-check's answers: carried signed between its pages, stored only if sent.

Nothing of a self-check is kept on the server while the person answers. The answers so
far travel in a hidden field, signed with the site's secret (`django.core.signing`, salted
for this use, dated), so they cannot be changed on the way or replayed after `MAX_AGE`.
The same signed value goes with the person to the enquiry form when they choose to send
their answers; the form reads it back, the engine checks the answers and decides again,
and the enquiry stores `stored()`: the pathway version, the answers and the decision.
"""

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.utils import timezone

from fascia.pathways import (
    REGISTRY,
    AnswerError,
    AnswerValue,
    Pathway,
    PathwayMismatch,
    Respondent,
    TriageDecision,
    UnknownPathway,
    answers_from_json,
    answers_to_json,
    triage,
)
from fascia.records.actions import PIRIFORMIS

SALT = "fascia.enquiries.self-check"
MAX_AGE = 24 * 60 * 60
"""Seconds a signed self-check stays readable: time to answer, then to send an enquiry."""


class Unreadable(Exception):
    """A signed self-check that was changed, cut short, made elsewhere or is too old."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "damaged")
        self.expired = expired


@dataclass(frozen=True)
class SelfCheck:
    pathway: Pathway
    sha256: str
    answers: dict[str, AnswerValue]

    def signed(self) -> str:
        data = {
            "p": self.pathway.id,
            "v": self.pathway.version,
            "h": self.sha256,
            "a": answers_to_json(self.pathway.screening_questions, self.answers),
        }
        return signing.dumps(data, salt=SALT, compress=True)

    def with_answers(self, answers: dict[str, AnswerValue | None]) -> "SelfCheck":
        """The self-check with these answers given (None clears one)."""
        merged = {**self.answers, **answers}
        return SelfCheck(
            self.pathway, self.sha256, {k: v for k, v in merged.items() if v is not None}
        )

    def decision(self) -> TriageDecision:
        return triage(self.pathway, self.answers, respondent=Respondent.PATIENT)

    def stored(self) -> dict[str, Any]:
        """What an enquiry keeps of the self-check sent with it: answers and decision."""
        decision = self.decision()
        return {
            "pathway": self.pathway.id,
            "version": self.pathway.version,
            "sha256": self.sha256,
            "answers": answers_to_json(self.pathway.screening_questions, self.answers),
            "outcome": str(decision.outcome),
            "fired": [f.id for f in decision.fired],
            "decided_at": timezone.now().isoformat(),
        }


def new() -> SelfCheck:
    """A self-check not yet answered, under the newest released version of the pathway."""
    entry = REGISTRY.released_entry(PIRIFORMIS)
    return SelfCheck(REGISTRY.get(entry.id, entry.version, sha256=entry.sha256), entry.sha256, {})


def read(value: str) -> SelfCheck:
    """The self-check signed into `value`, its answers checked again; `Unreadable` if not."""
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE)
        pathway = REGISTRY.get(data["p"], data["v"], sha256=data["h"])
        answers = answers_from_json(pathway.screening_questions, data["a"])
        triage(pathway, answers, respondent=Respondent.PATIENT)
    except signing.SignatureExpired:
        raise Unreadable(expired=True) from None
    except (
        signing.BadSignature,
        AnswerError,
        UnknownPathway,
        PathwayMismatch,
        AttributeError,
        KeyError,
        TypeError,
        ValueError,
    ):
        raise Unreadable from None
    return SelfCheck(pathway, data["h"], answers)
