from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fascia.pathways import (
    GroupKind,
    Measure,
    MeasureKind,
    QuestionType,
    TriageOutcome,
    change,
    score,
    score_range,
    triage,
)
from fascia.pathways.tests.conftest import PIRIFORMIS, clean_answers

FAST = settings(max_examples=40, deadline=None)

YES_NO = [q.id for q in PIRIFORMIS.screening_questions if q.type is QuestionType.YES_NO]
RED_FLAGS = [
    q.id for g in PIRIFORMIS.screening if g.kind is GroupKind.RED_FLAGS for q in g.questions
]


@st.composite
def screenings(draw: st.DrawFn) -> dict[str, Any]:
    """Any screening: each yes/no answered yes, no or left out; any age; any conditions."""
    answers = clean_answers()
    for question_id in YES_NO:
        choice = draw(st.sampled_from([True, False, None]))
        if choice is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = choice
    answers["age"] = draw(st.integers(0, 120))
    options = [
        o.id
        for q in PIRIFORMIS.screening_questions
        if q.id == "health_conditions"
        for o in q.options
        if not o.exclusive
    ]
    answers["health_conditions"] = draw(st.lists(st.sampled_from(options), unique=True))
    if draw(st.booleans()):
        answers["bleeding_risk_override_reason"] = "Reason recorded."
    return answers


def rank(outcome: str) -> int:
    return TriageOutcome(outcome).rank


class TestTriageProperties:
    @FAST
    @given(screenings(), st.sampled_from(RED_FLAGS))
    def test_a_yes_to_a_red_flag_never_lowers_the_outcome(
        self, answers: dict[str, Any], flag: str
    ) -> None:
        before = triage(PIRIFORMIS, answers).outcome
        after = triage(PIRIFORMIS, {**answers, flag: True}).outcome
        assert rank(after) >= rank(before)
        assert rank(after) >= TriageOutcome.CLINICIAN_REVIEW.rank

    @FAST
    @given(screenings())
    def test_an_incomplete_screening_is_never_suitable(self, answers: dict[str, Any]) -> None:
        decision = triage(PIRIFORMIS, answers)
        if decision.unanswered:
            assert rank(decision.outcome) >= TriageOutcome.CLINICIAN_REVIEW.rank
        assert decision.outcome == max((f.outcome for f in decision.fired), key=rank)


def ratings(measure: Measure) -> st.SearchStrategy[Any]:
    """Valid responses for a measure, of every shape it accepts."""
    low = int(measure.min)
    high = int(measure.max) if measure.max is not None else 10_000
    one = st.integers(low, high)
    if measure.kind is MeasureKind.ITEM_SUM:
        return st.lists(one, min_size=len(measure.items), max_size=len(measure.items))
    if measure.kind is MeasureKind.ITEM_MEAN:
        chosen = measure.patient_chosen_items
        assert chosen is not None
        return st.lists(one, min_size=chosen.min_count, max_size=chosen.max_count)
    return one


MEASURES = st.sampled_from(PIRIFORMIS.measures)


class TestMeasureProperties:
    @FAST
    @given(st.data())
    def test_scores_always_fall_in_their_range(self, data: st.DataObject) -> None:
        measure = data.draw(MEASURES)
        value = score(measure, data.draw(ratings(measure)))
        low, high = score_range(measure)
        assert low <= value
        assert high is None or value <= high

    @FAST
    @given(st.data())
    def test_change_is_antisymmetric(self, data: st.DataObject) -> None:
        measure = data.draw(MEASURES)
        a = score(measure, data.draw(ratings(measure)))
        b = score(measure, data.draw(ratings(measure)))
        forward, backward = change(measure, a, b), change(measure, b, a)
        assert forward.absolute == -backward.absolute
        assert forward.improvement == -backward.improvement
        assert change(measure, a, a).absolute == Decimal(0)
        assert not change(measure, a, a).meaningful
