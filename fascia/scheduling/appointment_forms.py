"""The forms of the appointment page: a change of status, with a reason to cancel."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fascia.records.forms.staff import StaffForm
from fascia.typed_text import TypedTextField

from .models import AppointmentStatus


class StatusForm(StaffForm):
    status = forms.ChoiceField(
        choices=AppointmentStatus.choices,
        error_messages={
            "required": _("Choose what happened."),
            "invalid_choice": _("That is not a status an appointment can have."),
        },
    )
    reason = TypedTextField(
        label=_("Reason for cancelling"),
        max_length=200,
        required=False,
        help_text=_("Needed to cancel, such as “the patient called: unwell”."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == AppointmentStatus.CANCELLED and not cleaned.get("reason"):
            self.add_error("reason", _("Say why the appointment is cancelled."))
        return cleaned
