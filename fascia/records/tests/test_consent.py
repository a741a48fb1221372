"""Consent to dry needling: the text from the pathway, recording it, and withdrawing it."""

import hashlib
from datetime import date

import pytest
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.records import events
from fascia.records.actions import ActionError, episode_set_status
from fascia.records.consent import ConsentDetails, consent_record, episode_consent_text
from fascia.records.models import Assessment, Consent, EpisodeStatus
from fascia.records.screening import screening_record
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in


def consent_url(episode) -> str:
    return f"/app/episodes/{episode.pk}/consent/"


def withdraw_url(consent) -> str:
    return f"/app/episodes/{consent.episode_id}/consent/{consent.pk}/withdraw/"


def born_years_ago(years: int) -> date:
    return date(timezone.localdate().year - years, 1, 1)


def episode_aged(clinic, *, by, physiotherapist, years: int):
    patient = make_patient(clinic, by=by, name="Anika Rao", date_of_birth=born_years_ago(years))
    return make_episode(clinic, by=by, physiotherapist=physiotherapist, patient=patient)


def field_errors(response, name: str) -> str:
    soup = soup_of(response)
    field = soup.select_one(f"[name={name}]")
    return " ".join(
        e.get_text(" ", strip=True) for e in field.find_parent("div").select(".errorlist")
    )


