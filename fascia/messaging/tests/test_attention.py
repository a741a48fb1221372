"""Messages needing attention: the list, a message's page, trying again, dealing with it,
the patient page's messages and the start page's count."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.messaging import events
from fascia.messaging.delivery import deliver
from fascia.messaging.models import Channel, Message, MessageStatus
from fascia.messaging.outbox import queue
from fascia.records import data_rights
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("message_templates")]


def failed(patient, *, key="greeting:1", error="The gateway refused the message (HTTP 400)"):
    """A message to `patient` that failed for good (made as the worker leaves it)."""
    message = queue(
        patient=patient,
        clinic=patient.clinic,
        template="greeting",
        key=key,
        context={"when": "Tuesday"},
    )
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED, attempts=5, error=error, last_attempt_at=timezone.now()
    )
    message.refresh_from_db()
    return message


def audit_actions(message):
    return list(
        AuditEvent.objects.filter(target_id=str(message.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


class TestTheList:
    def test_failures_and_refusals_of_my_clinics_newest_first(
        self, client, priya, kavya, ravi, bangalore
    ):
        older = failed(kavya, key="greeting:old")
        Message.objects.filter(pk=older.pk).update(
            last_attempt_at=timezone.now() - dt.timedelta(hours=1)
        )
        newer = failed(kavya, key="greeting:new", error="The gateway did not answer")
        failed(ravi, key="greeting:ravi")
        dealt_with = failed(kavya, key="greeting:dealt")
        Message.objects.filter(pk=dealt_with.pk).update(
            resolved_at=timezone.now(), resolution="Phoned her"
        )
        queue(patient=kavya, clinic=bangalore, template="greeting", key="greeting:queued")

        response = signed_in(client, priya).get("/app/messages/")

        assert response.status_code == 200
        items = soup_of(response).select(".message-list__item")
        assert [item.select_one("a")["href"] for item in items] == [
            f"/app/patients/{kavya.pk}/"
        ] * 2
        assert "The gateway did not answer" in items[0].get_text()
        assert "HTTP 400" in items[1].get_text()
        assert "Ravi" not in text_of(response)
        assert f"/app/messages/{newer.pk}/retry/" in str(items[0])

    def test_someone_without_contacts_anywhere_gets_404(self, client, asha, vikram):
        assert signed_in(client, asha).get("/app/messages/").status_code == 404
        assert signed_in(client, vikram).get("/app/messages/").status_code == 404


class TestTryingAgain:
    def test_a_failed_message_is_queued_again_with_a_new_round_of_attempts(
        self, client, priya, kavya, gateway
    ):
        message = failed(kavya)
        kavya.mobile = "+919845099999"
        kavya.save()

        response = signed_in(client, priya).post(f"/app/messages/{message.pk}/retry/")

        assert response.status_code == 302
        assert response["Location"] == f"/app/messages/{message.pk}/"
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED
        assert (message.attempts, message.error) == (0, "")
        assert message.recipient == "+919845099999"
        assert audit_actions(message)[-1] == events.MESSAGE_REQUEUED
        assert deliver.call(message.pk) == "sent"
        assert gateway.deliveries[0]["to"] == "+919845099999"

    def test_without_consent_it_is_refused_with_the_reason_and_nothing_changes(
        self, client, priya, kavya
    ):
        message = failed(kavya)
        data_rights.contact_consent_withdraw(kavya, by=priya, ip=None)

        response = signed_in(client, priya).post(f"/app/messages/{message.pk}/retry/", follow=True)

        assert "has not agreed to be contacted" in " ".join(messages_on(response))
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED
        assert events.MESSAGE_REQUEUED not in audit_actions(message)

    def test_a_sent_message_cannot_be_tried_again(self, client, priya, kavya):
        message = failed(kavya)
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)
        response = signed_in(client, priya).post(f"/app/messages/{message.pk}/retry/", follow=True)
        assert "does not need attention any more" in " ".join(messages_on(response))
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT


class TestDealingWithIt:
    def test_a_note_marks_it_dealt_with_and_it_leaves_the_list(self, client, priya, kavya):
        message = failed(kavya)
        signed_in(client, priya)
        page = client.get(f"/app/messages/{message.pk}/")
        assert page.status_code == 200
        assert events.MESSAGE_VIEWED in audit_actions(message)

        response = client.post(
            f"/app/messages/{message.pk}/resolve/", {"note": "Phoned her with the time."}
        )

        assert response.status_code == 302
        assert response["Location"] == "/app/messages/"
        message.refresh_from_db()
        assert message.resolved_by == priya
        assert message.resolution == "Phoned her with the time."
        assert not message.needs_attention
        assert audit_actions(message)[-1] == events.MESSAGE_RESOLVED
        assert "No message needs attention." in text_of(client.get("/app/messages/"))

    def test_an_empty_note_is_refused_and_nothing_changes(self, client, priya, kavya):
        message = failed(kavya)
        response = signed_in(client, priya).post(f"/app/messages/{message.pk}/resolve/", {})
        assert response.status_code == 400
        assert "Say what was done about this message." in response.content.decode()
        message.refresh_from_db()
        assert message.resolved_at is None

    def test_a_note_with_control_characters_is_refused(self, client, priya, kavya):
        message = failed(kavya)
        response = signed_in(client, priya).post(
            f"/app/messages/{message.pk}/resolve/", {"note": "Phoned\x07 her"}
        )
        assert response.status_code == 400
        message.refresh_from_db()
        assert message.resolved_at is None


class TestOtherClinics:
    @pytest.mark.parametrize(
        ("method", "path", "data"),
        [
            ("get", "/app/messages/{}/", None),
            ("post", "/app/messages/{}/retry/", None),
            ("post", "/app/messages/{}/resolve/", {"note": "Done"}),
        ],
    )
    def test_another_clinics_message_is_404_and_refused_posts_change_nothing(
        self, client, meera, kavya, method, path, data
    ):
        message = failed(kavya)
        before = list(AuditEvent.objects.values_list("pk", flat=True))
        signed_in(client, meera)
        response = getattr(client, method)(path.format(message.pk), data or {})
        assert response.status_code == 404
        message.refresh_from_db()
        assert (message.status, message.resolved_at) == (MessageStatus.FAILED, None)
        assert list(AuditEvent.objects.values_list("pk", flat=True)) == before


class TestOtherPages:
    def test_the_patient_page_shows_their_messages_with_failures_marked(
        self, client, priya, kavya, gateway
    ):
        with time_machine.travel(timezone.now(), tick=False):
            sent = queue(
                patient=kavya,
                clinic=kavya.clinic,
                template="greeting",
                key="greeting:sent",
                context={"when": "Monday"},
                channel=Channel.SMS,
            )
            deliver.call(sent.pk)
        failure = failed(kavya)

        response = signed_in(client, priya).get(f"/app/patients/{kavya.pk}/")

        section = soup_of(response).find(id="messages-heading").parent
        items = section.select(".message-list__item")
        assert len(items) == 2
        marked = section.select(".message-list__item--attention")
        assert len(marked) == 1
        assert "HTTP 400" in marked[0].get_text()
        assert marked[0].select_one("a")["href"] == f"/app/messages/{failure.pk}/"
        assert "Sent" in section.get_text()

    def test_the_start_page_counts_messages_needing_attention(self, client, priya, kavya):
        failed(kavya)
        failed(kavya, key="greeting:2")
        response = signed_in(client, priya).get("/app/")
        section = soup_of(response).find(id="messages-attention-heading").parent
        assert "2 messages to patients failed or were not sent" in section.get_text()
        assert section.select_one("a")["href"] == "/app/messages/"
