"""The shape of a care-pathway file, as pydantic models.

Every model forbids unknown keys and is frozen: a loaded pathway is a value that
nothing can change. Cross-references (a rule naming a question, a rule naming a
source) are checked by `fascia.pathways.check`, which reports them with the path
to the entry; `load_pathway` refuses a file with any problem.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from fascia.pathways.rules import Condition

CLINIC_POLICY = "clinic-policy"
"""Written in a `sources` list where a value is the clinic's choice, not published evidence."""

Id = Annotated[str, Field(pattern=r"^[a-z0-9]+([_.-][a-z0-9]+)*$")]
Text = Annotated[str, Field(min_length=1)]
Sources = Annotated[tuple[str, ...], Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriageOutcome(StrEnum):
    """Triage outcomes, from least to most serious. Compare them with `rank`."""

    SUITABLE = "suitable"
    NEEDLING_WITH_PRECAUTIONS = "needling_with_precautions"
    NOT_SUITABLE_FOR_NEEDLING = "not_suitable_for_needling"
    CLINICIAN_REVIEW = "clinician_review"
    EMERGENCY_REFERRAL = "emergency_referral"

    @property
    def rank(self) -> int:
        return list(TriageOutcome).index(self)


class QuestionType(StrEnum):
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMBER = "number"
    SCALE_0_10 = "scale_0_10"
    DATE = "date"
    FREE_TEXT = "free_text"


class Respondent(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"


class GroupKind(StrEnum):
    ABOUT_YOU = "about_you"
    SYMPTOM_PROFILE = "symptom_profile"
    HISTORY = "history"
    RED_FLAGS = "red_flags"
    CONTRAINDICATIONS = "contraindications"
    PRECAUTIONS = "precautions"


class Source(Strict):
    id: Id
    citation: Text
    link: str | None = None
    confirmed: bool = True
    note: str = ""


class Code(Strict):
    system: Text
    code: Text
    display: Text
    confirmed: bool
    sources: Sources
    note: str = ""


class Option(Strict):
    id: Id
    patient: Text
    clinician: str = ""
    exclusive: bool = False
    """Ticking this option (for example "none of these") rules out every other option."""


class Question(Strict):
    id: Id
    type: QuestionType
    clinician: Text
    patient: str | None = None
    help: str = ""
    answered_by: Respondent = Respondent.PATIENT
    required: bool = True
    options: tuple[Option, ...] = ()
    unit: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    whole_number: bool = False
    show_when: Condition | None = None
    sources: tuple[str, ...] = ()

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)


class ScreeningGroup(Strict):
    id: Id
    kind: GroupKind
    title: Text
    purpose: Text
    questions: tuple[Question, ...] = Field(min_length=1)


class TriageVerdict(Strict):
    id: Id
    outcome: TriageOutcome
    patient_message: str = ""
    staff_message: str = ""
    sources: Sources


class TriageRule(TriageVerdict):
    when: Condition


class Triage(Strict):
    when_nothing_fires: TriageVerdict
    when_incomplete: TriageVerdict
    rules: tuple[TriageRule, ...] = Field(min_length=1)


class PointsElsewhere(Strict):
    """A finding that points to another cause, to examine before this pathway's diagnosis."""

    id: Id
    when: Condition
    clinician: Text
    sources: Sources


class Fit(Strict):
    """Does the picture fit the pathway's condition? Asked apart from safety (see `triage`).

    Each feature is a yes/no screening question. The picture fits when every required
    feature is present, at least `fits_with_at_least` features are present and no
    finding points elsewhere. It does not fit when a required feature is absent, a
    finding points elsewhere, or too few features can still be present.
    """

    title: Text
    features: tuple[str, ...] = Field(min_length=1)
    required_features: tuple[str, ...] = ()
    fits_with_at_least: int = Field(ge=1)
    sources: Sources
    points_elsewhere: tuple[PointsElsewhere, ...] = ()
    when_not_fitting: TriageVerdict


class Accuracy(Strict):
    sensitivity: Decimal | None = Field(default=None, ge=0, le=1)
    specificity: Decimal | None = Field(default=None, ge=0, le=1)
    note: str = ""
    confirmed: bool = True
    sources: Sources


class SpecialTest(Strict):
    id: Id
    name: Text
    how: Text
    results: tuple[Id, ...] = ("positive", "negative", "not_tested")
    sides: tuple[Id, ...] = ("left", "right")
    accuracy: Accuracy


class RangeOfMotion(Strict):
    id: Id
    name: Text
    unit: Text = "degrees"
    sides: tuple[Id, ...] = ("left", "right")
    min: Decimal = Decimal(0)
    max: Decimal
    reference: str = ""
    sources: Sources


class Examination(Strict):
    special_tests: tuple[SpecialTest, ...]
    range_of_motion: tuple[RangeOfMotion, ...]


class MeasureKind(StrEnum):
    SINGLE_SCALE = "single_scale"
    """One rating within min..max (NPRS, GROC)."""
    ITEM_SUM = "item_sum"
    """A fixed list of items, all required, summed (LEFS)."""
    ITEM_MEAN = "item_mean"
    """Items the patient names, each rated within min..max, averaged (PSFS)."""
    NUMERIC = "numeric"
    """One measured quantity with a unit (sitting tolerance in minutes)."""


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Anchor(Strict):
    value: Decimal
    label: Text


class MeasureItem(Strict):
    id: Id
    wording: Text


class PatientChosenItems(Strict):
    min_count: int = Field(ge=1)
    max_count: int = Field(ge=1)
    note: str = ""


class Threshold(Strict):
    """One threshold of a measure, with the sources it comes from."""

    value: Decimal = Field(gt=0)
    sources: Sources


class MeaningfulChange(Strict):
    """A change is meaningful when it reaches the absolute OR the percentage threshold.

    A change smaller than the minimal detectable change (measurement error) is never
    meaningful, in either direction, whatever its percentage of a low baseline.
    """

    absolute: Threshold | None = None
    percent: Threshold | None = None
    minimal_detectable_change: Threshold | None = None
    confirmed: bool = True
    note: str = ""


class Measure(Strict):
    id: Id
    name: Text
    abbreviation: Text
    kind: MeasureKind
    direction: Direction
    unit: Text = "points"
    min: Decimal
    max: Decimal | None = None
    whole_number: bool = True
    decimals: int = Field(default=0, ge=0, le=4)
    stem: str = ""
    anchors: tuple[Anchor, ...] = ()
    items: tuple[MeasureItem, ...] = ()
    patient_chosen_items: PatientChosenItems | None = None
    meaningful_change: MeaningfulChange | None
    meaningful_change_note: str = ""
    codes: tuple[Code, ...] = ()
    sources: Sources


class SessionStep(Strict):
    id: Id
    title: Text
    detail: str = ""
    required: bool
    sources: Sources


class Caution(Strict):
    text: Text
    sources: Sources
    ask_after_needling: tuple[str, ...] = ()
    """Follow-up questions asked only when this muscle was needled (ids of follow-up questions)."""


class Muscle(Strict):
    id: Id
    name: Text
    cautions: tuple[Caution, ...] = ()
    sources: Sources


class SessionProtocol(Strict):
    steps: tuple[SessionStep, ...] = Field(min_length=1)
    muscles: tuple[Muscle, ...] = Field(min_length=1)


class Advice(Strict):
    id: Id
    text: Text
    sources: Sources


class FollowUpCheck(Strict):
    id: Id
    after_hours: int = Field(gt=0)
    title: Text
    questions: tuple[str, ...] = Field(min_length=1)
    sources: Sources


class FollowUpVerdict(Strict):
    id: Id
    outcome: Id
    patient_message: str = ""
    staff_message: str = ""
    sources: Sources


class FollowUpRule(FollowUpVerdict):
    when: Condition
    adverse_event: Id | None = None
    """The adverse event type (an id in `adverse_events.types`) these answers report: a
    follow-up that fires this rule drafts such an event on the session, for the
    practitioner to confirm or dismiss."""


class FollowUp(Strict):
    aftercare: tuple[Advice, ...] = Field(min_length=1)
    outcomes: tuple[Id, ...] = Field(min_length=2)
    """The follow-up outcomes of this pathway, from least to most urgent."""
    checks: tuple[FollowUpCheck, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=1)
    when_nothing_fires: FollowUpVerdict
    when_incomplete: FollowUpVerdict
    rules: tuple[FollowUpRule, ...] = Field(min_length=1)


class Severity(Strict):
    id: Id
    name: Text
    description: Text
    sources: Sources


class AdverseEventType(Strict):
    id: Id
    name: Text
    default_severity: Id
    sources: Sources


class PublishedRate(Strict):
    source: str
    denominator: int = Field(gt=0)
    denominator_unit: Text
    mild_percent: Decimal
    significant_count: int | None = None
    significant_percent_at_most: Decimal | None = None
    by_type_percent: dict[str, Decimal] = Field(default_factory=dict)
    note: str = ""


class AdverseEvents(Strict):
    severities: tuple[Severity, ...] = Field(min_length=1)
    types: tuple[AdverseEventType, ...] = Field(min_length=1)
    published_rates: tuple[PublishedRate, ...] = ()


class ExerciseCategory(StrEnum):
    STRETCH = "stretch"
    STRENGTHENING = "strengthening"
    MOVEMENT_REEDUCATION = "movement_reeducation"


class Dosage(Strict):
    text: Text
    sources: Sources


class Exercise(Strict):
    id: Id
    name: Text
    category: ExerciseCategory
    purpose: Text
    steps: tuple[Text, ...] = Field(min_length=1)
    sources: Sources
    """Where the steps, progressions and cautions come from (the dosage names its own)."""
    dosage: Dosage
    progressions: tuple[Text, ...] = ()
    cautions: tuple[Text, ...] = ()


class CarePlanComponent(Strict):
    id: Id
    name: Text
    default_frequency: Text
    exercises: tuple[str, ...] = ()
    note: str = ""
    sources: Sources


class ReviewRule(Strict):
    """Flag the episode for review when no listed measure has improved meaningfully by a session."""

    by_session: int = Field(ge=1)
    measures: tuple[str, ...] = Field(min_length=1)
    flag_worsening: bool = True
    note: str = ""
    sources: Sources


class CarePlanTemplate(Strict):
    components: tuple[CarePlanComponent, ...] = Field(min_length=1)
    review_rule: ReviewRule


class Pathway(Strict):
    id: Id
    version: int = Field(ge=1)
    title: Text
    summary: Text
    review_date: dt.date
    condition_codes: tuple[Code, ...] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)
    screening: tuple[ScreeningGroup, ...] = Field(min_length=1)
    triage: Triage
    fit: Fit | None = None
    examination: Examination
    measures: tuple[Measure, ...] = Field(min_length=1)
    session: SessionProtocol
    follow_up: FollowUp
    adverse_events: AdverseEvents
    exercises: tuple[Exercise, ...] = ()
    ergonomic_advice: tuple[Advice, ...] = ()
    care_plan: CarePlanTemplate

    @property
    def screening_questions(self) -> tuple[Question, ...]:
        """Every screening question, in the order the groups and questions are written."""
        return tuple(q for group in self.screening for q in group.questions)

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id; KeyError if the pathway has none."""
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)
