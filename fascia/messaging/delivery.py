"""Sending queued messages, on the task worker (`manage.py db_worker`).

`outbox.queue` writes a `Message` and, in the same transaction, a `deliver` task to run at
its `next_attempt_at` (the database task backend keeps tasks in the same database, so the
message and its task are committed together or not at all).

`deliver(message_id)` first **claims** the message with one conditional UPDATE (QUEUED and
due → SENDING, `claimed_until` = now + the lease, one more attempt), so two workers, or one
task run twice, never both send it: whoever loses the UPDATE does nothing. It then checks
the patient's consent to be contacted and their address *at send time*, renders the text
(`rendering.rendered`), hands it to the channel's backend and records the outcome in one
transaction with its audit event: SENT; QUEUED again with the next attempt due after
`FASCIA_MESSAGE_RETRY_MINUTES[attempts - 1]` minutes and a new task; FAILED after the
last; NOT_SENT (no consent, no address). The outcome is written only while the claim is
still ours (same `claimed_until`), and `signals.message_finished` is sent in that
transaction for SENT, FAILED and NOT_SENT.

`sweep()`, run every minute by `manage.py housekeeping`, is the safety net that lets
scheduled work survive a killed worker: a SENDING message whose lease has passed goes back
to QUEUED (or FAILED, when that was its last attempt), and a QUEUED message still waiting
`SWEEP_GRACE` after it fell due gets a new task (a duplicate task finds nothing to claim).

**At least once, not exactly once.** A worker killed after the backend accepted a message
but before the outcome was committed leaves it SENDING; when the lease passes the sweep
queues it again and it is sent a second time. Every attempt at one message to one address
carries the same idempotency key (`Outgoing.idempotency_key`: the HTTP `Idempotency-Key`,
the email's Message-ID), so a gateway that honours the key, as the SMS/WhatsApp gateway
does, delivers it once; an email server or the file backend may deliver it twice. The
window is the time between the backend's answer and the commit, milliseconds in practice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from fascia.accounts.models import User
from fascia.records import data_rights
from fascia.records import events as record_events

from . import events
from .addresses import address_for
from .backends import DeliveryError, Outgoing, backend_for
from .models import Message, MessageStatus
from .rendering import rendered
from .signals import message_finished

log = logging.getLogger(__name__)

SWEEP_GRACE = dt.timedelta(minutes=5)
SWEEP_BATCH = 500


def lease() -> dt.timedelta:
    """How long a claim lasts: `FASCIA_MESSAGE_LEASE_SECONDS`, and well past the gateway's
    timeout whatever that says."""
    return dt.timedelta(
        seconds=max(
            settings.FASCIA_MESSAGE_LEASE_SECONDS, 3 * settings.FASCIA_GATEWAY_TIMEOUT_SECONDS
        )
    )


def max_attempts() -> int:
    return len(settings.FASCIA_MESSAGE_RETRY_MINUTES) + 1


def idempotency_key(message: Message, recipient: str) -> str:
    """The same for every attempt at `message` to `recipient`; another address (a number
    corrected before "Try again") makes another delivery."""
    mac = hmac.new(settings.SECRET_KEY.encode(), recipient.encode(), hashlib.sha256)
    return f"fascia-{message.pk}-{message.key}-{mac.hexdigest()[:12]}".replace(":", "-")


def schedule(message: Message) -> None:
    """Tell the worker to send `message` when it falls due."""
    deliver.using(run_after=message.next_attempt_at).enqueue(message.pk)


@task(backend="database")
def deliver(message_id: int) -> str:
    """Send the message if it is due and nobody else is sending it."""
    now = timezone.now()
    claim = now + lease()
    claimed = Message.objects.filter(
        pk=message_id, status=MessageStatus.QUEUED, next_attempt_at__lte=now
    ).update(
        status=MessageStatus.SENDING,
        claimed_until=claim,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
    )
    if not claimed:
        return "nothing to do"
    message = Message.objects.select_related("patient", "clinic").get(pk=message_id)
    patient = message.patient
    if not data_rights.may_contact(patient):
        return _not_sent(message, claim, data_rights.contact_refusal(patient), refused=True)
    recipient = address_for(patient, message.channel)
    if not recipient:
        reason = _("%(name)s has no address for %(channel)s messages: nothing was sent.") % {
            "name": patient.full_name,
            "channel": message.get_channel_display(),
        }
        return _not_sent(message, claim, reason, refused=False)
    try:
        text = rendered(message)
    except (TemplateDoesNotExist, TemplateSyntaxError, NoReverseMatch, KeyError) as error:
        log.exception("Message %s could not be written", message.pk)
        return _failed(message, claim, f"The message could not be written: {error!r}", final=True)
    outgoing = Outgoing(
        channel=message.channel,
        to=recipient,
        subject=text.subject,
        text=text.text,
        reference=message.key,
        idempotency_key=idempotency_key(message, recipient),
    )
    try:
        provider_id = backend_for(message.channel).send(outgoing)
    except DeliveryError as error:
        return _failed(message, claim, str(error), final=message.attempts >= max_attempts())
    except Exception as error:
        # A backend that fails in a way it did not foresee fails this attempt like any
        # other: the error is on the message for staff, never lost in a log alone.
        log.exception("Message %s: the %s backend failed", message.pk, message.channel)
        return _failed(
            message,
            claim,
            f"{type(error).__name__}: {error}",
            final=message.attempts >= max_attempts(),
        )
    with transaction.atomic():
        if not _finish(
            message,
            claim,
            status=MessageStatus.SENT,
            sent_at=timezone.now(),
            provider_id=provider_id[:200],
            recipient=recipient,
            language=text.language,
            error="",
            claimed_until=None,
        ):
            return "claim lost"
        _event(events.MESSAGE_SENT, message)
        message_finished.send(sender=Message, message=message)
    return "sent"


def _finish(message: Message, claim: dt.datetime | None, **changes: Any) -> bool:
    """Write the outcome if the claim is still ours; refreshes `message`."""
    done = Message.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, claimed_until=claim
    ).update(**changes)
    if done:
        message.refresh_from_db()
    return bool(done)


def _event(action: str, message: Message, **detail: Any) -> None:
    record_events.record(
        action,
        message,
        about=message.patient,
        detail={
            "template": message.template,
            "channel": message.channel,
            "attempt": message.attempts,
            **detail,
        },
    )


def _not_sent(message: Message, claim: dt.datetime, reason: str, *, refused: bool) -> str:
    with transaction.atomic():
        if not _finish(
            message, claim, status=MessageStatus.NOT_SENT, error=reason, claimed_until=None
        ):
            return "claim lost"
        if refused:
            data_rights.contact_refused(
                message.patient, channel=message.channel, about=message.patient, by=None, ip=None
            )
        _event(events.MESSAGE_NOT_SENT, message, reason="no consent" if refused else "no address")
        message_finished.send(sender=Message, message=message)
    return "not sent"


def _failed(message: Message, claim: dt.datetime, error: str, *, final: bool) -> str:
    with transaction.atomic():
        if final:
            if not _finish(
                message, claim, status=MessageStatus.FAILED, error=error, claimed_until=None
            ):
                return "claim lost"
            _event(events.MESSAGE_FAILED, message)
            message_finished.send(sender=Message, message=message)
            return "failed"
        wait = dt.timedelta(minutes=settings.FASCIA_MESSAGE_RETRY_MINUTES[message.attempts - 1])
        if not _finish(
            message,
            claim,
            status=MessageStatus.QUEUED,
            error=error,
            next_attempt_at=timezone.now() + wait,
            claimed_until=None,
        ):
            return "claim lost"
        _event(events.MESSAGE_ATTEMPT_FAILED, message, will_retry=True)
        schedule(message)
    return "will retry"


def sweep(now: dt.datetime | None = None) -> int:
    """Recover what a killed worker left: stale claims go back to the queue (or fail, after
    the last attempt) and due messages that lost their task get a new one. Returns how
    many messages it touched."""
    now = now or timezone.now()
    touched = 0
    stale = Message.objects.filter(status=MessageStatus.SENDING, claimed_until__lt=now)
    for message in stale.select_related("patient")[:SWEEP_BATCH]:
        touched += _recover(message, now)
    overdue = Message.objects.filter(
        status=MessageStatus.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE
    ).order_by("next_attempt_at")
    for message in overdue[:SWEEP_BATCH]:
        with transaction.atomic():
            if Message.objects.filter(
                pk=message.pk, status=MessageStatus.QUEUED, next_attempt_at=message.next_attempt_at
            ).update(next_attempt_at=now):
                message.next_attempt_at = now
                schedule(message)
                touched += 1
    return touched


def _recover(message: Message, now: dt.datetime) -> int:
    claim = message.claimed_until
    error = _(
        "The worker stopped while sending attempt %(attempt)d; the message may or may not "
        "have gone."
    ) % {"attempt": message.attempts}
    with transaction.atomic():
        if message.attempts >= max_attempts():
            if not _finish(
                message, claim, status=MessageStatus.FAILED, error=error, claimed_until=None
            ):
                return 0
            _event(events.MESSAGE_FAILED, message, interrupted=True)
            message_finished.send(sender=Message, message=message)
            return 1
        if not _finish(
            message,
            claim,
            status=MessageStatus.QUEUED,
            error=error,
            next_attempt_at=now,
            claimed_until=None,
        ):
            return 0
        _event(events.MESSAGE_ATTEMPT_FAILED, message, will_retry=True, interrupted=True)
        schedule(message)
    return 1


def cancel(message: Message, *, by: User | None = None) -> bool:
    """Cancel `message` if it is still waiting to be sent (one being sent goes)."""
    with transaction.atomic():
        done = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.CANCELLED, next_attempt_at=None
        )
        if done:
            message.refresh_from_db()
            record_events.record(
                events.MESSAGE_CANCELLED,
                message,
                about=message.patient,
                by=by,
                detail={"template": message.template, "channel": message.channel},
            )
    return bool(done)


def cancel_for(key_prefix: str, *, by: User | None = None, keep: str = "") -> int:
    """Cancel every waiting message whose key starts with `key_prefix`, such as
    "reminder:34:" when appointment 34 is cancelled, except the one keyed `keep`."""
    waiting = Message.objects.filter(
        key__startswith=key_prefix, status=MessageStatus.QUEUED
    ).exclude(key=keep)
    return sum(cancel(message, by=by) for message in waiting.select_related("patient"))
