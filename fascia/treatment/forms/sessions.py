"""The forms of the session page, one per part. They only read and check what was posted;
the rules (the gate, the counts, signing) are `fascia.treatment.sessions`. Choices are
radio buttons and checkboxes, large enough to tap at the couch; numbers are the only
typing, with the free-text notes."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fascia.pathways import Pathway, Question
from fascia.pathways.examination import NPRS
from fascia.records.forms.assessment import SIDE_LABELS
from fascia.records.forms.staff import StaffForm
from fascia.typed_text import TypedTextField

from ..models import ComponentKind, Technique, Tolerance, Twitch
from ..sessions import NEEDLE_GAUGES_MM, NEEDLE_LENGTHS_MM, SIDES, Needling, ticked_steps

YES_NO = (("yes", _("Yes")), ("no", _("No")))
MAX_NEEDLES = 100
"""More needles than this in one session is a typing mistake (clinic-policy)."""


def _count(
    label, *, high: int, low: int = 0, required: bool = True, **kwargs
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "count-input"}),
        error_messages={
            "required": _("Enter a number."),
            "invalid": _("Enter a whole number."),
            "min_value": _("Enter %(limit_value)s or more."),
            "max_value": _("Enter %(limit_value)s or less."),
        },
        **kwargs,
    )


class RecheckForm(StaffForm):
    """ "Anything new since last time?": the pathway's safety questions as yes or no, filled
    in with the last screening's answers so that only what changed is tapped."""

    def __init__(
        self,
        *args: Any,
        questions: tuple[Question, ...],
        previous: Mapping[str, object],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            before = previous.get(question.id)
            self.fields[question.id] = forms.ChoiceField(
                label=question.clinician,
                choices=YES_NO,
                widget=forms.RadioSelect,
                initial=None if before is None else ("yes" if before else "no"),
                error_messages={"required": _("Answer yes or no.")},
            )

    def answers(self) -> dict[str, bool]:
        return {q.id: self.cleaned_data[q.id] == "yes" for q in self.questions}


class StepsForm(StaffForm):
    """The protocol steps the physiotherapist confirms, and the needles counted in."""

    needles_in = _count(
        _("Needles counted in"),
        high=MAX_NEEDLES,
        required=False,
        help_text=_("Every needle opened for this session."),
    )

    def __init__(self, *args: Any, pathway: Pathway, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = ticked_steps(pathway)
        for step in self.steps:
            self.fields[f"step-{step.id}"] = forms.BooleanField(
                label=step.title, help_text=step.detail, required=False
            )
        self.order_fields([f"step-{s.id}" for s in self.steps] + ["needles_in"])

    def confirmed(self) -> list[str]:
        return [s.id for s in self.steps if self.cleaned_data[f"step-{s.id}"]]


class NeedlingForm(StaffForm):
    """One muscle on one side, as the pathway names them."""

    target = forms.ChoiceField(
        label=_("Muscle and side"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the muscle and side needled.")},
    )
    needle_length_mm = forms.TypedChoiceField(
        label=_("Needle length (mm)"),
        choices=[(n, str(n)) for n in NEEDLE_LENGTHS_MM],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the needle length.")},
    )
    needle_gauge_mm = forms.TypedChoiceField(
        label=_("Needle gauge (mm)"),
        choices=[(str(g), str(g)) for g in NEEDLE_GAUGES_MM],
        coerce=str,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the needle gauge.")},
    )
    needles = _count(_("Needles used in this muscle"), low=1, high=MAX_NEEDLES, initial=1)
    insertions = _count(_("Number of insertions"), low=1, high=200)
    technique = forms.ChoiceField(
        label=_("Technique"),
        choices=Technique.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the technique.")},
    )
    twitch = forms.ChoiceField(
        label=_("Local twitch response"),
        choices=Twitch.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the twitch response.")},
    )
    tolerance = forms.ChoiceField(
        label=_("Patient tolerance"),
        choices=Tolerance.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the patient tolerated it.")},
    )
    duration_minutes = _count(_("Minutes in place"), high=60, required=False)
    depth_note = TypedTextField(label=_("Depth"), max_length=200, required=False)

    def __init__(self, *args: Any, pathway: Pathway, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.muscles = pathway.session.muscles
        self.fields["target"].choices = [
            (f"{m.id}:{side}", f"{SIDE_LABELS[side]} {m.name.lower()}")
            for m in self.muscles
            for side in SIDES
        ]

    def needling(self) -> Needling:
        data = self.cleaned_data
        muscle, side = data["target"].split(":")
        return Needling(
            muscle=muscle,
            side=side,
            needle_length_mm=data["needle_length_mm"],
            needle_gauge_mm=data["needle_gauge_mm"],
            needles=data["needles"],
            insertions=data["insertions"],
            technique=data["technique"],
            twitch=data["twitch"],
            depth_note=data["depth_note"],
            duration_minutes=data["duration_minutes"],
            tolerance=data["tolerance"],
        )


class CountOutForm(StaffForm):
    needles_out = _count(_("Needles counted out and put in the sharps container"), high=MAX_NEEDLES)
    where_found = TypedTextField(
        label=_("Where the needle was found, or the search made"),
        max_length=2000,
        required=False,
        line_breaks=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    resolution = TypedTextField(
        label=_("How it was resolved"),
        max_length=2000,
        required=False,
        line_breaks=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if bool(cleaned.get("where_found")) != bool(cleaned.get("resolution")):
            missing = "resolution" if cleaned.get("where_found") else "where_found"
            self.add_error(
                missing, _("An incident needs both where it was found and how it was resolved.")
            )
        return cleaned


class ComponentsForm(StaffForm):
    """Manual therapy, stretching, strengthening and education, each with a short note."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in ComponentKind.choices:
            self.fields[f"done-{kind}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"detail-{kind}"] = TypedTextField(
                label=_("What was done: %(component)s") % {"component": label},
                max_length=500,
                required=False,
            )
            self.fields[f"minutes-{kind}"] = _count(
                _("Minutes: %(component)s") % {"component": label}, high=120, required=False
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"done-{kind}"], self[f"detail-{kind}"], self[f"minutes-{kind}"])
            for kind in ComponentKind.values
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for kind in ComponentKind.values:
            if cleaned.get(f"done-{kind}") and not cleaned.get(f"detail-{kind}"):
                self.add_error(f"detail-{kind}", _("Say briefly what was done."))
        return cleaned

    def components(self) -> dict[str, tuple[str, int | None]]:
        data = self.cleaned_data
        return {
            kind: (data[f"detail-{kind}"], data[f"minutes-{kind}"])
            for kind in ComponentKind.values
            if data[f"done-{kind}"]
        }


class PainForm(StaffForm):
    """NPRS before and after the session, tapped on its scale."""

    def __init__(self, *args: Any, pathway: Pathway, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nprs = pathway.measure(NPRS)
        scale = [(n, str(n)) for n in range(int(nprs.min), int(nprs.max or 0) + 1)]
        for name, label in (("before", _("Pain before")), ("after", _("Pain after"))):
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=scale,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )


class AftercareForm(StaffForm):
    advice = forms.MultipleChoiceField(
        label=_("Advice given"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the advice you gave.")},
    )

    def __init__(self, *args: Any, pathway: Pathway, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        advice = pathway.follow_up.aftercare
        self.fields["advice"].choices = [(a.id, a.text) for a in advice]


class AddendumForm(StaffForm):
    text = TypedTextField(
        label=_("Addendum"),
        max_length=5000,
        line_breaks=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the correction or addition.")},
    )
    reason = TypedTextField(
        label=_("Why"),
        max_length=500,
        error_messages={"required": _("Say why the addendum is needed.")},
    )
