"""Pathway questions as a form, one step at a time, worded for the patient or the clinician.

The patient's private link (`/check/<token>/`), the public self-check and a clinician's
screening ask the same questions. A step is one screening group (`Steps` says which groups
are asked, in order, given the answers so far); `QuestionsForm` shows the step's questions,
and `records/includes/question_fields.html` renders them.

The fields only render: what is posted is read and checked by the pathway engine
(`answers_from_form`), and its refusals (`AnswerError`) are shown on the question they are
about, in words for the person answering. A question that the answers so far do not show
is rendered hidden and disabled, with its condition, so that `js/check.js` can show it as
soon as it applies; without JavaScript the step is shown again with it (see `Steps`).
"""

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fascia.pathways import (
    AnswerError,
    AnswerValue,
    Measure,
    Pathway,
    Question,
    QuestionType,
    Respondent,
    answers_from_form,
    answers_to_form,
    answers_to_json,
    visible_questions,
)
from fascia.pathways.answers import FREE_TEXT_MAX_LENGTH, shown
from fascia.pathways.models import Option, ScreeningGroup
from fascia.pathways.rules import questions_in

SHOWN = "shown"
"""The form field listing the questions the person was shown (js/check.js keeps it up to date)."""


def asked(questions: Iterable[Question], respondent: Respondent) -> tuple[Question, ...]:
    """The questions this respondent answers: a patient never sees a clinician's question."""
    return tuple(
        q for q in questions if respondent is Respondent.CLINICIAN or q.answered_by is respondent
    )


def label(question: Question, respondent: Respondent) -> str:
    return (question.patient if respondent is Respondent.PATIENT else None) or question.clinician


def option_label(option: Option, respondent: Respondent) -> str:
    return (option.clinician if respondent is Respondent.CLINICIAN else "") or option.patient


class Steps:
    """The screening groups a respondent is asked, in order, given the answers so far.

    A group none of whose questions is shown to this respondent is not a step.
    """

    def __init__(
        self, pathway: Pathway, answers: Mapping[str, AnswerValue], respondent: Respondent
    ) -> None:
        self.pathway = pathway
        self.answers = {k: v for k, v in answers.items() if v is not None}
        self.respondent = respondent
        self.visible = {
            q.id for q in visible_questions(pathway, self.answers, respondent=respondent)
        }
        self.groups = [g for g in pathway.screening if self.shown_in(g)]

    def shown_in(self, group: ScreeningGroup) -> tuple[Question, ...]:
        return tuple(q for q in group.questions if q.id in self.visible)

    def group(self, group_id: str) -> ScreeningGroup | None:
        """The group with this id if it is one of the steps."""
        return next((g for g in self.groups if g.id == group_id), None)

    def number(self, group: ScreeningGroup) -> int:
        return self.groups.index(group) + 1

    def after(self, group_id: str) -> ScreeningGroup | None:
        """The step after the group (a step or not), or None after the last."""
        order = [g.id for g in self.pathway.screening]
        return next((g for g in self.groups if order.index(g.id) > order.index(group_id)), None)

    def before(self, group_id: str) -> ScreeningGroup | None:
        order = [g.id for g in self.pathway.screening]
        earlier = [g for g in self.groups if order.index(g.id) < order.index(group_id)]
        return earlier[-1] if earlier else None

    def unanswered(self) -> list[Question]:
        """The shown, required questions still without an answer, in order."""
        return [
            q
            for g in self.groups
            for q in self.shown_in(g)
            if q.required and q.id not in self.answers
        ]

    def first_unanswered(self) -> ScreeningGroup | None:
        """The step to resume at: the first with a required question not answered yet."""
        missing = {q.id for q in self.unanswered()}
        return next((g for g in self.groups if any(q.id in missing for q in g.questions)), None)

    def newly_shown(self, group: ScreeningGroup, presented: Collection[str]) -> list[Question]:
        """Questions of the group shown now that were not on the page the person sent."""
        return [q for q in self.shown_in(group) if q.id not in presented]


