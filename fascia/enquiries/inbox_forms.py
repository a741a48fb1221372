"""Forms of the staff inbox: validation only."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EITHER_CLINIC, Note, Status


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date picker sends and expects ISO dates, whatever the language.
        super().__init__(attrs, format="%Y-%m-%d")


class InboxForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Labels are styled on their own line: no colon after them.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InboxFilterForm(InboxForm):
    """The filters of the inbox list and of its CSV export, read from the query string."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All except spam")), *Status.choices],
    )
    clinic = forms.ChoiceField(label=_("Clinic"), required=False)
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput)
    received_to = forms.DateField(label=_("Received to"), required=False, widget=DateInput)
    search = forms.CharField(
        label=_("Name, phone or reference"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, clinics: Iterable[Any], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].choices = [
            ("", _("Any")),
            (EITHER_CLINIC, _("Either clinic (no preference given)")),
            *((str(clinic.pk), clinic.name) for clinic in clinics),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("This date is before the “from” date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The filters that are valid; one with a mistake is left out, and its error shown."""
        self.is_valid()
        return self.cleaned_data


class StatusForm(InboxForm):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the new status."),
            "invalid_choice": _("Choose one of the statuses offered."),
        },
    )

    def __init__(self, *args, offered: Iterable[Status] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the allowed moves, but accept any status: the action owns the rules,
        # and its refusal explains itself better than "not one of the choices" would.
        self.fields["status"].widget.choices = [(status.value, status.label) for status in offered]


class NoteForm(InboxForm):
    text = forms.CharField(
        label=_("Add a note"),
        max_length=Note._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For the team: what was said on the phone, what happens next."),
        error_messages={"required": _("Write the note before adding it.")},
    )
