from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fascia.pathways import (
    AnswerError,
    AnswerValue,
    Question,
    QuestionType,
    Respondent,
    answers_from_form,
    answers_from_json,
    answers_to_form,
    answers_to_json,
)
from fascia.pathways.answers import answer_range
from fascia.pathways.models import Option
from fascia.pathways.rules import to_decimal
from fascia.pathways.tests.conftest import NECK, PIRIFORMIS, clean_answers

FAST = settings(max_examples=40, deadline=None)


def _question(id: str, kind: QuestionType, **fields: Any) -> Question:
    return Question(id=id, type=kind, clinician=id.replace("_", " "), **fields)


def _options(*ids: str, exclusive: str | None = None) -> tuple[Option, ...]:
    plain = tuple(Option(id=i, patient=i) for i in ids)
    return plain + ((Option(id=exclusive, patient=exclusive, exclusive=True),) if exclusive else ())


EVERY_TYPE = (
    _question("smoker", QuestionType.YES_NO),
    _question("side", QuestionType.SINGLE_CHOICE, options=_options("left", "right", "both")),
    _question(
        "tried",
        QuestionType.MULTIPLE_CHOICE,
        options=_options("rest", "stretching", "massage", exclusive="nothing_yet"),
    ),
    _question("age", QuestionType.NUMBER, min=Decimal(0), max=Decimal(120), whole_number=True),
    _question("weight", QuestionType.NUMBER, min=Decimal("0.5"), max=Decimal(500), unit="kg"),
    _question("temperature", QuestionType.NUMBER),
    _question("pain", QuestionType.SCALE_0_10),
    _question("onset", QuestionType.DATE),
    _question("notes", QuestionType.FREE_TEXT),
)

QUESTION_SETS: list[Sequence[Question]] = [
    EVERY_TYPE,
    PIRIFORMIS.screening_questions,
    PIRIFORMIS.follow_up.questions,
    NECK.screening_questions,
]

UNBOUNDED = Decimal(10) ** 9


def answer_values(question: Question) -> st.SearchStrategy[AnswerValue]:
    """Every valid answer to a question, as `normalise_answers` returns it."""
    kind = question.type
    if kind is QuestionType.YES_NO:
        return st.booleans()
    if kind is QuestionType.SINGLE_CHOICE:
        return st.sampled_from(question.option_ids())
    if kind is QuestionType.MULTIPLE_CHOICE:
        plain = [o.id for o in question.options if not o.exclusive]
        alone = [o.id for o in question.options if o.exclusive]
        shapes = [st.sets(st.sampled_from(plain), min_size=1).map(frozenset)] if plain else []
        shapes += [st.sampled_from(alone).map(lambda o: frozenset({o}))] if alone else []
        return st.one_of(shapes)
    if kind in (QuestionType.NUMBER, QuestionType.SCALE_0_10):
        low, high = answer_range(question)
        low = -UNBOUNDED if low is None else low
        high = UNBOUNDED if high is None else high
        whole = st.integers(math.ceil(low), math.floor(high)).map(Decimal)
        if question.whole_number or kind is QuestionType.SCALE_0_10:
            return whole
        places = st.decimals(low, high, places=2, allow_nan=False, allow_infinity=False)
        floats = st.floats(float(low), float(high), allow_nan=False).map(to_decimal)
        return st.one_of(whole, places, floats.filter(lambda d: low <= d <= high))
    if kind is QuestionType.DATE:
        return st.dates()
    return st.text(min_size=1, max_size=300).map(str.strip).filter(bool)


def answer_sets(questions: Sequence[Question]) -> st.SearchStrategy[dict[str, Any]]:
    """Any valid answers to some of these questions."""
    return st.fixed_dictionaries({}, optional={q.id: answer_values(q) for q in questions})


def form_value(question: Question, value: AnswerValue) -> st.SearchStrategy[Any]:
    """The ways an HTML form may post this answer: padded, one string or a list of one."""
    if isinstance(value, frozenset):
        return st.permutations(sorted(value)).map(list)
    if isinstance(value, bool):
        text = st.just("yes" if value else "no")
    elif isinstance(value, Decimal):
        plain = format(value, "f")
        text = st.sampled_from([plain, f" {plain} ", plain + ("0" if "." in plain else ".0")])
    elif isinstance(value, dt.date):
        text = st.just(value.isoformat())
    elif question.type is QuestionType.FREE_TEXT:
        text = st.sampled_from([value, f"  {value}\n"])
    else:
        text = st.just(value)
    return st.one_of(text, text.map(lambda t: [t]))


