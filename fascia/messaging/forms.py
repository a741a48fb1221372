"""The form of the messages pages: what was done about a message. Validation only: the
rules are `fascia.messaging.attention`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fascia.records.forms.staff import StaffForm
from fascia.typed_text import TypedTextField

from .models import Message

NOTE_MAX_LENGTH = Message._meta.get_field("resolution").max_length


class ResolveForm(StaffForm):
    note = TypedTextField(
        label=_("What was done"),
        help_text=_("For example: phoned the patient and gave them the time of their visit."),
        line_breaks=True,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done about this message.")},
    )
