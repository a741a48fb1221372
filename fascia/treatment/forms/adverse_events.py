"""Forms of the adverse-event pages: recording (or confirming) an event, dismissing a draft,
and the register's filters. Validation only: the rules are `fascia.treatment.adverse_events`.

Types and severities are radio buttons taken from the pathway, to tap; a severity left at
"usual" is the type's own from the pathway."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.clinics.models import Clinic
from fascia.pathways import Pathway
from fascia.records.forms.patients import DateInput
from fascia.records.forms.staff import StaffForm
from fascia.records.screening import NOTE_MAX_LENGTH
from fascia.typed_text import TypedTextField

from ..adverse_events import (
    AdverseEventDetails,
    adverse_event_problems,
    event_types,
    filters_problems,
    severities,
)
from ..models import AdverseEvent, TreatmentSession

DURING = "during"
LATER = "later"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _note(label, *, required: bool = False, **kwargs: Any) -> TypedTextField:
    return TypedTextField(
        label=label,
        line_breaks=True,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


class AdverseEventForm(StaffForm):
    kind = forms.ChoiceField(
        label=_("Type"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the type of adverse event.")},
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        widget=forms.RadioSelect,
        required=False,
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=((DURING, _("During the session")), (LATER, _("Reported after the session"))),
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether it happened during the session or later.")},
    )
    noticed_at = forms.DateTimeField(
        label=_("When it happened or was reported"),
        widget=DateTimeInput,
        error_messages={
            "required": _("Give the date and time it happened or was reported."),
            "invalid": _("Enter a date and a time, such as 3 November 2026, 17:00."),
        },
    )
    description = _note(
        _("What happened"),
        required=True,
        error_messages={"required": _("Write what happened.")},
    )
    action_taken = _note(_("What was done"))
    outcome = _note(_("Outcome"), help_text=_("How it ended, or how the patient is now."))

    def __init__(
        self, *args: Any, pathway: Pathway, session: TreatmentSession, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pathway = pathway
        self.session = session
        levels = severities(pathway)
        self.fields["kind"].choices = [
            (
                kind.id,
                _("%(name)s (usually %(severity)s)")
                % {"name": kind.name, "severity": levels[kind.default_severity].name.lower()},
            )
            for kind in event_types(pathway).values()
        ]
        self.fields["severity"].choices = [("", _("The type's usual severity"))] + [
            (level.id, f"{level.name}: {level.description}") for level in levels.values()
        ]
        self.initial.setdefault("severity", "")
        self.initial.setdefault("when", DURING if not session.is_signed else LATER)
        self.initial.setdefault("noticed_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        problems = adverse_event_problems(
            self.pathway, self.session, self.details(), now=timezone.now()
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return cleaned

    def details(self) -> AdverseEventDetails:
        data = self.cleaned_data
        return AdverseEventDetails(
            kind=data["kind"],
            severity=data.get("severity", ""),
            during_session=data["when"] == DURING,
            noticed_at=data["noticed_at"],
            description=data["description"],
            action_taken=data.get("action_taken", ""),
            outcome=data.get("outcome", ""),
        )

    @classmethod
    def initial_of(cls, event: AdverseEvent) -> dict[str, Any]:
        """The form filled in with a draft event, to confirm or correct."""
        return {
            "kind": event.kind,
            "severity": event.severity,
            "when": DURING if event.during_session else LATER,
            "noticed_at": timezone.localtime(event.noticed_at).replace(second=0, microsecond=0),
            "description": event.description,
            "action_taken": event.action_taken,
            "outcome": event.outcome,
        }


class DismissForm(StaffForm):
    reason = _note(
        _("Why this is not an adverse event"),
        required=True,
        error_messages={"required": _("Say why this is not an adverse event.")},
    )


class RegisterFilterForm(StaffForm):
    clinic = forms.ModelChoiceField(
        label=_("Clinic"),
        queryset=Clinic.objects.none(),
        required=False,
        empty_label=_("All your clinics"),
        error_messages={"invalid_choice": _("Choose one of your clinics.")},
    )
    kind = forms.ChoiceField(label=_("Type"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    start = forms.DateField(
        label=_("Sessions from"),
        widget=DateInput,
        error_messages={
            "required": _("Give the first day of the period."),
            "invalid": _("Give the date as day, month and year."),
        },
    )
    end = forms.DateField(
        label=_("Sessions until"),
        widget=DateInput,
        error_messages={
            "required": _("Give the last day of the period."),
            "invalid": _("Give the date as day, month and year."),
        },
    )

    def __init__(self, *args: Any, pathway: Pathway, clinics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pathway = pathway
        self.fields["clinic"].queryset = clinics
        self.fields["kind"].choices = [("", _("All types"))] + [
            (kind.id, kind.name) for kind in event_types(pathway).values()
        ]
        self.fields["severity"].choices = [("", _("All severities"))] + [
            (level.id, level.name) for level in severities(pathway).values()
        ]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        problems = filters_problems(
            self.pathway,
            kind=cleaned["kind"],
            severity=cleaned["severity"],
            start=cleaned["start"],
            end=cleaned["end"],
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return cleaned
