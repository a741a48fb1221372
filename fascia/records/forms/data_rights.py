"""Forms of a patient's data rights: correcting their details with a reason, amendments to
clinical text, consent to be contacted, and requests about their data. Validation only."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fascia.typed_text import TypedTextField

from ..actions import patient_changes
from ..models import DataRequestKind, DataRequestOutcome, Patient
from .patients import PatientForm
from .staff import StaffForm

REASON_MAX_LENGTH = 2000
TEXT_MAX_LENGTH = 5000


CORRECTION_REASON_REQUIRED = _("Say why this is being corrected.")


def _reason_field(label, required_message=CORRECTION_REASON_REQUIRED):
    return TypedTextField(
        label=label,
        line_breaks=True,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": required_message},
    )


def _requested_by_patient_field() -> forms.BooleanField:
    return forms.BooleanField(label=_("The patient asked for this correction"), required=False)


class PatientCorrectionForm(PatientForm):
    """The patient's details, and why they are changed: every change is a correction that
    keeps the value it replaces."""

    reason = _reason_field(_("Why the details are changed"))
    requested_by_patient = _requested_by_patient_field()

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["reason"].required = False
        self.fields["reason"].help_text = _(
            "Needed when anything changes: for example “the patient gave a new number”. "
            "What each detail was is kept."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or data.get("reason"):
            return data
        if patient_changes(self.patient, self.changes()):
            self.add_error(
                "reason",
                ValidationError(
                    _("Say why the details are changed: what each was is kept with the reason."),
                    code="required",
                ),
            )
        return data


class AmendmentForm(StaffForm):
    """A correction attached to clinical text, which itself is never rewritten."""

    corrected = TypedTextField(
        label=_("What it should say"),
        line_breaks=True,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write what the record should say.")},
    )
    reason = _reason_field(_("Why it is corrected"))
    requested_by_patient = _requested_by_patient_field()

    def __init__(self, *args, original: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.original = original

    def clean_corrected(self) -> str:
        corrected = self.cleaned_data["corrected"].strip()
        if corrected == self.original.strip():
            raise ValidationError(
                _("This is what the record already says: write the correction."),
                code="unchanged",
            )
        return corrected


class ScreeningAmendmentForm(AmendmentForm):
    """A correction to one answer of a screening: the answer chosen from those given."""

    question = forms.ChoiceField(
        label=_("The answer to correct"),
        error_messages={
            "required": _("Choose the answer to correct."),
            "invalid_choice": _("Choose one of the answers offered."),
        },
    )
    field_order = ["question", "corrected", "reason", "requested_by_patient"]

    def __init__(self, *args, answers: dict[str, tuple[str, str]], **kwargs):
        """`answers`: question id → (the question, the answer as stored, in words)."""
        super().__init__(*args, original="", **kwargs)
        self.answers = answers
        self.fields["question"].choices = [
            ("", _("Choose an answer")),
            *((qid, f"{text}: {answer}") for qid, (text, answer) in answers.items()),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        question, corrected = data.get("question"), data.get("corrected")
        if question and corrected and corrected == self.answers[question][1]:
            self.add_error(
                "corrected",
                ValidationError(
                    _("This is the answer already recorded: write the correction."),
                    code="unchanged",
                ),
            )
        return data


class ContactConsentForm(StaffForm):
    prefix = "consent"
    confirmed = forms.BooleanField(
        label=_(
            "The patient has read or been told the privacy notice for patients and agrees to "
            "be contacted by the clinic"
        ),
        error_messages={"required": _("Tick the box once the patient has agreed.")},
    )


REQUEST_KINDS = [
    (kind.value, kind.label) for kind in DataRequestKind if kind != DataRequestKind.ERASURE
]


class DataRequestForm(StaffForm):
    """A request the patient made: a copy, a correction or a grievance (erasure has its own
    button, since its outcome is decided by the record)."""

    prefix = "request"

    kind = forms.ChoiceField(
        label=_("What the patient asked for"),
        choices=REQUEST_KINDS,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what the patient asked for."),
            "invalid_choice": _("Choose one of the options offered."),
        },
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=DataRequestOutcome.choices,
        initial=DataRequestOutcome.OPEN,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the outcome."),
            "invalid_choice": _("Choose one of the outcomes offered."),
        },
    )
    reason = _reason_field(_("Details"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False
        self.fields["reason"].help_text = _(
            "What was asked and what was done; needed for a refusal. No clinical details."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") == DataRequestOutcome.REFUSED and not data.get("reason"):
            self.add_error(
                "reason",
                ValidationError(_("Give the reason the request is refused."), code="required"),
            )
        return data


class DataRequestCloseForm(StaffForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (DataRequestOutcome.DONE.value, DataRequestOutcome.DONE.label),
            (DataRequestOutcome.REFUSED.value, DataRequestOutcome.REFUSED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the outcome."),
            "invalid_choice": _("Choose one of the outcomes offered."),
        },
    )
    reason = _reason_field(
        _("What was done, or why it is refused"), _("Say what was done, or why it is refused.")
    )


class ErasureForm(StaffForm):
    prefix = "erasure"
    confirmed = forms.BooleanField(
        label=_("The patient asked for their personal details to be erased"),
        error_messages={"required": _("Tick the box to confirm that the patient asked.")},
    )


class ExportForm(StaffForm):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("pdf", _("PDF: to read or print, for the patient")),
            ("json", _("JSON: for another system")),
        ],
        initial="pdf",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the format of the copy."),
            "invalid_choice": _("Choose one of the formats offered."),
        },
    )
    requested_by_patient = forms.BooleanField(
        label=_("The patient asked for this copy (it is recorded as their request, done)"),
        required=False,
    )
