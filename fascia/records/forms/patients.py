"""Forms of the patient pages: a patient's details, the episode to open, the search box.

Validation only: the views pass what the forms clean to the actions (`actions.py`). Phone
numbers are read by `fascia.phone_numbers`, with the enquiry form's rules and messages; the
ABHA number by `abha.py`. A control character in any text is refused outright, never read
around; names keep single spaces only.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.clinics.forms import ClinicPhoneField
from fascia.clinics.models import Clinic, Membership
from fascia.typed_text import has_control_characters

from .. import abha
from ..actions import PatientDetails
from ..models import Language, Patient, Sex
from .staff import StaffForm

PATIENT_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "mobile",
    "email",
    "city",
    "preferred_language",
    "emergency_contact_name",
    "emergency_contact_phone",
    "abha_number",
)
OLDEST_AGE = 120
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


def _control_characters() -> ValidationError:
    return ValidationError(
        _(
            "This has a control character (an invisible character such as a tab or a line "
            "break) in it. Type it again without one."
        ),
        code="control_characters",
    )


class PlainTextField(forms.CharField):
    """Text on one line: a control character is refused, runs of spaces become one."""

    def to_python(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise _control_characters()
        return " ".join(super().to_python(value).split())


class PlainEmailField(forms.EmailField):
    def to_python(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise _control_characters()
        return super().to_python(value)


class AbhaField(forms.CharField):
    """An ABHA number as people write it (`91-1234-5678-9012`, with spaces, or neither),
    cleaned to its 14 digits (`abha.parse_abha`)."""

    def to_python(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise _control_characters()
        return abha.parse_abha(super().to_python(value))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date picker sends and expects ISO dates, whatever the language.
        super().__init__(attrs, format="%Y-%m-%d")


class PatientForm(StaffForm):
    """A patient's details, as registered or changed by staff."""

    full_name = PlainTextField(
        label=_("Full name"),
        max_length=200,
        error_messages={"required": _("Enter the patient's full name.")},
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=DateInput,
        input_formats=DATE_INPUT_FORMATS,
        error_messages={
            "required": _("Enter the date of birth."),
            "invalid": _("Enter the date of birth as day, month and year, like 23/04/1991."),
        },
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the patient's sex, or “Prefers not to say”."),
            "invalid_choice": _("Choose one of the options offered."),
        },
    )
    mobile = ClinicPhoneField(
        label=_("Mobile number"),
        required_message=_("Enter the patient's mobile number."),
        help_text=_(
            "Like 98450 12345. For a number outside India, start with + and the country code."
        ),
    )
    email = PlainEmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
    )
    city = PlainTextField(label=_("City (optional)"), required=False, max_length=100)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Language.choices,
        initial=Language.ENGLISH,
        error_messages={
            "required": _("Choose the language the patient prefers."),
            "invalid_choice": _("Choose one of the languages offered."),
        },
    )
    emergency_contact_name = PlainTextField(
        label=_("Emergency contact's name (optional)"), required=False, max_length=200
    )
    emergency_contact_phone = ClinicPhoneField(
        label=_("Emergency contact's number (optional)"),
        required=False,
        required_message=_("Enter the emergency contact's number."),
    )
    abha_number = AbhaField(
        label=_("ABHA number (optional)"),
        required=False,
        # Typed with dashes or spaces, the 14 digits take up to 17 characters; allow more.
        max_length=30,
        help_text=_(
            "The patient's Ayushman Bharat Health Account number: 14 digits, like "
            "91-1234-5678-9012."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("email", "emergency_contact_name", "abha_number"):
            self.fields[name].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["abha_number"].widget.attrs.update(inputmode="numeric")

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise ValidationError(_("The date of birth cannot be in the future."), code="future")
        if today.year - born.year > OLDEST_AGE:
            raise ValidationError(
                _("Check the year of birth: this would make the patient over 120."),
                code="too_old",
            )
        return born

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A name without a number (or a number without a name) cannot be used in an emergency.
        name, phone = data.get("emergency_contact_name"), data.get("emergency_contact_phone")
        if name and not phone and "emergency_contact_phone" not in self.errors:
            self.add_error(
                "emergency_contact_phone",
                ValidationError(_("Enter the emergency contact's number."), code="required"),
            )
        if phone and not name:
            self.add_error(
                "emergency_contact_name",
                ValidationError(_("Enter the emergency contact's name."), code="required"),
            )
        return data

    @classmethod
    def initial_from(cls, patient: Patient) -> dict[str, Any]:
        """The form's starting values: what is stored for `patient`, the ABHA number grouped."""
        initial = {name: getattr(patient, name) for name in PATIENT_FIELDS}
        initial["abha_number"] = patient.abha_display
        return initial

    def identity(self) -> dict[str, Any]:
        """What tells a person apart (`queries.possible_duplicates`), after `is_valid()`."""
        return {name: self.cleaned_data[name] for name in ("mobile", "full_name", "date_of_birth")}

    def changes(self) -> dict[str, Any]:
        """The patient's details as cleaned, by field name (after `is_valid()`)."""
        return {name: self.cleaned_data[name] for name in PATIENT_FIELDS}


def physiotherapist_name(membership: Membership) -> str:
    return membership.user.get_full_name() or membership.user.get_username()


class EpisodeForm(StaffForm):
    """Where the episode is opened and who is responsible for it.

    `clinics` are the clinics the user may open episodes in (where they see patients'
    contact details); `physiotherapists` the physiotherapists' memberships there. The
    physiotherapist, optional, must work at the chosen clinic.
    """

    clinic = forms.ModelChoiceField(
        label=_("Clinic"),
        queryset=Clinic.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose the clinic where the patient will be seen."),
            "invalid_choice": _("Choose one of the clinics offered."),
        },
    )
    physiotherapist = forms.TypedChoiceField(
        label=_("Responsible physiotherapist (optional)"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of the physiotherapists offered.")},
    )

    def __init__(
        self,
        *args,
        clinics: QuerySet[Clinic],
        physiotherapists: Sequence[Membership],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        if len(clinics) == 1:
            self.fields["clinic"].initial = clinics[0]
        grouped: dict[str, list[tuple[int, str]]] = {}
        for membership in physiotherapists:
            grouped.setdefault(membership.clinic.name, []).append(
                (membership.user_id, physiotherapist_name(membership))
            )
        self.fields["physiotherapist"].choices = [
            ("", _("Not decided yet")),
            *((clinic, people) for clinic, people in grouped.items()),
        ]
        self.works_at = {(m.user_id, m.clinic_id): m for m in physiotherapists}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        clinic, person = data.get("clinic"), data.get("physiotherapist")
        if clinic is None or person is None:
            return data
        membership = self.works_at.get((person, clinic.pk))
        if membership is None:
            self.add_error(
                "physiotherapist",
                ValidationError(
                    _("Choose a physiotherapist of %(clinic)s, or “Not decided yet”."),
                    code="other_clinic",
                    params={"clinic": clinic.name},
                ),
            )
        else:
            data["physiotherapist"] = membership.user
        return data


def _ids(value: str) -> frozenset[int]:
    return frozenset(int(part) for part in value.split(",") if part.strip().isdigit())


class NewPatientForm(PatientForm, EpisodeForm):
    """A new patient and their first episode.

    `seen_duplicates` carries the ids of the possible duplicates the page showed: the
    second submit of the same form confirms that the person is not one of them.
    """

    seen_duplicates = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    contact_consent = forms.BooleanField(
        label=_(
            "The patient has read or been told the privacy notice for patients and agrees to "
            "be contacted by the clinic (links, reminders, follow-up questions)"
        ),
        required=False,
    )

    def clean_seen_duplicates(self) -> frozenset[int]:
        return _ids(self.cleaned_data["seen_duplicates"])

    def patient_details(self) -> PatientDetails:
        """The new patient, registered at the clinic chosen for the episode."""
        return PatientDetails(clinic=self.cleaned_data["clinic"], **self.changes())

    def confirms(self, duplicates: Iterable[Patient]) -> bool:
        """Whether every one of `duplicates` was shown on the page this form was sent from."""
        return {patient.pk for patient in duplicates} <= self.cleaned_data["seen_duplicates"]


class ExistingPatientForm(EpisodeForm):
    """A new episode for a patient who is already registered (`patient`, an id)."""

    patient = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PatientSearchForm(StaffForm):
    q = PlainTextField(
        label=_("Name, mobile number or ABHA number"),
        required=False,
        max_length=100,
        help_text=_(
            "Any part of the name, the whole mobile number written any way, or the 14-digit "
            "ABHA number."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def text(self) -> str:
        """The search as typed and cleaned, or "" (nothing to search, or a mistake shown)."""
        return self.cleaned_data.get("q", "") if self.is_valid() else ""
