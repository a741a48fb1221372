"""Every message to a patient that Fascia sent, will send or tried to send.

A `Message` is written before anything leaves: it is the outbox and the record at once.
The task worker sends it when it falls due (`next_attempt_at`), through the backend
configured for its channel, and writes back what happened: sent (with the gateway's id),
failed for now (another attempt is due later), failed for good, or not sent at all (no
consent to be contacted, no address for the channel) with the reason. Failures and
refusals stay on the patient's page and in "messages needing attention" until someone
deals with them; nothing fails silently.

The body is rendered when the message is sent, from its `template` and `context` (ids,
never personal data), in the patient's language where a translation exists; so the
record holds no link token and no health detail.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NOT_SENT = "not_sent", _("Not sent")
    CANCELLED = "cancelled", _("Cancelled")


class Message(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "records.Patient", on_delete=models.PROTECT, related_name="messages"
    )
    key = models.CharField(
        max_length=120,
        unique=True,
        help_text="What the message is for, such as 'follow-up:12' or 'reminder:34:1': the "
        "same message is never queued twice.",
    )
    template = models.CharField(max_length=60)
    context = models.JSONField(default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("to"), max_length=254, blank=True)
    language = models.CharField(max_length=5, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    resolution = models.TextField(_("what was done"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("message")
        ordering = ["-due_at", "-pk"]
        indexes = [
            models.Index(fields=["clinic", "status", "resolved_at"]),
            models.Index(fields=["status", "claimed_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.template} · {self.get_channel_display()} · {self.get_status_display()}"

    @property
    def needs_attention(self) -> bool:
        return (
            self.status in (MessageStatus.FAILED, MessageStatus.NOT_SENT)
            and self.resolved_at is None
        )
