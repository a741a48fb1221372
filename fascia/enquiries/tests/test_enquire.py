"""The public enquiry form, through HTTP: never lost, never doubled, hard to abuse."""

import re
import threading
import time
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test import Client
from django_tasks_db.models import DBTaskResult
from wagtail.models import Page

from fascia.accounts.models import AuditEvent
from fascia.clinics.models import Clinic
from fascia.enquiries import privacy, tokens
from fascia.enquiries.models import Enquiry, Status
from fascia.website.models import ConditionPage, TherapyPage, TreatmentPage

TREATMENT = "/treatments/dry-needling-for-piriformis-syndrome/"
TOKEN_INPUT = re.compile(rb'name="form_token" value="([^"]+)"')


def old_token(seconds: float = 30) -> str:
    return tokens.issue(now=time.time() - seconds)


def answers(**changes) -> dict:
    data = {
        "form_token": old_token(),
        "name": "Asha Rao",
        "phone": "89510 47001",
        "email": "asha@example.in",
        "clinic": "either",
        "preferred_time": "morning",
        "message": "Deep pain in my right buttock for three weeks.",
        "consent": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def notification_tasks():
    return DBTaskResult.objects.filter(task_path="fascia.enquiries.tasks.notify_staff_of_enquiry")


def refuse_enquiry_writes(execute, sql, params, many, context):
    """A database that fails every write of an enquiry (a full disk, a lost primary)."""
    if sql.startswith("INSERT") and "enquiries_enquiry" in sql:
        raise OperationalError("disk I/O error")
    return execute(sql, params, many, context)


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("the mail server is down")


@pytest.mark.django_db
class TestTheForm:
    def test_it_offers_the_clinics_in_the_database_and_an_unticked_consent_box(self, client, site):
        html = client.get("/enquire/").content.decode()
        for clinic in Clinic.objects.filter(active=True):
            assert f'value="{clinic.pk}"' in html
            assert clinic.name in html
        assert "Either clinic" in html
        consent = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
        assert "checked" not in consent

    def test_every_condition_therapy_and_treatment_page_carries_it_prefilled(self, client, site):
        for model in (ConditionPage, TherapyPage, TreatmentPage):
            page = model.objects.live().first()
            html = client.get(page.url).content.decode()
            assert 'action="/enquire/"' in html, page.url
            assert f'name="source_page" value="{page.pk}"' in html
            textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
            assert page.title in textarea.replace("&#x27;", "'")

    def test_every_visitor_gets_the_same_page_and_its_token_is_ours(self, client, site):
        first = client.get(TREATMENT)
        second = client.get(TREATMENT)
        assert second["X-Page-Cache"] == "hit"
        assert first.content == second.content
        assert tokens.read(TOKEN_INPUT.search(first.content).group(1).decode())

    def test_the_privacy_notice_names_the_retention_period_and_its_version(
        self, client, site, settings
    ):
        settings.FASCIA_ENQUIRY_RETENTION_DAYS = 182
        html = client.get("/enquire/privacy/").content.decode()
        assert "6 months" in html
        assert privacy.notice_version() in html
        assert "Data Protection Board" in html


@pytest.mark.django_db
class TestSubmitting:
    def test_a_valid_enquiry_is_stored_once_and_confirmed_with_its_reference(self, client, site):
        treatment = TreatmentPage.objects.get()
        response = client.post("/enquire/", answers(source_page=treatment.pk))
        enquiry = Enquiry.objects.get()
        assert response.status_code == 303
        assert response["Location"].startswith(f"/enquire/received/{enquiry.reference}/")
        assert enquiry.phone.as_e164 == "+918951047001"
        assert enquiry.phone_kind == "mobile"
        assert enquiry.status == Status.NEW
        assert enquiry.source_page.pk == treatment.pk
        assert enquiry.source_url == TREATMENT
        assert enquiry.consent_version == privacy.notice_version()
        confirmation = client.get(response["Location"])
        assert enquiry.reference.encode() in confirmation.content
        assert b"+91 89510 47001" in confirmation.content
        assert "no-store" in confirmation["Cache-Control"]

    def test_the_notification_task_and_audit_event_are_written_with_the_enquiry(self, client, site):
        client.post("/enquire/", answers())
        enquiry = Enquiry.objects.get()
        task = notification_tasks().get()
        assert task.args_kwargs["args"] == [enquiry.pk]
        assert AuditEvent.objects.get(target_id=str(enquiry.pk)).action == "enquiry.received"

    def test_submitting_the_same_form_twice_creates_one_enquiry(self, client, site):
        data = answers()
        first = client.post("/enquire/", data)
        second = client.post("/enquire/", data)
        enquiry = Enquiry.objects.get()
        assert notification_tasks().count() == 1
        # Both go to the one enquiry's confirmation (each address signed when it was made).
        for response in (first, second):
            assert response["Location"].startswith(f"/enquire/received/{enquiry.reference}/")
            assert enquiry.reference.encode() in client.get(response["Location"]).content

    def test_the_same_form_reused_for_a_different_enquiry_is_not_merged(self, client, site):
        token = old_token()
        client.post("/enquire/", answers(form_token=token))
        client.post("/enquire/", answers(form_token=token, name="Ravi Kumar", phone="98765 43210"))
        assert sorted(Enquiry.objects.values_list("name", flat=True)) == ["Asha Rao", "Ravi Kumar"]

    def test_one_form_sends_one_enquiry_per_number_and_asks_before_a_second(self, client, site):
        token = old_token()
        client.post("/enquire/", answers(form_token=token))
        again = client.post("/enquire/", answers(form_token=token, message="And my left knee."))
        html = again.content.decode()
        reference = Enquiry.objects.get().reference
        assert again.status_code == 409
        assert (
            f"already sent us an enquiry for this mobile number, with the reference {reference}"
            in html
        )
        assert "And my left knee." in html
        fresh = TOKEN_INPUT.search(again.content).group(1).decode()
        assert fresh != token
        confirmed = client.post("/enquire/", answers(form_token=fresh, message="And my left knee."))
        assert confirmed.status_code == 303
        assert Enquiry.objects.count() == 2

    def test_a_form_open_for_more_than_a_day_comes_back_with_everything_typed(
        self, client, site, settings
    ):
        settings.FASCIA_ENQUIRY_FORM_MAX_AGE = 24 * 3600
        stale = old_token(seconds=24 * 3600 + 60)
        response = client.post("/enquire/", answers(form_token=stale))
        html = response.content.decode()
        assert response.status_code == 400
        assert Enquiry.objects.count() == 0
        assert "opened more than a day ago" in html
        assert 'value="Asha Rao"' in html
        assert "Deep pain in my right buttock for three weeks." in html
        fresh = TOKEN_INPUT.search(response.content).group(1).decode()
        assert not tokens.expired(fresh)
        assert client.post("/enquire/", answers(form_token=fresh)).status_code == 303
        assert Enquiry.objects.count() == 1

    def test_a_page_without_a_public_address_as_source_is_dropped_not_a_500(self, client, site):
        response = client.post("/enquire/", answers(source_page=str(Page.get_first_root_node().pk)))
        assert response.status_code == 303
        assert Enquiry.objects.get().source_page is None

    def test_the_old_placeholder_text_is_kept_exactly_as_typed(self, client, site):
        typed = "My note says fascia-enquiry-form-token, whatever that is."
        client.post("/enquire/", answers(message=typed))
        assert Enquiry.objects.get().message == typed

    def test_a_landline_is_accepted_and_marked_as_one(self, client, site):
        client.post("/enquire/", answers(phone="080 2345 6789"))
        assert Enquiry.objects.get().phone_kind == "landline"

    def test_a_chosen_clinic_is_recorded(self, client, site):
        clinic = Clinic.objects.first()
        client.post("/enquire/", answers(clinic=str(clinic.pk)))
        assert Enquiry.objects.get().clinic == clinic


@pytest.mark.django_db
class TestMistakes:
    def test_errors_are_summarised_linked_to_their_fields_and_the_input_is_kept(self, client, site):
        response = client.post("/enquire/", answers(phone="8951", consent=None))
        html = response.content.decode()
        assert response.status_code == 400
        assert Enquiry.objects.count() == 0
        assert 'class="error-summary"' in html
        assert '<a href="#id_phone">This number is too short.' in html
        assert '<a href="#id_consent">' in html
        assert 'value="Asha Rao"' in html
        assert 'value="8951"' in html
        assert 'aria-invalid="true"' in html
        assert "<title>Error:" in html

    def test_a_corrected_form_keeps_its_token(self, client, site):
        token = old_token()
        html = client.post("/enquire/", answers(form_token=token, phone="8951")).content.decode()
        assert f'value="{token}"' in html

    @pytest.mark.parametrize(
        ("field", "value"),
        [("name", "A" * 101), ("email", "a" * 250 + "@example.in"), ("message", "x" * 1001)],
    )
    def test_every_field_has_a_length_limit(self, client, site, field, value):
        response = client.post("/enquire/", answers(**{field: value}))
        assert response.status_code == 400
        assert Enquiry.objects.count() == 0

    def test_html_typed_into_the_form_comes_back_escaped(self, client, site):
        attack = '<script>alert("x")</script>'
        html = client.post("/enquire/", answers(name=attack, phone="8951")).content.decode()
        assert attack not in html
        assert "&lt;script&gt;" in html

    def test_a_database_failure_saves_nothing_keeps_the_input_and_says_so(
        self, client, site, caplog
    ):
        with connection.execute_wrapper(refuse_enquiry_writes):
            response = client.post("/enquire/", answers())
        html = response.content.decode()
        assert response.status_code == 503
        assert "We could not save your enquiry. Nothing was sent." in html
        assert "+91 89510 47001" in html
        assert 'value="Asha Rao"' in html
        assert "Deep pain in my right buttock" in html
        assert Enquiry.objects.count() == 0
        assert notification_tasks().count() == 0
        assert "Could not save an enquiry" in caplog.text

    def test_with_the_database_out_of_reach_the_details_are_kept_for_another_try(
        self, client, site, caplog
    ):
        client.post("/enquire/", answers(consent=None))  # the clinic's number is remembered

        def database_down(execute, sql, params, many, context):
            raise OperationalError("could not connect to server")

        data = answers(message='Pain <b>"here"</b>')
        with connection.execute_wrapper(database_down):
            response = client.post("/enquire/", data)
        html = response.content.decode()
        assert response.status_code == 503
        assert "We could not save your enquiry. Nothing was sent." in html
        assert "+91 89510 47001" in html
        assert f'name="form_token" value="{data["form_token"]}"' in html
        assert "Pain &lt;b&gt;&quot;here&quot;&lt;/b&gt;" in html
        assert "the database is unavailable" in caplog.text
        assert Enquiry.objects.count() == 0
        retried = client.post("/enquire/", data)
        assert retried.status_code == 303
        assert Enquiry.objects.get().message == 'Pain <b>"here"</b>'

    def test_a_form_posted_from_another_site_is_refused(self, client, site):
        response = client.post("/enquire/", answers(), headers={"origin": "https://evil.example"})
        assert response.status_code == 403
        assert Enquiry.objects.count() == 0


@pytest.mark.django_db
class TestAbuse:
    def test_a_filled_honeypot_is_kept_as_spam_and_not_notified(self, client, site):
        response = client.post("/enquire/", answers(website="http://cheap-pills.example"))
        enquiry = Enquiry.objects.get()
        assert response.status_code == 303
        assert (enquiry.status, enquiry.spam_reason) == (Status.SPAM, "honeypot")
        assert notification_tasks().count() == 0

    def test_a_form_sent_faster_than_a_person_can_is_kept_as_spam(self, client, site, settings):
        settings.FASCIA_ENQUIRY_MIN_SECONDS = 2
        client.post("/enquire/", answers(form_token=tokens.issue()))
        assert Enquiry.objects.get().spam_reason == "sent too fast"
        assert notification_tasks().count() == 0

    def test_a_form_without_our_token_is_kept_as_spam(self, client, site):
        client.post("/enquire/", answers(form_token="forged"))
        assert Enquiry.objects.get().spam_reason == "no valid form token"

    def test_one_phone_number_may_send_only_a_few_enquiries_an_hour(self, client, site, settings):
        settings.FASCIA_ENQUIRY_PHONE_LIMIT = 3
        for number in range(3):
            client.post("/enquire/", answers(message=f"Enquiry {number}"))
        blocked = client.post("/enquire/", answers(message="One more"))
        assert blocked.status_code == 429
        assert 0 < int(blocked["Retry-After"]) <= 3600
        assert "already received 3 enquiries for this mobile number in the last hour" in (
            blocked.content.decode()
        )
        assert "+91 89510 47001" in blocked.content.decode()
        assert 'value="Asha Rao"' in blocked.content.decode()
        assert Enquiry.objects.count() == 3

    def test_forms_with_mistakes_do_not_count_towards_the_limit(self, client, site, settings):
        settings.FASCIA_ENQUIRY_PHONE_LIMIT = 1
        for _ in range(5):
            client.post("/enquire/", answers(consent=None))
        assert client.post("/enquire/", answers()).status_code == 303

    def test_an_enquiry_the_database_refused_does_not_count(self, client, site, settings):
        settings.FASCIA_ENQUIRY_PHONE_LIMIT = 1

        with connection.execute_wrapper(refuse_enquiry_writes):
            assert client.post("/enquire/", answers()).status_code == 503
        assert client.post("/enquire/", answers()).status_code == 303

    def test_a_repeat_of_an_accepted_form_is_not_counted_or_blocked(self, client, site, settings):
        settings.FASCIA_ENQUIRY_PHONE_LIMIT = 1
        data = answers()
        assert client.post("/enquire/", data).status_code == 303
        assert client.post("/enquire/", data).status_code == 303

    def test_one_network_address_may_send_many_enquiries_but_not_unlimited(
        self, client, site, settings
    ):
        settings.FASCIA_ENQUIRY_IP_LIMIT = 20
        for number in range(20):
            phone = f"98765 {number:05d}"
            assert client.post("/enquire/", answers(phone=phone)).status_code == 303, phone
        blocked = client.post("/enquire/", answers(phone="98760 99999"))
        assert blocked.status_code == 429
        assert 0 < int(blocked["Retry-After"]) <= 600
        assert "from your network in the last 10 minutes" in blocked.content.decode()
        assert Enquiry.objects.count() == 20

    def test_spam_never_uses_up_a_real_persons_limits(self, client, site, settings):
        settings.FASCIA_ENQUIRY_PHONE_LIMIT = 3
        settings.FASCIA_ENQUIRY_IP_LIMIT = 3
        for number in range(3):
            client.post("/enquire/", answers(form_token="", message=f"Made up {number}"))
        assert Enquiry.objects.filter(status=Status.SPAM).count() == 3
        assert client.post("/enquire/", answers()).status_code == 303
        assert Enquiry.objects.filter(status=Status.NEW).count() == 1

    def test_spam_from_one_address_is_stored_only_up_to_its_own_limit(self, client, site, settings):
        settings.FASCIA_ENQUIRY_SPAM_LIMIT = 2
        for number in range(2):
            assert (
                client.post("/enquire/", answers(website="x", message=f"{number}")).status_code
                == 303
            )
        assert client.post("/enquire/", answers(website="x", message="3")).status_code == 429
        assert client.post("/enquire/", answers()).status_code == 303
        assert Enquiry.objects.count() == 3


# The worker closes database connections between tasks, as it must in production: these
# tests commit for real instead of running inside one rolled-back transaction.
@pytest.mark.usefixtures("committed_site")
class TestNotifyingStaff:
    def run_worker(self):
        call_command("db_worker", "--batch", "--no-startup-delay", "--backend", "database")

    def test_the_worker_emails_the_clinic_without_health_details(self, client):
        client.post("/enquire/", answers())
        self.run_worker()
        enquiry = Enquiry.objects.get()
        assert len(mail.outbox) == 1
        body = mail.outbox[0].body
        assert enquiry.reference in body
        assert f"/app/enquiries/{enquiry.reference}/" in body
        assert "Deep pain" not in body
        assert "8951047001" not in body
        assert enquiry.notified_at is not None

    def test_a_failing_mail_server_keeps_the_enquiry_and_retries_later(self, client, settings):
        settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
        client.post("/enquire/", answers())
        self.run_worker()
        enquiry = Enquiry.objects.get()
        assert enquiry.status == Status.NEW
        assert enquiry.notified_at is None
        first, retry = notification_tasks().order_by("enqueued_at")
        assert first.status == "FAILED"
        assert retry.status == "READY"
        assert retry.args_kwargs["kwargs"] == {"attempt": 2}
        assert retry.run_after > first.finished_at
        assert AuditEvent.objects.filter(action="enquiry.notification_failed").count() == 1

    def test_spam_is_never_notified(self, client):
        client.post("/enquire/", answers(website="spam"))
        self.run_worker()
        assert mail.outbox == []


@pytest.mark.django_db
class TestLivePhoneCheck:
    @pytest.mark.parametrize(
        ("typed", "expected"),
        [
            ("89510 47001", "89510 47001 is a valid number."),
            ("080 2345 6789", "looks like a landline"),
            ("8951", "too short"),
            ("89510 4700A", "only have digits"),
        ],
    )
    def test_it_says_whether_the_number_is_valid(self, client, site, typed, expected):
        response = client.get("/enquire/phone-check/", {"phone": typed})
        assert expected in response.content.decode()

    def test_an_empty_field_says_nothing(self, client, site):
        assert client.get("/enquire/phone-check/", {"phone": ""}).content.strip() == b""


@pytest.mark.django_db
def test_an_unknown_reference_is_not_found(client, site):
    assert client.get("/enquire/received/ZZZZZZ/").status_code == 404


@pytest.mark.usefixtures("committed_site")
def test_eight_identical_posts_at_once_are_one_enquiry_and_eight_confirmations():
    data = answers()
    start = threading.Barrier(8)
    responses: list = []

    def send() -> None:
        try:
            start.wait()
            responses.append(Client().post("/enquire/", data))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    enquiry = Enquiry.objects.get()
    assert [response.status_code for response in responses] == [303] * 8
    assert {response["Location"].split("?")[0] for response in responses} == {
        f"/enquire/received/{enquiry.reference}/"
    }
    assert notification_tasks().count() == 1
