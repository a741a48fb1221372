"""Checking a dry-needling session record against the pathway's session protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    code: str
    message: str
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
                    "unknown-step", f"'{step_id}' is not a step of this protocol.", step_id
                )
            )
        elif not isinstance(done, bool):
            problems.append(
                SessionProblem(
                    "not-yes-or-no", f"'{step_id}' must be recorded as done or not done.", step_id
                )
            )
    for step in protocol.steps:
        if step.required and checklist.get(step.id) is not True:
            problems.append(
                SessionProblem(
                    "required-step-missing", f"Required step not done: {step.title}.", step.id
                )
            )
    problems.extend(_count_problems(pathway, needle_counts))
    return SessionCheck(tuple(problems))


def _count_problems(pathway: Pathway, counts: NeedleCounts) -> list[SessionProblem]:
    problems: list[SessionProblem] = []
    for name, value in (("counted in", counts.counted_in), ("counted out", counts.counted_out)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(
                SessionProblem("bad-count", f"Needles {name} must be a whole number of 0 or more.")
            )
    if problems:
        return problems
    missing = counts.counted_in - counts.counted_out
    if missing > 0:
        problems.append(
            SessionProblem(
                "needle-count-mismatch",
                f"{counts.counted_in} needles were counted in but only {counts.counted_out} "
                f"counted out: {missing} needle{'s' if missing > 1 else ''} may still be in "
                "the patient. Check the patient, the couch and the floor before the patient "
                "leaves, and record what you find.",
            )
        )
    elif missing < 0:
        problems.append(
            SessionProblem(
                "needle-count-mismatch",
                f"{counts.counted_out} needles were counted out but only {counts.counted_in} "
                "counted in: the count is wrong. Recount, check the patient, "
                "and correct the record.",
            )
        )
    muscles = {m.id for m in pathway.session.muscles}
    for muscle_id, count in counts.by_muscle.items():
        if muscle_id not in muscles:
            problems.append(
                SessionProblem(
                    "unknown-muscle", f"'{muscle_id}' is not a muscle this pathway allows needling."
                )
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            problems.append(
                SessionProblem(
                    "bad-count", f"Needles in '{muscle_id}' must be a whole number of 0 or more."
                )
            )
    if not problems and counts.by_muscle:
        total = sum(counts.by_muscle.values())
        if total != counts.counted_in:
            problems.append(
                SessionProblem(
                    "muscle-total-mismatch",
                    f"Needles recorded per muscle add up to {total}, but {counts.counted_in} "
                    "were counted in. Correct the record.",
                )
            )
    return problems
