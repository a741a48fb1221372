"""Forms of the staff inbox: validation only."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.accounts.models import User
from fascia.typed_text import has_control_characters

from .models import EITHER_CLINIC, CallAttempt, CallOutcome, Note, Status
from .queries import ASSIGNED_TO_ME, NOT_ASSIGNED, SORT_BY_DUE

# How far ahead a call back may be set: further than this is a typing mistake.
FURTHEST_CALL_BACK = timedelta(days=60)


def validate_typed_text(value: str) -> None:
    """Refuse control characters (other than line breaks and tabs) and direction overrides:
    nobody types them, and they can hide or reorder what a note says."""
    if has_control_characters(value, line_breaks=True):
        raise ValidationError(
            _("The note contains a control character; type it again without pasting."),
            code="control_characters",
        )


def validate_call_back_time(value: datetime) -> None:
    now = timezone.now()
    if value <= now:
        raise ValidationError(_("Choose a time that has not passed yet."), code="past")
    if value > now + FURTHEST_CALL_BACK:
        raise ValidationError(_("Choose a time within the next 60 days."), code="too_far")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


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
    assigned = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=[
            ("", _("Anyone or no one")),
            (ASSIGNED_TO_ME, _("Me")),
            (NOT_ASSIGNED, _("No one")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("Newest first")), (SORT_BY_DUE, _("Call back due soonest first"))],
    )
    overdue = forms.BooleanField(label=_("Only overdue call backs"), required=False)

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


class AssignForm(InboxForm):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No one"),
        error_messages={"invalid_choice": _("Choose one of the colleagues offered.")},
    )

    def __init__(self, *args, colleagues: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = colleagues
        self.fields["assignee"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )


class CallbackDueForm(InboxForm):
    callback_due_at = forms.DateTimeField(
        label=_("Call back by"),
        widget=DateTimeInput,
        validators=[validate_call_back_time],
        error_messages={
            "required": _("Choose the date and time to call back by."),
            "invalid": _("Enter a date and a time, such as 3 November 2026, 17:00."),
        },
    )


NOTE_LENGTH = CallAttempt._meta.get_field("note").max_length


class CallForm(InboxForm):
    """One call and how it went, in one step."""

    outcome = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=CallOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the call went."),
            "invalid_choice": _("Choose one of the call outcomes offered."),
        },
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_LENGTH,
        validators=[validate_typed_text],
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": _(
                "The note is too long: at most %(limit_value)d characters (it has %(show_value)d)."
            )
        },
    )
    next_call_by = forms.DateTimeField(
        label=_("Call again by (optional)"),
        required=False,
        widget=DateTimeInput,
        validators=[validate_call_back_time],
        help_text=_("For “call back later”, empty means in two hours."),
        error_messages={"invalid": _("Enter a date and a time, such as 3 November 2026, 17:00.")},
    )


class NoteForm(InboxForm):
    text = forms.CharField(
        label=_("Add a note"),
        max_length=Note._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For the team: what was said on the phone, what happens next."),
        error_messages={"required": _("Write the note before adding it.")},
    )
