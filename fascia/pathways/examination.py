"""Checking a physiotherapist's examination against the pathway, and scoring its measures.

`validate_examination` reads what the clinician recorded (`ExaminationInput`): special-test
results per side, range of motion per side, the pain ratings (NPRS now, worst and least in the
last week), sitting tolerance, the LEFS and PSFS when they were done in the clinic, trigger
points by muscle and side, and the working diagnosis. It returns the findings normalised
(`ExaminationFindings`: ids checked, numbers as Decimals, scores computed by `score`) or
raises `ExaminationError` with one `Message` per field it refuses, every field checked.

A field is named by a dotted key, the same whichever form collected it:

    special_tests.<test>.<side>      range_of_motion.<movement>.<side>
    pain.<rating>                    sitting_minutes
    lefs (the whole form), lefs.<item>
    psfs (the whole list), psfs.<n>.name, psfs.<n>.rating   (n counts from 1)
    trigger_points.<muscle>.<side>   diagnosis_code          diagnosis_side

An id the pathway does not know is refused at the key it was given under, such as
`special_tests.cupping` or `trigger_points.deltoid`.

What the examination section of a pathway file does not (yet) say is defined here, each with
its sources: the sides and kinds of trigger points, which coding system a working diagnosis
is taken from and its sides, and which pain ratings are taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from fascia.pathways.measures import Number, Responses, ScoreError, score
from fascia.pathways.messages import Message, Param, message
from fascia.pathways.models import CLINIC_POLICY, Code, Measure, Pathway
from fascia.pathways.rules import to_decimal


@dataclass(frozen=True)
class Allowed:
    """Values a field may take that the pathway file does not define, and where they come from."""

    ids: tuple[str, ...]
    sources: tuple[str, ...]
    note: str = ""


TRIGGER_POINT_SIDES = Allowed(("left", "right"), sources=(CLINIC_POLICY,))
TRIGGER_POINT_KINDS = Allowed(
    ("active", "latent"),
    sources=(CLINIC_POLICY,),
    note=(
        "Active: the patient recognises the pain it gives as their own. Latent: tender, or "
        "giving pain only when pressed."
    ),
)
DIAGNOSIS_SYSTEM = "ICD-10 (WHO)"
"""The coding system working diagnoses are taken from: ICD-10 as the WHO publishes it, which
India uses (clinic policy). Only codes of this system marked confirmed are offered."""
DIAGNOSIS_SIDES = Allowed(
    ("left", "right", "bilateral"),
    sources=(CLINIC_POLICY,),
    note=(
        "WHO ICD-10 codes carry no side, so it is recorded beside the code; the sides are "
        "those ICD-10-CM codes for a lesion of the sciatic nerve (G57.01 to G57.03)."
    ),
)
PAIN_RATINGS = Allowed(
    ("now", "worst_week", "least_week"),
    sources=(CLINIC_POLICY,),
    note="Pain now, and the worst and least in the last week. No order between them is required.",
)

NPRS = "nprs"
SITTING_TOLERANCE = "sitting_tolerance"
LEFS = "lefs"
PSFS = "psfs"
"""The ids of the measures an examination records, as the pathway's `measures` name them."""


@dataclass(frozen=True)
class ExaminationInput:
    """What the clinician recorded. Blank values (None or "") are left out, not refused.

    `special_tests`: test id → side → result. `range_of_motion`: movement id → side →
    degrees. `pain`: pain rating (see `PAIN_RATINGS`) → NPRS rating. `lefs`: LEFS item id →
    rating, when the LEFS was done in the clinic. `psfs`: the activities the patient named,
    in order, as (name, rating). `trigger_points`: muscle id → side → kind.
    """

    special_tests: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    range_of_motion: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    pain: Mapping[str, object] = field(default_factory=dict)
    sitting_minutes: object = None
    lefs: Mapping[str, object] = field(default_factory=dict)
    psfs: Sequence[tuple[str, object]] = ()
    trigger_points: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    diagnosis_code: object = ""
    diagnosis_side: object = ""


@dataclass(frozen=True)
class SpecialTestResult:
    test: str
    side: str
    result: str


@dataclass(frozen=True)
class MovementRange:
    movement: str
    side: str
    degrees: Decimal


@dataclass(frozen=True)
class TriggerPointFinding:
    muscle: str
    side: str
    kind: str


@dataclass(frozen=True)
class Scored:
    """A measure's score, with the ratings it was scored from (item id or activity → rating).

    `qualifier` tells apart several ratings of one measure taken together (`PAIN_RATINGS`).
    """

    measure: str
    value: Decimal
    qualifier: str = ""
    items: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ExaminationFindings:
    """An examination as the engine accepted it, each list in the pathway's order."""

    special_tests: tuple[SpecialTestResult, ...]
    range_of_motion: tuple[MovementRange, ...]
    measures: tuple[Scored, ...]
    trigger_points: tuple[TriggerPointFinding, ...]
    diagnosis_code: str
    diagnosis_side: str


