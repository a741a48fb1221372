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

Answers are stored as JSON (`answers_to_json`, `answers_from_json`) and read from an
HTML form's values (`answers_from_form`, `answers_to_form`): see `JSONAnswer` and
`FormValue` for the shapes. Every conversion validates, so what comes out is checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from fascia.pathways.messages import Message, message
from fascia.pathways.models import Question, QuestionType, Respondent
from fascia.pathways.rules import AnswerValue, holds, to_decimal

FREE_TEXT_MAX_LENGTH = 2000


class AnswerError(ValueError):
    """An answer that does not fit its question (or names no question).

    `message` says why, as a code with params and the English text.
    """

    def __init__(self, question_id: str, message: Message) -> None:
        super().__init__(f"{question_id}: {message.text}")
        self.question_id = question_id
        self.message = message


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
            raise AnswerError(question_id, message("answer.no-such-question"))
        if raw is None:
            continue
        if respondent is Respondent.PATIENT and question.answered_by is Respondent.CLINICIAN:
            raise AnswerError(question_id, message("answer.clinician-only"))
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


JSONAnswer = bool | int | float | str | list[str]
"""A stored answer: yes/no a bool, a choice an option id, a multiple choice a list of option
ids in the question's order, a number an int (when whole) or a float, a date "YYYY-MM-DD",
free text a str."""

FormValue = str | Sequence[str]
"""What an HTML form posts for a field: one string, or a list of them (`QueryDict.lists()`)."""

_FORM_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EXACT_INTEGERS = 2**53  # beyond this a double does not hold every whole number


def answers_to_json(
    questions: Sequence[Question], answers: Mapping[str, object]
) -> dict[str, JSONAnswer]:
    """The answers as JSON values keyed by question id, in question order; unanswered left out.

    The answers are validated first, so anything `normalise_answers` refuses is refused.
    """
    valid = normalise_answers(questions, answers)
    return {q.id: _to_json(q, valid[q.id]) for q in questions if q.id in valid}


def answers_from_json(
    questions: Sequence[Question], data: Mapping[str, object]
) -> dict[str, AnswerValue]:
    """Validated answers from JSON values as `answers_to_json` writes them (null = unanswered)."""
    by_id = {q.id: q for q in questions}
    raw: dict[str, object] = {}
    for question_id, value in data.items():
        question = by_id.get(question_id)
        if question is not None and question.type is QuestionType.DATE and value is not None:
            value = _parse_date(question, value)
        raw[question_id] = value
    return normalise_answers(questions, raw)


def answers_from_form(
    questions: Sequence[Question],
    form: Mapping[str, FormValue],
    *,
    respondent: Respondent = Respondent.CLINICIAN,
) -> dict[str, AnswerValue]:
    """Validated answers from an HTML form's values, such as `dict(request.POST.lists())`.

    A field is named by its question's id; other fields (a CSRF token, a button) are
    ignored. Yes/no is posted as "yes" or "no", a number as digits with an optional
    decimal point, a date as "YYYY-MM-DD"; a multiple choice posts one value per ticked
    option. A missing or blank field is not answered.
    """
    raw = {q.id: _from_form(q, form[q.id]) for q in questions if q.id in form}
    return normalise_answers(questions, raw, respondent=respondent)


def answers_to_form(
    questions: Sequence[Question], answers: Mapping[str, object]
) -> dict[str, str | list[str]]:
    """The form values that `answers_from_form` reads back as these answers (to fill a form)."""
    valid = normalise_answers(questions, answers)
    form: dict[str, str | list[str]] = {}
    for question in questions:
        value = valid.get(question.id)
        if value is None:
            continue
        if isinstance(value, bool):
            form[question.id] = "yes" if value else "no"
        elif isinstance(value, Decimal):
            form[question.id] = format(value, "f")
        elif isinstance(value, frozenset):
            form[question.id] = [o for o in question.option_ids() if o in value]
        elif isinstance(value, dt.date):
            form[question.id] = value.isoformat()
        else:
            form[question.id] = value
    return form


