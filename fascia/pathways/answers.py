"""Checking answers against their questions, and working out which questions are shown.

Answer types, as callers pass them:

    yes_no           bool (True = yes)
    single_choice    str, an option id
    multiple_choice  a list, tuple, set or frozenset of option ids; an empty one counts as
                     not answered, since ticking nothing is not a clear "none of these"
                     (questions offer an exclusive option such as `none_of_these` for that)
    number           int, float or Decimal within the question's min..max
    scale_0_10       int from 0 to 10
    date             datetime.date (not a datetime)
    free_text        str; blank text counts as not answered

`None` means "not answered". Anything else raises `AnswerError` naming the question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from fascia.pathways.models import Question, QuestionType, Respondent
from fascia.pathways.rules import AnswerValue, holds, to_decimal

FREE_TEXT_MAX_LENGTH = 2000


class AnswerError(ValueError):
    """An answer that does not fit its question (or names no question)."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(f"{question_id}: {message}")
        self.question_id = question_id


def normalise_answers(
    questions: Sequence[Question],
    answers: Mapping[str, object],
    *,
    respondent: Respondent = Respondent.CLINICIAN,
) -> dict[str, AnswerValue]:
    """Validated answers keyed by question id, leaving out the unanswered ones.

    With `respondent=PATIENT`, an answer to a question only a clinician may answer
    (such as a clinician's override) is refused.
    """
    by_id = {q.id: q for q in questions}
    valid: dict[str, AnswerValue] = {}
    for question_id, raw in answers.items():
        question = by_id.get(question_id)
        if question is None:
            raise AnswerError(question_id, "there is no such question")
        if raw is None:
            continue
        if respondent is Respondent.PATIENT and question.answered_by is Respondent.CLINICIAN:
            raise AnswerError(question_id, "only a clinician may answer this question")
        value = _validate(question, raw)
        if value is not None:
            valid[question_id] = value
    return valid


def shown(
    questions: Iterable[Question], answers: Mapping[str, AnswerValue]
) -> tuple[list[Question], dict[str, AnswerValue]]:
    """The questions shown for these answers, and the answers that still count.

    Questions are read in order. A question is shown when its `show_when` holds for
    the answers kept so far. An answer to a question that is not shown (say the
    patient changed an earlier answer) is stale and is dropped.
    """
    visible: list[Question] = []
    kept: dict[str, AnswerValue] = {}
    for question in questions:
        if question.show_when is None or holds(question.show_when, kept):
            visible.append(question)
            if question.id in answers:
                kept[question.id] = answers[question.id]
    return visible, kept


def _validate(question: Question, raw: object) -> AnswerValue | None:
    kind = question.type
    if kind is QuestionType.YES_NO:
        if not isinstance(raw, bool):
            raise AnswerError(question.id, f"expected yes or no (True/False), got {raw!r}")
        return raw
    if kind is QuestionType.SINGLE_CHOICE:
        if not isinstance(raw, str) or raw not in question.option_ids():
            raise AnswerError(question.id, f"expected one of {_options(question)}, got {raw!r}")
        return raw
    if kind is QuestionType.MULTIPLE_CHOICE:
        return _multiple(question, raw)
    if kind in (QuestionType.NUMBER, QuestionType.SCALE_0_10):
        return _number(question, raw)
    if kind is QuestionType.DATE:
        if isinstance(raw, dt.datetime) or not isinstance(raw, dt.date):
            raise AnswerError(question.id, f"expected a date, got {raw!r}")
        return raw
    if not isinstance(raw, str):
        raise AnswerError(question.id, f"expected text, got {raw!r}")
    text = raw.strip()
    if len(text) > FREE_TEXT_MAX_LENGTH:
        raise AnswerError(question.id, f"text is longer than {FREE_TEXT_MAX_LENGTH} characters")
    return text or None


def _multiple(question: Question, raw: object) -> frozenset[str] | None:
    if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
        raise AnswerError(question.id, f"expected a list of options, got {raw!r}")
    chosen = list(raw)
    unknown = [c for c in chosen if c not in question.option_ids()]
    if unknown:
        raise AnswerError(
            question.id, f"unknown option(s) {unknown!r}; expected some of {_options(question)}"
        )
    if len(set(chosen)) != len(chosen):
        raise AnswerError(question.id, "an option is ticked twice")
    exclusive = [o.id for o in question.options if o.exclusive and o.id in chosen]
    if exclusive and len(chosen) > 1:
        raise AnswerError(question.id, f"'{exclusive[0]}' cannot be ticked with other options")
    return frozenset(str(c) for c in chosen) or None


def _number(question: Question, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise AnswerError(question.id, f"expected a number, got {raw!r}")
    value = to_decimal(raw)
    if not value.is_finite():
        raise AnswerError(question.id, f"expected a finite number, got {raw!r}")
    low, high = answer_range(question)
    whole = question.whole_number or question.type is QuestionType.SCALE_0_10
    if whole and value != value.to_integral_value():
        raise AnswerError(question.id, f"expected a whole number, got {raw!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        unit = f" {question.unit}" if question.unit else ""
        raise AnswerError(
            question.id, f"{raw!r} is outside the allowed range {_fmt(low)} to {_fmt(high)}{unit}"
        )
    return value


def answer_range(question: Question) -> tuple[Decimal | None, Decimal | None]:
    """The allowed range of a numeric question (a 0 to 10 scale is always 0..10)."""
    if question.type is QuestionType.SCALE_0_10:
        return Decimal(0), Decimal(10)
    return question.min, question.max


def _options(question: Question) -> str:
    return ", ".join(question.option_ids())


def _fmt(value: Decimal | None) -> str:
    return "…" if value is None else str(value)
