from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fascia.pathways import BASELINE, ResponderStatus, ScoreError, change, meaningful_line, progress
from fascia.pathways.tests.conftest import PIRIFORMIS


class TestProgress:
    def test_it_calls_a_meaningful_pain_drop_a_response(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 7, "lefs": 40}, 3: {"nprs": 4}})
        assert result.status is ResponderStatus.RESPONDER
        assert result.changes["nprs"].change.improvement == 3
        assert result.flags == ()

    def test_a_meaningful_lefs_gain_alone_is_enough(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 6, "lefs": 40}, 4: {"nprs": 6, "lefs": 50}})
        assert result.status is ResponderStatus.RESPONDER

    def test_it_waits_before_the_review_session(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 6}, 2: {"nprs": 5}})
        assert result.status is ResponderStatus.NOT_YET
        assert result.flags == ()

    def test_it_flags_no_meaningful_improvement_by_session_four(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 6, "lefs": 40}, 4: {"nprs": 5, "lefs": 45}})
        assert result.status is ResponderStatus.FLAG_FOR_REVIEW
        assert [f.id for f in result.flags] == ["review-no-meaningful-improvement"]
        said = result.flags[0].message
        assert said.code == "progress.review-no-meaningful-improvement"
        assert dict(said.params) == {"measures": "NPRS, LEFS", "by_session": 4}
        assert str(said) == (
            "No meaningful improvement in NPRS or LEFS by session 4: "
            "review the diagnosis and the care plan."
        )
        assert result.flags[0].sources == ("clinic-policy",)

    def test_an_earlier_gain_that_was_lost_is_flagged(self) -> None:
        sessions = {1: {"nprs": 7}, 2: {"nprs": 4}, 4: {"nprs": 6}}
        assert progress(PIRIFORMIS, sessions).status is ResponderStatus.FLAG_FOR_REVIEW

    def test_it_reports_insufficient_data(self) -> None:
        assert progress(PIRIFORMIS, {}).status is ResponderStatus.INSUFFICIENT_DATA
        result = progress(PIRIFORMIS, {1: {"nprs": 6}, 2: {"psfs": 4}})
        assert result.status is ResponderStatus.INSUFFICIENT_DATA
        assert result.flags == ()

    def test_it_flags_missing_measurements_at_the_review_session(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 6}, 4: {"psfs": 4}})
        assert result.status is ResponderStatus.INSUFFICIENT_DATA
        assert [f.id for f in result.flags] == ["review-missing-measurements"]

    def test_it_flags_a_meaningful_worsening(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 3, "lefs": 60}, 2: {"nprs": 6, "lefs": 60}})
        assert [f.id for f in result.flags] == ["review-worsening-nprs"]
        assert str(result.flags[0].message) == (
            "NPRS is meaningfully worse than at session 1 (3 → 6): review the care plan."
        )

    def test_the_baseline_is_the_first_session_with_that_measure(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 7}, 2: {"lefs": 30}, 5: {"lefs": 50}})
        assert result.changes["lefs"].baseline_session == 2
        assert result.changes["lefs"].latest_session == 5
        assert result.latest_session == 5
        assert "nprs" not in result.changes

    def test_it_reports_change_for_measures_outside_the_rule(self) -> None:
        result = progress(PIRIFORMIS, {1: {"psfs": 3, "groc": 0}, 2: {"psfs": 6, "groc": 4}})
        assert result.changes["psfs"].change.meaningful_improvement
        assert not result.changes["groc"].change.meaningful

    @pytest.mark.parametrize(
        ("sessions", "message"),
        [
            ({-1: {"nprs": 5}}, "session numbers are whole numbers from 0"),
            ({1: {"odi": 20}}, "no measure 'odi'"),
            ({1: {"nprs": 11}}, "NPRS at session 1: 11 is outside"),
            ({1: {"lefs": 81}}, "LEFS at session 1: 81 is outside"),
        ],
    )
    def test_it_refuses_bad_input(self, sessions: dict[int, dict[str, int]], message: str) -> None:
        with pytest.raises(ScoreError, match=message):
            progress(PIRIFORMIS, sessions)


