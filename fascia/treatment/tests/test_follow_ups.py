"""Follow-ups after needling: made when a needling session is signed, at the pathway's times;
told when their message went out; swept (sent again once, then unanswered); and what the
staff read of them (the session page, the episode's timeline, the start page)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from fascia.accounts.models import AuditEvent
from fascia.messaging.delivery import deliver
from fascia.messaging.links import Link
from fascia.messaging.models import Channel, Message, MessageStatus
from fascia.messaging.rendering import rendered
from fascia.messaging.signals import message_finished
from fascia.records import data_rights
from fascia.records.models import Alert
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.treatment import events, sessions
from fascia.treatment.follow_ups import notify_staff, sweep
from fascia.treatment.models import FollowUp, FollowUpStatus
from fascia.treatment.tests.test_sessions import PATHWAY, prepare, url

SIGNED_AT = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
WELL = {
    "soreness": "3",
    "bruising_or_bleeding": "no",
    "faint_or_drowsy": "no",
    "fever_or_unwell": "no",
    "symptoms_worse": "no",
    "new_leg_symptoms": "no",
    "worsening_weakness": "no",
    "site_red_hot": "no",
    "saddle_or_bladder": "no",
}


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


def sign_needling_session(episode, physiotherapist):
    """The physiotherapist records a needling session of the left piriformis and gluteus
    medius and signs it, through the session's actions (its pages, which call the same
    actions, are tested in test_sessions.py)."""
    by = {"by": physiotherapist, "ip": None}
    session = sessions.session_start(episode=episode, **by)
    nothing_new = {question.id: False for question in sessions.recheck_questions(PATHWAY)}
    sessions.session_recheck(session=session, answers=nothing_new, **by)
    every_step = [step.id for step in sessions.ticked_steps(PATHWAY)]
    sessions.session_confirm_steps(session=session, confirmed=every_step, needles_in=2, **by)
    for muscle, twitch, length in (("piriformis", "some", 60), ("gluteus_medius", "many", 50)):
        needling = sessions.Needling(
            muscle=muscle,
            side="left",
            needle_length_mm=length,
            needle_gauge_mm=Decimal("0.30"),
            needles=1,
            insertions=6,
            technique="pistoning",
            twitch=twitch,
            depth_note="Lateral third, to the muscle",
            duration_minutes=None,
            tolerance="good",
        )
        sessions.session_add_needling(session=session, needling=needling, **by)
    sessions.session_count_out(session=session, needles_out=2, where_found="", resolution="", **by)
    sessions.session_record_pain(session=session, before=6, after=3, **by)
    advice = [a.id for a in PATHWAY.follow_up.aftercare]
    sessions.session_give_aftercare(session=session, advice=advice, **by)
    return sessions.session_sign(session=session, **by)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(SIGNED_AT, tick=False)
    return time_machine


@pytest.fixture
def needling_session(clock, kavya_episode, arjun):
    return sign_needling_session(prepare(kavya_episode, arjun), arjun)


def token_of(follow_up: FollowUp) -> str:
    return Link.from_context(follow_up.message.context["link"]).token


def day_1(session) -> FollowUp:
    return session.follow_ups.get(check_id="day_1")


def send(client, follow_up: FollowUp, answers: dict, **more):
    """The patient opens the link and sends these answers, as the browser would without
    JavaScript (with the page's list of the questions it showed)."""
    address = f"/f/{token_of(follow_up)}/"
    page = soup_of(client.get(address))
    shown = page.select_one("input[name=shown]")["value"]
    return client.post(address, {"shown": shown, **answers, **more})


def post_message_outcome(follow_up: FollowUp, status: str) -> None:
    """The messaging app records how the follow-up's message ended and says so."""
    message = follow_up.message
    message.status = status
    message.save(update_fields=["status"])
    message_finished.send(sender=Message, message=message)


@pytest.mark.django_db
class TestScheduling:
    def test_signing_a_needling_session_schedules_each_check_of_the_pathway(
        self, needling_session, settings
    ):
        answer_for = hours(settings.FASCIA_FOLLOW_UP_ANSWER_HOURS)
        made = {f.check_id: f for f in needling_session.follow_ups.all()}
        assert {c.id: c.after_hours for c in PATHWAY.follow_up.checks} == {
            "day_1": 24,
            "day_3": 72,
        }
        for check in PATHWAY.follow_up.checks:
            follow_up = made[check.id]
            assert follow_up.due_at == SIGNED_AT + hours(check.after_hours)
            assert follow_up.expires_at == follow_up.due_at + answer_for
            assert follow_up.status == FollowUpStatus.SCHEDULED
            assert follow_up.clinic == needling_session.clinic
            message = follow_up.message
            assert (message.key, message.template, message.due_at) == (
                f"follow-up:{follow_up.pk}",
                "follow_up",
                follow_up.due_at,
            )
            assert message.context["check_title"] == check.title
            link = Link.from_context(message.context["link"])
            assert link.digest == follow_up.token_sha256
            assert link.url.endswith(f"/f/{link.token}/")
        actions = AuditEvent.objects.filter(action=events.FOLLOW_UP_SCHEDULED)
        assert actions.count() == 2
        assert all(event.patient_id == needling_session.episode.patient_id for event in actions)

    def test_no_token_is_stored(self, needling_session):
        follow_up = day_1(needling_session)
        token = token_of(follow_up)
        assert token not in str(follow_up.message.context)
        assert not FollowUp.objects.filter(token_sha256=token).exists()

    def test_a_session_without_needling_has_no_follow_up(self, client, clock, kavya_episode, arjun):
        episode = prepare(kavya_episode, arjun)
        session = sessions.session_start(episode=episode, by=arjun, ip=None)
        client = signed_in(client, arjun)
        assert client.post(url(session, "pain/"), {"before": "5", "after": "4"}).status_code == 302
        assert client.post(url(session, "sign/")).status_code == 302
        session.refresh_from_db()
        assert session.is_signed
        assert not FollowUp.objects.exists()
        assert not Message.objects.exists()


@pytest.mark.django_db
class TestTheMessage:
    @pytest.mark.parametrize(
        ("language", "channel", "greeting"),
        [
            ("en", Channel.EMAIL, "Please tell us how you have been"),
            ("en", Channel.SMS, "how are you after your needling session?"),
            ("hi", Channel.EMAIL, "कृपया हमें बताएँ"),
            ("hi", Channel.SMS, "नीडलिंग सेशन के बाद आप कैसे हैं?"),
        ],
    )
    def test_it_carries_the_link_and_the_clinics_phone_in_the_patients_language(
        self, needling_session, language, channel, greeting
    ):
        follow_up = day_1(needling_session)
        patient = needling_session.episode.patient
        patient.preferred_language = language
        patient.save(update_fields=["preferred_language"])
        message = follow_up.message
        message.channel = channel
        text = rendered(message)
        assert text.language == language
        assert greeting in text.text
        assert Link.from_context(message.context["link"]).url in text.text
        assert needling_session.clinic.phone.as_international in text.text
        assert "112" in text.text
        assert bool(text.subject) == (channel == Channel.EMAIL)

    def test_the_message_sent_again_says_so(self, needling_session):
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, MessageStatus.SENT)
        sweep(now=follow_up.due_at + hours(12))
        follow_up.refresh_from_db()
        message = follow_up.resent_message
        message.channel = Channel.EMAIL
        text = rendered(message)
        assert text.subject.startswith("Reminder:")
        assert "We have not heard from you yet." in text.text


