"""Checking a dry-needling session record against the pathway's session protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fascia.pathways.messages import Message, message
from fascia.pathways.models import Pathway


@dataclass(frozen=True)
class NeedleCounts:
    """Needles counted in (at insertion) and out (removed and in the sharps container).

    `by_muscle` optionally records how many needles went into each muscle (muscle id
    → count); when given, it must add up to `counted_in`.
    """

    counted_in: int
    counted_out: int
    by_muscle: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionProblem:
    """One problem: `code` names its kind, `message` says it (code, params, English text)."""

    code: str
    message: Message
    step: str | None = None
    blocking: bool = True


@dataclass(frozen=True)
class SessionCheck:
    problems: tuple[SessionProblem, ...]

    @property
    def ok(self) -> bool:
        """True when nothing blocks signing the session."""
        return not any(p.blocking for p in self.problems)


def validate_session(
    pathway: Pathway, checklist: Mapping[str, bool], needle_counts: NeedleCounts
) -> SessionCheck:
    """Every problem with a session record: each is reported, none stops the others.

    A required step that is missing or not done, a step the protocol does not know,
    counts that do not match (a needle may still be in the patient), and per-muscle
    counts for muscles this pathway does not needle.
    """
    protocol = pathway.session
    problems: list[SessionProblem] = []
    steps = {s.id: s for s in protocol.steps}
    for step_id, done in checklist.items():
        if step_id not in steps:
            problems.append(
                SessionProblem(
                    "unknown-step", message("session.unknown-step", step=step_id), step_id
                )
            )
        elif not isinstance(done, bool):
            problems.append(
                SessionProblem(
                    "not-yes-or-no", message("session.not-yes-or-no", step=step_id), step_id
                )
            )
    for step in protocol.steps:
        if step.required and checklist.get(step.id) is not True:
            problems.append(
                SessionProblem(
                    "required-step-missing",
                    message("session.required-step-missing", step=step.id, title=step.title),
                    step.id,
                )
            )
    problems.extend(_count_problems(pathway, needle_counts))
    return SessionCheck(tuple(problems))


def _count_problems(pathway: Pathway, counts: NeedleCounts) -> list[SessionProblem]:
    problems: list[SessionProblem] = []
    for code, value in (("in", counts.counted_in), ("out", counts.counted_out)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(SessionProblem("bad-count", message(f"session.bad-count-{code}")))
    if problems:
        return problems
    if counts.counted_in != counts.counted_out:
        code = "missing" if counts.counted_in > counts.counted_out else "extra"
        problems.append(
            SessionProblem(
                "needle-count-mismatch",
                message(
                    f"session.needles-{code}",
                    counted_in=counts.counted_in,
                    counted_out=counts.counted_out,
                ),
            )
        )
    muscles = {m.id for m in pathway.session.muscles}
    for muscle_id, count in counts.by_muscle.items():
        if muscle_id not in muscles:
            problems.append(
                SessionProblem(
                    "unknown-muscle", message("session.unknown-muscle", muscle=muscle_id)
                )
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            problems.append(
                SessionProblem("bad-count", message("session.bad-muscle-count", muscle=muscle_id))
            )
    if not problems and counts.by_muscle:
        total = sum(counts.by_muscle.values())
        if total != counts.counted_in:
            problems.append(
                SessionProblem(
                    "muscle-total-mismatch",
                    message(
                        "session.muscle-total-mismatch", total=total, counted_in=counts.counted_in
                    ),
                )
            )
    return problems