def measure_questions(measure: Measure) -> tuple[Question, ...]:
    """A questionnaire's items (the LEFS) as single-choice questions over its anchors.

    Each answer is the anchor's value as text ("0" to "4"); the item's wording is the
    published form's, for patient and clinician alike.
    """
    options = tuple(Option(id=str(int(a.value)), patient=a.label) for a in measure.anchors)
    return tuple(
        Question(
            id=item.id,
            type=QuestionType.SINGLE_CHOICE,
            patient=item.wording,
            clinician=item.wording,
            options=options,
        )
        for item in measure.items
    )


# What the engine's refusals mean, in words for the person answering (see fascia.pathways.messages).
REFUSALS = {
    "answer.clinician-only": gettext_lazy("Only your physiotherapist can answer this question."),
    "answer.expected-yes-no": gettext_lazy("Choose yes or no."),
    "answer.expected-option": gettext_lazy("Choose one of the answers given."),
    "answer.expected-options": gettext_lazy("Tick the answers that apply."),
    "answer.unknown-options": gettext_lazy("Tick only the answers given."),
    "answer.option-twice": gettext_lazy("Tick each answer once."),
    "answer.expected-one-value": gettext_lazy("Give one answer."),
    "answer.expected-number": gettext_lazy("Enter a number, using digits."),
    "answer.expected-finite-number": gettext_lazy("Enter a number, using digits."),
    "answer.too-precise": gettext_lazy("Enter the number with fewer decimal places."),
    "answer.expected-whole-number": gettext_lazy("Enter a whole number, without a decimal point."),
    "answer.expected-date": gettext_lazy("Enter a date."),
    "answer.expected-iso-date": gettext_lazy("Enter a date."),
    "answer.expected-text": gettext_lazy("Write your answer as text."),
    "answer.no-such-question": gettext_lazy("This is not one of the questions."),
}


def refusal(question: Question | None, error: AnswerError, respondent: Respondent) -> str:
    """The engine's refusal of an answer, said to the person who gave it."""
    code, params = error.message.code, error.message.params
    if code == "answer.out-of-range":
        unit = f" {question.unit}" if question and question.unit else ""
        return _("Enter a number from %(low)s to %(high)s%(unit)s.") % {
            "low": params["low"],
            "high": params["high"],
            "unit": unit,
        }
    if code == "answer.exclusive-option" and question is not None:
        chosen = next(o for o in question.options if o.id == params["option"])
        return _("“%(option)s” cannot be ticked with other answers.") % {
            "option": option_label(chosen, respondent)
        }
    if code == "answer.text-too-long":
        return _("Keep your answer to %(max)s characters or fewer.") % {"max": params["max_length"]}
    return str(REFUSALS.get(code, error.message.text))


def required_message(question: Question) -> str:
    kind = question.type
    if kind is QuestionType.YES_NO:
        return _("Choose yes or no.")
    if kind is QuestionType.SINGLE_CHOICE:
        return _("Choose an answer.")
    if kind is QuestionType.MULTIPLE_CHOICE:
        return _("Tick the answers that apply, or the one that says none apply.")
    if kind in (QuestionType.NUMBER, QuestionType.SCALE_0_10):
        return _("Enter a number.")
    if kind is QuestionType.DATE:
        return _("Enter a date.")
    return _("Write your answer.")


class _RenderOnly:
    """A field that only renders: `QuestionsForm.clean` hands its value to the engine."""

    def clean(self, value):
        return value


class _Choice(_RenderOnly, forms.ChoiceField):
    pass


class _Choices(_RenderOnly, forms.MultipleChoiceField):
    pass


class _Text(_RenderOnly, forms.CharField):
    pass


