"""Scoring outcome measures and judging change between two scores.

Scores are Decimals so that sums, differences and thresholds are exact. A mean
(PSFS) is rounded half-up to the measure's `decimals`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from typing_extensions import TypeIs

from fascia.pathways.messages import Message, Param, message
from fascia.pathways.models import Direction, Measure, MeasureKind
from fascia.pathways.rules import to_decimal

Number = int | float | Decimal
Responses = Number | Sequence[Number] | Mapping[str, Number]
"""One number (single scale, numeric), or the item ratings: in item order, or keyed by item id
(for patient-chosen items, keyed by the activity the patient named)."""


class ScoreError(ValueError):
    """Responses that cannot be scored: out of range, incomplete, or of the wrong shape.

    `message` says why, as a code with params and the English text (see
    `fascia.pathways.messages`); `str()` of the error is that text.
    """

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def of(cls, code: str, /, **params: Param) -> ScoreError:
        """The error saying the message with this code and these params."""
        return cls(message(code, **params))


@dataclass(frozen=True)
class Change:
    """The change from a baseline score to a later one.

    `absolute` is latest - baseline. `percent` is that change as a percentage of the
    baseline (None when the baseline is 0). `improvement` has the sign turned so
    that a positive value is better, whatever the measure's direction. `meaningful`
    says whether the size of the change, in either direction, reaches the measure's
    meaningful-change threshold (always False when the measure has none, and when the
    change is smaller than the measure's minimal detectable change).
    """

    measure_id: str
    baseline: Decimal
    latest: Decimal
    absolute: Decimal
    percent: Decimal | None
    improvement: Decimal
    meaningful: bool

    @property
    def meaningful_improvement(self) -> bool:
        return self.meaningful and self.improvement > 0

    @property
    def meaningful_worsening(self) -> bool:
        return self.meaningful and self.improvement < 0


def score_range(measure: Measure) -> tuple[Decimal, Decimal | None]:
    """The lowest and highest possible score (None: no upper limit)."""
    if measure.kind is MeasureKind.ITEM_SUM:
        count = len(measure.items)
        return measure.min * count, None if measure.max is None else measure.max * count
    return measure.min, measure.max


def score(measure: Measure, responses: Responses) -> Decimal:
    """The score of one completed measure; ScoreError for anything out of range or missing."""
    if measure.kind in (MeasureKind.SINGLE_SCALE, MeasureKind.NUMERIC):
        if not _is_number(responses):
            raise ScoreError.of(
                "score.expected-one-number", measure=measure.abbreviation, got=repr(responses)
            )
        return _rating(measure, responses, {})
    if _is_number(responses):
        raise ScoreError.of(
            "score.expected-item-ratings", measure=measure.abbreviation, got=repr(responses)
        )
    if measure.kind is MeasureKind.ITEM_SUM:
        return sum(_item_ratings(measure, responses), Decimal(0))
    ratings = _chosen_ratings(measure, responses)
    mean = sum(ratings, Decimal(0)) / len(ratings)
    return mean.quantize(Decimal(1).scaleb(-measure.decimals), rounding=ROUND_HALF_UP)


def change(measure: Measure, baseline: Number, latest: Number) -> Change:
    """How far a score moved from its baseline, and whether that is a meaningful change."""
    first = as_score(measure, baseline, which="baseline")
    last = as_score(measure, latest, which="latest")
    absolute = last - first
    percent = None if first == 0 else (absolute * 100 / abs(first)).quantize(Decimal("0.1"))
    improvement = absolute if measure.direction is Direction.HIGHER_IS_BETTER else -absolute
    return Change(
        measure_id=measure.id,
        baseline=first,
        latest=last,
        absolute=absolute,
        percent=percent,
        improvement=improvement,
        meaningful=_meaningful(measure, first, absolute),
    )


def as_score(
    measure: Measure, value: Number, *, which: str = "score", session: int | None = None
) -> Decimal:
    """A score already computed, refused (ScoreError) when `score` could never give it.

    So an NPRS of 7.5 or a LEFS total of 40.5 never decides whether someone responds.
    A refusal names the score as `which` ("baseline", "latest" or "score"), or by the
    `session` it was recorded at when that is given.
    """
    where: dict[str, Param] = {"which": which} if session is None else {"session": session}
    if not _is_number(value):
        raise _refused(measure, "score.expected-number", where, got=repr(value))
    number = to_decimal(value)
    low, high = score_range(measure)
    if not number.is_finite() or number < low or (high is not None and number > high):
        raise _refused(measure, "score.out-of-range", where, **_span(low, high, measure, value))
    if not _could_be_scored(measure, number):
        if measure.kind is MeasureKind.ITEM_MEAN:
            raise _refused(
                measure, "score.impossible-mean", where, got=repr(value), decimals=measure.decimals
            )
        raise _refused(measure, "score.impossible-whole-number", where, got=repr(value))
    return number


def _could_be_scored(measure: Measure, number: Decimal) -> bool:
    """Whether `score` can return this number (the range is already checked)."""
    if not measure.whole_number:
        return True
    if measure.kind is not MeasureKind.ITEM_MEAN:
        # One whole-number rating, or a sum of whole-number ratings, is a whole number.
        return number == number.to_integral_value()
    chosen = measure.patient_chosen_items
    if chosen is None:
        return False
    step = Decimal(1).scaleb(-measure.decimals)
    if number != number.quantize(step):
        return False
    # A mean of n whole ratings, rounded: some whole total near number * n must give it.
    for count in range(chosen.min_count, chosen.max_count + 1):
        near = (number * count).to_integral_value(ROUND_FLOOR)
        for total in (near - 1, near, near + 1, near + 2):
            mean = (total / count).quantize(step, rounding=ROUND_HALF_UP)
            if mean == number:
                return True
    return False


def _meaningful(measure: Measure, baseline: Decimal, absolute: Decimal) -> bool:
    threshold = measure.meaningful_change
    if threshold is None:
        return False
    size = abs(absolute)
    detectable = threshold.minimal_detectable_change
    if detectable is not None and size < detectable.value:
        return False  # within measurement error, whatever the percentage
    if threshold.absolute is not None and size >= threshold.absolute.value:
        return True
    # Compare without rounding: |change| / |baseline| >= percent / 100.
    return (
        threshold.percent is not None
        and baseline != 0
        and size * 100 >= threshold.percent.value * abs(baseline)
    )


def _is_number(value: object) -> TypeIs[int | float | Decimal]:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _rating(measure: Measure, value: object, where: Mapping[str, Param]) -> Decimal:
    """One rating, refused with a message naming `where` it was given (an item, an activity)."""
    if not _is_number(value):
        raise _refused(measure, "score.expected-number", where, got=repr(value))
    number = to_decimal(value)
    if not number.is_finite():
        raise _refused(measure, "score.expected-finite-number", where, got=repr(value))
    if measure.whole_number and number != number.to_integral_value():
        raise _refused(measure, "score.expected-whole-number", where, got=repr(value))
    if number < measure.min or (measure.max is not None and number > measure.max):
        span = _span(measure.min, measure.max, measure, value)
        raise _refused(measure, "score.out-of-range", where, **span)
    return number


def _item_ratings(
    measure: Measure, responses: Sequence[Number] | Mapping[str, Number]
) -> list[Decimal]:
    items = measure.items
    if isinstance(responses, Mapping):
        unknown = sorted(set(responses) - {item.id for item in items})
        if unknown:
            raise ScoreError.of(
                "score.unknown-items", measure=measure.abbreviation, unknown=", ".join(unknown)
            )
        values: list[object] = [responses.get(item.id) for item in items]
    elif isinstance(responses, str) or not isinstance(responses, Sequence):
        raise ScoreError.of(
            "score.expected-item-ratings", measure=measure.abbreviation, got=repr(responses)
        )
    else:
        if len(responses) > len(items):
            raise ScoreError.of(
                "score.too-many-ratings",
                measure=measure.abbreviation,
                count=len(responses),
                items=len(items),
            )
        values = [*responses, *[None] * (len(items) - len(responses))]
    missing = [
        f"{i} ({item.wording})"
        for i, (item, v) in enumerate(zip(items, values, strict=True), 1)
        if v is None
    ]
    if missing:
        raise ScoreError.of(
            "score.incomplete", measure=measure.abbreviation, missing="; ".join(missing)
        )
    return [
        _rating(measure, v, {"item": i, "wording": item.wording})
        for i, (item, v) in enumerate(zip(items, values, strict=True), 1)
    ]


def _chosen_ratings(
    measure: Measure, responses: Sequence[Number] | Mapping[str, Number]
) -> list[Decimal]:
    chosen = measure.patient_chosen_items
    if chosen is None:  # the checker refuses such a file
        raise ScoreError.of("score.no-chosen-items", measure=measure.abbreviation)
    labelled: list[tuple[dict[str, Param], object]]
    if isinstance(responses, Mapping):
        labelled = [({"activity_name": str(k)}, v) for k, v in responses.items()]
    elif isinstance(responses, str) or not isinstance(responses, Sequence):
        raise ScoreError.of(
            "score.expected-activity-ratings", measure=measure.abbreviation, got=repr(responses)
        )
    else:
        labelled = [({"activity": i}, v) for i, v in enumerate(responses, 1)]
    if not chosen.min_count <= len(labelled) <= chosen.max_count:
        raise ScoreError.of(
            "score.activity-count",
            measure=measure.abbreviation,
            min_count=chosen.min_count,
            max_count=chosen.max_count,
            count=len(labelled),
        )
    return [_rating(measure, value, where) for where, value in labelled]


def _refused(
    measure: Measure, code: str, where: Mapping[str, Param], **params: Param
) -> ScoreError:
    """A refused score of this measure, naming where it was given (see `messages._scored`)."""
    return ScoreError.of(code, measure=measure.abbreviation, **where, **params)


def _span(low: Decimal, high: Decimal | None, measure: Measure, got: object) -> dict[str, Param]:
    """The params of an out-of-range message: the value, the range and the unit."""
    span: dict[str, Param] = {"got": repr(got), "low": str(low), "unit": measure.unit}
    if high is not None:
        span["high"] = str(high)
    return span