@pytest.mark.django_db
class TestTheMessageGoingOut:
    def test_a_sent_message_marks_the_follow_up_sent(self, needling_session):
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, MessageStatus.SENT)
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.SENT
        assert AuditEvent.objects.filter(action=events.FOLLOW_UP_SENT).count() == 1

    @pytest.mark.parametrize("status", [MessageStatus.NOT_SENT, MessageStatus.FAILED])
    def test_a_message_not_sent_marks_it_not_sent(self, needling_session, status):
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, status)
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.NOT_SENT
        post_message_outcome(follow_up, MessageStatus.SENT)
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.SENT

    def test_the_worker_sends_it_when_due_and_the_follow_up_is_sent(
        self, needling_session, priya, clock
    ):
        patient = needling_session.episode.patient
        data_rights.contact_consent_give(
            patient, notice_version=data_rights.patient_notice_version(), by=priya, ip=None
        )
        follow_up = day_1(needling_session)
        assert deliver.call(follow_up.message_id) == "nothing to do"
        clock.move_to(follow_up.due_at, tick=False)
        deliver.call(follow_up.message_id)
        follow_up.refresh_from_db()
        assert follow_up.message.status == MessageStatus.SENT
        assert follow_up.status == FollowUpStatus.SENT

    def test_without_consent_to_be_contacted_the_follow_up_is_not_sent(
        self, needling_session, clock
    ):
        follow_up = day_1(needling_session)
        clock.move_to(follow_up.due_at, tick=False)
        deliver.call(follow_up.message_id)
        follow_up.refresh_from_db()
        assert follow_up.message.status == MessageStatus.NOT_SENT
        assert follow_up.status == FollowUpStatus.NOT_SENT

    def test_an_answered_follow_up_stays_answered(self, client, needling_session):
        follow_up = day_1(needling_session)
        send(client, follow_up, WELL)
        post_message_outcome(follow_up, MessageStatus.SENT)
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.ANSWERED