class ExaminationError(ValueError):
    """An examination with fields the engine refuses: `problems` maps each field's key (see
    the module docstring) to its message."""

    def __init__(self, problems: Mapping[str, Message]) -> None:
        super().__init__("; ".join(f"{key}: {said.text}" for key, said in problems.items()))
        self.problems = dict(problems)


def diagnosis_codes(pathway: Pathway) -> tuple[Code, ...]:
    """The codes a working diagnosis may take: the pathway's confirmed `DIAGNOSIS_SYSTEM` codes."""
    return tuple(c for c in pathway.condition_codes if c.system == DIAGNOSIS_SYSTEM and c.confirmed)


def validate_examination(pathway: Pathway, given: ExaminationInput) -> ExaminationFindings:
    """The examination normalised; ExaminationError naming every field it refuses."""
    check = _Check(pathway)
    special_tests = check.special_tests(given.special_tests)
    range_of_motion = check.range_of_motion(given.range_of_motion)
    measures = (
        *check.pain(given.pain),
        *check.sitting(given.sitting_minutes),
        *check.lefs(given.lefs),
        *check.psfs(given.psfs),
    )
    trigger_points = check.trigger_points(given.trigger_points)
    code, side = check.diagnosis(given.diagnosis_code, given.diagnosis_side)
    if check.problems:
        raise ExaminationError(check.problems)
    return ExaminationFindings(
        special_tests,
        range_of_motion,
        measures,
        trigger_points,
        diagnosis_code=code,
        diagnosis_side=side,
    )


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Check:
    """Collects the problems of one examination, field by field (the first problem a field
    has is the one it shows)."""

    def __init__(self, pathway: Pathway) -> None:
        self.pathway = pathway
        self.problems: dict[str, Message] = {}

    def refuse(self, key: str, code: str, /, **params: Param) -> None:
        self.problems.setdefault(key, message(code, **params))

    def refuse_with(self, key: str, said: Message) -> None:
        self.problems.setdefault(key, said)

    def choice(self, key: str, value: object, allowed: Sequence[str]) -> str | None:
        """`value` if it is one of `allowed`; otherwise refused, and None."""
        if isinstance(value, str) and value in allowed:
            return value
        self.refuse(key, "examination.expected-one-of", options=", ".join(allowed), got=repr(value))
        return None

    def known(
        self, section: str, given: Mapping[str, object], ids: Sequence[str], code: str, param: str
    ) -> None:
        """Refuse every id in `given` that is not among `ids` (one the pathway does not know)."""
        for unknown in (i for i in given if i not in ids):
            self.refuse(f"{section}.{unknown}", code, **{param: unknown})

    def sides(
        self, key: str, by_side: Mapping[str, object], sides: Sequence[str]
    ) -> list[tuple[str, str, object]]:
        """(key, side, value) for each side given a value, in `sides` order; other sides refused."""
        for side in by_side:
            if side not in sides:
                self.choice(f"{key}.{side}", side, sides)
        return [
            (f"{key}.{side}", side, by_side[side])
            for side in sides
            if not _blank(by_side.get(side))
        ]

    def measure(self, measure_id: str, key: str) -> Measure | None:
        try:
            return self.pathway.measure(measure_id)
        except KeyError:
            self.refuse(key, "examination.no-such-measure", measure=measure_id)
            return None

    def special_tests(
        self, given: Mapping[str, Mapping[str, object]]
    ) -> tuple[SpecialTestResult, ...]:
        tests = self.pathway.examination.special_tests
        self.known(
            "special_tests", given, [t.id for t in tests], "examination.no-such-test", "test"
        )
        found: list[SpecialTestResult] = []
        for test in tests:
            for key, side, value in self.sides(
                f"special_tests.{test.id}", given.get(test.id, {}), test.sides
            ):
                result = self.choice(key, value, test.results)
                if result is not None:
                    found.append(SpecialTestResult(test.id, side, result))
        return tuple(found)

    def range_of_motion(
        self, given: Mapping[str, Mapping[str, object]]
    ) -> tuple[MovementRange, ...]:
        movements = self.pathway.examination.range_of_motion
        self.known(
            "range_of_motion",
            given,
            [m.id for m in movements],
            "examination.no-such-movement",
            "movement",
        )
        found: list[MovementRange] = []
        for movement in movements:
            for key, side, value in self.sides(
                f"range_of_motion.{movement.id}", given.get(movement.id, {}), movement.sides
            ):
                degrees = self.number(key, value, movement.min, movement.max, movement.unit)
                if degrees is not None:
                    found.append(MovementRange(movement.id, side, degrees))
        return tuple(found)

    def number(
        self, key: str, value: object, low: Decimal, high: Decimal, unit: str
    ) -> Decimal | None:
        """`value` as a Decimal within low..high; otherwise refused, and None."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.refuse(key, "examination.expected-number", got=repr(value))
            return None
        number = to_decimal(value)
        if not number.is_finite():
            self.refuse(key, "examination.expected-number", got=repr(value))
            return None
        if not low <= number <= high:
            span = {"low": str(low), "high": str(high), "unit": unit}
            self.refuse(key, "examination.out-of-range", got=str(number), **span)
            return None
        return number

    def scored(
        self, measure_id: str, key: str, responses: object, qualifier: str = ""
    ) -> Scored | None:
        """The measure scored from `responses` by `score`; a refusal is put at `key`."""
        measure = self.measure(measure_id, key)
        if measure is None:
            return None
        try:
            value = score(measure, cast(Responses, responses))
        except ScoreError as error:
            item = error.message.params.get("item")
            if item is not None and measure.items:
                key = f"{key}.{measure.items[int(item) - 1].id}"
            self.refuse_with(key, error.message)
            return None
        ratings = cast(Mapping[str, Number], responses) if isinstance(responses, Mapping) else {}
        order = [i.id for i in measure.items] or list(ratings)
        items = {k: to_decimal(ratings[k]) for k in order if k in ratings}
        return Scored(measure.id, value, qualifier, items)

    def pain(self, given: Mapping[str, object]) -> tuple[Scored, ...]:
        for rating in given:
            if rating not in PAIN_RATINGS.ids:
                self.refuse(
                    f"pain.{rating}",
                    "examination.no-such-rating",
                    rating=rating,
                    ratings=", ".join(PAIN_RATINGS.ids),
                )
        found = (
            self.scored(NPRS, f"pain.{rating}", given[rating], rating)
            for rating in PAIN_RATINGS.ids
            if not _blank(given.get(rating))
        )
        return tuple(s for s in found if s is not None)

    def sitting(self, minutes: object) -> tuple[Scored, ...]:
        if _blank(minutes):
            return ()
        found = self.scored(SITTING_TOLERANCE, "sitting_minutes", minutes)
        return () if found is None else (found,)

    def lefs(self, given: Mapping[str, object]) -> tuple[Scored, ...]:
        """The LEFS when any item is answered: then every item must be (`score` says so)."""
        answered = {item: rating for item, rating in given.items() if not _blank(rating)}
        if not answered:
            return ()
        found = self.scored(LEFS, "lefs", answered)
        return () if found is None else (found,)

    def psfs(self, given: Sequence[tuple[str, object]]) -> tuple[Scored, ...]:
        """The PSFS from the activities named: each must be named once and rated."""
        rows = [
            (n, name.strip() if isinstance(name, str) else name, rating)
            for n, (name, rating) in enumerate(given, 1)
            if not (_blank(name) and _blank(rating))
        ]
        if not rows:
            return ()
        measure = self.measure(PSFS, "psfs")
        if measure is None:
            return ()
        named: dict[str, object] = {}
        seen: set[str] = set()
        for n, name, rating in rows:
            if not isinstance(name, str) or not name:
                self.refuse(f"psfs.{n}.name", "examination.activity-unnamed")
                continue
            if name in seen:
                self.refuse(f"psfs.{n}.name", "examination.activity-twice", activity_name=name)
                continue
            seen.add(name)
            if _blank(rating):
                self.refuse(
                    f"psfs.{n}.rating",
                    "examination.activity-unrated",
                    activity_name=name,
                    low=str(measure.min),
                    high=str(measure.max),
                )
            elif self.scored(PSFS, f"psfs.{n}.rating", {name: rating}) is not None:
                named[name] = rating
        if len(named) != len(rows):
            return ()
        found = self.scored(PSFS, "psfs", named)
        return () if found is None else (found,)

    def trigger_points(
        self, given: Mapping[str, Mapping[str, object]]
    ) -> tuple[TriggerPointFinding, ...]:
        muscles = self.pathway.session.muscles
        self.known(
            "trigger_points", given, [m.id for m in muscles], "examination.no-such-muscle", "muscle"
        )
        found: list[TriggerPointFinding] = []
        for muscle in muscles:
            for key, side, value in self.sides(
                f"trigger_points.{muscle.id}", given.get(muscle.id, {}), TRIGGER_POINT_SIDES.ids
            ):
                kind = self.choice(key, value, TRIGGER_POINT_KINDS.ids)
                if kind is not None:
                    found.append(TriggerPointFinding(muscle.id, side, kind))
        return tuple(found)

    def diagnosis(self, code: object, side: object) -> tuple[str, str]:
        """The working diagnosis's code and side; a side needs a code."""
        chosen_code = chosen_side = ""
        if not _blank(code):
            offered = [c.code for c in diagnosis_codes(self.pathway)]
            chosen_code = self.choice("diagnosis_code", code, offered) or ""
        if not _blank(side):
            if _blank(code):
                self.refuse("diagnosis_side", "examination.side-without-code")
            else:
                chosen_side = self.choice("diagnosis_side", side, DIAGNOSIS_SIDES.ids) or ""
        return chosen_code, chosen_side
