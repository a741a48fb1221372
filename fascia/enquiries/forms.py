from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from wagtail.models import Page

from fascia.clinics.models import Clinic

from . import phone, privacy, self_check_answers, tokens
from .models import EITHER_CLINIC, PreferredTime

FROM_SELF_CHECK = "from_self_check"
"""Posted by the self-check's last page to open this form with its answers (`self_check`)."""


class PhoneField(PhoneNumberField):
    """django-phonenumber-field's field, with a specific message for each kind of mistake."""

    default_error_messages = {"required": _("Enter your mobile number.")}

    def __init__(self, **kwargs):
        super().__init__(region=phone.region(), max_length=phone.MAX_INPUT + 10, **kwargs)
        self.widget.input_type = "tel"

    def to_python(self, value):
        if value in self.empty_values:
            return ""
        return phone.parse_phone(value)

    def validate(self, value):
        forms.Field.validate(self, value)


class EnquiryForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": _("Enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = PhoneField(
        label=_("Mobile number"),
        help_text=_(
            "We will call you on this number. For a number outside India, start with + "
            "and the country code."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "tel",
                "inputmode": "tel",
                # Progressive enhancement: with JavaScript, the field says whether the
                # number is valid while it is typed (js/enquiry.js loads htmx). Not `input
                # changed`: htmx would take what was typed before it loaded as unchanged.
                # htmx reads `data-hx-*` as `hx-*`; only the former is valid HTML.
                "data-hx-get": reverse_lazy("enquiries:phone_check"),
                "data-hx-trigger": "input delay:400ms, blur",
                "data-hx-target": "#phone-check",
                "data-hx-sync": "this:replace",
            }
        ),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    clinic = forms.ChoiceField(
        label=_("Which clinic suits you?"),
        widget=forms.RadioSelect,
        initial=EITHER_CLINIC,
        error_messages={"required": _("Choose a clinic, or “Either clinic”.")},
    )
    preferred_time = forms.ChoiceField(
        label=_("When should we call you?"),
        choices=PreferredTime.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose when we should call you.")},
    )
    message = forms.CharField(
        label=_("What do you need help with?"),
        max_length=1000,
        help_text=_("A sentence or two is enough. Please do not send reports or photos here."),
        error_messages={"required": _("Tell us briefly what you need help with.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the clinic may use these details to contact me about my enquiry."),
        error_messages={
            "required": _("To send your enquiry, tick the box to agree to the privacy notice.")
        },
    )
    form_token = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)
    source_page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # The public self-check's answers, signed, when the person chose to send them.
    self_check = forms.CharField(required=False, max_length=20000, widget=forms.HiddenInput)
    # A honeypot: hidden from people, filled in by many bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    field_order = ["name", "phone", "email", "clinic", "preferred_time", "message", "consent"]
    self_check_lost = False
    """True when a self-check's answers could not be read on the way to the form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        clinics = Clinic.objects.filter(active=True).order_by("name").only("pk", "name")
        self.fields["clinic"].choices = [
            *((str(clinic.pk), clinic.name) for clinic in clinics),
            (EITHER_CLINIC, _("Either clinic")),
        ]
        self.clinics = {str(clinic.pk): clinic for clinic in clinics}
        self._describe_fields()

    def full_clean(self):
        super().full_clean()
        self._describe_fields()

    def _describe_fields(self) -> None:
        """Tie each hint and error message to its field for screen readers."""
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}-hint")
            if self.is_bound and self._errors is not None and name in self._errors:
                ids.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if ids and not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    @classmethod
    def for_page(cls, page) -> "EnquiryForm":
        """A blank form sent from `page`, its message pre-filled with the page's subject."""
        return cls(initial={"source_page": page.pk, "message": page.title})

    @classmethod
    def after_self_check(cls, signed: str) -> "EnquiryForm":
        """A blank form that sends the answers of a self-check with it, if they can be read."""
        try:
            self_check_answers.read(signed)
        except self_check_answers.Unreadable:
            form = cls()
            form.self_check_lost = True
            return form
        message = _("I answered the self-check “Could dry needling suit me?”.")
        return cls(initial={"self_check": signed, "message": message})

    def clean_self_check(self) -> dict[str, Any] | None:
        """The self-check's answers and the engine's decision on them, as the enquiry keeps them."""
        signed = self.cleaned_data.get("self_check", "").strip()
        if not signed:
            return None
        try:
            return self_check_answers.read(signed).stored()
        except self_check_answers.Unreadable:
            raise forms.ValidationError(
                _(
                    "We could not read the answers from your self-check, so they will not be "
                    "sent. Send your enquiry without them, or do the self-check again."
                ),
                code="unreadable",
            ) from None

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_source_page(self):
        page_id = self.cleaned_data.get("source_page")
        if not page_id:
            return None
        return Page.objects.live().filter(pk=page_id).specific().first()

    def clean_form_token(self):
        return self.cleaned_data.get("form_token", "").strip()

    def token_to_render(self) -> str:
        """The submitted token when it is ours (a corrected form keeps it), else a new one."""
        submitted = self.data.get("form_token", "") if self.is_bound else ""
        return submitted if tokens.read(submitted) else tokens.PLACEHOLDER

    def submission(self) -> dict[str, Any]:
        """What the person sent, in `enquiry_submit`'s terms.

        The form only validates: the idempotency key and the spam verdict come from the
        form's token and honeypot in `actions.enquiry_submission`.
        """
        data = self.cleaned_data
        source = data["source_page"]
        return {
            "name": data["name"],
            "phone": data["phone"],
            "phone_kind": phone.phone_kind(data["phone"]),
            "email": data["email"],
            "clinic": self.clinics.get(data["clinic"]),
            "preferred_time": data["preferred_time"],
            "message": data["message"].strip(),
            "source_page": source,
            "source_url": source.get_url() if source else "",
            "consent_version": privacy.notice_version(),
            "self_check": data["self_check"],
        }

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in the order of the fields."""
        links = []
        for name in self.field_order:
            for message in self.errors.get(name, []):
                field = self[name]
                anchor = field.auto_id
                if isinstance(field.field.widget, forms.RadioSelect):
                    anchor = f"{anchor}_0"
                links.append((anchor, message))
        links.extend(("self-check", message) for message in self.errors.get("self_check", []))
        return links
