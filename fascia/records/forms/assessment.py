"""The assessment form, made from the pathway's examination section and its measures.

The form reads what was typed (numbers as numbers, choices as posted) and hands it to the
engine (`fascia.pathways.validate_examination`), which judges it against the pathway; each
refusal is shown next to its field. Fields are named after the engine's keys:
`special_tests.fair.left` is the field `test-fair-left`, `pain.now` is `pain-now`,
`trigger_points.piriformis.left` is `tp-piriformis-left`. A field posted by hand for an id
the pathway does not have is handed to the engine as well, so that it is refused rather
than dropped without a word.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.pathways import (
    DIAGNOSIS_SIDES,
    PAIN_RATINGS,
    TRIGGER_POINT_KINDS,
    TRIGGER_POINT_SIDES,
    ExaminationError,
    ExaminationInput,
    Pathway,
    diagnosis_codes,
    validate_examination,
)
from fascia.pathways.examination import LEFS, NPRS, PSFS

from .staff import StaffForm, field_error_links

ONSET = (("gradual", _("Gradual")), ("sudden", _("Sudden")))
# What often makes this pain worse or better (clinical reference, "typical history"), for the
# clinician to tick; anything else goes in the "other" text.
AGGRAVATING = (
    ("sitting", _("Sitting")),
    ("driving", _("Driving")),
    ("stairs", _("Stairs")),
    ("walking", _("Walking")),
    ("running", _("Running")),
    ("squatting", _("Squatting")),
    ("crossing_legs", _("Crossing the legs")),
    ("standing_up", _("Standing up from sitting")),
    ("bending", _("Bending forward")),
    ("lying_on_side", _("Lying on that side")),
)
EASING = (
    ("rest", _("Rest")),
    ("stretching", _("Stretching")),
    ("walking", _("Walking")),
    ("standing", _("Standing up")),
    ("changing_position", _("Changing position")),
    ("lying_down", _("Lying down")),
    ("heat", _("Heat")),
    ("massage", _("Massage")),
    ("medication", _("Pain medication")),
)
SIDE_LABELS = {"left": _("Left"), "right": _("Right"), "bilateral": _("Both sides")}
RESULT_LABELS = {
    "positive": _("Positive"),
    "negative": _("Negative"),
    "not_tested": _("Not tested"),
}
KIND_LABELS = {"active": _("Active"), "latent": _("Latent")}
PAIN_LABELS = {
    "now": _("Pain now"),
    "worst_week": _("Worst pain in the last week"),
    "least_week": _("Least pain in the last week"),
}
MINUTES_IN_A_DAY = 24 * 60
"""Longer sitting than a day is a typing mistake, not a tolerance."""

# The engine's sections and the prefixes of their fields.
PREFIXES = {
    "special_tests": "test",
    "range_of_motion": "rom",
    "pain": "pain",
    "lefs": "lefs",
    "psfs": "psfs",
    "trigger_points": "tp",
}
BY_SIDE = {"test": "special_tests", "rom": "range_of_motion", "tp": "trigger_points"}
SECTION_KEYS = ("lefs", "psfs")
"""Engine keys that are about a whole section rather than one field."""


def _label(labels: Mapping[str, Any], value: str) -> Any:
    return labels.get(value, value.replace("_", " "))


def field_name(key: str) -> str:
    """The form field for an engine key: `special_tests.fair.left` → `test-fair-left`."""
    section, dot, rest = key.partition(".")
    if not dot or section not in PREFIXES:
        return key
    return "-".join([PREFIXES[section], *rest.split(".")])


def _number(low: object, high: object = None, *, step: str = "1") -> forms.NumberInput:
    attrs = {"min": str(low), "step": step, "inputmode": "numeric" if step == "1" else "decimal"}
    if high is not None:
        attrs["max"] = str(high)
    return forms.NumberInput(attrs=attrs)


@dataclass(frozen=True)
class Row:
    """One thing examined (a test, a movement, a muscle) and its fields, for the template."""

    item: Any
    fields: list[forms.BoundField]


class AssessmentForm(StaffForm):
    onset = forms.ChoiceField(
        label=_("Onset"), choices=ONSET, widget=forms.RadioSelect, required=False
    )
    onset_date = forms.DateField(
        label=_("Date it started"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("If the patient knows it."),
    )
    onset_weeks_ago = forms.IntegerField(
        label=_("Or: how many weeks ago"), min_value=0, required=False, widget=_number(0)
    )
    duration_weeks = forms.IntegerField(
        label=_("How long this episode has lasted (weeks)"),
        min_value=0,
        required=False,
        widget=_number(0),
    )
    aggravating = forms.MultipleChoiceField(
        label=_("Made worse by"),
        choices=AGGRAVATING,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    aggravating_other = forms.CharField(
        label=_("Anything else that makes it worse"), max_length=300, required=False
    )
    easing = forms.MultipleChoiceField(
        label=_("Eased by"), choices=EASING, widget=forms.CheckboxSelectMultiple, required=False
    )
    easing_other = forms.CharField(
        label=_("Anything else that eases it"), max_length=300, required=False
    )
    sitting_minutes = forms.IntegerField(
        label=_("Sitting tolerance (minutes)"),
        help_text=_("How long the patient can sit before the pain starts."),
        max_value=MINUTES_IN_A_DAY,
        required=False,
        widget=_number(0, MINUTES_IN_A_DAY),
    )
    tried = forms.CharField(
        label=_("What has been tried"),
        help_text=_("Treatment and self-help so far, and whether it helped."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    diagnosis_code = forms.CharField(label=_("Working diagnosis"), required=False)
    diagnosis_side = forms.CharField(label=_("Side"), required=False)
    findings = forms.CharField(
        label=_("Other findings"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, pathway: Pathway, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pathway = pathway
        self.summary_labels: dict[str, str] = {}
        self.examination: ExaminationInput | None = None
        history = list(self.fields)
        self._add_special_tests()
        self._add_range_of_motion()
        self._add_pain()
        self._add_lefs()
        self._add_psfs()
        self._add_trigger_points()
        codes = diagnosis_codes(pathway)
        self.fields["diagnosis_code"].widget = forms.Select(
            choices=[
                ("", _("Not decided yet")),
                *((c.code, f"{c.code} {c.display}") for c in codes),
            ]
        )
        self.fields["diagnosis_side"].widget = forms.Select(
            choices=[("", "—"), *((s, _label(SIDE_LABELS, s)) for s in DIAGNOSIS_SIDES.ids)]
        )
        last = ["diagnosis_code", "diagnosis_side", "findings"]
        self.order_fields(
            [n for n in history if n not in last]
            + [n for n in self.fields if n not in history]
            + last
        )

    # Building the fields from the pathway

    def _add(self, name: str, field: forms.Field, summary: str) -> None:
        self.fields[name] = field
        self.summary_labels[name] = summary

    def _add_special_tests(self) -> None:
        for test in self.pathway.examination.special_tests:
            choices = [(r, _label(RESULT_LABELS, r)) for r in test.results]
            initial = "not_tested" if "not_tested" in test.results else None
            for side in test.sides:
                side_label = _label(SIDE_LABELS, side)
                self._add(
                    f"test-{test.id}-{side}",
                    forms.CharField(
                        label=side_label,
                        required=False,
                        initial=initial,
                        widget=forms.RadioSelect(choices=choices),
                    ),
                    f"{test.name}, {side_label}",
                )

    def _add_range_of_motion(self) -> None:
        for movement in self.pathway.examination.range_of_motion:
            for side in movement.sides:
                side_label = _label(SIDE_LABELS, side)
                self._add(
                    f"rom-{movement.id}-{side}",
                    forms.DecimalField(
                        label=_("%(side)s (%(unit)s)")
                        % {"side": side_label, "unit": movement.unit},
                        required=False,
                        max_digits=5,
                        decimal_places=1,
                        widget=_number(movement.min, movement.max, step="any"),
                    ),
                    f"{movement.name}, {side_label}",
                )

    def _add_pain(self) -> None:
        nprs = self.pathway.measure(NPRS)
        for rating in PAIN_RATINGS.ids:
            label = _label(PAIN_LABELS, rating)
            self._add(
                f"pain-{rating}",
                forms.IntegerField(
                    label=label,
                    help_text=_("%(low)s to %(high)s") % {"low": nprs.min, "high": nprs.max},
                    required=False,
                    widget=_number(nprs.min, nprs.max),
                ),
                str(label),
            )

    def _add_lefs(self) -> None:
        lefs = self.pathway.measure(LEFS)
        anchors = {int(a.value): a.label for a in lefs.anchors}
        choices = [(v, str(v)) for v in range(int(lefs.min), int(lefs.max or 0) + 1)]
        self.lefs_anchors = [(value, anchors.get(value, "")) for value, _text in choices]
        for number, item in enumerate(lefs.items, 1):
            self._add(
                f"lefs-{item.id}",
                forms.IntegerField(
                    label=item.wording, required=False, widget=forms.RadioSelect(choices=choices)
                ),
                f"{lefs.abbreviation} {number}: {item.wording}",
            )

    def _add_psfs(self) -> None:
        psfs = self.pathway.measure(PSFS)
        chosen = psfs.patient_chosen_items
        self.psfs_count = chosen.max_count if chosen else 0
        for n in range(1, self.psfs_count + 1):
            self._add(
                f"psfs-{n}-name",
                forms.CharField(label=_("What the activity is"), max_length=200, required=False),
                _("PSFS activity %(n)s") % {"n": n},
            )
            self._add(
                f"psfs-{n}-rating",
                forms.IntegerField(
                    label=_("Rating (%(low)s to %(high)s)") % {"low": psfs.min, "high": psfs.max},
                    required=False,
                    widget=_number(psfs.min, psfs.max),
                ),
                _("PSFS activity %(n)s, rating") % {"n": n},
            )

    def _add_trigger_points(self) -> None:
        choices = [("", _("None")), *((k, _label(KIND_LABELS, k)) for k in TRIGGER_POINT_KINDS.ids)]
        for muscle in self.pathway.session.muscles:
            for side in TRIGGER_POINT_SIDES.ids:
                side_label = _label(SIDE_LABELS, side)
                self._add(
                    f"tp-{muscle.id}-{side}",
                    forms.CharField(
                        label=side_label,
                        required=False,
                        widget=forms.Select(choices=choices),
                    ),
                    _("Trigger point: %(muscle)s, %(side)s")
                    % {"muscle": muscle.name, "side": side_label},
                )

    # What the template shows

    def _bound(self, *names: str) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def special_tests(self) -> list[Row]:
        return [
            Row(test, self._bound(*(f"test-{test.id}-{side}" for side in test.sides)))
            for test in self.pathway.examination.special_tests
        ]

    def movements(self) -> list[Row]:
        return [
            Row(m, self._bound(*(f"rom-{m.id}-{side}" for side in m.sides)))
            for m in self.pathway.examination.range_of_motion
        ]

    def pain_fields(self) -> list[forms.BoundField]:
        return self._bound(*(f"pain-{rating}" for rating in PAIN_RATINGS.ids))

    def lefs_items(self) -> list[tuple[forms.BoundField, list[tuple[Any, str]]]]:
        """Each LEFS item's field, with its radios beside the anchor each stands for."""
        return [
            (
                bound,
                list(
                    zip(bound.subwidgets, (label for _v, label in self.lefs_anchors), strict=True)
                ),
            )
            for bound in self._bound(*(f"lefs-{i.id}" for i in self.pathway.measure(LEFS).items))
        ]

    def lefs_started(self) -> bool:
        """Whether any LEFS item has a value or an error (the section is then shown open)."""
        return any(
            bound.value() not in (None, "") or bound.errors for bound, _radios in self.lefs_items()
        ) or bool(self.section_errors()["lefs"])

    def psfs_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (n, self[f"psfs-{n}-name"], self[f"psfs-{n}-rating"])
            for n in range(1, self.psfs_count + 1)
        ]

    def trigger_point_rows(self) -> list[Row]:
        return [
            Row(m, self._bound(*(f"tp-{m.id}-{side}" for side in TRIGGER_POINT_SIDES.ids)))
            for m in self.pathway.session.muscles
        ]

    def section_errors(self) -> dict[str, list[str]]:
        """The engine's refusals of a whole section, by section (`lefs`, `psfs`)."""
        found: dict[str, list[str]] = {key: [] for key in SECTION_KEYS}
        for error in self.non_field_errors().as_data():
            if error.code in found:
                found[error.code].extend(error.messages)
        return found

    def error_links(self) -> list[tuple[str, str]]:
        """(where to jump, what to say) for each error, in the page's order: a section the
        engine refused as a whole (`lefs`, `psfs`) is reached by its id."""
        return [
            (error.code if error.code in SECTION_KEYS else "", message)
            for error in self.non_field_errors().as_data()
            for message in error.messages
        ] + field_error_links(self, self.summary_labels)

    # Validation

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        onset_date = cleaned.get("onset_date")
        if onset_date and onset_date > timezone.localdate():
            self.add_error("onset_date", _("The date cannot be in the future."))
        if onset_date and cleaned.get("onset_weeks_ago") is not None:
            self.add_error("onset_weeks_ago", _("Give the date or the weeks, not both."))
        examination = self._examination_input(cleaned)
        try:
            validate_examination(self.pathway, examination)
        except ExaminationError as error:
            for key, said in error.problems.items():
                self._refuse(key, said.text)
        else:
            self.examination = examination
        return cleaned

    def _refuse(self, key: str, text: str) -> None:
        text = text[:1].upper() + text[1:]
        name = field_name(key)
        if name in self.fields:
            self.add_error(name, text)
        else:
            self.add_error(
                None, ValidationError(text, code=key if key in SECTION_KEYS else "engine")
            )

    def _examination_input(self, cleaned: Mapping[str, Any]) -> ExaminationInput:
        def by_side(prefix: str, items: Any, sides: Any = None) -> dict[str, dict[str, object]]:
            return {
                i.id: {s: cleaned.get(f"{prefix}-{i.id}-{s}") for s in (sides or i.sides)}
                for i in items
            }

        given: dict[str, Any] = {
            "special_tests": by_side("test", self.pathway.examination.special_tests),
            "range_of_motion": by_side("rom", self.pathway.examination.range_of_motion),
            "trigger_points": by_side("tp", self.pathway.session.muscles, TRIGGER_POINT_SIDES.ids),
            "pain": {r: cleaned.get(f"pain-{r}") for r in PAIN_RATINGS.ids},
            "lefs": {i.id: cleaned.get(f"lefs-{i.id}") for i in self.pathway.measure(LEFS).items},
        }
        self._add_posted_by_hand(given)
        return ExaminationInput(
            **given,
            sitting_minutes=cleaned.get("sitting_minutes"),
            psfs=[
                (cleaned.get(f"psfs-{n}-name") or "", cleaned.get(f"psfs-{n}-rating"))
                for n in range(1, self.psfs_count + 1)
            ],
            diagnosis_code=cleaned.get("diagnosis_code", ""),
            diagnosis_side=cleaned.get("diagnosis_side", ""),
        )

    def _add_posted_by_hand(self, given: dict[str, Any]) -> None:
        """Hand the engine the fields the form does not have, as posted, for it to refuse."""
        for name in self.data:
            prefix, dash, rest = name.partition("-")
            if not dash or name in self.fields:
                continue
            value = self.data.get(name)
            if prefix in BY_SIDE:
                item, _dash, side = rest.rpartition("-")
                given[BY_SIDE[prefix]].setdefault(item, {})[side] = value
            elif prefix in ("pain", "lefs"):
                given[prefix][rest] = value

    def history(self) -> dict[str, object]:
        """The history as stored with the assessment (JSON)."""
        data = self.cleaned_data
        onset_date = data.get("onset_date")
        return {
            "onset": data.get("onset", ""),
            "onset_date": onset_date.isoformat() if onset_date else "",
            "onset_weeks_ago": data.get("onset_weeks_ago"),
            "duration_weeks": data.get("duration_weeks"),
            "aggravating": data.get("aggravating", []),
            "aggravating_other": data.get("aggravating_other", ""),
            "easing": data.get("easing", []),
            "easing_other": data.get("easing_other", ""),
            "tried": data.get("tried", ""),
        }