@pytest.mark.django_db
class TestSweep:
    def test_unanswered_it_is_sent_again_once_then_marked_unanswered(
        self, needling_session, settings, clock
    ):
        settings.FASCIA_FOLLOW_UP_RESEND_HOURS = 12
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, MessageStatus.SENT)
        assert sweep(now=follow_up.due_at + hours(11)) == 0
        clock.move_to(follow_up.due_at + hours(12), tick=False)
        assert sweep() == 1
        follow_up.refresh_from_db()
        again = follow_up.resent_message
        assert again.key == f"follow-up:{follow_up.pk}:again"
        assert again.context["link"] == follow_up.message.context["link"]
        assert again.context["again"] is True
        assert sweep() == 0
        assert Message.objects.filter(key__endswith=":again").count() == 1
        clock.move_to(follow_up.expires_at, tick=False)
        assert sweep() == 1
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.UNANSWERED
        assert sweep() == 0
        assert AuditEvent.objects.filter(action=events.FOLLOW_UP_RESENT).count() == 1
        assert AuditEvent.objects.filter(action=events.FOLLOW_UP_UNANSWERED).count() == 1

    def test_without_resending_it_only_expires(self, needling_session, settings):
        settings.FASCIA_FOLLOW_UP_RESEND_HOURS = 0
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, MessageStatus.SENT)
        assert sweep(now=follow_up.due_at + hours(24)) == 0
        assert sweep(now=follow_up.expires_at) == 1
        follow_up.refresh_from_db()
        assert (follow_up.status, follow_up.resent_message) == (FollowUpStatus.UNANSWERED, None)

    def test_a_follow_up_not_sent_is_neither_sent_again_nor_unanswered(self, needling_session):
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, MessageStatus.NOT_SENT)
        assert sweep(now=follow_up.expires_at + hours(1)) == 0
        follow_up.refresh_from_db()
        assert (follow_up.status, follow_up.resent_message) == (FollowUpStatus.NOT_SENT, None)

    def test_an_answered_follow_up_is_left_alone(self, client, needling_session):
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, MessageStatus.SENT)
        send(client, follow_up, WELL)
        assert sweep(now=follow_up.due_at + hours(13)) == 0
        assert sweep(now=follow_up.expires_at + hours(1)) == 0
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.ANSWERED


