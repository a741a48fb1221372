"""Queueing messages to patients. Sending them is `fascia.messaging.delivery`'s work;
what they say, `fascia.messaging.rendering`'s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.records.models import Patient

from .addresses import address_for, channel_for
from .delivery import schedule
from .links import Link
from .models import Message, MessageStatus

__all__ = ["address_for", "channel_for", "queue"]


def queue(
    *,
    patient: Patient,
    clinic: Clinic,
    template: str,
    key: str,
    context: dict[str, Any] | None = None,
    link: Link | None = None,
    due_at: dt.datetime | None = None,
    by: User | None = None,
    channel: str | None = None,
) -> Message:
    """The message `key` names, queued to go out at `due_at` (now when not given).

    Queueing the same `key` again returns the message already queued: a retried request
    or a task run twice never makes a second message. Must run inside the transaction of
    the change the message is about, so both are kept or neither: the worker's task is
    written in that transaction too (the database task backend), so a message is never
    committed without it.
    """
    chosen = channel or channel_for(patient)
    values = dict(context or {})
    if link is not None:
        values["link"] = link.as_context()
    due = due_at or timezone.now()
    message, created = Message.objects.get_or_create(
        key=key,
        defaults={
            "clinic": clinic,
            "patient": patient,
            "template": template,
            "context": values,
            "channel": chosen,
            "recipient": address_for(patient, chosen),
            "language": patient.preferred_language,
            "status": MessageStatus.QUEUED,
            "due_at": due,
            "next_attempt_at": due,
            "created_by": by,
        },
    )
    if created:
        schedule(message)
    return message
