"""Forms of the consent page: recording consent, and withdrawing it. Validation only: what
the pathway requires is `fascia.records.consent.consent_problems`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fascia.pathways import ConsentRequirements

from ..consent import ConsentDetails, consent_problems
from ..screening import NOTE_MAX_LENGTH
from .staff import StaffForm, no_control_characters


class ConsentForm(StaffForm):
    patient_confirmed = forms.BooleanField(
        label=_(
            "The patient has read or been told this text, had their questions answered, and "
            "consents to dry needling"
        ),
        error_messages={"required": _("Tick the box once the patient has confirmed.")},
    )
    interpreter_name = forms.CharField(
        label=_("Interpreter's name"),
        max_length=200,
        required=False,
        validators=[no_control_characters],
    )
    interpreter_language = forms.CharField(
        label=_("Language interpreted"),
        max_length=50,
        required=False,
        validators=[no_control_characters],
    )
    guardian_name = forms.CharField(
        label=_("Parent's or guardian's name"),
        max_length=200,
        required=False,
        validators=[no_control_characters],
    )
    guardian_relationship = forms.CharField(
        label=_("Relationship to the patient"),
        help_text=_("For example: mother, father, legal guardian."),
        max_length=100,
        required=False,
        validators=[no_control_characters],
    )

    def __init__(self, *args, requirements: ConsentRequirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.requirements = requirements
        needed = []
        if requirements.interpreter:
            needed += ["interpreter_name", "interpreter_language"]
        if requirements.guardian:
            needed += ["guardian_name", "guardian_relationship"]
        for name in needed:
            self.fields[name].widget.attrs["required"] = True

    def clean(self):
        cleaned = super().clean()
        for field, message in consent_problems(self.requirements, self.details()).items():
            if field not in self.errors:
                self.add_error(field or None, message)
        return cleaned

    def details(self) -> ConsentDetails:
        data = self.cleaned_data
        return ConsentDetails(
            patient_confirmed=bool(data.get("patient_confirmed")),
            **{
                name: data.get(name, "")
                for name in (
                    "interpreter_name",
                    "interpreter_language",
                    "guardian_name",
                    "guardian_relationship",
                )
            },
        )


class WithdrawalForm(StaffForm):
    reason = forms.CharField(
        label=_("Why the patient withdrew their consent"),
        help_text=_("In their words, or write that they gave no reason."),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_control_characters],
        error_messages={"required": _("Give the reason the patient gave, or that none was given.")},
    )
