"""Progress over an episode: change from baseline, responder status and review flags.

Scores are keyed by session number: 0 is the baseline, measured before treatment (at the
assessment), and 1, 2, … the treatment sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from fascia.pathways.measures import (
    Change,
    Number,
    ScoreError,
    as_score,
    change,
    score_range,
)
from fascia.pathways.messages import Message, message
from fascia.pathways.models import Direction, Measure, Pathway

BASELINE = 0
"""The session number of the measures taken before treatment (at the assessment)."""


class ResponderStatus(StrEnum):
    RESPONDER = "responder"
    """At least one reviewed measure has improved meaningfully since its baseline."""
    NOT_YET = "not_yet"
    """No meaningful improvement yet, but the review session has not been reached."""
    FLAG_FOR_REVIEW = "non_responder_flag_for_review"
    """The review session is reached with no meaningful improvement: review the plan."""
    INSUFFICIENT_DATA = "insufficient_data"
    """No reviewed measure has been recorded at two sessions."""


@dataclass(frozen=True)
class MeasureProgress:
    measure_id: str
    baseline_session: int
    latest_session: int
    change: Change


@dataclass(frozen=True)
class ReviewFlag:
    """Something to review in the care plan; `message` says what (code, params, English text)."""

    id: str
    message: Message
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Progress:
    status: ResponderStatus
    latest_session: int | None
    changes: Mapping[str, MeasureProgress]
    """For each measure recorded at two or more sessions: first session versus latest."""
    flags: tuple[ReviewFlag, ...]


def progress(
    pathway: Pathway, measurements_by_session: Mapping[int, Mapping[str, Number]]
) -> Progress:
    """Responder status and review flags from scores keyed by session number, then measure id.

    Session 0 (`BASELINE`) is before treatment. The baseline of a measure is the first
    session that recorded it: session 0 when it was measured at the assessment. The care plan's
    review rule (clinic policy) decides: if none of its measures shows a meaningful
    improvement from baseline to latest once the review session is reached, the
    episode is flagged. A meaningful worsening of any measure is flagged too when the
    rule asks for it, and so is reaching the review session without enough data.
    """
    series = _series(pathway, measurements_by_session)
    changes: dict[str, MeasureProgress] = {}
    for measure_id, points in series.items():
        if len(points) >= 2:
            (first, baseline), (last, latest) = points[0], points[-1]
            measure = pathway.measure(measure_id)
            changes[measure_id] = MeasureProgress(
                measure_id, first, last, change(measure, baseline, latest)
            )

    rule = pathway.care_plan.review_rule
    latest_session = max(measurements_by_session, default=None)
    reached = latest_session is not None and latest_session >= rule.by_session
    reviewed = [changes[m] for m in rule.measures if m in changes]
    names = ", ".join(pathway.measure(m).abbreviation for m in rule.measures)
    flags: list[ReviewFlag] = []
    if any(p.change.meaningful_improvement for p in reviewed):
        status = ResponderStatus.RESPONDER
    elif not reviewed:
        status = ResponderStatus.INSUFFICIENT_DATA
        if reached and latest_session is not None:
            flags.append(
                ReviewFlag(
                    "review-missing-measurements",
                    message(
                        "progress.review-missing-measurements",
                        session=latest_session,
                        measures=names,
                    ),
                    rule.sources,
                )
            )
    elif reached:
        status = ResponderStatus.FLAG_FOR_REVIEW
        flags.append(
            ReviewFlag(
                "review-no-meaningful-improvement",
                message(
                    "progress.review-no-meaningful-improvement",
                    measures=names,
                    by_session=rule.by_session,
                ),
                rule.sources,
            )
        )
    else:
        status = ResponderStatus.NOT_YET
    if rule.flag_worsening:
        flags.extend(
            ReviewFlag(
                f"review-worsening-{p.measure_id}",
                message(
                    "progress.review-worsening",
                    measure=pathway.measure(p.measure_id).abbreviation,
                    measure_id=p.measure_id,
                    baseline_session=p.baseline_session,
                    baseline=str(p.change.baseline),
                    latest=str(p.change.latest),
                ),
                rule.sources,
            )
            for p in changes.values()
            if p.change.meaningful_worsening
        )
    return Progress(status, latest_session, changes, tuple(flags))


def _series(
    pathway: Pathway, measurements_by_session: Mapping[int, Mapping[str, Number]]
) -> dict[str, list[tuple[int, Decimal]]]:
    known = {m.id for m in pathway.measures}
    series: dict[str, list[tuple[int, Decimal]]] = {}
    for session in measurements_by_session:
        if isinstance(session, bool) or not isinstance(session, int) or session < BASELINE:
            raise ScoreError.of("progress.bad-session-number", got=repr(session))
    for session in sorted(measurements_by_session):
        for measure_id, value in measurements_by_session[session].items():
            if measure_id not in known:
                raise ScoreError.of(
                    "progress.unknown-measure", session=session, measure_id=str(measure_id)
                )
            score = as_score(pathway.measure(measure_id), value, session=session)
            series.setdefault(measure_id, []).append((session, score))
    return series


def meaningful_line(measure: Measure, baseline: Number) -> Decimal | None:
    """The score a meaningful improvement from `baseline` reaches: the baseline moved in the
    improving direction by the smallest change `change` calls meaningful.

    That smallest change is the absolute threshold or the percentage of the baseline,
    whichever is smaller, and never less than the minimal detectable change. None when the
    measure has no meaningful change, or when no score on its scale is that far from the
    baseline (an NPRS of 1 cannot fall by 2).
    """
    first = as_score(measure, baseline, which="baseline")
    threshold = measure.meaningful_change
    if threshold is None:
        return None
    sizes = []
    if threshold.absolute is not None:
        sizes.append(threshold.absolute.value)
    if threshold.percent is not None and first != 0:
        sizes.append(threshold.percent.value * abs(first) / 100)
    if not sizes:
        return None
    size = min(sizes)
    if threshold.minimal_detectable_change is not None:
        size = max(size, threshold.minimal_detectable_change.value)
    line = first + size if measure.direction is Direction.HIGHER_IS_BETTER else first - size
    low, high = score_range(measure)
    if line < low or (high is not None and line > high):
        return None
    return line
