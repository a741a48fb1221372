"""Forms of the staff's screening pages: sending a private link, judging, acknowledging.

The clinician's screening is asked with the questions form the patient's link uses
(`forms/questions.py`), worded for the clinician.

The private link's token is never stored. The page that shows it once carries it, signed
and short-lived, in the form that emails it (`seal_token` / `LinkEmailForm`), so that the
email can be sent from that page and from nowhere else.
"""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import Judgement, LinkKind, PatientLink, token_digest
from ..screening import NOTE_MAX_LENGTH
from .staff import StaffForm, no_control_characters

SEAL_MAX_AGE = 30 * 60
"""How long, in seconds, the page showing a new link can still email it."""


def _seal_salt(link: PatientLink) -> str:
    return f"fascia.records.patient-link-email.{link.pk}"


def seal_token(link: PatientLink, token: str) -> str:
    """The token of `link`, signed for its email form (see `LinkEmailForm`)."""
    return signing.dumps(token, salt=_seal_salt(link))


class LinkCreateForm(StaffForm):
    kind = forms.ChoiceField(
        label=_("What the patient is asked to fill in"),
        choices=LinkKind.choices,
        initial=LinkKind.SCREENING,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what the link is for."),
            "invalid_choice": _("Choose one of the kinds of link offered."),
        },
    )


class LinkEmailForm(StaffForm):
    """Reads back the token that the page showing a new link signed into it."""

    sealed = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, link: PatientLink, **kwargs):
        super().__init__(*args, **kwargs)
        self.link = link

    def clean_sealed(self) -> str:
        try:
            token = signing.loads(
                self.cleaned_data["sealed"], salt=_seal_salt(self.link), max_age=SEAL_MAX_AGE
            )
        except signing.SignatureExpired:
            raise ValidationError(
                _("That page is too old to send the link from. Create a new link."),
                code="expired",
            ) from None
        except signing.BadSignature:
            raise ValidationError(
                _("The link could not be read back. Create a new link."), code="invalid"
            ) from None
        if not isinstance(token, str) or token_digest(token) != self.link.token_sha256:
            raise ValidationError(
                _("The link could not be read back. Create a new link."), code="invalid"
            )
        return token


class JudgementForm(StaffForm):
    screening = forms.IntegerField(widget=forms.HiddenInput)
    """The screening the physiotherapist read and judges."""
    judgement = forms.ChoiceField(
        label=_("Your judgement"),
        choices=Judgement.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose your judgement."),
            "invalid_choice": _("Choose one of the judgements offered."),
        },
    )
    reason = forms.CharField(
        label=_("Your reason"),
        help_text=_("Your clinical reasoning, as you would write it in the notes."),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[no_control_characters],
        error_messages={"required": _("Give the reason for your judgement.")},
    )


class AlertAcknowledgeForm(StaffForm):
    note = forms.CharField(
        label=_("What was done"),
        help_text=_("For example: called the patient and advised the emergency department."),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_control_characters],
        error_messages={"required": _("Write what was done about the alert.")},
    )
