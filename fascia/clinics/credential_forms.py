"""The form for adding a credential. Validation only: the change is `credentials.credential_add`.

The evidence file is judged by its content (its first bytes say PDF, JPEG or PNG) and its
name must agree; anything else, or anything larger than 5 MB, is refused by name.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fascia.typed_text import TypedTextField

from .credentials import (
    EVIDENCE_MAX_BYTES,
    CredentialDetails,
    evidence_type_for_name,
    evidence_type_of,
)
from .models import CredentialKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CredentialForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=CredentialKind.choices,
        widget=forms.RadioSelect,
        help_text=_("Only a dry-needling credential lets a physiotherapist record needling."),
        error_messages={"required": _("Choose the kind of credential.")},
    )
    title = TypedTextField(
        label=_("Title"),
        max_length=120,
        help_text=_("As on the certificate, for example: Dry needling — level 1."),
        error_messages={"required": _("Write the credential's title.")},
    )
    issuer = TypedTextField(
        label=_("Issued by"),
        max_length=160,
        error_messages={"required": _("Write who issued the credential.")},
    )
    number = TypedTextField(label=_("Certificate number"), max_length=80, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=DateInput(),
        error_messages={
            "required": _("Give the date the credential is valid from."),
            "invalid": _("Give the date as day, month and year."),
        },
    )
    valid_to = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty if it does not expire."),
        error_messages={"invalid": _("Give the date as day, month and year.")},
    )
    evidence = forms.FileField(
        label=_("Evidence (the certificate)"),
        required=False,
        help_text=_("A PDF, JPEG or PNG file of 5 MB or less."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        if upload.size > EVIDENCE_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than 5 MB. Send a smaller scan or photo."), code="too_large"
            )
        named = evidence_type_for_name(upload.name)
        if named is None:
            raise ValidationError(
                _("Send a PDF, JPEG or PNG file (its name ends .pdf, .jpg, .jpeg or .png)."),
                code="file_type",
            )
        upload.seek(0)
        sniffed = evidence_type_of(upload.read(16))
        upload.seek(0)
        if sniffed != named:
            raise ValidationError(
                _("This file is not a real %(kind)s file. Send a PDF, JPEG or PNG file.")
                % {"kind": named.name},
                code="file_content",
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date must be on or after the start date."))
        return cleaned

    def details(self) -> CredentialDetails:
        data = self.cleaned_data
        return CredentialDetails(
            kind=data["kind"],
            title=data["title"],
            issuer=data["issuer"],
            number=data["number"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )
