"""The staff side of screening, through its pages: sending the private link, the clinician's
screening and review, the recorded judgement, and alerts."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.pathways import REGISTRY, answers_to_form, visible_questions
from fascia.records import events
from fascia.records.data_rights import contact_consent_give
from fascia.records.forms.screening import seal_token
from fascia.records.models import (
    Alert,
    AlertKind,
    ClinicalJudgement,
    Episode,
    EpisodeStatus,
    LinkKind,
    PatientLink,
    Screening,
)
from fascia.records.screening import (
    current_screening,
    patient_link_create,
    patient_link_find,
    screening_complete,
    screening_record,
    screening_save,
)
from fascia.records.tests.answers import CLEAR
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in

PATHWAY = REGISTRY.current("piriformis-dry-needling")
RED_FLAGS = [q.id for g in PATHWAY.screening if g.kind == "red_flags" for q in g.questions]
PATIENT_CLEAR = CLEAR
CLINICIAN_CLEAR = {
    **PATIENT_CLEAR,
    "notch_tenderness": True,
    "cannot_consent": False,
    "frail": False,
    "psychological_concern": False,
    "severe_hyperalgesia": False,
}


@pytest.fixture
def kavya(bangalore, arjun, priya) -> Episode:
    """Kavya's episode, with her email address on record and her consent to be contacted."""
    patient = make_patient(bangalore, by=priya, email="kavya@example.com")
    contact_consent_give(patient, notice_version="patients/1", by=priya, ip=None)
    return make_episode(bangalore, by=priya, physiotherapist=arjun, patient=patient)


def patient_answers(episode: Episode, answers: dict, *, by) -> Screening:
    """The patient answers through a private link and sends the answers."""
    link, _ = patient_link_create(episode=episode, kind=LinkKind.SCREENING, by=by, ip=None)
    screening_save(link=link, answers=answers)
    return screening_complete(link=link)


def review_data(answers: dict, *, shown: dict | None = None) -> dict:
    """The review form as a browser posts it, having shown the questions that apply to
    `shown` (the answers themselves unless given)."""
    visible = visible_questions(PATHWAY, answers if shown is None else shown)
    return {
        **answers_to_form(PATHWAY.screening_questions, answers),
        "shown": " ".join(q.id for q in visible),
    }


def screening_url(episode: Episode) -> str:
    return reverse("records:screening", args=[episode.pk])


def create_link(client, episode: Episode, kind: str = "screening"):
    return client.post(reverse("records:link_new", args=[episode.pk]), {"kind": kind})


def shown_url(response) -> str:
    return soup_of(response).select_one("#link-url")["value"]


def token_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def audited(action: str, target) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
        )
    )


class TestCreatingALink:
    def test_the_front_desk_creates_a_link_and_sees_it_once(self, client, priya, kavya):
        response = create_link(signed_in(client, priya), kavya)
        url = shown_url(response)
        assert url.startswith("http://testserver/check/")
        link = patient_link_find(token_of(url))
        assert (link.episode, link.kind, link.created_by) == (kavya, LinkKind.SCREENING, priya)
        assert "no-store" in response["Cache-Control"]
        assert audited(events.LINK_CREATED, link)

        listing = client.get(reverse("records:links", args=[kavya.pk]))
        assert "Sent, not opened yet" in text_of(listing)
        assert token_of(url) not in listing.content.decode()

    def test_the_link_expires_after_the_configured_days(self, client, priya, kavya, settings):
        settings.FASCIA_PATIENT_LINK_DAYS = 3
        before = timezone.now()
        link = patient_link_find(token_of(shown_url(create_link(signed_in(client, priya), kavya))))
        assert 3 * 86400 - 60 < (link.expires_at - before).total_seconds() <= 3 * 86400 + 60

    def test_it_creates_a_lefs_link(self, client, priya, kavya):
        response = create_link(signed_in(client, priya), kavya, "lefs")
        assert patient_link_find(token_of(shown_url(response))).kind == LinkKind.LEFS

    def test_the_whatsapp_link_holds_the_url(self, client, priya, kavya):
        response = create_link(signed_in(client, priya), kavya)
        url = shown_url(response)
        whatsapp = soup_of(response).select_one('a[href^="https://wa.me/"]')["href"]
        parts = urlsplit(whatsapp)
        assert parts.path == "/919845012345"
        text = parse_qs(parts.query)["text"][0]
        assert url in text
        assert kavya.clinic.name in text

    def test_a_closed_episode_takes_no_new_link(self, client, priya, kavya):
        Episode.objects.filter(pk=kavya.pk).update(status=EpisodeStatus.REFERRED)
        response = create_link(signed_in(client, priya), kavya)
        assert response.status_code == 302
        assert not PatientLink.objects.filter(episode=kavya).exists()