def _to_json(question: Question, value: AnswerValue) -> JSONAnswer:
    if isinstance(value, frozenset):
        return [o for o in question.option_ids() if o in value]
    if isinstance(value, Decimal):
        whole = value == value.to_integral_value() and abs(value) <= _EXACT_INTEGERS
        return int(value) if whole else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _from_form(question: Question, value: FormValue) -> object:
    values = [value] if isinstance(value, str) else list(value)
    values = [v for v in values if v.strip()]
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return values
    if not values:
        return None
    if len(values) > 1:
        raise AnswerError(question.id, message("answer.expected-one-value", count=len(values)))
    text = values[0].strip()
    kind = question.type
    if kind is QuestionType.YES_NO:
        if text not in ("yes", "no"):
            raise AnswerError(question.id, message("answer.expected-yes-no", got=repr(text)))
        return text == "yes"
    if kind in (QuestionType.NUMBER, QuestionType.SCALE_0_10):
        if not _FORM_NUMBER.fullmatch(text):
            raise AnswerError(question.id, message("answer.expected-number", got=repr(text)))
        return Decimal(text)
    if kind is QuestionType.DATE:
        return _parse_date(question, text)
    return values[0] if kind is QuestionType.FREE_TEXT else text


def _parse_date(question: Question, value: object) -> dt.date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise AnswerError(question.id, message("answer.expected-iso-date", got=repr(value)))


def _validate(question: Question, raw: object) -> AnswerValue | None:
    kind = question.type
    if kind is QuestionType.YES_NO:
        if not isinstance(raw, bool):
            raise AnswerError(question.id, message("answer.expected-yes-no", got=repr(raw)))
        return raw
    if kind is QuestionType.SINGLE_CHOICE:
        if not isinstance(raw, str) or raw not in question.option_ids():
            raise AnswerError(
                question.id,
                message("answer.expected-option", options=_options(question), got=repr(raw)),
            )
        return raw
    if kind is QuestionType.MULTIPLE_CHOICE:
        return _multiple(question, raw)
    if kind in (QuestionType.NUMBER, QuestionType.SCALE_0_10):
        return _number(question, raw)
    if kind is QuestionType.DATE:
        if isinstance(raw, dt.datetime) or not isinstance(raw, dt.date):
            raise AnswerError(question.id, message("answer.expected-date", got=repr(raw)))
        return raw
    if not isinstance(raw, str):
        raise AnswerError(question.id, message("answer.expected-text", got=repr(raw)))
    text = raw.strip()
    if len(text) > FREE_TEXT_MAX_LENGTH:
        raise AnswerError(
            question.id, message("answer.text-too-long", max_length=FREE_TEXT_MAX_LENGTH)
        )
    return text or None


def _multiple(question: Question, raw: object) -> frozenset[str] | None:
    if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
        raise AnswerError(question.id, message("answer.expected-options", got=repr(raw)))
    chosen = list(raw)
    unknown = [c for c in chosen if c not in question.option_ids()]
    if unknown:
        raise AnswerError(
            question.id,
            message("answer.unknown-options", unknown=repr(unknown), options=_options(question)),
        )
    if len(set(chosen)) != len(chosen):
        raise AnswerError(question.id, message("answer.option-twice"))
    exclusive = [o.id for o in question.options if o.exclusive and o.id in chosen]
    if exclusive and len(chosen) > 1:
        raise AnswerError(question.id, message("answer.exclusive-option", option=exclusive[0]))
    return frozenset(str(c) for c in chosen) or None


def _number(question: Question, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise AnswerError(question.id, message("answer.expected-number", got=repr(raw)))
    value = to_decimal(raw)
    if not value.is_finite():
        raise AnswerError(question.id, message("answer.expected-finite-number", got=repr(raw)))
    if to_decimal(float(value)) != value:
        # Answers are stored as JSON numbers, which most readers hold as doubles.
        raise AnswerError(question.id, message("answer.too-precise", got=repr(raw)))
    low, high = answer_range(question)
    whole = question.whole_number or question.type is QuestionType.SCALE_0_10
    if whole and value != value.to_integral_value():
        raise AnswerError(question.id, message("answer.expected-whole-number", got=repr(raw)))
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerError(
            question.id,
            message(
                "answer.out-of-range",
                got=repr(raw),
                low=_fmt(low),
                high=_fmt(high),
                unit=question.unit or "",
            ),
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
