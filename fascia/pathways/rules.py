"""The condition language used by pathway files, and `holds`, which evaluates it.

A condition is one of four small shapes, written in YAML:

    {all: [c1, c2, ...]}          every condition holds
    {any: [c1, c2, ...]}          at least one condition holds
    {not: c}                      the condition does not hold
    {answer: q, <test>: value}    a test on the answer to question q

The answer tests are `is` (equal), `in` (one of a list), `gte` / `gt` / `lte` / `lt`
(numbers), `includes` (an option ticked in a multiple-choice answer) and
`answered` (true or false). There is no `eval` and no Python in the data.

An unanswered question makes every test false except `answered: false`. So
`{answer: q, is: yes}` does not hold while q is unanswered, and
`{not: {answer: q, is: yes}}` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

AnswerValue = bool | Decimal | str | dt.date | frozenset[str]
"""A validated answer: yes/no is a bool, numbers are Decimals, a multiple choice is a frozenset."""

Scalar = bool | int | float | str
"""A value written in a rule: `yes`/`no` (YAML booleans), a number or an option id."""

TESTS = ("is", "in", "gte", "gt", "lte", "lt", "includes", "answered")
COMPARISONS = ("gte", "gt", "lte", "lt")

# Tags that pydantic puts into error locations for the union below. They are
# capitalised so they never clash with a key written in a pathway file.
CONDITION_TAGS = frozenset({"All", "Any", "Not", "Answer"})


class _Node(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_alias=True, validate_by_name=True
    )


class AllOf(_Node):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Node):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotOf(_Node):
    not_: Condition = Field(alias="not")


class AnswerTest(_Node):
    answer: str = Field(min_length=1)
    is_: Scalar | None = Field(default=None, alias="is")
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in", min_length=1)
    gte: int | float | None = None
    gt: int | float | None = None
    lte: int | float | None = None
    lt: int | float | None = None
    includes: str | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> AnswerTest:
        given = self.tests_given()
        if len(given) != 1:
            found = ", ".join(given) or "none"
            raise ValueError(f"give exactly one test ({', '.join(TESTS)}); found: {found}")
        if self.value is None:
            raise ValueError(f"the test '{given[0]}' needs a value")
        return self

    def tests_given(self) -> list[str]:
        """The names of the tests written in this condition, as in the file."""
        names = {"is_": "is", "in_": "in"}
        return [names.get(f, f) for f in self.model_fields_set if names.get(f, f) in TESTS]

    @property
    def test(self) -> str:
        return self.tests_given()[0]

    @property
    def value(self) -> Any:
        name = self.test
        return getattr(self, {"is": "is_", "in": "in_"}.get(name, name))


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, AllOf):
        return "All"
    if isinstance(value, AnyOf):
        return "Any"
    if isinstance(value, NotOf):
        return "Not"
    if isinstance(value, AnswerTest):
        return "Answer"
    if isinstance(value, Mapping):
        for key, tag in (("all", "All"), ("any", "Any"), ("not", "Not"), ("answer", "Answer")):
            if key in value:
                return tag
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("All")]
    | Annotated[AnyOf, Tag("Any")]
    | Annotated[NotOf, Tag("Not")]
    | Annotated[AnswerTest, Tag("Answer")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys: all, any, not, answer",
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


def holds(condition: Condition, answers: Mapping[str, AnswerValue]) -> bool:
    """Whether the condition holds for these validated answers."""
    if isinstance(condition, AllOf):
        return all(holds(c, answers) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(c, answers) for c in condition.any)
    if isinstance(condition, NotOf):
        return not holds(condition.not_, answers)
    return _test_holds(condition, answers.get(condition.answer))


def _test_holds(test: AnswerTest, value: AnswerValue | None) -> bool:
    name = test.test
    if name == "answered":
        return (value is not None) == test.answered
    if value is None:
        return False
    if name == "is":
        return same_value(value, test.value)
    if name == "in":
        return any(same_value(value, v) for v in test.value)
    if name == "includes":
        return isinstance(value, frozenset) and test.value in value
    number = _as_number(value)
    if number is None:
        return False
    limit = to_decimal(test.value)
    return {
        "gte": number >= limit,
        "gt": number > limit,
        "lte": number <= limit,
        "lt": number < limit,
    }[name]


def same_value(answer: AnswerValue, written: Scalar) -> bool:
    """Compare an answer with a value written in a rule, never mixing yes/no with numbers."""
    if isinstance(answer, bool) or isinstance(written, bool):
        return isinstance(answer, bool) and isinstance(written, bool) and answer == written
    if isinstance(answer, Decimal):
        return not isinstance(written, str) and answer == to_decimal(written)
    if isinstance(answer, str):
        return answer == written
    return False


def to_decimal(value: int | float | Decimal) -> Decimal:
    """An exact Decimal for a number written in a file or given by a caller."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _as_number(value: AnswerValue) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def answer_tests(condition: Condition, path: str = "") -> Iterator[tuple[str, AnswerTest]]:
    """Every answer test inside a condition, with its path in file notation."""
    if isinstance(condition, AllOf):
        for i, c in enumerate(condition.all):
            yield from answer_tests(c, f"{path}.all[{i}]")
    elif isinstance(condition, AnyOf):
        for i, c in enumerate(condition.any):
            yield from answer_tests(c, f"{path}.any[{i}]")
    elif isinstance(condition, NotOf):
        yield from answer_tests(condition.not_, f"{path}.not")
    else:
        yield path, condition


def questions_in(condition: Condition) -> set[str]:
    """The ids of the questions a condition reads."""
    return {test.answer for _, test in answer_tests(condition)}