class TestEmailingALink:
    def email(self, client, episode, response):
        sealed = soup_of(response).select_one('input[name="sealed"]')["value"]
        link = patient_link_find(token_of(shown_url(response)))
        return client.post(
            reverse("records:link_email", args=[episode.pk, link.pk]), {"sealed": sealed}
        )

    def test_the_front_desk_emails_the_link(self, client, priya, kavya, mailoutbox):
        signed_in(client, priya)
        created = create_link(client, kavya)
        url = shown_url(created)
        response = self.email(client, kavya, created)
        assert messages_on(response) == ["The link was emailed to kavya@example.com."]
        assert shown_url(response) == url
        [email] = mailoutbox
        assert email.to == ["kavya@example.com"]
        assert kavya.clinic.name in email.subject
        assert url in email.body
        link = patient_link_find(token_of(url))
        assert timezone.localtime(link.expires_at).strftime("%-d %B %Y") in email.body
        [event] = audited(events.LINK_SENT, link)
        assert (event.actor_id, event.detail) == (priya.pk, {"channel": "email"})
        listing = client.get(reverse("records:links", args=[kavya.pk]))
        assert "Emailed" in text_of(listing)

    def test_it_says_when_the_patient_has_no_email_address(
        self, client, priya, kavya_episode, mailoutbox
    ):
        signed_in(client, priya)
        created = create_link(client, kavya_episode)
        assert "There is no email address in the patient's details" in text_of(created)
        assert soup_of(created).select_one('input[name="sealed"]') is None
        # Sent from a page shown before the address was removed:
        token = token_of(shown_url(created))
        link = patient_link_find(token)
        response = client.post(
            reverse("records:link_email", args=[kavya_episode.pk, link.pk]),
            {"sealed": seal_token(link, token)},
        )
        assert "There is no email address in Kavya Rao's details" in messages_on(response)[0]
        assert mailoutbox == []

    def test_a_failed_email_shows_a_clear_error(
        self, client, priya, kavya, mailoutbox, monkeypatch
    ):
        def refuse(self, messages):
            raise ConnectionRefusedError("no mail server")

        monkeypatch.setattr(EmailBackend, "send_messages", refuse)
        signed_in(client, priya)
        created = create_link(client, kavya)
        response = self.email(client, kavya, created)
        assert messages_on(response)[0].startswith("The email could not be sent just now.")
        assert shown_url(response) == shown_url(created)
        assert not AuditEvent.objects.filter(action=events.LINK_SENT).exists()

    def test_a_forged_seal_sends_nothing(self, client, priya, kavya, mailoutbox):
        signed_in(client, priya)
        link, _ = patient_link_create(episode=kavya, kind=LinkKind.SCREENING, by=priya, ip=None)
        response = client.post(
            reverse("records:link_email", args=[kavya.pk, link.pk]),
            {"sealed": "not-a-token"},
            follow=True,
        )
        assert messages_on(response) == ["The link could not be read back. Create a new link."]
        assert mailoutbox == []

    def test_an_old_page_sends_nothing(self, client, priya, kavya, mailoutbox, monkeypatch):
        signed_in(client, priya)
        created = create_link(client, kavya)
        monkeypatch.setattr("fascia.records.forms.screening.SEAL_MAX_AGE", -1)
        response = self.email(client, kavya, created)
        assert response.status_code == 302
        assert mailoutbox == []

    def test_a_seal_for_one_link_does_not_send_another(self, client, priya, kavya, mailoutbox):
        signed_in(client, priya)
        sealed = soup_of(create_link(client, kavya)).select_one('input[name="sealed"]')["value"]
        other, _ = patient_link_create(episode=kavya, kind=LinkKind.LEFS, by=priya, ip=None)
        client.post(reverse("records:link_email", args=[kavya.pk, other.pk]), {"sealed": sealed})
        assert mailoutbox == []


