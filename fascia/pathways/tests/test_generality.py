"""The second pathway (upper trapezius, neck) runs through the same engine unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fascia.pathways import (
    NeedleCounts,
    ResponderStatus,
    ScoreError,
    TriageOutcome,
    change,
    follow_up_outcome,
    progress,
    score,
    triage,
    validate_session,
    visible_questions,
)
from fascia.pathways.tests.conftest import NECK

CLEAN = {
    "neck_pain": True,
    "pain_level": 5,
    "sides": "left",
    "arm_weakness": False,
    "dizzy_turning": False,
    "blood_thinners": False,
    "conditions": ["none"],
}


class TestSecondPathway:
    def test_it_triages_with_its_own_rules(self) -> None:
        assert triage(NECK, CLEAN).outcome is TriageOutcome.SUITABLE
        assert (
            triage(NECK, {**CLEAN, "arm_weakness": True}).outcome
            is TriageOutcome.EMERGENCY_REFERRAL
        )
        assert triage(NECK, {**CLEAN, "pain_level": 9}).outcome is TriageOutcome.CLINICIAN_REVIEW
        lung = triage(NECK, {**CLEAN, "conditions": ["lung_disease"]})
        assert lung.outcome is TriageOutcome.NEEDLING_WITH_PRECAUTIONS

    def test_its_bleeding_override_works_the_same_way(self) -> None:
        blocked = triage(NECK, {**CLEAN, "blood_thinners": True})
        assert blocked.outcome is TriageOutcome.NOT_SUITABLE_FOR_NEEDLING
        overridden = triage(NECK, {**CLEAN, "blood_thinners": True, "override_reason": "ok"})
        assert overridden.outcome is TriageOutcome.NEEDLING_WITH_PRECAUTIONS

    def test_it_shows_questions_by_its_own_conditions(self) -> None:
        assert "pain_level" not in {q.id for q in visible_questions(NECK, {"neck_pain": False})}

    def test_it_scores_its_made_up_measure(self) -> None:
        ndemo = NECK.measure("ndemo")
        assert score(ndemo, {"reading": 2, "driving": 5, "sleeping": 1}) == 8
        with pytest.raises(ScoreError, match="NDEMO is incomplete"):
            score(ndemo, {"reading": 2})
        assert change(ndemo, 12, 9).meaningful_improvement
        assert score(NECK.measure("goals"), [3, 4, 4]) == Decimal("3.7")

    def test_it_reviews_by_its_own_session(self) -> None:
        result = progress(NECK, {1: {"nprs": 5, "ndemo": 10}, 3: {"nprs": 4, "ndemo": 9}})
        assert result.status is ResponderStatus.FLAG_FOR_REVIEW
        assert "NPRS or NDEMO by session 3" in result.flags[0].message.text

    def test_it_uses_its_own_follow_up_outcomes(self) -> None:
        assert follow_up_outcome(NECK, {"breathless": False}).outcome == "fine"
        assert follow_up_outcome(NECK, {"breathless": True}).outcome == "urgent"
        assert follow_up_outcome(NECK, {"breathless": False, "sore": 8}).outcome == "call_back"
        assert follow_up_outcome(NECK, {}).outcome == "call_back"

    def test_it_checks_sessions_against_its_own_protocol(self) -> None:
        done = {"consent": True, "count_in": True, "count_out": True}
        assert validate_session(NECK, done, NeedleCounts(2, 2, {"upper_trapezius": 2})).ok
        result = validate_session(NECK, done, NeedleCounts(2, 2, {"piriformis": 2}))
        assert [p.code for p in result.problems] == ["unknown-muscle"]
