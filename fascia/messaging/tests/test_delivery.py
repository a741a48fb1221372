"""Sending queued messages: the claim, the backends' outcomes, retries, consent, the sweep."""

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fascia.accounts.models import AuditEvent
from fascia.messaging import events
from fascia.messaging.delivery import cancel, cancel_for, deliver, sweep
from fascia.messaging.links import Link
from fascia.messaging.models import Channel, Message, MessageStatus
from fascia.messaging.outbox import queue
from fascia.messaging.signals import message_finished
from fascia.records import data_rights
from fascia.records import events as record_events
from fascia.records.tests.factories import make_patient

from .conftest import consenting

NOW = dt.datetime(2026, 12, 8, 4, 30, tzinfo=dt.UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("message_templates")]


def deliver_tasks(message):
    return DBTaskResult.objects.filter(
        task_path="fascia.messaging.delivery.deliver", args_kwargs__args=[message.pk]
    ).order_by("run_after")


def greeting(patient, *, key="greeting:1", channel=None, due_at=None, link=None):
    return queue(
        patient=patient,
        clinic=patient.clinic,
        template="greeting",
        key=key,
        context={"when": "Tuesday 9 December"},
        channel=channel,
        due_at=due_at,
        link=link,
    )


def actions_for(message):
    return list(
        AuditEvent.objects.filter(target_id=str(message.pk), action__startswith="message.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def finished():
    """The messages `message_finished` announced, in order."""
    heard: list = []

    def listen(sender, message, **kwargs):
        heard.append((message.pk, message.status))

    message_finished.connect(listen)
    yield heard
    message_finished.disconnect(listen)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class TestSendingThroughTheGateway:
    def test_a_due_sms_goes_to_the_gateway_once_with_its_key_and_token(
        self, kavya, gateway, clock, finished
    ):
        message = greeting(kavya)
        assert deliver_tasks(message).count() == 1

        assert deliver.call(message.pk) == "sent"

        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
        assert message.sent_at == NOW
        assert message.provider_id == "gw-1"
        assert message.attempts == 1
        assert message.error == ""
        [request] = gateway.requests
        assert request.headers["Authorization"] == "Bearer test-gateway-token"
        assert request.headers["Idempotency-Key"].startswith(f"fascia-{message.pk}-greeting-1-")
        assert request.body["to"] == "+919845012345"
        assert request.body["channel"] == "sms"
        assert request.body["reference"] == "greeting:1"
        assert request.body["text"].startswith("Hello Kavya, your visit is on Tuesday 9 December.")
        assert "+91" in request.body["text"]
        assert actions_for(message) == [events.MESSAGE_SENT]
        assert finished == [(message.pk, MessageStatus.SENT)]

    def test_a_task_run_again_or_twice_at_once_never_sends_twice(self, kavya, gateway, clock):
        message = greeting(kavya)
        assert deliver.call(message.pk) == "sent"
        assert deliver.call(message.pk) == "nothing to do"
        assert len(gateway.requests) == 1

    def test_a_message_is_not_sent_before_it_is_due(self, kavya, gateway, clock):
        message = greeting(kavya, due_at=NOW + dt.timedelta(hours=2))
        assert deliver_tasks(message).get().run_after == NOW + dt.timedelta(hours=2)

        assert deliver.call(message.pk) == "nothing to do"
        clock.shift(dt.timedelta(hours=2))
        assert deliver.call(message.pk) == "sent"
        assert len(gateway.requests) == 1

    def test_a_failing_gateway_retries_on_the_configured_schedule_then_fails(
        self, kavya, gateway, clock, settings, finished
    ):
        settings.FASCIA_MESSAGE_RETRY_MINUTES = [1, 5]
        gateway.fail_next(3, status=503)
        message = greeting(kavya)

        assert deliver.call(message.pk) == "will retry"
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED
        assert message.attempts == 1
        assert "HTTP 503" in message.error
        assert "failing on purpose" in message.error
        assert message.next_attempt_at == NOW + dt.timedelta(minutes=1)
        assert deliver_tasks(message).last().run_after == NOW + dt.timedelta(minutes=1)

        assert deliver.call(message.pk) == "nothing to do"
        clock.shift(dt.timedelta(minutes=1))
        assert deliver.call(message.pk) == "will retry"
        message.refresh_from_db()
        assert message.attempts == 2
        assert message.next_attempt_at == NOW + dt.timedelta(minutes=6)

        clock.shift(dt.timedelta(minutes=5))
        assert deliver.call(message.pk) == "failed"
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED
        assert message.attempts == 3
        assert message.needs_attention
        assert len(gateway.requests) == 3
        assert deliver_tasks(message).count() == 3
        assert actions_for(message) == [
            events.MESSAGE_ATTEMPT_FAILED,
            events.MESSAGE_ATTEMPT_FAILED,
            events.MESSAGE_FAILED,
        ]
        assert finished == [(message.pk, MessageStatus.FAILED)]

    def test_a_gateway_that_recovers_delivers_on_the_next_attempt(self, kavya, gateway, clock):
        gateway.fail_next(1, status=500)
        message = greeting(kavya)
        deliver.call(message.pk)
        clock.shift(dt.timedelta(minutes=1))
        assert deliver.call(message.pk) == "sent"
        message.refresh_from_db()
        assert (message.status, message.attempts, message.error) == (MessageStatus.SENT, 2, "")
        assert len(gateway.deliveries) == 1

    def test_a_gateway_that_hangs_past_the_timeout_is_a_failed_attempt(self, kavya, gateway, clock):
        gateway.hang_next(1, seconds=1.5)
        message = greeting(kavya)
        assert deliver.call(message.pk) == "will retry"
        message.refresh_from_db()
        assert message.error == "The gateway did not answer within 0.5 seconds."

    def test_a_gateway_that_cannot_be_reached_is_a_failed_attempt(
        self, kavya, gateway, clock, settings
    ):
        gateway.stop()
        message = greeting(kavya)
        assert deliver.call(message.pk) == "will retry"
        message.refresh_from_db()
        assert message.error.startswith("The gateway could not be reached")

    def test_the_same_idempotency_key_is_delivered_once(self, kavya, gateway, clock):
        message = greeting(kavya)
        deliver.call(message.pk)
        # What a killed worker leaves: the gateway took the message, the outcome was lost.
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENDING, claimed_until=NOW - dt.timedelta(seconds=1)
        )
        assert sweep() == 1
        assert deliver.call(message.pk) == "sent"
        assert len(gateway.requests) == 2
        assert len(gateway.deliveries) == 1
        message.refresh_from_db()
        assert message.provider_id == "gw-1"


class TestConsentAndAddresses:
    def test_withdrawn_consent_means_not_sent_with_the_reason_and_nothing_sent(
        self, kavya, priya, gateway, clock, finished
    ):
        message = greeting(kavya)
        data_rights.contact_consent_withdraw(kavya, by=priya, ip=None)

        assert deliver.call(message.pk) == "not sent"

        message.refresh_from_db()
        assert message.status == MessageStatus.NOT_SENT
        assert message.attempts == 1
        assert "has not agreed to be contacted" in message.error
        assert message.needs_attention
        assert gateway.requests == []
        assert AuditEvent.objects.filter(
            action=record_events.CONTACT_REFUSED, patient_id=kavya.pk
        ).exists()
        assert actions_for(message) == [events.MESSAGE_NOT_SENT]
        assert finished == [(message.pk, MessageStatus.NOT_SENT)]

    def test_a_patient_who_never_agreed_gets_nothing(self, bangalore, priya, gateway, clock):
        patient = make_patient(bangalore, by=priya, name="Anil Shah")
        message = greeting(patient)
        assert deliver.call(message.pk) == "not sent"
        assert gateway.requests == []

    def test_no_address_on_the_channel_is_not_sent_with_the_reason(
        self, bangalore, priya, gateway, clock
    ):
        patient = consenting(make_patient(bangalore, by=priya, name="Anil Shah", mobile=""), priya)
        message = greeting(patient)
        assert message.channel == Channel.SMS

        assert deliver.call(message.pk) == "not sent"

        message.refresh_from_db()
        assert message.status == MessageStatus.NOT_SENT
        assert "Anil Shah has no address for SMS messages" in message.error
        assert gateway.requests == []

    def test_the_address_is_read_when_the_message_is_sent(self, kavya, gateway, clock):
        message = greeting(kavya)
        kavya.mobile = "+919845099999"
        kavya.save()
        deliver.call(message.pk)
        assert gateway.requests[0].body["to"] == "+919845099999"
        message.refresh_from_db()
        assert message.recipient == "+919845099999"


class TestBackends:
    def test_email_goes_through_djangos_email_backend_with_a_stable_message_id(self, kavya, clock):
        message = greeting(kavya, channel=Channel.EMAIL)
        assert deliver.call(message.pk) == "sent"
        [email] = mail.outbox
        assert email.to == ["kavya@example.com"]
        assert email.subject == f"A message from {kavya.clinic.name}"
        assert email.body.startswith("Hello Kavya,")
        message.refresh_from_db()
        assert email.extra_headers["Message-ID"] == message.provider_id
        assert message.provider_id.startswith(f"<fascia-{message.pk}-greeting-1-")

    def test_sms_and_whatsapp_default_to_one_json_line_per_message_in_a_file(
        self, kavya, clock, settings
    ):
        assert settings.FASCIA_MESSAGE_BACKENDS["sms"].endswith("FileBackend")
        first = greeting(kavya)
        second = greeting(kavya, key="greeting:2", channel=Channel.WHATSAPP)
        deliver.call(first.pk)
        deliver.call(second.pk)

        sms = (settings.VAR_DIR / "messages" / "sms.jsonl").read_text().splitlines()
        whatsapp = (settings.VAR_DIR / "messages" / "whatsapp.jsonl").read_text().splitlines()
        line = json.loads(sms[-1])
        assert line["to"] == "+919845012345"
        assert line["reference"] == "greeting:1"
        assert line["text"].startswith("Hello Kavya")
        first.refresh_from_db()
        assert first.provider_id == line["id"]
        assert json.loads(whatsapp[-1])["reference"] == "greeting:2"


class TestTemplates:
    def test_the_patients_language_is_used_where_a_translation_exists(
        self, bangalore, priya, gateway, clock
    ):
        patient = consenting(
            make_patient(bangalore, by=priya, name="Sunita Devi", preferred_language="hi"), priya
        )
        message = greeting(patient)
        deliver.call(message.pk)
        assert gateway.requests[0].body["text"].startswith("नमस्ते Sunita")
        message.refresh_from_db()
        assert message.language == "hi"

    def test_english_is_the_fallback_when_there_is_no_translation(self, bangalore, priya, clock):
        patient = make_patient(
            bangalore, by=priya, name="Sunita Devi", preferred_language="hi", email="s@example.com"
        )
        message = greeting(consenting(patient, priya), channel=Channel.EMAIL)
        deliver.call(message.pk)
        assert mail.outbox[0].body.startswith("Hello Sunita,")
        message.refresh_from_db()
        assert message.language == "en"

    def test_a_private_link_is_rendered_each_time_the_same_and_never_stored(
        self, kavya, gateway, clock
    ):
        link = Link.new("test", "check:start")
        message = greeting(kavya, link=link)
        deliver.call(message.pk)
        assert link.url in gateway.requests[0].body["text"]
        message.refresh_from_db()
        assert link.token not in json.dumps(message.context)

    def test_a_message_without_templates_fails_at_once_with_the_reason(self, kavya, gateway, clock):
        message = queue(patient=kavya, clinic=kavya.clinic, template="nonesuch", key="x:1")
        assert deliver.call(message.pk) == "failed"
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED
        assert "messaging/nonesuch/en/short.txt" in message.error
        assert gateway.requests == []


class TestSweep:
    def test_a_stale_claim_goes_back_to_the_queue_and_is_sent(self, kavya, gateway, clock):
        message = greeting(kavya)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENDING, attempts=1, claimed_until=NOW + dt.timedelta(minutes=5)
        )
        assert sweep() == 0

        clock.shift(dt.timedelta(minutes=6))
        assert sweep() == 1
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED
        assert "The worker stopped while sending attempt 1" in message.error
        assert deliver_tasks(message).count() == 2
        assert deliver.call(message.pk) == "sent"
        message.refresh_from_db()
        assert message.attempts == 2
        assert actions_for(message) == [events.MESSAGE_ATTEMPT_FAILED, events.MESSAGE_SENT]

    def test_a_stale_claim_on_the_last_attempt_fails(self, kavya, clock, settings, finished):
        settings.FASCIA_MESSAGE_RETRY_MINUTES = [1]
        message = greeting(kavya)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENDING, attempts=2, claimed_until=NOW - dt.timedelta(minutes=1)
        )
        assert sweep() == 1
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED
        assert finished == [(message.pk, MessageStatus.FAILED)]

    def test_a_due_message_that_lost_its_task_gets_one_again_once(self, kavya, gateway, clock):
        message = greeting(kavya)
        deliver_tasks(message).delete()
        assert sweep() == 0

        clock.shift(dt.timedelta(minutes=6))
        assert sweep() == 1
        assert sweep() == 0
        assert deliver_tasks(message).count() == 1
        assert deliver.call(message.pk) == "sent"

    def test_the_sweep_leaves_sent_and_future_messages_alone(self, kavya, gateway, clock):
        sent = greeting(kavya)
        deliver.call(sent.pk)
        greeting(kavya, key="greeting:later", due_at=NOW + dt.timedelta(days=1))
        clock.shift(dt.timedelta(hours=1))
        assert sweep() == 0


