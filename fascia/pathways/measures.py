"""Scoring outcome measures and judging change between two scores.

Scores are Decimals so that sums, differences and thresholds are exact. A mean
(PSFS) is rounded half-up to the measure's `decimals`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from typing_extensions import TypeIs

from fascia.pathways.models import Direction, Measure, MeasureKind
from fascia.pathways.rules import to_decimal

Number = int | float | Decimal
Responses = Number | Sequence[Number] | Mapping[str, Number]
"""One number (single scale, numeric), or the item ratings: in item order, or keyed by item id
(for patient-chosen items, keyed by the activity the patient named)."""


class ScoreError(ValueError):
    """Responses that cannot be scored: out of range, incomplete, or of the wrong shape."""


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
            raise ScoreError(f"{measure.abbreviation}: expected one number, got {responses!r}")
        return _rating(measure, responses, measure.abbreviation)
    if _is_number(responses):
        raise ScoreError(f"{measure.abbreviation}: expected item ratings, got one number")
    if measure.kind is MeasureKind.ITEM_SUM:
        return sum(_item_ratings(measure, responses), Decimal(0))
    ratings = _chosen_ratings(measure, responses)
    mean = sum(ratings, Decimal(0)) / len(ratings)
    return mean.quantize(Decimal(1).scaleb(-measure.decimals), rounding=ROUND_HALF_UP)


def change(measure: Measure, baseline: Number, latest: Number) -> Change:
    """How far a score moved from its baseline, and whether that is a meaningful change."""
    first = as_score(measure, baseline, "baseline")
    last = as_score(measure, latest, "latest")
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


def as_score(measure: Measure, value: Number, what: str = "score") -> Decimal:
    """A score already computed, refused (ScoreError) when `score` could never give it.

    So an NPRS of 7.5 or a LEFS total of 40.5 never decides whether someone responds.
    """
    if not _is_number(value):
        raise ScoreError(f"{measure.abbreviation} {what}: expected a number, got {value!r}")
    number = to_decimal(value)
    low, high = score_range(measure)
    if not number.is_finite() or number < low or (high is not None and number > high):
        raise ScoreError(
            f"{measure.abbreviation} {what}: {value!r} is outside {_span(low, high, measure)}"
        )
    if not _could_be_scored(measure, number):
        raise ScoreError(
            f"{measure.abbreviation} {what}: {value!r} is not a score this measure can give "
            f"({_possible_scores(measure)})"
        )
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


def _possible_scores(measure: Measure) -> str:
    if measure.kind is MeasureKind.ITEM_MEAN:
        return f"a mean of whole-number ratings, to {measure.decimals} decimal places"
    return "a whole number"


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


def _rating(measure: Measure, value: object, label: str) -> Decimal:
    if not _is_number(value):
        raise ScoreError(f"{label}: expected a number, got {value!r}")
    number = to_decimal(value)
    if not number.is_finite():
        raise ScoreError(f"{label}: expected a finite number, got {value!r}")
    if measure.whole_number and number != number.to_integral_value():
        raise ScoreError(f"{label}: expected a whole number, got {value!r}")
    if number < measure.min or (measure.max is not None and number > measure.max):
        raise ScoreError(
            f"{label}: {value!r} is outside {_span(measure.min, measure.max, measure)}"
        )
    return number


def _item_ratings(
    measure: Measure, responses: Sequence[Number] | Mapping[str, Number]
) -> list[Decimal]:
    items = measure.items
    if isinstance(responses, Mapping):
        unknown = sorted(set(responses) - {item.id for item in items})
        if unknown:
            raise ScoreError(f"{measure.abbreviation}: unknown item(s) {', '.join(unknown)}")
        values: list[object] = [responses.get(item.id) for item in items]
    elif isinstance(responses, str) or not isinstance(responses, Sequence):
        raise ScoreError(f"{measure.abbreviation}: expected item ratings, got {responses!r}")
    else:
        if len(responses) > len(items):
            raise ScoreError(
                f"{measure.abbreviation}: {len(responses)} ratings given for {len(items)} items"
            )
        values = [*responses, *[None] * (len(items) - len(responses))]
    missing = [
        f"{i} ({item.wording})"
        for i, (item, v) in enumerate(zip(items, values, strict=True), 1)
        if v is None
    ]
    if missing:
        raise ScoreError(
            f"{measure.abbreviation} is incomplete: item(s) {'; '.join(missing)} not answered. "
            "A form with missing items is not scored."
        )
    return [
        _rating(measure, v, f"{measure.abbreviation} item {i} ({item.wording})")
        for i, (item, v) in enumerate(zip(items, values, strict=True), 1)
    ]


def _chosen_ratings(
    measure: Measure, responses: Sequence[Number] | Mapping[str, Number]
) -> list[Decimal]:
    chosen = measure.patient_chosen_items
    if chosen is None:  # the checker refuses such a file
        raise ScoreError(f"{measure.abbreviation}: the pathway defines no patient-chosen items")
    if isinstance(responses, Mapping):
        labelled = [(f"{measure.abbreviation} activity '{k}'", v) for k, v in responses.items()]
    elif isinstance(responses, str) or not isinstance(responses, Sequence):
        raise ScoreError(f"{measure.abbreviation}: expected activity ratings, got {responses!r}")
    else:
        labelled = [(f"{measure.abbreviation} activity {i}", v) for i, v in enumerate(responses, 1)]
    if not chosen.min_count <= len(labelled) <= chosen.max_count:
        raise ScoreError(
            f"{measure.abbreviation}: rate {chosen.min_count} to {chosen.max_count} activities; "
            f"got {len(labelled)}"
        )
    return [_rating(measure, value, label) for label, value in labelled]


def _span(low: Decimal, high: Decimal | None, measure: Measure) -> str:
    upper = "" if high is None else f" to {high}"
    return f"the range {low}{upper} {measure.unit}".rstrip()