class TestTheLinksOfAnEpisode:
    def test_the_token_is_never_stored(self, client, priya, kavya, mailoutbox):
        signed_in(client, priya)
        created = create_link(client, kavya)
        token = token_of(shown_url(created))
        sealed = soup_of(created).select_one('input[name="sealed"]')["value"]
        link = patient_link_find(token)
        client.post(reverse("records:link_email", args=[kavya.pk, link.pk]), {"sealed": sealed})
        client.post(reverse("records:link_revoke", args=[kavya.pk, link.pk]))
        assert token in mailoutbox[0].body
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the schema)
                assert token not in repr(cursor.fetchall()), table

    def test_a_revoked_link_no_longer_opens(self, client, priya, kavya):
        signed_in(client, priya)
        token = token_of(shown_url(create_link(client, kavya)))
        link = patient_link_find(token)
        response = client.post(
            reverse("records:link_revoke", args=[kavya.pk, link.pk]), follow=True
        )
        assert messages_on(response) == ["The link was revoked: it no longer opens."]
        assert "Revoked" in text_of(response)
        assert not patient_link_find(token).is_usable()
        assert audited(events.LINK_REVOKED, link)
        with pytest.raises(ValueError, match="cannot take screening answers"):
            screening_save(link=patient_link_find(token), answers={"age": 34})
        assert client.get(reverse("check:start", args=[token])).status_code == 410

    def test_a_returned_link_cannot_be_revoked(self, client, priya, kavya):
        link, _ = patient_link_create(episode=kavya, kind=LinkKind.SCREENING, by=priya, ip=None)
        screening_save(link=link, answers=PATIENT_CLEAR)
        screening_complete(link=link)
        response = signed_in(client, priya).post(
            reverse("records:link_revoke", args=[kavya.pk, link.pk]), follow=True
        )
        assert messages_on(response) == ["The patient has already returned this link."]
        assert "Returned" in text_of(response)

    def test_it_shows_where_each_link_stands(self, client, priya, kavya):
        def link():
            return patient_link_create(episode=kavya, kind=LinkKind.SCREENING, by=priya, ip=None)[0]

        opened, answering, expired = link(), link(), link()
        events.viewed(events.LINK_OPENED, opened, about=kavya, by=None, ip=None)
        screening_save(link=answering, answers={"age": 34})
        PatientLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
        statuses = [
            item.select_one(".link-status").get_text()
            for item in soup_of(
                signed_in(client, priya).get(reverse("records:links", args=[kavya.pk]))
            ).select(".link-list__item")
        ]
        assert statuses == ["Expired", "Opened", "Opened"]

    def test_a_link_of_another_episode_is_not_found(self, client, priya, kavya, kavya_episode):
        link, _ = patient_link_create(
            episode=kavya_episode, kind=LinkKind.SCREENING, by=priya, ip=None
        )
        response = signed_in(client, priya).post(
            reverse("records:link_revoke", args=[kavya.pk, link.pk])
        )
        assert response.status_code == 404


class TestTheScreeningPage:
    def test_it_shows_the_decision_with_its_sources(self, client, arjun, priya, kavya):
        screening = patient_answers(
            kavya, {**PATIENT_CLEAR, "health_conditions": ["diabetes"]}, by=priya
        )
        response = signed_in(client, arjun).get(screening_url(kavya))
        text = text_of(response)
        assert "Dry needling with precautions" in text
        assert "Precaution: diabetes." in text
        assert "The patient, through a private link" in text
        assert "Physioman. Dry needling contraindications and precautions" in text
        assert soup_of(response).select_one(
            'a[href="https://physioman.in/Treatment/16/Dry%20Needling"]'
        )
        assert "Diabetes" in text  # the answers, in the clinician's wording
        [event] = audited(events.SCREENING_VIEWED, screening)
        assert (event.actor_id, event.patient_id) == (arjun.pk, kavya.patient_id)

    def test_it_lists_unanswered_questions_and_earlier_screenings(
        self, client, arjun, priya, kavya
    ):
        patient_answers(kavya, PATIENT_CLEAR, by=priya)
        screening_record(episode=kavya, answers={"age": 34}, by=arjun, ip=None)
        text = text_of(signed_in(client, arjun).get(screening_url(kavya)))
        assert "Not answered yet" in text
        assert "Saddle anaesthesia" in text
        assert "Arjun Rao (clinician)" in text
        assert "Earlier screenings Suitable for dry needling" in text

    def test_the_front_desk_gets_404(self, client, priya, kavya):
        signed_in(client, priya)
        assert client.get(screening_url(kavya)).status_code == 404
        assert client.get(reverse("records:screening_review", args=[kavya.pk])).status_code == 404

    def test_a_colleague_in_the_same_clinic_can_open_it(self, client, kiran, priya, kavya):
        patient_answers(kavya, PATIENT_CLEAR, by=priya)
        response = signed_in(client, kiran).get(screening_url(kavya))
        assert "Suitable for dry needling" in text_of(response)


class TestAnotherClinic:
    def test_meera_gets_404_for_everything_of_a_bangalore_episode(
        self, client, meera, priya, arjun, kavya
    ):
        link, _ = patient_link_create(episode=kavya, kind=LinkKind.SCREENING, by=priya, ip=None)
        screening = screening_record(
            episode=kavya, answers={**CLINICIAN_CLEAR, "cancer_history": True}, by=arjun, ip=None
        )
        alert = screening.alerts.get()
        signed_in(client, meera)
        gets = [
            reverse("records:links", args=[kavya.pk]),
            screening_url(kavya),
            reverse("records:screening_review", args=[kavya.pk]),
        ]
        posts = {
            reverse("records:link_new", args=[kavya.pk]): {"kind": "screening"},
            reverse("records:link_email", args=[kavya.pk, link.pk]): {"sealed": "x"},
            reverse("records:link_revoke", args=[kavya.pk, link.pk]): {},
            reverse("records:screening_review", args=[kavya.pk]): review_data(CLINICIAN_CLEAR),
            reverse("records:judgement", args=[kavya.pk]): {"judgement": "refer", "reason": "x"},
            reverse("records:alert_acknowledge", args=[alert.pk]): {f"alert-{alert.pk}-note": "x"},
        }
        assert [client.get(url).status_code for url in gets] == [404] * len(gets)
        assert [client.post(url, data).status_code for url, data in posts.items()] == [404] * len(
            posts
        )
        assert kavya.screenings.count() == 1
        assert PatientLink.objects.get(pk=link.pk).revoked_at is None
        assert Alert.objects.get(pk=alert.pk).is_open

    @pytest.mark.parametrize("persona", ["asha", "vikram"])
    def test_people_without_clinical_access_get_404(self, client, request, persona, kavya):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(screening_url(kavya)).status_code == 404
        assert client.get(reverse("records:links", args=[kavya.pk])).status_code == 404