@st.composite
def posted_forms(draw: st.DrawFn) -> tuple[Sequence[Question], dict[str, Any], dict[str, Any]]:
    """Questions, answers to them, and a form posting those answers (with other fields)."""
    questions = draw(st.sampled_from(QUESTION_SETS))
    answers = draw(answer_sets(questions))
    by_id = {q.id: q for q in questions}
    form = {qid: draw(form_value(by_id[qid], value)) for qid, value in answers.items()}
    blank = [q.id for q in questions if q.id not in answers]
    for qid in draw(st.lists(st.sampled_from(blank), unique=True)) if blank else []:
        form[qid] = draw(st.sampled_from(["", "  ", [], [""]]))
    form["csrfmiddlewaretoken"] = "token"
    return questions, answers, form


def json_values(question: Question) -> st.SearchStrategy[Any]:
    """Every value `answers_to_json` may write for a question, built as JSON directly."""
    kind = question.type
    if kind is QuestionType.MULTIPLE_CHOICE:
        order = question.option_ids()
        return answer_values(question).map(lambda chosen: [o for o in order if o in chosen])
    if kind in (QuestionType.NUMBER, QuestionType.SCALE_0_10):
        low, high = answer_range(question)
        low = -UNBOUNDED if low is None else low
        high = UNBOUNDED if high is None else high
        whole = st.integers(math.ceil(low), math.floor(high))
        if question.whole_number or kind is QuestionType.SCALE_0_10:
            return whole
        fractions = st.floats(float(low), float(high), allow_nan=False).filter(
            lambda f: f != int(f) and low <= to_decimal(f) <= high
        )
        return st.one_of(whole, fractions)
    if kind is QuestionType.DATE:
        return st.dates().map(dt.date.isoformat)
    return answer_values(question)


@st.composite
def stored_answers(draw: st.DrawFn) -> tuple[Sequence[Question], dict[str, Any]]:
    questions = draw(st.sampled_from(QUESTION_SETS))
    values = draw(st.fixed_dictionaries({}, optional={q.id: json_values(q) for q in questions}))
    return questions, {q.id: values[q.id] for q in questions if q.id in values}


class TestCoverage:
    def test_the_properties_cover_every_question_type(self) -> None:
        assert {q.type for q in EVERY_TYPE} == set(QuestionType)


class TestJSONRoundTrip:
    @FAST
    @given(stored_answers())
    def test_json_read_and_written_again_is_unchanged(
        self, case: tuple[Sequence[Question], dict[str, Any]]
    ) -> None:
        questions, stored = case
        assert answers_to_json(questions, answers_from_json(questions, stored)) == stored

    @FAST
    @given(st.data())
    def test_answers_written_as_json_text_read_back_the_same(self, data: st.DataObject) -> None:
        questions = data.draw(st.sampled_from(QUESTION_SETS))
        answers = data.draw(answer_sets(questions))
        text = json.dumps(answers_to_json(questions, answers))
        assert answers_from_json(questions, json.loads(text)) == answers


class TestFormRoundTrip:
    @FAST
    @given(posted_forms())
    def test_a_posted_form_reads_as_its_answers_and_survives_json(
        self, case: tuple[Sequence[Question], dict[str, Any], dict[str, Any]]
    ) -> None:
        questions, answers, form = case
        read = answers_from_form(questions, form)
        assert read == answers
        stored = json.loads(json.dumps(answers_to_json(questions, read)))
        assert answers_from_json(questions, stored) == read

    @FAST
    @given(st.data())
    def test_a_form_filled_from_answers_posts_the_same_answers(self, data: st.DataObject) -> None:
        questions = data.draw(st.sampled_from(QUESTION_SETS))
        answers = data.draw(answer_sets(questions))
        assert answers_from_form(questions, answers_to_form(questions, answers)) == answers


