"""Queueing messages to patients. Sending them is `fascia.messaging.delivery`'s work."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.records.models import Patient

from .delivery import schedule
from .links import Link
from .models import Channel, Message, MessageStatus


def address_for(patient: Patient, channel: str) -> str:
    """The patient's address on `channel`, or "" when they have none."""
    if channel == Channel.EMAIL:
        return patient.email
    return patient.mobile.as_e164 if patient.mobile else ""


def channel_for(patient: Patient) -> str:
    """The first channel of FASCIA_PATIENT_CHANNELS the patient has an address for; the
    first channel when they have none (the message is then recorded as not sent)."""
    channels = settings.FASCIA_PATIENT_CHANNELS
    return next((c for c in channels if address_for(patient, c)), channels[0])


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
    the change the message is about, so both are kept or neither; the worker is told
    once that transaction commits.
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
        transaction.on_commit(lambda: schedule(message))
    return message