class TestTheReview:
    def test_it_is_prefilled_from_the_latest_screening(self, client, arjun, priya, kavya):
        patient_answers(kavya, {**PATIENT_CLEAR, "pain_spread": ["calf"]}, by=priya)
        soup = soup_of(
            signed_in(client, arjun).get(reverse("records:screening_review", args=[kavya.pk]))
        )
        assert soup.select_one('input[name="buttock_pain"][value="yes"]').has_attr("checked")
        assert soup.select_one('input[name="pain_spread"][value="calf"]').has_attr("checked")
        assert soup.select_one('input[name="age"]')["value"] == "34"
        # The clinician's own questions are asked too.
        assert soup.select_one('input[name="notch_tenderness"]')

    def test_a_review_is_a_new_screening_and_the_first_stays(self, client, arjun, priya, kavya):
        first = patient_answers(kavya, {**PATIENT_CLEAR, "cancer_history": True}, by=priya)
        before = Screening.objects.values().get(pk=first.pk)
        response = signed_in(client, arjun).post(
            reverse("records:screening_review", args=[kavya.pk]), review_data(CLINICIAN_CLEAR)
        )
        assert response.status_code == 302
        assert Screening.objects.values().get(pk=first.pk) == before
        second = kavya.screenings.exclude(pk=first.pk).get()
        assert (second.respondent, second.recorded_by, second.outcome) == (
            "clinician",
            arjun,
            "suitable",
        )
        assert second.answers["notch_tenderness"] is True
        kavya.refresh_from_db()
        assert kavya.status == EpisodeStatus.ASSESSMENT

    def test_a_wrong_answer_is_shown_and_nothing_recorded(self, client, arjun, kavya):
        response = signed_in(client, arjun).post(
            reverse("records:screening_review", args=[kavya.pk]),
            review_data(CLINICIAN_CLEAR) | {"age": "200"},
        )
        assert "There is a problem" in text_of(response)
        assert soup_of(response).select_one('input[name="age"][aria-invalid="true"]')
        assert not kavya.screenings.exists()

    def test_a_question_that_comes_to_apply_is_asked_before_saving(self, client, arjun, kavya):
        answers = {**CLINICIAN_CLEAR, "bleeding_risk": True}
        response = signed_in(client, arjun).post(
            reverse("records:screening_review", args=[kavya.pk]),
            review_data(answers, shown=CLINICIAN_CLEAR),
        )
        assert "More questions apply now" in text_of(response)
        question = soup_of(response).select_one('[data-question="bleeding_risk_override_reason"]')
        assert not question.has_attr("hidden")
        assert (
            soup_of(response)
            .select_one('input[name="bleeding_risk"][value="yes"]')
            .has_attr("checked")
        )
        assert not kavya.screenings.exists()

    def test_the_bleeding_risk_override_allows_needling_with_precautions(
        self, client, meera, ravi_episode
    ):
        blocked = patient_answers(ravi_episode, {**PATIENT_CLEAR, "bleeding_risk": True}, by=meera)
        assert blocked.outcome == "not_suitable_for_needling"
        assert "pc-bleeding-risk-blocked" in [f["id"] for f in blocked.fired]
        signed_in(client, meera)
        assert "Needs your judgement" in text_of(client.get(screening_url(ravi_episode)))

        reason = "INR stable at 2.1; superficial needling only, firm pressure after each needle."
        client.post(
            reverse("records:screening_review", args=[ravi_episode.pk]),
            review_data(
                {**CLINICIAN_CLEAR, "bleeding_risk": True, "bleeding_risk_override_reason": reason}
            ),
        )
        review = ravi_episode.screenings.latest("completed_at")
        fired = [f["id"] for f in review.fired]
        assert review.outcome == "needling_with_precautions"
        assert "pc-bleeding-risk-overridden" in fired
        assert "pc-bleeding-risk-blocked" not in fired
        assert review.answers["bleeding_risk_override_reason"] == reason
        text = text_of(client.get(screening_url(ravi_episode)))
        assert "Bleeding risk overridden by a clinician" in text
        assert "Needs your judgement" not in text
        ravi_episode.refresh_from_db()
        assert ravi_episode.status == EpisodeStatus.ASSESSMENT