class TestJSONShape:
    def test_a_screening_is_stored_as_plain_json_in_question_order(self) -> None:
        answers = {**clean_answers(), "treatments_tried": ["rest", "stretching"]}
        stored = answers_to_json(PIRIFORMIS.screening_questions, answers)
        order = [q.id for q in PIRIFORMIS.screening_questions if q.id in stored]
        assert list(stored) == order
        assert stored["age"] == 40
        assert stored["buttock_pain"] is True
        assert stored["treatments_tried"] == ["stretching", "rest"]  # the question's order
        assert stored["treatments_helped"] == "no_change"
        assert json.loads(json.dumps(stored)) == stored

    def test_numbers_are_whole_when_they_can_be(self) -> None:
        stored = answers_to_json(EVERY_TYPE, {"age": Decimal("40.0"), "weight": Decimal("72.50")})
        assert stored == {"age": 40, "weight": 72.5}
        assert isinstance(stored["age"], int)

    def test_dates_are_stored_as_year_month_day(self) -> None:
        stored = answers_to_json(EVERY_TYPE, {"onset": dt.date(2025, 3, 7)})
        assert stored == {"onset": "2025-03-07"}
        assert answers_from_json(EVERY_TYPE, stored) == {"onset": dt.date(2025, 3, 7)}

    def test_null_and_unanswered_are_left_out(self) -> None:
        assert answers_to_json(EVERY_TYPE, {"smoker": None, "notes": "   ", "tried": []}) == {}
        assert answers_from_json(EVERY_TYPE, {"smoker": None}) == {}

    def test_an_answer_json_cannot_hold_exactly_is_refused(self) -> None:
        with pytest.raises(AnswerError) as error:
            answers_to_json(EVERY_TYPE, {"weight": Decimal("72.10000000000000000001")})
        assert error.value.message.code == "answer.too-precise"
        with pytest.raises(AnswerError, match="more digits"):
            answers_to_json(EVERY_TYPE, {"temperature": 2**53 + 1})

    @pytest.mark.parametrize(
        ("stored", "code"),
        [
            ({"onset": "7 March 2025"}, "answer.expected-iso-date"),
            ({"onset": "2025-02-30"}, "answer.expected-iso-date"),
            ({"onset": 20250307}, "answer.expected-iso-date"),
            ({"smoker": "yes"}, "answer.expected-yes-no"),
            ({"age": "40"}, "answer.expected-number"),
            ({"tried": "rest"}, "answer.expected-options"),
            ({"nowhere": 1}, "answer.no-such-question"),
        ],
    )
    def test_stored_json_of_the_wrong_shape_is_refused(
        self, stored: dict[str, Any], code: str
    ) -> None:
        with pytest.raises(AnswerError) as error:
            answers_from_json(EVERY_TYPE, stored)
        assert error.value.message.code == code
        assert error.value.question_id == next(iter(stored))


class TestForms:
    def test_it_reads_a_form_as_django_posts_it(self) -> None:
        posted = {
            "csrfmiddlewaretoken": ["abc"],
            "smoker": ["no"],
            "side": ["left"],
            "tried": ["massage", "rest"],
            "age": ["41"],
            "weight": [" 72.5 "],
            "pain": ["3"],
            "onset": ["2025-03-07"],
            "notes": ["  Worse when driving.  "],
        }
        assert answers_from_form(EVERY_TYPE, posted) == {
            "smoker": False,
            "side": "left",
            "tried": frozenset({"massage", "rest"}),
            "age": Decimal(41),
            "weight": Decimal("72.5"),
            "pain": Decimal(3),
            "onset": dt.date(2025, 3, 7),
            "notes": "Worse when driving.",
        }

    def test_blank_and_missing_fields_are_not_answered(self) -> None:
        posted = {"smoker": "", "age": ["  "], "tried": [""], "notes": "\n"}
        assert answers_from_form(EVERY_TYPE, posted) == {}

    @pytest.mark.parametrize(
        ("posted", "code"),
        [
            ({"smoker": "maybe"}, "answer.expected-yes-no"),
            ({"smoker": "True"}, "answer.expected-yes-no"),
            ({"age": "forty"}, "answer.expected-number"),
            ({"weight": "72,5"}, "answer.expected-number"),
            ({"weight": "1e3"}, "answer.expected-number"),
            ({"age": "40.5"}, "answer.expected-whole-number"),
            ({"pain": "11"}, "answer.out-of-range"),
            ({"onset": "07/03/2025"}, "answer.expected-iso-date"),
            ({"side": ["left", "right"]}, "answer.expected-one-value"),
            ({"side": "up"}, "answer.expected-option"),
            ({"tried": ["rest", "nothing_yet"]}, "answer.exclusive-option"),
            ({"tried": ["rest", "rest"]}, "answer.option-twice"),
        ],
    )
    def test_it_refuses_a_value_that_does_not_fit_with_a_code(
        self, posted: dict[str, Any], code: str
    ) -> None:
        with pytest.raises(AnswerError) as error:
            answers_from_form(EVERY_TYPE, posted)
        assert error.value.message.code == code
        assert error.value.question_id == next(iter(posted))

    def test_a_patients_form_cannot_answer_a_clinicians_question(self) -> None:
        posted = {"bleeding_risk": "yes", "bleeding_risk_override_reason": "I am fine"}
        with pytest.raises(AnswerError) as error:
            answers_from_form(PIRIFORMIS.screening_questions, posted, respondent=Respondent.PATIENT)
        assert error.value.message.code == "answer.clinician-only"
        read = answers_from_form(PIRIFORMIS.screening_questions, posted)
        assert read["bleeding_risk_override_reason"] == "I am fine"

    def test_a_form_is_filled_with_strings_and_lists(self) -> None:
        answers = {"smoker": True, "tried": ["rest", "massage"], "temperature": Decimal("1E+2")}
        assert answers_to_form(EVERY_TYPE, answers) == {
            "smoker": "yes",
            "tried": ["rest", "massage"],
            "temperature": "100",
        }