class _Checkboxes(forms.CheckboxSelectMultiple):
    """Checkboxes that mark an exclusive option ("None of these") for js/check.js."""

    def __init__(self, exclusive: Collection[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.exclusive = frozenset(exclusive)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.exclusive:
            option["attrs"]["data-exclusive"] = "true"
        return option


def _number_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _field(question: Question, respondent: Respondent) -> forms.Field:
    # `required` only marks the control for assistive technology: the form checks it.
    options = [(o.id, option_label(o, respondent)) for o in question.options]
    required = question.required
    kind = question.type
    if kind is QuestionType.YES_NO:
        yes_no = [("yes", _("Yes")), ("no", _("No"))]
        return _Choice(choices=yes_no, widget=forms.RadioSelect, required=required)
    if kind is QuestionType.SINGLE_CHOICE:
        return _Choice(choices=options, widget=forms.RadioSelect, required=required)
    if kind is QuestionType.MULTIPLE_CHOICE:
        exclusive = [o.id for o in question.options if o.exclusive]
        # A browser would ask for every box to be ticked: a set of boxes is never `required`.
        return _Choices(choices=options, widget=_Checkboxes(exclusive), required=False)
    if kind in (QuestionType.NUMBER, QuestionType.SCALE_0_10):
        whole = question.whole_number or kind is QuestionType.SCALE_0_10
        low, high = (0, 10) if kind is QuestionType.SCALE_0_10 else (question.min, question.max)
        attrs = {
            "inputmode": "numeric" if whole else "decimal",
            "step": "1" if whole else "any",
            "min": _number_text(Decimal(low)) if low is not None else None,
            "max": _number_text(Decimal(high)) if high is not None else None,
            "autocomplete": "off",
            "class": "question__number",
        }
        widget = forms.NumberInput(attrs={k: v for k, v in attrs.items() if v is not None})
        return _Text(widget=widget, required=required)
    if kind is QuestionType.DATE:
        return _Text(widget=forms.DateInput(attrs={"type": "date"}), required=required)
    textarea = forms.Textarea(attrs={"rows": 3, "maxlength": FREE_TEXT_MAX_LENGTH})
    return _Text(widget=textarea, required=required)


@dataclass(frozen=True)
class QuestionField:
    """One question as the template renders it."""

    question: Question
    field: forms.BoundField
    text: str
    visible: bool
    show_when: str
    """The question's condition as JSON, for js/check.js ("" when it is always shown)."""

    @property
    def is_choice(self) -> bool:
        return self.question.type in (
            QuestionType.YES_NO,
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_CHOICE,
        )

    @property
    def hint_id(self) -> str:
        return f"q-{self.question.id}-hint"

    @property
    def unit_id(self) -> str:
        return f"q-{self.question.id}-unit"

    @property
    def error_id(self) -> str:
        return f"q-{self.question.id}-error"

    @property
    def described_by(self) -> str:
        """The ids of the hint, the unit and the error that describe the question."""
        ids = [self.hint_id] if self.question.help else []
        if self.question.unit and not self.is_choice:
            ids.append(self.unit_id)
        if self.field.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def anchor(self) -> str:
        """The id of the first control, for the error summary's link."""
        return f"q-{self.question.id}_0" if self.is_choice else f"q-{self.question.id}"


class QuestionsForm(forms.Form):
    """One step's questions, worded for `respondent`, filled in with `answers`.

    `visible` are the ids of the questions the answers so far show; the others are rendered
    hidden. `known` are every question of the questionnaire: an answer posted to one of
    them that is not on this step is still checked (a patient posting an answer to a
    clinician's question is refused), then left out.

    After `is_valid()`, `answers` holds an answer (or None, to clear it) for every question
    of the step, and `presented` the ids of the questions the person was shown. With
    `require_answers`, a shown question that is required must be answered.
    """

    def __init__(
        self,
        data=None,
        *,
        questions: Sequence[Question],
        respondent: Respondent,
        visible: Collection[str],
        answers: Mapping[str, AnswerValue] | None = None,
        known: Sequence[Question] = (),
        require_answers: bool = True,
    ) -> None:
        ids = {q.id for q in questions}
        filled = {k: v for k, v in (answers or {}).items() if k in ids and v is not None}
        initial: dict[str, object] = dict(answers_to_form(questions, filled))
        initial[SHOWN] = " ".join(q.id for q in questions if q.id in visible)
        super().__init__(data, initial=initial, auto_id="q-%s", label_suffix="")
        self.questions = tuple(questions)
        self.respondent = respondent
        self.visible = frozenset(visible)
        self.known = tuple(known) or self.questions
        self.require_answers = require_answers
        self.given = {k: v for k, v in (answers or {}).items() if v is not None}
        self.answers: dict[str, AnswerValue | None] = {}
        self.presented: frozenset[str] = frozenset()
        self.fields[SHOWN] = _Text(widget=forms.HiddenInput, required=False)
        for question in self.questions:
            self.fields[question.id] = _field(question, respondent)
            if question.id not in self.visible:
                # Not sent until it applies (js/check.js enables it then).
                self.fields[question.id].widget.attrs["disabled"] = True
        if not self.is_bound:
            self._describe()

    def full_clean(self):
        super().full_clean()
        self._describe()

    def _describe(self) -> None:
        """Tie each text or number box to its hint, unit and error, for screen readers.

        A set of choices is described on its fieldset, in the template."""
        for item in self.items():
            if item.is_choice:
                continue
            attrs = item.field.field.widget.attrs
            attrs.pop("aria-describedby", None)
            attrs.pop("aria-invalid", None)
            if item.described_by:
                attrs["aria-describedby"] = item.described_by
            if self.is_bound and self._errors is not None and item.question.id in self._errors:
                attrs["aria-invalid"] = "true"

    def items(self) -> list[QuestionField]:
        return [
            QuestionField(
                question=q,
                field=self[q.id],
                text=label(q, self.respondent),
                visible=q.id in self.visible,
                show_when=json.dumps(q.show_when.model_dump(by_alias=True, exclude_none=True))
                if q.show_when is not None
                else "",
            )
            for q in self.questions
        ]

    def context_answers(self) -> str:
        """The answers on other steps that this step's conditions read, as JSON (js/check.js)."""
        on_step = {q.id for q in self.questions}
        read = set().union(*(questions_in(q.show_when) for q in self.questions if q.show_when))
        elsewhere = [q for q in self.known if q.id in read - on_step and q.id in self.given]
        return json.dumps(answers_to_json(elsewhere, {q.id: self.given[q.id] for q in elsewhere}))

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in the order of the questions."""
        links = [("", str(message)) for message in self.non_field_errors()]
        for item in self.items():
            links.extend((item.anchor, str(m)) for m in self.errors.get(item.question.id, []))
        return links

    def _posted(self, question_id: str) -> list[str]:
        if question_id not in self.data:
            return []
        getlist = getattr(self.data, "getlist", None)
        return getlist(question_id) if getlist else [self.data[question_id]]

    def clean(self):
        cleaned = super().clean()
        on_step = {q.id for q in self.questions}
        listed = str(self.data.get(SHOWN, "")).split()
        self.presented = frozenset(listed) & on_step
        for question in self.known:
            if question.id in on_step or question.id not in self.data:
                continue
            try:
                answers_from_form(
                    [question], {question.id: self._posted(question.id)}, respondent=self.respondent
                )
            except AnswerError as error:
                self.add_error(None, refusal(question, error, self.respondent))
        for question in self.questions:
            try:
                self.answers[question.id] = answers_from_form(
                    [question], {question.id: self._posted(question.id)}, respondent=self.respondent
                ).get(question.id)
            except AnswerError as error:
                self.add_error(question.id, refusal(question, error, self.respondent))
        # A question the answers sent no longer show (say "pregnant" became "no") is neither
        # required nor kept.
        merged = {k: v for k, v in {**self.given, **self.answers}.items() if v is not None}
        applies = {q.id for q in shown(self.known, merged)[0]}
        for question in self.questions:
            if question.id not in applies:
                self.answers[question.id] = None
            elif (
                self.require_answers
                and question.required
                and question.id in self.presented
                and question.id in self.answers
                and self.answers[question.id] is None
            ):
                self.add_error(question.id, required_message(question))
        return cleaned


@dataclass(frozen=True)
class AnswerRow:
    question: Question
    text: str
    answer: str


def answer_text(question: Question, value: AnswerValue, respondent: Respondent) -> str:
    """An answer as the person who gave it reads it: "Yes", an option's words, "34 years"."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, frozenset):
        return ", ".join(option_label(o, respondent) for o in question.options if o.id in value)
    if isinstance(value, Decimal):
        number = _number_text(value) or ""
        return f"{number} {question.unit}" if question.unit else number
    if isinstance(value, str) and question.type is QuestionType.SINGLE_CHOICE:
        return next((option_label(o, respondent) for o in question.options if o.id == value), value)
    return str(value)


def answer_rows(
    questions: Iterable[Question], answers: Mapping[str, AnswerValue], respondent: Respondent
) -> list[AnswerRow]:
    """Each question with its answer, in its respondent's words ("" when not answered)."""
    return [
        AnswerRow(
            question=q,
            text=label(q, respondent),
            answer=answer_text(q, answers[q.id], respondent) if q.id in answers else "",
        )
        for q in questions
    ]