class TestTheJudgement:
    def judge(self, client, episode, judgement, reason, screening=None):
        screening = screening or current_screening(episode)
        return client.post(
            reverse("records:judgement", args=[episode.pk]),
            {"screening": screening.pk, "judgement": judgement, "reason": reason},
        )

    @pytest.mark.parametrize(
        ("answers", "judgement", "status"),
        [
            ({"cancer_history": True}, "refer", EpisodeStatus.REFERRED),
            ({"cancer_history": True}, "proceed", EpisodeStatus.ASSESSMENT),
            ({"needle_fear": True}, "not_suitable", EpisodeStatus.NOT_SUITABLE),
            ({"needle_fear": True}, "proceed_with_precautions", EpisodeStatus.ASSESSMENT),
        ],
    )
    def test_a_review_or_contraindication_outcome_needs_a_judgement_that_moves_the_episode(
        self, client, arjun, priya, kavya, answers, judgement, status
    ):
        screening = patient_answers(kavya, {**PATIENT_CLEAR, **answers}, by=priya)
        signed_in(client, arjun)
        page = client.get(screening_url(kavya))
        assert "Needs your judgement" in text_of(page)
        assert soup_of(page).select_one('form[action$="/screening/judgement/"]')
        kavya.refresh_from_db()
        assert kavya.status == EpisodeStatus.SCREENING

        response = self.judge(client, kavya, judgement, "Discussed with the patient today.")
        assert response.status_code == 302
        record = ClinicalJudgement.objects.get(screening=screening)
        assert (record.judgement, record.recorded_by) == (judgement, arjun)
        kavya.refresh_from_db()
        assert kavya.status == status
        [event] = audited(events.JUDGEMENT_RECORDED, record)
        assert event.detail["judgement"] == judgement
        text = text_of(client.get(screening_url(kavya)))
        assert "Needs your judgement" not in text
        assert "Discussed with the patient today." in text

    @pytest.mark.parametrize("reason", ["", "   ", "Looks fine\x07"])
    def test_it_needs_a_plain_reason(self, client, arjun, priya, kavya, reason):
        patient_answers(kavya, {**PATIENT_CLEAR, "cancer_history": True}, by=priya)
        response = self.judge(signed_in(client, arjun), kavya, "proceed", reason)
        assert response.status_code == 200
        assert soup_of(response).select_one('textarea[name="reason"][aria-invalid="true"]')
        assert not ClinicalJudgement.objects.exists()

    def test_a_suitable_outcome_takes_no_judgement(self, client, arjun, priya, kavya):
        patient_answers(kavya, PATIENT_CLEAR, by=priya)
        signed_in(client, arjun)
        assert (
            soup_of(client.get(screening_url(kavya))).select_one(
                'form[action$="/screening/judgement/"]'
            )
            is None
        )
        response = self.judge(client, kavya, "refer", "Just in case.")
        assert messages_on(client.get(response.url)) == [
            "This screening's outcome does not need a judgement."
        ]
        assert not ClinicalJudgement.objects.exists()

    def test_a_screening_reviewed_since_it_was_read_is_not_judged(
        self, client, arjun, kiran, priya, kavya
    ):
        read = patient_answers(kavya, {**PATIENT_CLEAR, "cancer_history": True}, by=priya)
        screening_record(
            episode=kavya, answers={**CLINICIAN_CLEAR, "weight_loss": True}, by=kiran, ip=None
        )
        response = self.judge(signed_in(client, arjun), kavya, "proceed", "Fine.", read)
        assert messages_on(client.get(response.url)) == [
            "A newer screening has been recorded: judge that one."
        ]
        assert not ClinicalJudgement.objects.exists()

    def test_a_screening_of_another_episode_is_not_found(
        self, client, meera, priya, kavya, ravi_episode
    ):
        other = patient_answers(kavya, {**PATIENT_CLEAR, "cancer_history": True}, by=priya)
        patient_answers(ravi_episode, {**PATIENT_CLEAR, "cancer_history": True}, by=meera)
        response = self.judge(signed_in(client, meera), ravi_episode, "proceed", "Fine.", other)
        assert response.status_code == 404
        assert not ClinicalJudgement.objects.exists()

    def test_the_front_desk_cannot_record_one(self, client, priya, kavya):
        patient_answers(kavya, {**PATIENT_CLEAR, "cancer_history": True}, by=priya)
        response = self.judge(signed_in(client, priya), kavya, "proceed", "Seems fine.")
        assert response.status_code == 404
        assert not ClinicalJudgement.objects.exists()

    def test_a_screening_is_judged_once(self, client, farah, priya, kavya):
        patient_answers(kavya, {**PATIENT_CLEAR, "needle_fear": True}, by=priya)
        signed_in(client, farah)
        client.get(self.judge(client, kavya, "not_suitable", "Very frightened of needles.").url)
        response = self.judge(client, kavya, "proceed", "Changed my mind.")
        assert messages_on(client.get(response.url))[0].startswith(
            "A judgement is already recorded for this screening."
        )
        assert ClinicalJudgement.objects.count() == 1


