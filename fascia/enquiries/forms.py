from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from wagtail.models import Page

from fascia import typed_text
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


class HoneypotField(forms.Field):
    """Whatever was put in the honeypot, never refused: it is judged (`tokens.spam_reason`
    keeps the enquiry as spam), not validated, so a bot learns nothing from the answer."""

    def to_python(self, value):
        return value.strip() if isinstance(value, str) else ""


# What is said about a hidden field, which nobody types.
UNREADABLE_FORM = _(
    "Part of this form could not be read. Please check your details and send it again."
)
UNKNOWN_SOURCE_PAGE = _(
    "We could not tell which page of our website this form was sent from. Please check your "
    "details and send it again."
)
UNREADABLE_SELF_CHECK = _(
    "We could not read the answers from your self-check, so they will not be sent. Send your "
    "enquiry without them, or do the self-check again."
)


class EnquiryForm(forms.Form):
    name = typed_text.TypedTextField(
        label=_("Your name"),
        max_length=100,
        error_messages={
            "required": _("Enter your name."),
            "max_length": _("Your name can be at most 100 characters long."),
            typed_text.UNREADABLE: _("Part of your name could not be read. Please type it again."),
            typed_text.DIRECTION: _(
                "Your name has a hidden character that changes the direction of the text. "
                "Please type it again without it."
            ),
            typed_text.CONTROL: _(
                "Your name has a character we cannot show (a control character). Please "
                "type it again without it."
            ),
            typed_text.INVISIBLE: _(
                "Your name is made only of characters we cannot see. Please type your name."
            ),
        },
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
    email = typed_text.TypedEmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        error_messages={
            "invalid": _("Enter an email address like name@example.com."),
            "max_length": _("An email address can be at most 254 characters long."),
            typed_text.UNREADABLE: _(
                "Part of your email address could not be read. Please type it again."
            ),
            typed_text.DIRECTION: _(
                "Your email address has a hidden character that changes the direction of "
                "the text. Please type it again without it."
            ),
            typed_text.CONTROL: _(
                "Your email address has a character we cannot show (a control character). "
                "Please type it again without it."
            ),
            typed_text.INVISIBLE: _(
                "Your email address is made only of characters we cannot see. Type your "
                "email address, or leave it empty."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    clinic = forms.ChoiceField(
        label=_("Which clinic suits you?"),
        widget=forms.RadioSelect,
        initial=EITHER_CLINIC,
        error_messages={
            "required": _("Choose a clinic, or “Either clinic”."),
            # A clinic that closed after the page was shown, or a value we never offered.
            "invalid_choice": _(
                "The clinic you chose is not one we can offer now. Choose one of the clinics "
                "listed, or “Either clinic”."
            ),
        },
    )
    preferred_time = forms.ChoiceField(
        label=_("When should we call you?"),
        choices=PreferredTime.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose when we should call you."),
            "invalid_choice": _("Choose one of the times listed for when we should call you."),
        },
    )
    message = typed_text.TypedTextField(
        label=_("What do you need help with?"),
        line_breaks=True,
        max_length=1000,
        help_text=_("A sentence or two is enough. Please do not send reports or photos here."),
        error_messages={
            "required": _("Tell us briefly what you need help with."),
            "max_length": _(
                "Your message can be at most 1,000 characters long. A sentence or two is enough."
            ),
            typed_text.UNREADABLE: _(
                "Part of your message could not be read. Please type it again."
            ),
            typed_text.DIRECTION: _(
                "Your message has a hidden character that changes the direction of the text. "
                "Please type it again without it."
            ),
            typed_text.CONTROL: _(
                "Your message has a character we cannot show (a control character). Please "
                "type it again without it."
            ),
            typed_text.INVISIBLE: _(
                "Your message is made only of characters we cannot see. Tell us briefly "
                "what you need help with."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the clinic may use these details to contact me about my enquiry."),
        error_messages={
            "required": _("To send your enquiry, tick the box to agree to the privacy notice.")
        },
    )
    # The hidden fields are never typed: a problem with one is said in words a person can
    # act on, and the form comes back without the value (`form.html`), so sending it
    # again works.
    form_token = forms.CharField(
        required=False,
        max_length=400,
        widget=forms.HiddenInput,
        error_messages={
            "max_length": UNREADABLE_FORM,
            "null_characters_not_allowed": UNREADABLE_FORM,
        },
    )
    source_page = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": UNKNOWN_SOURCE_PAGE,
            "min_value": UNKNOWN_SOURCE_PAGE,
            "max_value": UNKNOWN_SOURCE_PAGE,
        },
    )
    # The public self-check's answers, signed, when the person chose to send them.
    self_check = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.HiddenInput,
        error_messages={
            "max_length": UNREADABLE_SELF_CHECK,
            "null_characters_not_allowed": UNREADABLE_SELF_CHECK,
        },
    )
    # A honeypot: hidden from people, filled in by many bots.
    website = HoneypotField(
        label=_("Leave this field empty"),
        required=False,
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
            raise forms.ValidationError(UNREADABLE_SELF_CHECK, code="unreadable") from None

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_source_page(self):
        """The public page the form was sent from; a hint for staff, not something the
        person typed, so an id that names no live page with a public address (the root
        page, a deleted or private page) is dropped rather than refused."""
        page_id = self.cleaned_data.get("source_page")
        if not page_id:
            return None
        page = Page.objects.live().public().filter(pk=page_id).specific().first()
        return page if page is not None and page.get_url() else None

    def clean_form_token(self):
        return self.cleaned_data.get("form_token", "").strip()

    def token_to_render(self) -> str:
        """The submitted token while it is ours and fresh (a corrected form keeps it, so
        sending it again is the same enquiry), else a new one."""
        submitted = self.data.get("form_token", "") if self.is_bound else ""
        if tokens.read(submitted) and not tokens.expired(submitted):
            return submitted
        return tokens.issue()

    def with_fresh_token(self) -> "EnquiryForm":
        """This form as the person filled it in, carrying a newly issued token."""
        data = self.data.copy()
        data["form_token"] = tokens.issue()
        form = type(self)(data)
        form.is_valid()
        return form

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
        """(anchor, message) for the error summary: every error of the form, so a refused
        form never shows an empty summary. The form's own errors and those of hidden fields
        have nothing to link to (anchor ""), the self-check's link to its note."""
        links = [("", str(message)) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            anchor = self[name].auto_id
            if name == "self_check":
                anchor = "self-check"
            elif field.widget.is_hidden:
                anchor = ""
            elif isinstance(field.widget, forms.RadioSelect):
                anchor = f"{anchor}_0"
            links.extend((anchor, str(message)) for message in self.errors.get(name, []))
        return links
