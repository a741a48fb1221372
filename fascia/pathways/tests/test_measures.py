from __future__ import annotations

from decimal import Decimal

import pytest

from fascia.pathways import Measure, ScoreError, change, score, score_range
from fascia.pathways.models import MeaningfulChange, Threshold
from fascia.pathways.tests.conftest import PIRIFORMIS

NPRS = PIRIFORMIS.measure("nprs")
LEFS = PIRIFORMIS.measure("lefs")
PSFS = PIRIFORMIS.measure("psfs")
GROC = PIRIFORMIS.measure("groc")
SITTING = PIRIFORMIS.measure("sitting_tolerance")


class TestNprs:
    def test_it_scores_a_rating_as_itself(self) -> None:
        assert score(NPRS, 7) == Decimal(7)

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (11, "outside"),
            (-1, "outside"),
            (6.5, "whole number"),
            (True, "one number"),
            ([3], "one number"),
        ],
    )
    def test_it_refuses_impossible_ratings(self, value: object, message: str) -> None:
        with pytest.raises(ScoreError, match=message):
            score(NPRS, value)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("baseline", "latest", "absolute", "percent", "meaningful"),
        [
            (8, 6, -2, Decimal("-25.0"), True),  # 2 points
            (3, 2, -1, Decimal("-33.3"), False),  # 30 % or more, but under the MDC of 2
            (10, 9, -1, Decimal("-10.0"), False),
            (5, 4, -1, Decimal("-20.0"), False),
            (0, 1, 1, None, False),  # no percent from a zero baseline
            (4, 7, 3, Decimal("75.0"), True),  # meaningful, but worse
        ],
    )
    def test_change_uses_two_points_or_thirty_percent(
        self, baseline: int, latest: int, absolute: int, percent: Decimal | None, meaningful: bool
    ) -> None:
        result = change(NPRS, baseline, latest)
        assert result.absolute == absolute
        assert result.percent == percent
        assert result.improvement == -absolute  # lower is better
        assert result.meaningful is meaningful

    def test_a_rise_in_pain_is_a_meaningful_worsening(self) -> None:
        result = change(NPRS, 4, 7)
        assert result.meaningful_worsening and not result.meaningful_improvement

    def test_exactly_thirty_percent_counts(self) -> None:
        assert change(NPRS, 10, 7).meaningful_improvement


class TestLefs:
    def test_it_has_twenty_items_scored_zero_to_eighty(self) -> None:
        assert len(LEFS.items) == 20
        assert score_range(LEFS) == (0, 80)

    def test_it_sums_the_items(self) -> None:
        assert score(LEFS, [4] * 20) == 80
        assert score(LEFS, [0] * 20) == 0
        # Worked example: 13 items "no difficulty" (4), 5 "a little" (3), 2 "moderate" (2).
        assert score(LEFS, [4] * 13 + [3] * 5 + [2] * 2) == 52 + 15 + 4

    def test_it_scores_items_keyed_by_id(self) -> None:
        ratings = {item.id: 3 for item in LEFS.items}
        assert score(LEFS, ratings) == 60

    def test_it_refuses_an_incomplete_form_and_names_the_missing_items(self) -> None:
        ratings = {item.id: 3 for item in LEFS.items}
        del ratings["shoes_socks"]
        with pytest.raises(
            ScoreError, match=r"incomplete: item\(s\) 5 \(Putting on shoes or socks\)"
        ):
            score(LEFS, ratings)
        with pytest.raises(ScoreError, match=r"item\(s\) 19 \(Hopping\); 20 \(Rolling"):
            score(LEFS, [3] * 18)

    def test_it_names_an_out_of_range_item(self) -> None:
        with pytest.raises(ScoreError, match=r"item 3 \(Getting into or out of the bath\): 5"):
            score(LEFS, [4, 4, 5] + [4] * 17)

    @pytest.mark.parametrize(
        ("responses", "message"),
        [
            ([4] * 21, "21 ratings given for 20 items"),
            ({"flying": 3}, "unknown item"),
            (60, "item ratings"),
        ],
    )
    def test_it_refuses_the_wrong_shape(self, responses: object, message: str) -> None:
        with pytest.raises(ScoreError, match=message):
            score(LEFS, responses)  # type: ignore[arg-type]

    def test_change_of_nine_is_meaningful(self) -> None:
        assert change(LEFS, 40, 49).meaningful_improvement
        assert not change(LEFS, 40, 48).meaningful
        # Tonley 2010 case report: 65 to 80.
        assert change(LEFS, 65, 80).improvement == 15


class TestPsfs:
    def test_it_averages_the_patients_activities(self) -> None:
        assert score(PSFS, [3, 4, 4]) == Decimal("3.67")
        assert score(PSFS, {"walking to work": 4, "sitting in the car": 6}) == Decimal("5.00")
        assert score(PSFS, [7]) == Decimal("7.00")

    @pytest.mark.parametrize(
        ("responses", "message"),
        [
            ([], "rate 1 to 5 activities; got 0"),
            ([5] * 6, "rate 1 to 5 activities; got 6"),
            ([5, 11], "activity 2: 11 is outside"),
            ({"gardening": -1}, "activity 'gardening': -1 is outside"),
        ],
    )
    def test_it_refuses_bad_ratings(self, responses: object, message: str) -> None:
        with pytest.raises(ScoreError, match=message):
            score(PSFS, responses)  # type: ignore[arg-type]

    def test_a_medium_change_is_meaningful(self) -> None:
        # 5.40 is 27/5 and 5.20 is 26/5: means that five whole ratings can give.
        assert change(PSFS, Decimal("3.00"), Decimal("5.40")).meaningful_improvement
        assert not change(PSFS, Decimal("3.00"), Decimal("5.20")).meaningful


