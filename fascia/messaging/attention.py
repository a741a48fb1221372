"""Messages needing attention: failures and refusals that someone must deal with.

A message that failed for good (FAILED) or was never sent (NOT_SENT: no consent, no
address) stays in "messages needing attention" (/app/messages/) and on the patient's
page until someone either tries again ("Try again": after correcting the number, say, or
recording the patient's consent) or marks it as dealt with, saying what they did (they
phoned the patient instead).

This is contact work, `Capability.CONTACTS` in the message's clinic: fixing a failure
means reading and correcting the patient's contact details and consent, which is what
the front desk does (and physiotherapists and managers with them); a message carries no
clinical content, only what it was for. Whoever lacks the capability gets a 404.
Both actions write their audit event in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts.models import User
from fascia.clinics.permissions import Capability, clinic_ids_for, in_my_clinics, require
from fascia.records import data_rights
from fascia.records import events as record_events
from fascia.records.actions import ActionError
from fascia.records.models import Patient

from . import events
from .addresses import address_for, channel_for
from .delivery import schedule
from .models import Message, MessageStatus

ATTENTION_STATUSES = (MessageStatus.FAILED, MessageStatus.NOT_SENT)
PATIENT_MESSAGES_SHOWN = 20


def needing_attention(user: User) -> QuerySet[Message]:
    """FAILED and NOT_SENT messages nobody has dealt with, in the user's clinics, the latest
    first."""
    return (
        Message.objects.filter(
            in_my_clinics(user, Capability.CONTACTS),
            status__in=ATTENTION_STATUSES,
            resolved_at__isnull=True,
        )
        .select_related("patient", "clinic")
        .order_by("-last_attempt_at", "-pk")
    )


def attention_count(user: User) -> int | None:
    """How many messages need the user's attention; None for someone without contacts."""
    if not clinic_ids_for(user, Capability.CONTACTS):
        return None
    return needing_attention(user).count()


def messages_of(user: User, patient: Patient) -> list[Message]:
    """The patient's latest messages, in the user's clinics."""
    return list(
        Message.objects.filter(in_my_clinics(user, Capability.CONTACTS), patient=patient)
        .select_related("clinic")
        .order_by("-due_at", "-pk")[:PATIENT_MESSAGES_SHOWN]
    )


def access_message(user: User, message_id: int) -> Message:
    """The message if `user` has contacts in its clinic; 404 otherwise."""
    try:
        message = Message.objects.select_related("patient", "clinic", "resolved_by").get(
            pk=message_id
        )
    except Message.DoesNotExist:
        raise Http404 from None
    require(user, Capability.CONTACTS, message.clinic_id)
    return message


def view_message(user: User, message_id: int, *, ip: str | None) -> Message:
    """The message for its page, its reading audited."""
    message = access_message(user, message_id)
    record_events.viewed(events.MESSAGE_VIEWED, message, about=message.patient, by=user, ip=ip)
    return message


def message_retry(message: Message, *, by: User, ip: str | None) -> Message:
    """Queue a failed or refused message again, now, with a new round of attempts, to the
    address the patient has now (on the first channel they have one for)."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if not locked.needs_attention:
            raise ActionError(_("This message does not need attention any more."))
        patient = locked.patient
        if not data_rights.may_contact(patient):
            raise ActionError(data_rights.contact_refusal(patient))
        channel = channel_for(patient)
        if not address_for(patient, channel):
            no_address = _("%(name)s has no mobile number or email address: add one first.")
            raise ActionError(no_address % {"name": patient.full_name})
        before = {"status": locked.status, "attempts": locked.attempts, "channel": locked.channel}
        now = timezone.now()
        locked.status = MessageStatus.QUEUED
        locked.channel = channel
        locked.recipient = address_for(patient, channel)
        locked.attempts = 0
        locked.error = ""
        locked.next_attempt_at = now
        locked.claimed_until = None
        locked.save(
            update_fields=[
                "status",
                "channel",
                "recipient",
                "attempts",
                "error",
                "next_attempt_at",
                "claimed_until",
            ]
        )
        record_events.record(
            events.MESSAGE_REQUEUED,
            locked,
            about=patient,
            by=by,
            ip=ip,
            detail={"template": locked.template, "channel": channel, "before": before},
        )
        schedule(locked)
    return locked


def message_resolve(message: Message, *, note: str, by: User, ip: str | None) -> Message:
    """Mark a failed or refused message as dealt with, saying what was done."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if not locked.needs_attention:
            raise ActionError(_("This message does not need attention any more."))
        locked.resolved_at = timezone.now()
        locked.resolved_by = by
        locked.resolution = note
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        record_events.record(
            events.MESSAGE_RESOLVED,
            locked,
            about=locked.patient,
            by=by,
            ip=ip,
            detail={"template": locked.template, "status": locked.status},
        )
    return locked
