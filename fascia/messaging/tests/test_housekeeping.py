"""`manage.py housekeeping`: one round recovers messages, sweeps follow-ups, erases enquiries."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fascia.messaging.models import Message, MessageStatus
from fascia.messaging.outbox import queue

pytestmark = pytest.mark.django_db


def test_one_round_puts_a_stale_claim_back_in_the_queue(kavya):
    message = queue(patient=kavya, clinic=kavya.clinic, template="greeting", key="greeting:1")
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING,
        attempts=1,
        claimed_until=timezone.now() - dt.timedelta(minutes=1),
    )
    out = StringIO()

    call_command("housekeeping", "--once", stdout=out)

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert out.getvalue() == (
        "Housekeeping: 1 messages recovered or queued again; 0 follow-ups changed; "
        "0 expired enquiries erased.\n"
    )


def test_it_needs_every_or_once():
    with pytest.raises(CommandError):
        call_command("housekeeping")