class TestProgressRefusesImpossibleScores:
    @pytest.mark.parametrize(
        ("sessions", "message"),
        [
            ({1: {"nprs": 7.5}, 4: {"nprs": 5}}, "NPRS at session 1: 7.5 is not a score"),
            ({1: {"nprs": 7}, 4: {"nprs": 5.5}}, "NPRS at session 4: 5.5 is not a score"),
            ({1: {"lefs": 40.5}, 4: {"lefs": 50}}, "LEFS at session 1: 40.5 is not a score"),
        ],
    )
    def test_a_value_score_would_refuse_never_decides_a_response(
        self, sessions: dict[int, dict[str, float]], message: str
    ) -> None:
        with pytest.raises(ScoreError, match=message):
            progress(PIRIFORMIS, sessions)

    def test_a_small_change_from_a_low_baseline_is_not_a_response(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 3, "lefs": 70}, 4: {"nprs": 2, "lefs": 72}})
        assert result.status is ResponderStatus.FLAG_FOR_REVIEW
        assert not result.changes["nprs"].change.meaningful

    def test_a_small_rise_from_a_low_baseline_is_not_flagged_as_worse(self) -> None:
        result = progress(PIRIFORMIS, {1: {"nprs": 2}, 2: {"nprs": 3}})
        assert result.flags == ()


class TestTheBaselineIsSessionZero:
    def test_the_assessment_is_the_baseline_of_every_measure(self) -> None:
        result = progress(PIRIFORMIS, {BASELINE: {"nprs": 7, "lefs": 40}, 3: {"nprs": 4}})
        assert result.status is ResponderStatus.RESPONDER
        assert result.changes["nprs"].baseline_session == 0
        assert "lefs" not in result.changes

    def test_the_baseline_alone_is_not_enough_to_judge(self) -> None:
        result = progress(PIRIFORMIS, {BASELINE: {"nprs": 6, "lefs": 40}})
        assert result.status is ResponderStatus.INSUFFICIENT_DATA
        assert result.latest_session == 0
        assert result.flags == ()

    def test_session_three_is_before_the_review_point(self) -> None:
        result = progress(PIRIFORMIS, {0: {"nprs": 6}, 1: {"nprs": 6}, 3: {"nprs": 5}})
        assert result.status is ResponderStatus.NOT_YET
        assert result.flags == ()

    def test_session_four_without_a_meaningful_improvement_is_flagged(self) -> None:
        result = progress(PIRIFORMIS, {0: {"nprs": 6}, 1: {"nprs": 6}, 4: {"nprs": 5}})
        assert result.status is ResponderStatus.FLAG_FOR_REVIEW
        assert [f.id for f in result.flags] == ["review-no-meaningful-improvement"]

    def test_a_worsening_names_the_baseline(self) -> None:
        result = progress(PIRIFORMIS, {0: {"nprs": 3}, 2: {"nprs": 6}})
        assert str(result.flags[0].message) == (
            "NPRS is meaningfully worse than at the baseline (3 → 6): review the care plan."
        )

    def test_a_refused_baseline_score_says_so(self) -> None:
        with pytest.raises(ScoreError, match="NPRS at the baseline: 11 is outside"):
            progress(PIRIFORMIS, {0: {"nprs": 11}})


NPRS, LEFS, PSFS, GROC = (PIRIFORMIS.measure(m) for m in ("nprs", "lefs", "psfs", "groc"))


class TestMeaningfulLine:
    def test_pain_must_fall_by_the_smaller_threshold_and_never_less_than_two(self) -> None:
        assert meaningful_line(NPRS, 8) == Decimal(6)
        assert meaningful_line(NPRS, 6) == Decimal(4)
        assert meaningful_line(NPRS, 5) == Decimal(3)

    def test_the_lefs_must_rise_nine_points(self) -> None:
        assert meaningful_line(LEFS, 40) == Decimal(49)

    def test_there_is_no_line_beyond_the_scale_or_without_a_threshold(self) -> None:
        assert meaningful_line(NPRS, 1) is None
        assert meaningful_line(LEFS, 75) is None
        assert meaningful_line(GROC, 0) is None

    @given(st.integers(min_value=0, max_value=10))
    def test_reaching_the_line_is_a_meaningful_improvement_and_short_of_it_is_not(
        self, baseline: int
    ) -> None:
        line = meaningful_line(NPRS, baseline)
        if line is None:
            assert all(
                not change(NPRS, baseline, later).meaningful_improvement for later in range(0, 11)
            )
            return
        for later in range(0, 11):
            assert change(NPRS, baseline, later).meaningful_improvement == (later <= line)

    @given(st.integers(min_value=0, max_value=80))
    def test_the_lefs_line_is_where_improvement_becomes_meaningful(self, baseline: int) -> None:
        line = meaningful_line(LEFS, baseline)
        for later in range(baseline, 81):
            meaningful = change(LEFS, baseline, later).meaningful_improvement
            assert meaningful == (line is not None and later >= line)
