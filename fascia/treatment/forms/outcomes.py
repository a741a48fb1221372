"""The forms of outcomes and discharge: measures re-taken at a session, and the discharge.

They only read what was typed; the engine scores the measures (`fascia.pathways.score`),
`outcomes.session_measures_record` stores them and `discharge.episode_discharge` the
discharge.
"""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fascia.pathways import Pathway, ScoreError, score
from fascia.pathways.examination import LEFS, PSFS
from fascia.records.forms.staff import StaffForm
from fascia.typed_text import TypedTextField

from ..discharge import advice_choices
from ..models import DischargeReason


class SessionMeasuresForm(StaffForm):
    """The LEFS items and a rating for each of the patient's own PSFS activities (those
    named at the assessment). Either measure, or both; a measure begun is completed."""

    def __init__(
        self, pathway: Pathway, activities: Sequence[str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pathway = pathway
        self.activities = list(activities)
        self.lefs = pathway.measure(LEFS)
        self.psfs = pathway.measure(PSFS)
        lefs_values = range(int(self.lefs.min), int(self.lefs.max or 0) + 1)
        self.lefs_choices = [(v, str(v)) for v in lefs_values]
        anchors = {int(a.value): a.label for a in self.lefs.anchors}
        self.lefs_anchors = [anchors.get(v, "") for v in lefs_values]
        for item in self.lefs.items:
            self.fields[f"lefs-{item.id}"] = forms.IntegerField(
                label=item.wording,
                required=False,
                widget=forms.RadioSelect(choices=self.lefs_choices),
            )
        low, high = self.psfs.min, self.psfs.max
        for n, activity in enumerate(self.activities, 1):
            self.fields[f"psfs-{n}"] = forms.IntegerField(
                label=activity,
                help_text=_("%(low)s to %(high)s") % {"low": low, "high": high},
                required=False,
                min_value=int(low),
                max_value=int(high) if high is not None else None,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.lefs_answers: dict[str, int] = {}
        self.psfs_answers: dict[str, int] = {}

    def lefs_items(self) -> list[tuple[forms.BoundField, list[tuple[Any, str]]]]:
        """Each LEFS item's field, with its radios beside the anchor each stands for."""
        return [
            (bound, list(zip(bound.subwidgets, self.lefs_anchors, strict=True)))
            for bound in (self[f"lefs-{item.id}"] for item in self.lefs.items)
        ]

    def psfs_fields(self) -> list[forms.BoundField]:
        return [self[f"psfs-{n}"] for n in range(1, len(self.activities) + 1)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        lefs = {
            item.id: cleaned[f"lefs-{item.id}"]
            for item in self.lefs.items
            if cleaned.get(f"lefs-{item.id}") is not None
        }
        if lefs:
            try:
                score(self.lefs, lefs)
            except ScoreError as error:
                self.add_error(None, forms.ValidationError(str(error), code="lefs"))
            else:
                self.lefs_answers = lefs
        psfs = {
            activity: cleaned[f"psfs-{n}"]
            for n, activity in enumerate(self.activities, 1)
            if cleaned.get(f"psfs-{n}") is not None
        }
        if psfs:
            for n, activity in enumerate(self.activities, 1):
                name = f"psfs-{n}"
                if activity not in psfs and name not in self.errors:
                    self.add_error(
                        name,
                        _("Rate this activity too, so the PSFS compares the same activities."),
                    )
            if len(psfs) == len(self.activities):
                self.psfs_answers = psfs
        if not lefs and not psfs and not self.errors:
            raise forms.ValidationError(
                _("Answer the LEFS items or rate the PSFS activities (or both)."), code="empty"
            )
        return cleaned


ADVICE_FIELDS = {
    "ergonomic": (
        _("Posture and sitting"),
        _("The pathway's ergonomic advice, written into the summary as it stands."),
    ),
    "exercise": (
        _("Home exercises"),
        _("With the dosage of the patient's programme where they have one, else the pathway's."),
    ),
    "aftercare": (_("Aftercare of dry needling"), _("The pathway's aftercare advice.")),
}
"""The advice for staying well, one group of the pathway's advice per field."""


class DischargeForm(StaffForm):
    reason = forms.ChoiceField(
        label=_("Reason for discharge"), choices=DischargeReason.choices, widget=forms.RadioSelect
    )
    summary = TypedTextField(
        label=_("Summary"),
        help_text=_("The care given and where the patient is now."),
        line_breaks=True,
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    advice_other = TypedTextField(
        label=_("Other advice"),
        line_breaks=True,
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, pathway: Pathway, programme: dict[str, str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choices = advice_choices(pathway, programme)
        for kind, (label, help_text) in ADVICE_FIELDS.items():
            mine = [c for c in self.choices if c.kind == kind]
            self.fields[kind] = forms.MultipleChoiceField(
                label=label,
                help_text=help_text,
                choices=[(c.id, c.text) for c in mine],
                initial=[c.id for c in mine if c.suggested],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.order_fields(["reason", "summary", *ADVICE_FIELDS, "advice_other"])

    def advice_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in ADVICE_FIELDS]

    def chosen_advice(self) -> list[str]:
        """The ids of the advice chosen, in every group."""
        return [id_ for kind in ADVICE_FIELDS for id_ in self.cleaned_data.get(kind, [])]
