from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from fascia.pathways import AnswerError, Condition, holds, triage
from fascia.pathways.answers import normalise_answers
from fascia.pathways.rules import questions_in
from fascia.pathways.tests.conftest import NECK, PIRIFORMIS

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def check(written: dict[str, Any], answers: dict[str, Any]) -> bool:
    return holds(CONDITION.validate_python(written), answers)


class TestHolds:
    @pytest.mark.parametrize(
        ("condition", "answers", "expected"),
        [
            ({"answer": "q", "is": True}, {"q": True}, True),
            ({"answer": "q", "is": True}, {"q": False}, False),
            ({"answer": "q", "is": True}, {}, False),
            ({"answer": "q", "is": 1}, {"q": True}, False),
            ({"answer": "q", "is": "left"}, {"q": "left"}, True),
            ({"answer": "q", "in": ["left", "both"]}, {"q": "both"}, True),
            ({"answer": "q", "in": ["left", "both"]}, {"q": "right"}, False),
            ({"answer": "q", "gte": 7}, {"q": Decimal(7)}, True),
            ({"answer": "q", "gt": 7}, {"q": Decimal(7)}, False),
            ({"answer": "q", "lt": 7.5}, {"q": Decimal("7.4")}, True),
            ({"answer": "q", "lte": 7}, {"q": Decimal(8)}, False),
            ({"answer": "q", "gte": 7}, {"q": "7"}, False),
            ({"answer": "q", "includes": "a"}, {"q": frozenset({"a", "b"})}, True),
            ({"answer": "q", "includes": "c"}, {"q": frozenset({"a", "b"})}, False),
            ({"answer": "q", "answered": True}, {"q": dt.date(2026, 1, 1)}, True),
            ({"answer": "q", "answered": False}, {}, True),
            ({"not": {"answer": "q", "is": True}}, {}, True),
            (
                {"all": [{"answer": "a", "is": True}, {"answer": "b", "is": True}]},
                {"a": True},
                False,
            ),
            (
                {"any": [{"answer": "a", "is": True}, {"answer": "b", "is": True}]},
                {"b": True},
                True,
            ),
        ],
    )
    def test_it_evaluates_the_condition_language(
        self, condition: dict[str, Any], answers: dict[str, Any], expected: bool
    ) -> None:
        assert check(condition, answers) is expected

    def test_it_lists_the_questions_a_condition_reads(self) -> None:
        written = {"all": [{"answer": "a", "is": True}, {"not": {"answer": "b", "gte": 1}}]}
        assert questions_in(CONDITION.validate_python(written)) == {"a", "b"}

    @pytest.mark.parametrize(
        "written",
        [
            {"answer": "q"},
            {"answer": "q", "is": True, "gte": 3},
            {"answr": "q", "is": True},
            {"all": []},
            {"answer": "q", "is": True, "extra": 1},
        ],
    )
    def test_it_refuses_malformed_conditions(self, written: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            CONDITION.validate_python(written)


class TestAnswers:
    @pytest.mark.parametrize(
        ("answers", "message"),
        [
            ({"no_such_question": True}, "there is no such question"),
            ({"saddle_numbness": "yes"}, "expected yes or no"),
            ({"age": 130}, "outside the allowed range"),
            ({"age": 40.5}, "expected a whole number"),
            ({"age": True}, "expected a number"),
            ({"age": float("nan")}, "finite"),
            ({"treatments_helped": "magic"}, "expected one of"),
            ({"treatments_tried": "rest"}, "expected a list"),
            ({"treatments_tried": ["rest", "yoga"]}, "unknown option"),
            ({"treatments_tried": ["rest", "rest"]}, "ticked twice"),
            ({"treatments_tried": ["rest", "nothing_yet"]}, "cannot be ticked with other"),
            ({"bleeding_risk_override_reason": 12}, "expected text"),
            ({"bleeding_risk_override_reason": "x" * 2001}, "longer than"),
        ],
    )
    def test_it_refuses_answers_that_do_not_fit_with_a_precise_error(
        self, answers: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(AnswerError, match=message) as error:
            triage(PIRIFORMIS, answers)
        assert error.value.question_id == next(iter(answers))

    def test_it_checks_scale_and_date_answers(self) -> None:
        soreness = [q for q in PIRIFORMIS.follow_up.questions if q.id == "soreness"]
        with pytest.raises(AnswerError, match="outside"):
            normalise_answers(soreness, {"soreness": 11})
        assert normalise_answers(soreness, {"soreness": 3}) == {"soreness": Decimal(3)}

    def test_none_means_not_answered(self) -> None:
        assert normalise_answers(PIRIFORMIS.screening_questions, {"age": None}) == {}

    def test_it_accepts_a_single_choice_from_a_second_pathway(self) -> None:
        valid = normalise_answers(NECK.screening_questions, {"sides": "left"})
        assert valid == {"sides": "left"}