class TestAlerts:
    def test_acknowledging_an_alert_needs_a_note_and_closes_it(self, client, arjun, priya, kavya):
        patient_answers(kavya, {**PATIENT_CLEAR, "weight_loss": True}, by=priya)
        alert = Alert.objects.get(episode=kavya)
        assert alert.kind == AlertKind.CLINICIAN_REVIEW
        signed_in(client, arjun)
        page = soup_of(client.get(screening_url(kavya)))
        assert page.select_one(f'form[action="/app/alerts/{alert.pk}/acknowledge/"]')

        url = reverse("records:alert_acknowledge", args=[alert.pk])
        refused = client.post(url, {f"alert-{alert.pk}-note": "  "})
        assert soup_of(refused).select_one("textarea[aria-invalid='true']")
        assert Alert.objects.get(pk=alert.pk).is_open

        note = "Called Kavya: weight loss since a diet. Reviewing at the assessment."
        response = client.post(url, {f"alert-{alert.pk}-note": note}, follow=True)
        assert messages_on(response) == ["The alert was acknowledged."]
        alert.refresh_from_db()
        assert (alert.is_open, alert.acknowledged_by, alert.acknowledgement) == (
            False,
            arjun,
            note,
        )
        assert audited(events.ALERT_ACKNOWLEDGED, alert)
        assert (
            soup_of(response).select_one(f'form[action="/app/alerts/{alert.pk}/acknowledge/"]')
            is None
        )

    def test_the_front_desk_and_another_clinic_cannot_acknowledge(
        self, client, priya, meera, kavya
    ):
        patient_answers(kavya, {**PATIENT_CLEAR, "saddle_numbness": True}, by=priya)
        alert = Alert.objects.get(episode=kavya, kind=AlertKind.EMERGENCY)
        url = reverse("records:alert_acknowledge", args=[alert.pk])
        for person in (priya, meera):
            signed_in(client, person)
            assert client.post(url, {f"alert-{alert.pk}-note": "Seen."}).status_code == 404
        assert Alert.objects.get(pk=alert.pk).is_open


class TestTheEpisodeMovesOn:
    def test_a_cleared_patient_screening_moves_the_episode_to_its_assessment(self, priya, kavya):
        patient_answers(kavya, PATIENT_CLEAR, by=priya)
        kavya.refresh_from_db()
        assert kavya.status == EpisodeStatus.ASSESSMENT

    def test_an_emergency_keeps_the_episode_referred(self, priya, kavya):
        patient_answers(kavya, {**PATIENT_CLEAR, "saddle_numbness": True}, by=priya)
        kavya.refresh_from_db()
        assert kavya.status == EpisodeStatus.REFERRED

    def test_a_review_outcome_waits_in_screening(self, priya, kavya):
        patient_answers(kavya, {**PATIENT_CLEAR, "night_or_rest_pain": True}, by=priya)
        kavya.refresh_from_db()
        assert kavya.status == EpisodeStatus.SCREENING
