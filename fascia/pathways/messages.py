"""What the engine says, as codes with parameters plus the English text.

Every message the engine returns (a session problem, a refused answer) is a
`Message`: a stable `code`, the `params` it was made with, and its English
`text`. The English texts live in `ENGLISH`, one entry per code, so this file is
the whole list a translator works from. Another language is another catalogue
with the same codes, passed to `render`; the engine does not change.

Texts written in a pathway file (a triage rule's patient and staff messages, what
a finding that points elsewhere tells the clinician) are Messages too, with the
English text from the file and a code naming where it is written, such as
`triage.rf-cauda-equina.patient_message` or `fit.fit-pain-reaches-foot.clinician`.
Their translations belong to that pathway file (its id and version), not to this
catalogue.

Params are values, not English: numbers, ids, what the user gave (`got`, as
`repr` shows it), a measure's abbreviation, and lists joined with ", ". Texts from
the pathway file that a message quotes (a measure's unit, an item's wording) are
params too. A score problem names what was scored (see `_scored`): the measure,
and an `item` with its `wording`, an `activity` (its position) or `activity_name`,
a `session`, or `which` score (`baseline`, `latest` or `score`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

Param = str | int | float
Params = Mapping[str, Param]
Template = str | Callable[[Params], str]
"""A `str.format` template over the params, or a function of the params (for plurals)."""


@dataclass(frozen=True)
class Message:
    """A message by code and parameters, with its English text."""

    code: str
    params: Params
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items())), self.text))

    def __str__(self) -> str:
        return self.text


def _needles_missing(params: Params) -> str:
    counted_in, counted_out = params["counted_in"], params["counted_out"]
    missing = int(counted_in) - int(counted_out)
    return (
        f"{counted_in} needles were counted in but only {counted_out} counted out: "
        f"{missing} needle{'s' if missing != 1 else ''} may still be in the patient. "
        "Check the patient, the couch and the floor before the patient leaves, "
        "and record what you find."
    )


def _out_of_range(params: Params) -> str:
    unit = f" {params['unit']}" if params.get("unit") else ""
    return f"{params['got']} is outside the allowed range {params['low']} to {params['high']}{unit}"


def _scored(params: Params) -> str:
    """What a score problem is about, such as "LEFS item 3 (Getting into or out of the bath)"."""
    measure = params["measure"]
    if "item" in params:
        return f"{measure} item {params['item']} ({params['wording']})"
    if "activity" in params:
        return f"{measure} activity {params['activity']}"
    if "activity_name" in params:
        return f"{measure} activity '{params['activity_name']}'"
    if "session" in params:
        return f"{measure} at {_session(params['session'])}"
    if "which" in params:
        return f"{measure} {params['which']}"
    return f"{measure}"


def _session(number: Param) -> str:
    """A session by number, session 0 being the baseline before treatment."""
    return "the baseline" if number == 0 else f"session {number}"


def _unit(params: Params) -> str:
    return f" {params['unit']}" if params.get("unit") else ""


def _or(names: Param) -> str:
    """A list param ("NPRS, LEFS") as English alternatives ("NPRS or LEFS")."""
    return " or ".join(str(names).split(", "))


def _score_outside(params: Params) -> str:
    if "high" in params:
        span = f"the range {params['low']} to {params['high']}{_unit(params)}"
    else:
        span = f"the range from {params['low']}{_unit(params)} up"
    return f"{_scored(params)}: {params['got']} is outside {span}"


ENGLISH: Mapping[str, Template] = {
    # Answers that do not fit their question (AnswerError).
    "answer.no-such-question": "there is no such question",
    "answer.no-such-check": "there is no such follow-up check",
    "answer.clinician-only": "only a clinician may answer this question",
    "answer.expected-yes-no": "expected yes or no, got {got}",
    "answer.expected-option": "expected one of {options}, got {got}",
    "answer.expected-options": "expected a list of options, got {got}",
    "answer.unknown-options": "unknown option(s) {unknown}; expected some of {options}",
    "answer.option-twice": "an option is ticked twice",
    "answer.exclusive-option": "'{option}' cannot be ticked with other options",
    "answer.expected-number": "expected a number, got {got}",
    "answer.expected-finite-number": "expected a finite number, got {got}",
    "answer.expected-whole-number": "expected a whole number, got {got}",
    "answer.too-precise": "{got} has more digits than can be stored",
    "answer.out-of-range": _out_of_range,
    "answer.expected-date": "expected a date, got {got}",
    "answer.expected-iso-date": "expected a date written as YYYY-MM-DD, got {got}",
    "answer.expected-text": "expected text, got {got}",
    "answer.text-too-long": "text is longer than {max_length} characters",
    "answer.expected-one-value": "expected one value, got {count}",
    # A dry-needling session record (SessionProblem).
    "session.unknown-step": "'{step}' is not a step of this protocol.",
    "session.not-yes-or-no": "'{step}' must be recorded as done or not done.",
    "session.required-step-missing": "Required step not done: {title}.",
    "session.bad-count-in": "Needles counted in must be a whole number of 0 or more.",
    "session.bad-count-out": "Needles counted out must be a whole number of 0 or more.",
    "session.bad-muscle-count": "Needles in '{muscle}' must be a whole number of 0 or more.",
    "session.needles-missing": _needles_missing,
    "session.needles-extra": (
        "{counted_out} needles were counted out but only {counted_in} counted in: "
        "the count is wrong. Recount, check the patient, and correct the record."
    ),
    "session.unknown-muscle": "'{muscle}' is not a muscle this pathway allows needling.",
    "session.muscle-total-mismatch": (
        "Needles recorded per muscle add up to {total}, but {counted_in} were counted in. "
        "Correct the record."
    ),
    # Scores that cannot be scored or compared (ScoreError).
    "score.expected-one-number": "{measure}: expected one number, got {got}",
    "score.expected-item-ratings": "{measure}: expected item ratings, got {got}",
    "score.expected-activity-ratings": "{measure}: expected activity ratings, got {got}",
    "score.unknown-items": "{measure}: unknown item(s) {unknown}",
    "score.too-many-ratings": "{measure}: {count} ratings given for {items} items",
    "score.incomplete": (
        "{measure} is incomplete: item(s) {missing} not answered. "
        "A form with missing items is not scored."
    ),
    "score.no-chosen-items": "{measure}: the pathway defines no patient-chosen items",
    "score.activity-count": "{measure}: rate {min_count} to {max_count} activities; got {count}",
    "score.expected-number": lambda p: f"{_scored(p)}: expected a number, got {p['got']}",
    "score.expected-finite-number": lambda p: (
        f"{_scored(p)}: expected a finite number, got {p['got']}"
    ),
    "score.expected-whole-number": lambda p: (
        f"{_scored(p)}: expected a whole number, got {p['got']}"
    ),
    "score.out-of-range": _score_outside,
    "score.impossible-whole-number": lambda p: (
        f"{_scored(p)}: {p['got']} is not a score this measure can give (a whole number)"
    ),
    "score.impossible-mean": lambda p: (
        f"{_scored(p)}: {p['got']} is not a score this measure can give "
        f"(a mean of whole-number ratings, to {p['decimals']} decimal places)"
    ),
    # Progress over an episode: refused input (ScoreError) and review flags (ReviewFlag).
    "progress.bad-session-number": (
        "session numbers are whole numbers from 0 (the baseline); got {got}"
    ),
    "progress.unknown-measure": "session {session}: there is no measure '{measure_id}'",
    "progress.review-missing-measurements": lambda p: (
        f"Session {p['session']}: {_or(p['measures'])} has not been recorded at two sessions, "
        "so progress cannot be judged. Record them and review the plan."
    ),
    "progress.review-no-meaningful-improvement": lambda p: (
        f"No meaningful improvement in {_or(p['measures'])} by session {p['by_session']}: "
        "review the diagnosis and the care plan."
    ),
    "progress.review-worsening": lambda p: (
        f"{p['measure']} is meaningfully worse than at {_session(p['baseline_session'])} "
        f"({p['baseline']} → {p['latest']}): review the care plan."
    ),
    # An examination that does not fit the pathway (ExaminationError), one per field.
    "examination.no-such-test": "there is no special test '{test}' in this pathway",
    "examination.no-such-movement": "there is no movement '{movement}' in this pathway",
    "examination.no-such-muscle": "there is no muscle '{muscle}' in this pathway",
    "examination.no-such-measure": "this pathway has no measure '{measure}'",
    "examination.no-such-rating": "there is no pain rating '{rating}'; expected one of {ratings}",
    "examination.expected-one-of": "expected one of {options}, got {got}",
    "examination.expected-number": "expected a number, got {got}",
    "examination.out-of-range": _out_of_range,
    "examination.side-without-code": "a side is chosen but no diagnosis code",
    "examination.activity-unnamed": "name the activity this rating is for",
    "examination.activity-twice": "'{activity_name}' is named twice",
    "examination.activity-unrated": "rate '{activity_name}' from {low} to {high}",
}


def message(code: str, /, **params: Param) -> Message:
    """The message with this code and these params, with its English text."""
    return Message(code, params, render_template(ENGLISH[code], params))


def render(found: Message, catalogue: Mapping[str, Template]) -> str:
    """The text of a message in another language; its English text if the catalogue lacks it."""
    template = catalogue.get(found.code)
    return found.text if template is None else render_template(template, found.params)


def render_template(template: Template, params: Params) -> str:
    return template.format_map(params) if isinstance(template, str) else template(params)
