"""Forms of booking, patients' requests, schedules and appointment types. They validate and
convert what was sent; the rules that need the database are in `booking.py`,
`schedules.py` and `slots.py`."""

import datetime as dt
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fascia.clinics.models import Weekday
from fascia.typed_text import TypedTextField

from .models import AppointmentType
from .schedules import Hours
from .slots import Slot

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChooseForm(forms.Form):
    """Where and what to book, and from which day to show free times (sent by GET)."""

    clinic = forms.ModelChoiceField(
        label=_("Clinic"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your clinics.")},
    )
    type = forms.ModelChoiceField(
        label=_("Appointment"),
        queryset=AppointmentType.objects.filter(active=True),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the kinds of appointment listed.")},
    )
    day = forms.DateField(
        label=_("From"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter the day as a date, like 2027-03-01.")},
    )

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics


class SlotForm(forms.Form):
    """The free time chosen, among those offered, and a note for the appointment."""

    slot = forms.ChoiceField(
        label=_("Free times"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the free times."),
            "invalid_choice": _(
                "That time is no longer free. Choose another of the free times below."
            ),
        },
    )
    note = TypedTextField(
        label=_("Note for the appointment (optional)"),
        required=False,
        line_breaks=True,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, slots: list[Slot], **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = slots
        self.fields["slot"].choices = [(slot.key, slot.key) for slot in slots]

    def chosen(self) -> Slot:
        return next(slot for slot in self.slots if slot.key == self.cleaned_data["slot"])


class RequestForm(forms.Form):
    """A patient's choice on the enquiry confirmation page: the signed reference and the
    slot, sent as they were offered."""

    details = forms.CharField(max_length=200, error_messages={"required": "missing"})
    slot = TypedTextField(
        max_length=80,
        error_messages={"required": _("Choose one of the free times.")},
    )
    type = forms.IntegerField()


class DeclineForm(forms.Form):
    reason = TypedTextField(
        label=_("Why the request is declined"),
        max_length=200,
        error_messages={
            "required": _("Say why the request is declined: the clinic calls the patient with it.")
        },
    )


# Schedules.


class HoursForm(forms.Form):
    """One stretch of a practitioner's week, with an optional break inside it."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        coerce=int,
        empty_value=None,
        choices=[("", _("Choose a day")), *Weekday.choices],
        error_messages={"required": _("Choose a day.")},
    )
    starts = forms.TimeField(
        label=_("Starts"),
        widget=TIME_WIDGET,
        error_messages={
            "required": _("Enter when the stretch starts."),
            "invalid": _("Enter the start as hours and minutes, like 09:00."),
        },
    )
    ends = forms.TimeField(
        label=_("Ends"),
        widget=TIME_WIDGET,
        error_messages={
            "required": _("Enter when the stretch ends."),
            "invalid": _("Enter the end as hours and minutes, like 17:00."),
        },
    )
    break_starts = forms.TimeField(
        label=_("Break from"),
        required=False,
        widget=TIME_WIDGET,
        error_messages={"invalid": _("Enter the break's start as hours and minutes, like 13:00.")},
    )
    break_ends = forms.TimeField(
        label=_("Break until"),
        required=False,
        widget=TIME_WIDGET,
        error_messages={"invalid": _("Enter the break's end as hours and minutes, like 14:00.")},
    )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        break_starts, break_ends = data.get("break_starts"), data.get("break_ends")
        if starts is None or ends is None:
            return data
        if ends <= starts:
            self.add_error(
                "ends",
                ValidationError(
                    _("The stretch must end after it starts (%(starts)s)."),
                    code="ends_before_start",
                    params={"starts": f"{starts:%H:%M}"},
                ),
            )
            return data
        if (break_starts is None) != (break_ends is None):
            missing = "break_ends" if break_ends is None else "break_starts"
            self.add_error(
                missing,
                ValidationError(_("A break needs both a start and an end."), code="break_half"),
            )
        elif break_starts is not None and break_ends is not None:
            if break_ends <= break_starts:
                self.add_error(
                    "break_ends",
                    ValidationError(_("The break must end after it starts."), code="break_order"),
                )
            elif not (starts < break_starts and break_ends < ends):
                self.add_error(
                    "break_starts",
                    ValidationError(
                        _(
                            "The break must fall inside the working hours "
                            "(%(starts)s to %(ends)s), not at either end."
                        ),
                        code="break_outside",
                        params={"starts": f"{starts:%H:%M}", "ends": f"{ends:%H:%M}"},
                    ),
                )
        return data

    @property
    def hours(self) -> Hours:
        data = self.cleaned_data
        return Hours(
            data["weekday"], data["starts"], data["ends"], data["break_starts"], data["break_ends"]
        )


class BaseHoursFormSet(forms.BaseFormSet):
    """The week: several stretches a day may be given, but they may not overlap."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if forms.formsets.DELETION_FIELD_NAME in form.fields:
            form.fields[forms.formsets.DELETION_FIELD_NAME].label = _("Remove")

    def kept_forms(self) -> list[HoursForm]:
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]

    def clean(self):
        kept = self.kept_forms()
        if any(form.errors for form in kept):
            return
        ordered = sorted(kept, key=lambda form: (form.hours.weekday, form.hours.starts))
        for earlier, later in pairwise(ordered):
            first, second = earlier.hours, later.hours
            if first.weekday == second.weekday and second.starts < first.ends:
                later.add_error(
                    "starts",
                    ValidationError(
                        _(
                            "This overlaps %(day)s %(starts)s to %(ends)s. Stretches on the "
                            "same day may not overlap."
                        ),
                        code="overlap",
                        params={
                            "day": Weekday(first.weekday).label,
                            "starts": f"{first.starts:%H:%M}",
                            "ends": f"{first.ends:%H:%M}",
                        },
                    ),
                )

    def week(self) -> list[Hours]:
        return [form.hours for form in self.kept_forms()]


def hours_formset(data=None, *, current: list) -> BaseHoursFormSet:
    """The week's formset, filled with the current stretches and room for more."""
    initial = [
        {
            "weekday": row.weekday,
            "starts": row.starts,
            "ends": row.ends,
            "break_starts": row.break_starts,
            "break_ends": row.break_ends,
        }
        for row in current
    ]
    formset_class = forms.formset_factory(
        HoursForm,
        formset=BaseHoursFormSet,
        extra=3 if initial else 6,
        can_delete=True,
        can_delete_extra=False,
        max_num=28,
        validate_max=True,
    )
    return formset_class(data, initial=initial, prefix="hours")


class LeaveForm(forms.Form):
    first_day = forms.DateField(
        label=_("From"),
        widget=DATE_WIDGET,
        error_messages={
            "required": _("Enter the first day of leave."),
            "invalid": _("Enter the first day as a date, like 2027-03-01."),
        },
    )
    last_day = forms.DateField(
        label=_("To (inclusive)"),
        widget=DATE_WIDGET,
        error_messages={
            "required": _("Enter the last day of leave."),
            "invalid": _("Enter the last day as a date, like 2027-03-05."),
        },
    )
    every_clinic = forms.BooleanField(label=_("Away from every clinic"), required=False)
    reason = TypedTextField(label=_("Reason (optional)"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error(
                "last_day",
                ValidationError(
                    _("Leave cannot end before it starts (%(first)s)."),
                    code="ends_before_start",
                    params={"first": first.isoformat()},
                ),
            )
        if first and first < dt.date(2000, 1, 1):
            self.add_error("first_day", _("Enter a day from the year 2000 on."))
        return data


class AppointmentTypeForm(forms.ModelForm):
    name = TypedTextField(label=_("Name"), max_length=120)

    class Meta:
        model = AppointmentType
        fields = [
            "name",
            "kind",
            "minutes",
            "needs_dry_needling_credential",
            "bookable_by_patients",
            "active",
        ]
        error_messages = {
            "minutes": {
                "required": _("Enter how many minutes the appointment lasts."),
                "invalid": _("Enter the minutes as a whole number, like 30."),
            },
        }

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = AppointmentType.objects.filter(
            pathway_id=self.instance.pathway_id, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                _("There is already an appointment type called %(name)s."),
                code="taken",
                params={"name": name},
            )
        return name

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if not 5 <= minutes <= 480:
            raise ValidationError(
                _("An appointment lasts from 5 minutes to 8 hours (480 minutes)."),
                code="range",
            )
        return minutes