def actions_about(episode) -> list[str]:
    return list(
        AuditEvent.objects.filter(patient_id=episode.patient_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
class TestWhoMayOpenTheConsentPage:
    def test_the_front_desk_gets_a_404(self, client, priya, kavya_episode):
        assert signed_in(client, priya).get(consent_url(kavya_episode)).status_code == 404

    def test_a_physiotherapist_of_another_clinic_gets_a_404(self, client, meera, kavya_episode):
        assert signed_in(client, meera).get(consent_url(kavya_episode)).status_code == 404

    def test_a_colleague_in_the_same_clinic_can_open_it(self, client, kiran, kavya_episode):
        assert signed_in(client, kiran).get(consent_url(kavya_episode)).status_code == 200

    def test_the_front_desk_cannot_withdraw_a_consent(self, client, arjun, priya, kavya_episode):
        consent = consent_record(
            episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None
        )
        client = signed_in(client, priya)
        assert client.get(withdraw_url(consent)).status_code == 404
        assert client.post(withdraw_url(consent), {"reason": "x"}).status_code == 404
        consent.refresh_from_db()
        assert consent.is_active


@pytest.mark.django_db
class TestTheConsentPage:
    def test_it_shows_the_text_made_from_the_pathway_and_audits_the_view(
        self, client, arjun, kavya_episode
    ):
        response = signed_in(client, arjun).get(consent_url(kavya_episode))
        text = text_of(response)
        assert "Every needle is sterile, comes in its own sealed pack and is used only once" in text
        assert "bleeding 16%, bruising 7.7%" in text
        assert "[boyce-2020]" in text
        assert "call Fascia" in text or kavya_episode.clinic.name in text
        assert episode_consent_text(kavya_episode).version in text
        assert soup_of(response).select_one("main form button[type=submit]").get_text() == (
            "Record consent"
        )
        assert actions_about(kavya_episode)[-1] == events.CONSENT_VIEWED

    def test_it_prints_with_its_own_stylesheet(self, client, arjun, kavya_episode):
        soup = soup_of(signed_in(client, arjun).get(consent_url(kavya_episode)))
        assert soup.select_one('link[href$="css/consent.css"]') is not None
        assert soup.select_one(".print-only.consent-signatures") is not None


@pytest.mark.django_db
class TestRecordingConsent:
    def test_it_records_who_explained_it_when_and_the_exact_text(
        self, client, arjun, kavya_episode
    ):
        before = timezone.now()
        response = signed_in(client, arjun).post(
            consent_url(kavya_episode), {"patient_confirmed": "on"}
        )
        assert response.status_code == 302
        assert response["Location"] == consent_url(kavya_episode)
        consent = Consent.objects.get(episode=kavya_episode)
        shown = episode_consent_text(kavya_episode)
        assert consent.explained_by == arjun
        assert consent.recorded_at >= before
        assert consent.patient_confirmed
        assert (consent.text, consent.text_version, consent.text_sha256) == (
            shown.text,
            "piriformis-dry-needling@2/consent-1",
            hashlib.sha256(shown.text.encode()).hexdigest(),
        )
        assert (consent.interpreter_name, consent.guardian_name) == ("", "")
        assert events.CONSENT_RECORDED in actions_about(kavya_episode)
        page = client.get(consent_url(kavya_episode))
        assert "Consent recorded" in text_of(page)
        assert "Explained by Arjun Rao" in text_of(page)
        assert soup_of(page).select_one("main form button[type=submit]") is None

    def test_it_needs_the_patients_confirmation(self, client, arjun, kavya_episode):
        response = signed_in(client, arjun).post(consent_url(kavya_episode), {})
        assert response.status_code == 200
        assert "Tick the box once the patient has confirmed." in field_errors(
            response, "patient_confirmed"
        )
        assert not Consent.objects.exists()

    def test_an_interpreter_is_required_when_the_patient_asked_for_one(
        self, client, arjun, kavya_episode
    ):
        screening_record(
            episode=kavya_episode,
            answers={"age": 34, "needs_interpreter": True},
            by=arjun,
            ip=None,
        )
        client = signed_in(client, arjun)
        assert "The patient asked for an interpreter" in text_of(
            client.get(consent_url(kavya_episode))
        )
        refused = client.post(consent_url(kavya_episode), {"patient_confirmed": "on"})
        assert "pc-interpreter" in field_errors(refused, "interpreter_name")
        assert "Give the language they interpreted." in field_errors(
            refused, "interpreter_language"
        )
        assert not Consent.objects.exists()
        client.post(
            consent_url(kavya_episode),
            {
                "patient_confirmed": "on",
                "interpreter_name": "Lakshmi Gowda",
                "interpreter_language": "Kannada",
            },
        )
        consent = Consent.objects.get(episode=kavya_episode)
        assert (consent.interpreter_name, consent.interpreter_language) == (
            "Lakshmi Gowda",
            "Kannada",
        )

    def test_a_parent_or_guardian_consents_too_for_a_15_year_old(
        self, client, arjun, priya, bangalore
    ):
        episode = episode_aged(bangalore, by=priya, physiotherapist=arjun, years=15)
        client = signed_in(client, arjun)
        page = text_of(client.get(consent_url(episode)))
        assert "15 (born" in page
        assert "a parent or guardian consents too" in page
        refused = client.post(consent_url(episode), {"patient_confirmed": "on"})
        assert "(pc-child; pmc-dn-precautions, dpdp-act-2023, clinic-policy)" in field_errors(
            refused, "guardian_name"
        )
        assert not Consent.objects.exists()
        client.post(
            consent_url(episode),
            {
                "patient_confirmed": "on",
                "guardian_name": "Sunita Rao",
                "guardian_relationship": "Mother",
            },
        )
        consent = Consent.objects.get(episode=episode)
        assert (consent.guardian_name, consent.guardian_relationship) == ("Sunita Rao", "Mother")

    def test_the_age_is_read_from_the_screening_when_there_is_no_birth_date(
        self, arjun, kavya_episode
    ):
        screening_record(episode=kavya_episode, answers={"age": 16}, by=arjun, ip=None)
        with pytest.raises(ActionError, match="pc-child"):
            consent_record(episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None)

    def test_it_refuses_an_11_year_old_citing_the_pathways_rule(
        self, client, arjun, priya, bangalore
    ):
        episode = episode_aged(bangalore, by=priya, physiotherapist=arjun, years=11)
        client = signed_in(client, arjun)
        page = client.get(consent_url(episode))
        assert "Consent cannot be recorded" in text_of(page)
        assert "no dry needling under 12 years old" in text_of(page)
        assert "(ci-under-minimum-age; pmc-dn-precautions, clinic-policy)" in text_of(page)
        assert soup_of(page).select_one("main form button[type=submit]") is None
        refused = client.post(
            consent_url(episode),
            {"patient_confirmed": "on", "guardian_name": "Ravi", "guardian_relationship": "Father"},
        )
        assert refused.status_code == 200
        assert not Consent.objects.exists()
        with pytest.raises(ActionError, match="ci-under-minimum-age"):
            consent_record(
                episode=episode,
                details=ConsentDetails(True, guardian_name="Ravi", guardian_relationship="Father"),
                by=arjun,
                ip=None,
            )

    def test_a_second_consent_waits_until_the_first_is_withdrawn(self, arjun, kavya_episode):
        consent_record(episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None)
        with pytest.raises(ActionError, match="already recorded"):
            consent_record(episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None)

    def test_a_closed_episode_takes_no_consent(self, arjun, kavya_episode):
        episode_set_status(kavya_episode, EpisodeStatus.REFERRED, by=arjun, ip=None)
        kavya_episode.refresh_from_db()
        with pytest.raises(ActionError, match="closed"):
            consent_record(episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None)

    def test_consent_after_the_assessment_moves_the_episode_on_to_treatment(
        self, arjun, kavya_episode
    ):
        episode_set_status(kavya_episode, EpisodeStatus.ASSESSMENT, by=arjun, ip=None)
        Assessment.objects.create(
            episode=kavya_episode,
            pathway_version=kavya_episode.pathway_version,
            pathway_sha256=kavya_episode.pathway_sha256,
            assessed_by=arjun,
        )
        kavya_episode.refresh_from_db()
        consent_record(episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None)
        kavya_episode.refresh_from_db()
        assert kavya_episode.status == EpisodeStatus.TREATMENT


@pytest.mark.django_db
class TestWithdrawingConsent:
    def test_it_keeps_the_consent_and_records_when_by_whom_and_why(
        self, client, arjun, kiran, kavya_episode
    ):
        consent = consent_record(
            episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None
        )
        client = signed_in(client, kiran)
        assert "Record the withdrawal" in text_of(client.get(withdraw_url(consent)))
        response = client.post(withdraw_url(consent), {"reason": "Prefers exercises only."})
        assert response.status_code == 302
        consent.refresh_from_db()
        assert consent.withdrawn_at is not None
        assert consent.withdrawn_recorded_by == kiran
        assert consent.withdrawal_reason == "Prefers exercises only."
        assert Consent.objects.filter(episode=kavya_episode).count() == 1
        assert events.CONSENT_WITHDRAWN in actions_about(kavya_episode)
        page = client.get(consent_url(kavya_episode))
        assert messages_on(page) == ["The withdrawal of consent was recorded."]
        assert "Earlier consents" in text_of(page)
        assert "Prefers exercises only." in text_of(page)
        assert soup_of(page).select_one("main form button[type=submit]").get_text() == (
            "Record consent"
        )

    def test_it_needs_a_reason(self, client, arjun, kavya_episode):
        consent = consent_record(
            episode=kavya_episode, details=ConsentDetails(True), by=arjun, ip=None
        )
        response = signed_in(client, arjun).post(withdraw_url(consent), {"reason": " "})
        assert response.status_code == 200
        consent.refresh_from_db()
        assert consent.is_active

    def test_a_consent_of_another_episode_is_not_found(self, client, arjun, priya, kavya_episode):
        other = make_episode(kavya_episode.clinic, by=priya, physiotherapist=arjun)
        consent = consent_record(episode=other, details=ConsentDetails(True), by=arjun, ip=None)
        url = f"/app/episodes/{kavya_episode.pk}/consent/{consent.pk}/withdraw/"
        assert signed_in(client, arjun).get(url).status_code == 404
