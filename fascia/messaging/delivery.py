"""Sending queued messages, on the task worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .models import Message


def schedule(message: Message) -> None:
    """Tell the worker to send `message` when it falls due."""
    deliver.using(run_after=message.next_attempt_at).enqueue(message.pk)


@task(backend="database")
def deliver(message_id: int) -> str:
    """Send the message if it is due and nobody else is sending it."""
    raise NotImplementedError("fascia.messaging.delivery.deliver: being written for #16")