class TestGrocAndSitting:
    def test_groc_runs_from_minus_seven_to_plus_seven(self) -> None:
        assert score(GROC, -7) == -7
        assert score(GROC, 7) == 7
        with pytest.raises(ScoreError):
            score(GROC, 8)

    def test_groc_has_no_published_threshold(self) -> None:
        assert GROC.meaningful_change is None
        assert "convention" in GROC.meaningful_change_note
        assert not change(GROC, 0, 5).meaningful

    def test_sitting_tolerance_is_minutes_with_no_threshold(self) -> None:
        assert score(SITTING, 25) == 25
        assert SITTING.meaningful_change is None
        assert "No published" in SITTING.meaningful_change_note
        assert change(SITTING, 20, 60).improvement == 40
        with pytest.raises(ScoreError):
            score(SITTING, -5)

    def test_change_refuses_scores_outside_the_range(self) -> None:
        with pytest.raises(ScoreError, match="NPRS latest: 12 is outside"):
            change(NPRS, 5, 12)


class TestValuesScoreWouldRefuse:
    @pytest.mark.parametrize(
        ("measure", "value"),
        [
            (NPRS, 7.5),
            (NPRS, Decimal("7.5")),
            (LEFS, 40.5),
            (GROC, Decimal("-0.5")),
            (SITTING, 25.5),
            (PSFS, Decimal("5.30")),  # no mean of 1 to 5 whole ratings rounds to 5.30
            (PSFS, Decimal("3.333")),  # more decimals than a score has
        ],
    )
    def test_change_refuses_them(self, measure: Measure, value: Decimal | float) -> None:
        with pytest.raises(ScoreError, match="not a score this measure can give"):
            change(measure, value, measure.min)
        with pytest.raises(ScoreError, match="not a score this measure can give"):
            change(measure, measure.min, value)

    @pytest.mark.parametrize(
        ("measure", "value"),
        [
            (NPRS, 7),
            (NPRS, Decimal("7.0")),
            (LEFS, 40),
            (PSFS, Decimal("3.67")),  # 11/3
            (PSFS, Decimal("5.40")),  # 27/5
            (PSFS, Decimal("2.50")),  # 5/2
        ],
    )
    def test_change_accepts_scores_score_can_give(
        self, measure: Measure, value: Decimal | int
    ) -> None:
        assert change(measure, value, value).absolute == 0

    def test_every_psfs_mean_score_gives_is_accepted(self) -> None:
        for ratings in ([3, 4, 4], [10, 9], [1, 2, 2, 2, 2], [7], [0, 0, 1]):
            value = score(PSFS, ratings)
            assert change(PSFS, value, value).latest == value


class TestMinimalDetectableChange:
    def test_each_nprs_threshold_names_its_source(self) -> None:
        threshold = NPRS.meaningful_change
        assert threshold is not None
        assert threshold.absolute is not None and threshold.absolute.sources == ("ostelo-2008",)
        assert threshold.percent is not None and threshold.percent.sources == ("ostelo-2008",)
        detectable = threshold.minimal_detectable_change
        assert detectable is not None
        assert (detectable.value, detectable.sources) == (2, ("childs-2005",))

    @pytest.mark.parametrize(
        ("baseline", "latest", "meaningful"),
        [
            (3, 2, False),  # 33 %, but 1 point is under the MDC of 2
            (2, 3, False),  # 50 % worse, but 1 point
            (1, 0, False),  # 100 %, but 1 point
            (3, 1, True),  # 2 points: the MDC is reached
            (1, 3, True),
            (10, 8, True),
            (10, 9, False),
        ],
    )
    def test_nprs_changes_under_two_points_are_never_meaningful(
        self, baseline: int, latest: int, meaningful: bool
    ) -> None:
        assert change(NPRS, baseline, latest).meaningful is meaningful

    def test_a_low_baseline_is_not_a_response_or_a_worsening(self) -> None:
        assert not change(NPRS, 3, 2).meaningful_improvement
        assert not change(NPRS, 2, 3).meaningful_worsening

    def test_the_percent_threshold_still_counts_above_the_mdc(self) -> None:
        rule = MeaningfulChange(
            absolute=Threshold(value=Decimal(3), sources=("x",)),
            percent=Threshold(value=Decimal(30), sources=("x",)),
            minimal_detectable_change=Threshold(value=Decimal(2), sources=("x",)),
        )
        measure = NPRS.model_copy(update={"meaningful_change": rule})
        assert change(measure, 6, 4).meaningful  # 2 points, 33 %: percent and MDC reached
        assert not change(measure, 6, 5).meaningful  # 1 point: under the MDC
        assert not change(measure, 10, 8).meaningful  # 2 points, 20 %: neither threshold
        assert change(measure, 10, 7).meaningful  # 3 points: absolute threshold

    def test_lefs_changes_under_nine_points_are_never_meaningful(self) -> None:
        assert not change(LEFS, 10, 18).meaningful
        assert change(LEFS, 10, 19).meaningful