class TestCancelling:
    def test_cancelling_stops_a_waiting_message(self, kavya, priya, gateway, clock):
        message = greeting(kavya, due_at=NOW + dt.timedelta(days=1))
        assert cancel(message, by=priya)
        message.refresh_from_db()
        assert message.status == MessageStatus.CANCELLED
        clock.shift(dt.timedelta(days=1))
        assert deliver.call(message.pk) == "nothing to do"
        assert gateway.requests == []
        assert actions_for(message) == [events.MESSAGE_CANCELLED]

    def test_cancel_for_cancels_every_waiting_message_of_a_key_prefix(self, kavya, gateway, clock):
        sent = greeting(kavya, key="reminder:34:0")
        deliver.call(sent.pk)
        for n in (1, 2):
            greeting(kavya, key=f"reminder:34:{n}", due_at=NOW + dt.timedelta(days=n))
        greeting(kavya, key="reminder:345:1", due_at=NOW + dt.timedelta(days=1))

        assert cancel_for("reminder:34:") == 2
        statuses = dict(Message.objects.values_list("key", "status"))
        assert statuses == {
            "reminder:34:0": MessageStatus.SENT,
            "reminder:34:1": MessageStatus.CANCELLED,
            "reminder:34:2": MessageStatus.CANCELLED,
            "reminder:345:1": MessageStatus.QUEUED,
        }


@pytest.mark.usefixtures("committed_site")
def test_the_task_worker_sends_what_is_due(bangalore, priya, gateway):
    patient = consenting(make_patient(bangalore, by=priya), priya)
    message = greeting(patient)
    later = greeting(patient, key="greeting:later", due_at=timezone.now() + dt.timedelta(hours=1))

    call_command("db_worker", "--batch", "--no-startup-delay", "--backend", "database")

    message.refresh_from_db()
    later.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert later.status == MessageStatus.QUEUED
    assert len(gateway.deliveries) == 1


@pytest.mark.usefixtures("committed_site")
def test_five_workers_running_the_same_task_at_once_send_it_once(bangalore, priya, gateway):
    patient = consenting(make_patient(bangalore, by=priya), priya)
    message = greeting(patient)
    start = threading.Barrier(5)
    results: list = []

    def run() -> None:
        try:
            start.wait()
            results.append(deliver.call(message.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["nothing to do"] * 4 + ["sent"]
    assert len(gateway.requests) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