@pytest.mark.django_db
class TestWhatStaffSee:
    def answer_with_leg_tingling(self, client, session) -> FollowUp:
        follow_up = day_1(session)
        send(client, follow_up, WELL | {"new_leg_symptoms": "yes"})
        follow_up.refresh_from_db()
        return follow_up

    def test_the_session_page_shows_the_answers_in_clinical_words(
        self, client, needling_session, arjun
    ):
        self.answer_with_leg_tingling(client, needling_session)
        response = signed_in(client, arjun).get(url(needling_session))
        section = soup_of(response).select_one("#follow-ups")
        text = " ".join(section.get_text(" ").split())
        assert "New leg numbness, tingling or weakness (possible sciatic irritation) Yes" in text
        assert "Post-needling soreness (NPRS) 3" in text
        assert "Call today" in text
        assert "Alert open" in text
        assert "About 72 hours after needling" in text
        viewed = AuditEvent.objects.filter(action=events.SESSION_VIEWED).latest("pk")
        assert viewed.actor == arjun

    def test_the_alert_stays_open_until_acknowledged_with_a_note(
        self, client, needling_session, arjun
    ):
        follow_up = self.answer_with_leg_tingling(client, needling_session)
        alert = follow_up.alert
        client = signed_in(client, arjun)
        assert f"#alert-{alert.pk}-heading" in str(soup_of(client.get(url(needling_session))))
        acknowledge = f"/app/alerts/{alert.pk}/acknowledge/"
        client.post(acknowledge, {f"alert-{alert.pk}-note": ""})
        alert.refresh_from_db()
        assert alert.is_open
        note = "Called Kavya: tingling settling, reviewing tomorrow."
        assert client.post(acknowledge, {f"alert-{alert.pk}-note": note}).status_code == 302
        alert.refresh_from_db()
        assert (alert.is_open, alert.acknowledged_by, alert.acknowledgement) == (False, arjun, note)
        assert "Alert acknowledged by Arjun Rao" in text_of(client.get(url(needling_session)))

    def test_the_episode_timeline_shows_each_follow_up(self, client, needling_session, arjun):
        self.answer_with_leg_tingling(client, needling_session)
        response = signed_in(client, arjun).get(f"/app/episodes/{needling_session.episode_id}/")
        text = text_of(response)
        assert "Follow-up after session 1: About 24 hours after needling" in text
        assert "Call today" in text
        assert "Follow-up after session 1: About 72 hours after needling" in text
        assert "Scheduled" in text

    def test_an_unanswered_follow_up_is_on_the_physiotherapists_start_page(
        self, client, needling_session, arjun, farah, kiran
    ):
        follow_up = day_1(needling_session)
        post_message_outcome(follow_up, MessageStatus.SENT)
        sweep(now=follow_up.expires_at)
        for persona in (arjun, farah):
            text = text_of(signed_in(client, persona).get("/app/"))
            assert "Follow-ups not answered" in text
            assert needling_session.episode.patient.full_name in text
        assert "Follow-ups not answered" not in text_of(signed_in(client, kiran).get("/app/"))

    def test_the_alert_email_tells_the_practitioner_and_managers_without_health_details(
        self, client, needling_session
    ):
        follow_up = self.answer_with_leg_tingling(client, needling_session)
        (queued,) = DBTaskResult.objects.filter(
            task_path="fascia.treatment.follow_ups.notify_staff"
        )
        assert queued.args_kwargs["args"] == [follow_up.pk]
        mail.outbox.clear()
        assert notify_staff.call(follow_up.pk) == "sent"
        (email,) = mail.outbox
        assert set(email.to) == {"arjun@fascia.example", "farah@fascia.example"}
        assert "needs your attention" in email.subject
        assert f"/app/sessions/{needling_session.pk}/#follow-ups" in email.body
        patient = needling_session.episode.patient
        for secret in (patient.full_name, "leg", "tingling", "sciatic"):
            assert secret not in email.body
            assert secret not in email.subject
        assert Alert.objects.get().follow_up == follow_up
