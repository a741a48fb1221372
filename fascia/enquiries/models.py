"""An enquiry from the public website, and the staff's notes on it."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

# Crockford-style alphabet without 0/O, 1/I/L and U: easy to read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 6
# The form's and the inbox filter's value for "no preference between clinics" (no clinic row).
EITHER_CLINIC = "either"


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    BOOKED = "booked", _("Booked")
    NOT_SUITABLE = "not_suitable", _("Not suitable")
    SPAM = "spam", _("Spam")
    CLOSED = "closed", _("Closed")


class PreferredTime(models.TextChoices):
    MORNING = "morning", _("Morning (9 am to 12 noon)")
    AFTERNOON = "afternoon", _("Afternoon (12 noon to 4 pm)")
    EVENING = "evening", _("Evening (4 pm to 8 pm)")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    LANDLINE = "landline", _("Landline")
    EITHER = "either", _("Mobile or landline")
    OTHER = "other", _("Other")


class Enquiry(models.Model):
    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference
    )
    idempotency_key = models.CharField(max_length=64, unique=True, editable=False)
    # One form token (one rendered page) sends one enquiry per phone number: a hash of the
    # two; NULL (which unique allows many times) for a post without a valid token.
    form_key = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    spam_reason = models.CharField(_("why it was judged spam"), max_length=60, blank=True)

    name = models.CharField(_("name"), max_length=100)
    phone = PhoneNumberField(_("mobile number"), blank=True)
    phone_kind = models.CharField(
        _("kind of number"), max_length=10, choices=PhoneKind.choices, blank=True
    )
    email = models.EmailField(_("email"), max_length=254, blank=True)
    clinic = models.ForeignKey(
        "clinics.Clinic",
        verbose_name=_("preferred clinic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enquiries",
        help_text=_("Empty when either clinic suits"),
    )
    preferred_time = models.CharField(
        _("preferred time to call"), max_length=10, choices=PreferredTime.choices
    )
    message = models.TextField(_("what they need help with"), max_length=1000)
    source_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("sent from page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_title = models.CharField(_("sent from"), max_length=255, blank=True)
    source_url = models.CharField(_("sent from address"), max_length=500, blank=True)
    consent_version = models.CharField(_("privacy notice agreed to"), max_length=40)

    notified_at = models.DateTimeField(_("staff notified"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_enquiries",
    )
    callback_due_at = models.DateTimeField(
        _("call back by"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Set from the preferred time to be called; staff may move it"),
    )
    episode = models.ForeignKey(
        "records.Episode",
        verbose_name=_("episode"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enquiries",
        help_text=_("The patient's episode this enquiry was converted into"),
    )
    self_check = models.JSONField(
        _("self-check sent with the enquiry"),
        null=True,
        blank=True,
        help_text=_(
            "The public self-check's answers and result, when the person chose to send them"
        ),
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("enquiry")
        verbose_name_plural = _("enquiries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class Note(models.Model):
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("note"), max_length=2000)

    class Meta:
        verbose_name = _("note")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.enquiry} · {self.created_at:%Y-%m-%d %H:%M}"


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Spoke to them")
    NO_ANSWER = "no_answer", _("No answer")
    CALL_BACK_LATER = "call_back_later", _("Asked to call back later")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class CallAttempt(models.Model):
    """One call to the person who enquired, logged in one step with an optional note."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="calls")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("call attempt")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.enquiry} · {self.get_outcome_display()} · {self.at:%Y-%m-%d %H:%M}"
