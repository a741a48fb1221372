import copy
import functools
import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from fascia import phone_numbers
from fascia.accounts.models import OrganisationRole
from fascia.typed_text import TypedTextField, has_control_characters

from .actions import email_taken_message
from .hours import Stretch, overlaps
from .models import Clinic, Role, Weekday
from .permissions import can_use_app
from .queries import existing_account


class StaffAuthenticationForm(AuthenticationForm):
    """Sign-in for the staff area, with a username or an email address.

    An account with no role in any clinic (a content editor, say) is told so, not let in.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_role": _(
            "This account has no role in any clinic, so it cannot use the staff area. "
            "Ask your clinic manager for access."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or email address")

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not can_use_app(user):
            raise ValidationError(self.error_messages["no_role"], code="no_role")


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or a recovery code (the actions judge it)."""

    code = TypedTextField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
        error_messages={"required": _("Type the code from your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class SecondFactorSetupForm(forms.Form):
    code = TypedTextField(
        label=_("Code from your app"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows for Fascia now."),
        error_messages={"required": _("Type the 6-digit code your app shows now.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def validate_plain_name(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError(
            _("Use letters, spaces and punctuation only (no control characters)."),
            code="control_characters",
        )


class StaffAddForm(forms.Form):
    """A new staff member and their first role. `clinics` are those the user may add to."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, validators=[validate_plain_name]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, required=False, validators=[validate_plain_name]
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=150,
        help_text=_("The invitation is sent here; it is also how they sign in."),
    )
    clinic = forms.ModelChoiceField(label=_("Clinic"), queryset=Clinic.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["clinic"].empty_label = _("Choose a clinic")
        self.fields["email"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.existing_member = None

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.existing_member = existing_account(email)
        if self.existing_member is not None:
            raise ValidationError(email_taken_message(), code="taken")
        return email


class MembershipForm(forms.Form):
    """A role in a clinic, for an existing staff member."""

    clinic = forms.ModelChoiceField(label=_("Clinic"), queryset=Clinic.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["clinic"].empty_label = _("Choose a clinic")


class OrganisationRoleForm(forms.Form):
    organisation_role = forms.ChoiceField(
        label=_("Organisation role"),
        choices=OrganisationRole.choices,
        required=False,
        help_text=_(
            "Administrators manage staff and clinics everywhere; content editors work on "
            "the website only."
        ),
    )


class ExistingMemberForm(MembershipForm):
    """A role in a clinic for the staff member who already has `email` (offered when an
    added person turns out to have an account)."""

    email = forms.EmailField(max_length=150, widget=forms.HiddenInput)

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.member = existing_account(email)
        if self.member is None:
            raise ValidationError(_("No staff account has this email address."), code="unknown")
        return email


# Clinics


class ClinicPhoneField(PhoneNumberField):
    """django-phonenumber-field's field (region India), read by `fascia.phone_numbers` so
    that each kind of mistake gets the enquiry form's specific message."""

    def __init__(self, *, required_message, **kwargs):
        self.required_message = required_message
        kwargs.setdefault("error_messages", {"required": required_message})
        super().__init__(
            region=phone_numbers.region(), max_length=phone_numbers.MAX_INPUT + 10, **kwargs
        )
        self.widget.input_type = "tel"
        self.widget.attrs.update(inputmode="tel", autocomplete="off")

    def to_python(self, value):
        if value in self.empty_values:
            return ""
        return phone_numbers.parse_phone(value, required_message=self.required_message)

    def validate(self, value):
        forms.Field.validate(self, value)


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


PLAIN_TEXT_FIELDS = ("name", "city", "street_address", "locality", "region", "postal_code")


class ClinicForm(forms.ModelForm):
    """A clinic's details; only the fields in `editable` (`permissions.clinic_fields_for`).

    Validation only: it checks a copy of `instance`, which stays as it was; the change is
    made by `actions.clinic_create` or `clinic_update` from `cleaned_data`.
    """

    phone = ClinicPhoneField(
        label=_("Phone"),
        required_message=_("Enter the clinic's phone number."),
        help_text=_(
            "The number patients call, like 89510 47001 or 080 4567 8901. For a number "
            "outside India, start with + and the country code."
        ),
    )
    whatsapp = ClinicPhoneField(
        label=_("WhatsApp number (optional)"),
        required=False,
        required_message=_("Enter the clinic's WhatsApp number."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        initial="Asia/Kolkata",
        help_text=_("The opening hours are in this time zone."),
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "slug",
            "city",
            "street_address",
            "locality",
            "region",
            "postal_code",
            "address_is_placeholder",
            "phone",
            "whatsapp",
            "email",
            "time_zone",
        ]
        labels = {
            "locality": _("Locality (optional)"),
            "postal_code": _("PIN code (optional)"),
            "email": _("Email address (optional)"),
        }
        help_texts = {
            "name": _("As patients see it, like “Fascia Physiotherapy, Bangalore”."),
            "slug": _("Lower-case letters, numbers and hyphens, like “bangalore”."),
        }

    def __init__(self, *args, editable, instance=None, **kwargs):
        super().__init__(*args, instance=copy.copy(instance), **kwargs)
        for name in list(self.fields):
            if name not in editable:
                del self.fields[name]
        for name in PLAIN_TEXT_FIELDS:
            if name in self.fields:
                self.fields[name].validators.append(validate_plain_name)
        if "time_zone" in self.fields:
            self.fields["time_zone"].choices = time_zone_choices()
        if "email" in self.fields:
            self.fields["email"].widget.attrs.update(autocomplete="off", spellcheck="false")


class OpeningHoursForm(forms.Form):
    """One stretch of opening time. A stretch may not run past midnight."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        coerce=int,
        empty_value=None,
        choices=[("", _("Choose a day")), *Weekday.choices],
        error_messages={"required": _("Choose a day.")},
    )
    opens = forms.TimeField(
        label=_("Opens"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Enter the opening time."),
            "invalid": _("Enter the opening time as hours and minutes, like 09:00."),
        },
    )
    closes = forms.TimeField(
        label=_("Closes"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Enter the closing time."),
            "invalid": _("Enter the closing time as hours and minutes, like 18:00."),
        },
    )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if opens is not None and closes is not None and closes <= opens:
            self.add_error(
                "closes",
                ValidationError(
                    _(
                        "The clinic must close after it opens (%(opens)s). For hours past "
                        "midnight, add a second stretch on the next day from 00:00."
                    ),
                    code="closes_before_opening",
                    params={"opens": f"{opens:%H:%M}"},
                ),
            )
        return data

    @property
    def stretch(self) -> Stretch:
        return Stretch(
            weekday=self.cleaned_data["weekday"],
            opens=self.cleaned_data["opens"],
            closes=self.cleaned_data["closes"],
        )


class BaseOpeningHoursFormSet(forms.BaseFormSet):
    """The week's stretches: a day may have several, but they may not overlap. Rows left
    empty are ignored; a row is removed by ticking its "Remove" box."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if forms.formsets.DELETION_FIELD_NAME in form.fields:
            form.fields[forms.formsets.DELETION_FIELD_NAME].label = _("Remove")

    def kept_forms(self) -> list[OpeningHoursForm]:
        """The rows that hold a stretch: those shown filled in and those filled in since,
        less those ticked for removal."""
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
        stretches = [form.stretch for form in kept]
        for earlier, later in overlaps(stretches):
            kept[later].add_error(
                "opens",
                ValidationError(
                    _("This overlaps %(stretch)s. Stretches on the same day may not overlap."),
                    code="overlap",
                    params={"stretch": stretches[earlier]},
                ),
            )

    def stretches(self) -> list[Stretch]:
        """The week as entered (after `is_valid()`)."""
        return [form.stretch for form in self.kept_forms()]


def opening_hours_formset(data=None, *, clinic: Clinic | None = None) -> BaseOpeningHoursFormSet:
    """The opening-hours formset, filled with `clinic`'s hours, and room for more: three
    empty rows, or a whole week's for a new clinic."""
    initial = (
        [
            {"weekday": row.weekday, "opens": row.opens, "closes": row.closes}
            for row in clinic.opening_hours.all()
        ]
        if clinic is not None
        else []
    )
    formset_class = forms.formset_factory(
        OpeningHoursForm,
        formset=BaseOpeningHoursFormSet,
        extra=3 if initial else 7,
        can_delete=True,
        can_delete_extra=False,
        max_num=28,
        validate_max=True,
    )
    return formset_class(data, initial=initial, prefix="hours")
