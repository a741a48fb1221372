"""The treatment session at the couch (/app/sessions/<id>/): who may open it, the safety gate
before needling, the needling record and its counts, signing, and addenda."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.clinics.models import Credential, CredentialKind, Role
from fascia.pathways import REGISTRY, ExaminationInput
from fascia.records import events as record_events
from fascia.records.assessment import assessment_record
from fascia.records.consent import ConsentDetails, consent_record, consent_withdraw
from fascia.records.models import Alert, AlertKind, EpisodeStatus, Judgement, Measurement
from fascia.records.screening import judgement_record, needs_judgement, screening_record
from fascia.records.tests.answers import CLEAR
from fascia.tests.personas import make_staff, signed_in
from fascia.treatment import events
from fascia.treatment.models import (
    NeedleIncident,
    NeedleInsertion,
    SessionAddendum,
    SessionComponent,
    TreatmentSession,
)
from fascia.treatment.sessions import recheck_questions, session_start, ticked_steps

PATHWAY = REGISTRY.current("piriformis-dry-needling")

# A complete clinician's screening with nothing against needling.
SCREENED = {
    **CLEAR,
    "notch_tenderness": True,
    "cannot_consent": False,
    "frail": False,
    "psychological_concern": False,
    "severe_hyperalgesia": False,
}
NOTHING_NEW = {q.id: "no" for q in recheck_questions(PATHWAY)}
EVERY_STEP = {f"step-{s.id}": "on" for s in ticked_steps(PATHWAY)} | {"needles_in": "2"}
PIRIFORMIS = {
    "target": "piriformis:left",
    "needle_length_mm": "60",
    "needle_gauge_mm": "0.30",
    "needles": "1",
    "insertions": "6",
    "technique": "pistoning",
    "twitch": "some",
    "tolerance": "good",
    "duration_minutes": "",
    "depth_note": "Lateral third, to the muscle",
}
GLUTEUS_MEDIUS = PIRIFORMIS | {
    "target": "gluteus_medius:left",
    "twitch": "many",
    "needle_length_mm": "50",
}


def url(session, part: str = "") -> str:
    return f"/app/sessions/{session.pk}/{part}"


def page_text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def actions_about(episode) -> list[str]:
    return list(
        AuditEvent.objects.filter(patient_id=episode.patient_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def prepare(episode, physiotherapist, *, answers=SCREENED):
    """Screened (nothing against needling, or judged), assessed and consented."""
    screening = screening_record(episode=episode, answers=answers, by=physiotherapist, ip=None)
    if needs_judgement(screening):
        judgement_record(
            screening=screening,
            judgement=Judgement.PROCEED,
            reason="Breast cancer 12 years ago, discharged; no signs now.",
            by=physiotherapist,
            ip=None,
        )
    assessment_record(
        episode=episode,
        examination=ExaminationInput(
            pain={"now": 6, "worst_week": 8, "least_week": 3},
            diagnosis_code="G57.0",
            diagnosis_side="left",
        ),
        history={},
        findings="",
        by=physiotherapist,
        ip=None,
    )
    consent_record(episode=episode, details=ConsentDetails(True), by=physiotherapist, ip=None)
    episode.refresh_from_db()
    return episode


@pytest.fixture
def episode(kavya_episode, arjun):
    return prepare(kavya_episode, arjun)


@pytest.fixture
def session(episode, arjun):
    return session_start(episode=episode, by=arjun, ip=None)


def open_gate(client, session, *, steps=EVERY_STEP, recheck=NOTHING_NEW) -> None:
    assert client.post(url(session, "recheck/"), recheck).status_code == 302
    assert client.post(url(session, "checklist/"), steps).status_code == 302


def needle(client, session, data=PIRIFORMIS):
    return client.post(url(session, "needling/"), data)


def complete(client, session) -> None:
    """Everything a needling session records, with the counts matching."""
    open_gate(client, session)
    assert needle(client, session).status_code == 302
    assert needle(client, session, GLUTEUS_MEDIUS).status_code == 302
    assert client.post(url(session, "count/"), {"needles_out": "2"}).status_code == 302
    assert client.post(url(session, "pain/"), {"before": "6", "after": "3"}).status_code == 302
    advice = [a.id for a in PATHWAY.follow_up.aftercare]
    assert client.post(url(session, "aftercare/"), {"advice": advice}).status_code == 302


@pytest.mark.django_db
class TestWhoMayOpenASession:
    def test_the_physiotherapist_opens_it_and_the_view_is_audited(self, client, arjun, session):
        response = signed_in(client, arjun).get(url(session))
        assert response.status_code == 200
        last = AuditEvent.objects.filter(patient_id=session.episode.patient_id).latest("pk")
        assert (last.action, last.actor, last.target_id) == (
            events.SESSION_VIEWED,
            arjun,
            str(session.pk),
        )

    def test_a_colleague_reads_it_but_cannot_change_it(self, client, kiran, session):
        client = signed_in(client, kiran)
        assert "only they can change it" in page_text(client.get(url(session)))
        response = client.post(url(session, "pain/"), {"before": "5"})
        assert response.status_code == 409
        assert "Only Arjun Rao, who is recording this session, can change it." in page_text(
            response
        )
        session.refresh_from_db()
        assert session.nprs_before is None

    @pytest.mark.parametrize("persona", ["meera", "priya", "asha", "neha", "vikram"])
    def test_anyone_without_clinical_care_in_the_clinic_gets_a_404(
        self, client, request, persona, session
    ):
        client = signed_in(client, request.getfixturevalue(persona))
        assert client.get(url(session)).status_code == 404
        assert client.post(url(session, "pain/"), {"before": "5"}).status_code == 404
        assert client.post(f"/app/episodes/{session.episode_id}/sessions/new/").status_code == 404
        assert TreatmentSession.objects.count() == 1

    def test_the_clinic_manager_reads_it(self, client, farah, session):
        assert signed_in(client, farah).get(url(session)).status_code == 200

    def test_an_unknown_session_is_a_404(self, client, arjun, db):
        assert signed_in(client, arjun).get("/app/sessions/999999/").status_code == 404


@pytest.mark.django_db
class TestStartingASession:
    def test_it_starts_the_next_session_for_the_physiotherapist(self, client, arjun, episode):
        response = signed_in(client, arjun).post(f"/app/episodes/{episode.pk}/sessions/new/")
        session = TreatmentSession.objects.get(episode=episode)
        assert response.url == url(session)
        assert (session.number, session.clinic, session.physiotherapist) == (
            1,
            episode.clinic,
            arjun,
        )
        assert session.pathway_version == episode.pathway_version
        episode.refresh_from_db()
        assert episode.status == EpisodeStatus.TREATMENT
        assert events.SESSION_STARTED in actions_about(episode)

    def test_a_second_waits_until_the_first_is_signed(self, client, arjun, session):
        client = signed_in(client, arjun)
        response = client.post(f"/app/episodes/{session.episode_id}/sessions/new/", follow=True)
        assert "Session 1 is not signed yet: finish and sign it first." in page_text(response)
        complete(client, session)
        assert client.post(url(session, "sign/")).status_code == 302
        client.post(f"/app/episodes/{session.episode_id}/sessions/new/")
        assert list(session.episode.treatment_sessions.values_list("number", flat=True)) == [1, 2]

    def test_it_needs_an_assessment_first(self, client, arjun, kavya_episode):
        response = signed_in(client, arjun).post(
            f"/app/episodes/{kavya_episode.pk}/sessions/new/", follow=True
        )
        assert "Record the assessment before the first session." in page_text(response)
        assert not TreatmentSession.objects.exists()


@pytest.mark.django_db
class TestTheSafetyGate:
    def test_needling_is_refused_without_consent(self, client, arjun, kavya_episode):
        episode = prepare(kavya_episode, arjun)
        episode.consents.all().delete()
        session = session_start(episode=episode, by=arjun, ip=None)
        client = signed_in(client, arjun)
        open_gate(client, session)
        response = needle(client, session)
        assert response.status_code == 409
        assert "No consent to dry needling is in force for this episode" in page_text(response)
        assert not NeedleInsertion.objects.exists()

    def test_needling_is_refused_once_consent_is_withdrawn(self, client, arjun, session):
        consent_withdraw(
            consent=session.episode.consents.get(), reason="Changed her mind.", by=arjun, ip=None
        )
        client = signed_in(client, arjun)
        open_gate(client, session)
        response = needle(client, session)
        assert response.status_code == 409
        assert "none recorded, or it was withdrawn" in page_text(response)
        assert not NeedleInsertion.objects.exists()

    def test_needling_is_refused_to_a_physiotherapist_without_a_credential(
        self, client, kiran, episode
    ):
        session = session_start(episode=episode, by=kiran, ip=None)
        client = signed_in(client, kiran)
        open_gate(client, session)
        response = needle(client, session)
        assert response.status_code == 409
        assert "holds no dry-needling credential valid on the session's date" in page_text(response)
        assert not NeedleInsertion.objects.exists()

    def test_needling_is_refused_with_an_expired_credential(
        self, client, bangalore, farah, episode
    ):
        dev = make_staff("dev", "Dev Nair", memberships={bangalore: Role.PHYSIOTHERAPIST})
        today = timezone.localdate()
        Credential.objects.create(
            user=dev,
            kind=CredentialKind.DRY_NEEDLING,
            title="Dry needling — level 1",
            issuer="Indian Association of Physiotherapists",
            valid_from=today - dt.timedelta(days=800),
            valid_to=today - dt.timedelta(days=1),
            recorded_by=farah,
            checked_by=farah,
            checked_at=timezone.now(),
        )
        session = session_start(episode=episode, by=dev, ip=None)
        client = signed_in(client, dev)
        open_gate(client, session)
        assert needle(client, session).status_code == 409
        assert not NeedleInsertion.objects.exists()

    def test_a_credential_added_by_its_holder_lets_them_needle_once_a_manager_checks_it(
        self, client, kiran, farah, episode
    ):
        """Nobody certifies themselves (clinic-policy)."""
        client = signed_in(client, kiran)
        added = client.post(
            "/app/credentials/add/",
            {
                "kind": CredentialKind.DRY_NEEDLING,
                "title": "Dry needling — level 1",
                "issuer": "Indian Association of Physiotherapists",
                "valid_from": "2024-01-15",
            },
        )
        assert added.status_code == 302
        session = session_start(episode=episode, by=kiran, ip=None)
        open_gate(client, session)
        refused = needle(client, session)
        assert refused.status_code == 409
        assert "has not yet been checked against its certificate by a clinic manager" in (
            page_text(refused)
        )
        assert not NeedleInsertion.objects.exists()

        held = Credential.objects.get(user=kiran)
        checked = signed_in(client, farah).post(
            f"/app/staff/{kiran.pk}/credentials/{held.pk}/check/"
        )
        assert checked.status_code == 302
        assert needle(signed_in(client, kiran), session).status_code == 302
        assert NeedleInsertion.objects.filter(session=session).count() == 1

    def test_needling_is_refused_while_a_required_step_is_not_confirmed(
        self, client, arjun, session
    ):
        client = signed_in(client, arjun)
        steps = {k: v for k, v in EVERY_STEP.items() if k != "step-hand_hygiene"}
        open_gate(client, session, steps=steps)
        response = needle(client, session)
        assert response.status_code == 409
        assert "Required step not confirmed: Hand hygiene." in page_text(response)
        assert not NeedleInsertion.objects.exists()

    def test_needling_is_refused_before_the_re_check(self, client, arjun, session):
        client = signed_in(client, arjun)
        client.post(url(session, "checklist/"), EVERY_STEP)
        response = needle(client, session)
        assert response.status_code == 409
        assert "Ask the re-check questions" in page_text(response)

    def test_a_new_contraindication_stops_needling_with_the_engine_message(
        self, client, arjun, session
    ):
        client = signed_in(client, arjun)
        open_gate(client, session, recheck=NOTHING_NEW | {"needle_fear": "yes"})
        session.refresh_from_db()
        stops = [rule for rule in session.recheck_fired if rule["stops"]]
        assert [rule["id"] for rule in stops] == ["ci-needle-phobia"]
        assert session.recheck_answers["needle_fear"] is True
        rule = next(r for r in PATHWAY.triage.rules if r.id == "ci-needle-phobia")
        response = needle(client, session)
        assert response.status_code == 409
        assert rule.staff_message.strip() in page_text(response)
        assert not NeedleInsertion.objects.exists()
        assert events.SESSION_SAFETY_STOPPED in actions_about(session.episode)
        again = client.post(url(session, "recheck/"), NOTHING_NEW)
        assert again.status_code == 409
        assert "cannot be asked again" in page_text(again)

    def test_a_finding_already_judged_does_not_stop_needling_again(
        self, client, arjun, kavya_episode
    ):
        episode = prepare(kavya_episode, arjun, answers=SCREENED | {"cancer_history": True})
        session = session_start(episode=episode, by=arjun, ip=None)
        client = signed_in(client, arjun)
        open_gate(client, session, recheck=NOTHING_NEW | {"cancer_history": "yes"})
        session.refresh_from_db()
        assert [(r["id"], r["new"], r["stops"]) for r in session.recheck_fired] == [
            ("rf-cancer-history", False, False)
        ]
        assert needle(client, session).status_code == 302

    def test_a_new_red_flag_raises_the_emergency_alert_and_refers_the_episode(
        self, client, arjun, session
    ):
        client = signed_in(client, arjun)
        client.post(url(session, "recheck/"), NOTHING_NEW | {"saddle_numbness": "yes"})
        alert = Alert.objects.get(episode=session.episode)
        assert alert.kind == AlertKind.EMERGENCY
        session.episode.refresh_from_db()
        assert session.episode.status == EpisodeStatus.REFERRED
        assert needle(client, session).status_code == 409

    def test_every_re_check_question_needs_an_answer(self, client, arjun, session):
        response = signed_in(client, arjun).post(url(session, "recheck/"), {})
        assert response.status_code == 400
        assert "Saddle anaesthesia: Answer yes or no." in page_text(response)
        session.refresh_from_db()
        assert session.recheck_outcome == ""

    def test_with_the_gate_open_the_needling_of_a_muscle_is_recorded(self, client, arjun, session):
        client = signed_in(client, arjun)
        open_gate(client, session)
        assert needle(client, session).status_code == 302
        row = NeedleInsertion.objects.get(session=session)
        assert (row.muscle, row.side, row.twitch, row.technique) == (
            "piriformis",
            "left",
            "some",
            "pistoning",
        )
        assert (row.needle_length_mm, row.needle_gauge_mm) == (60, Decimal("0.30"))
        assert events.SESSION_NEEDLING_RECORDED in actions_about(session.episode)
        text = page_text(client.get(url(session)))
        assert "Left piriformis" in text
        assert "The sciatic nerve is close." in text

    def test_a_row_recorded_by_mistake_is_removed_from_the_draft(self, client, arjun, session):
        client = signed_in(client, arjun)
        open_gate(client, session)
        needle(client, session)
        row = NeedleInsertion.objects.get()
        assert client.post(url(session, f"needling/{row.pk}/remove/")).status_code == 302
        assert not NeedleInsertion.objects.exists()
        refused = client.post(url(session, f"needling/{row.pk}/remove/"))
        assert refused.status_code == 409
        assert "That needling row is not in this session." in page_text(refused)

    def test_a_muscle_the_pathway_does_not_needle_is_refused(self, client, arjun, session):
        client = signed_in(client, arjun)
        open_gate(client, session)
        response = needle(client, session, PIRIFORMIS | {"target": "trapezius:left"})
        assert response.status_code == 400
        assert "Muscle and side: Select a valid choice." in page_text(response)
        assert not NeedleInsertion.objects.exists()


@pytest.mark.django_db
class TestNeedleCounts:
    def test_a_count_that_differs_is_not_saved_without_an_incident(self, client, arjun, session):
        client = signed_in(client, arjun)
        open_gate(client, session)
        needle(client, session)
        needle(client, session, GLUTEUS_MEDIUS)
        response = client.post(url(session, "count/"), {"needles_out": "1"})
        assert response.status_code == 409
        assert "2 needles were counted in but only 1 counted out" in page_text(response)
        session.refresh_from_db()
        assert session.needles_out is None
        assert not NeedleIncident.objects.exists()

    def test_a_count_that_differs_is_saved_with_its_incident(self, client, arjun, session):
        client = signed_in(client, arjun)
        open_gate(client, session)
        needle(client, session)
        needle(client, session, GLUTEUS_MEDIUS)
        response = client.post(
            url(session, "count/"),
            {
                "needles_out": "1",
                "where_found": "On the floor under the couch.",
                "resolution": "Found intact and put in the sharps container.",
            },
        )
        assert response.status_code == 302
        incident = NeedleIncident.objects.get(session=session)
        assert incident.recorded_by == arjun
        assert events.NEEDLE_INCIDENT_RECORDED in actions_about(session.episode)
        assert "On the floor under the couch." in page_text(client.get(url(session)))

    def test_an_incident_needs_both_where_and_how(self, client, arjun, session):
        client = signed_in(client, arjun)
        open_gate(client, session)
        response = client.post(
            url(session, "count/"), {"needles_out": "1", "where_found": "On the floor."}
        )
        assert response.status_code == 400
        assert "How it was resolved: An incident needs both" in page_text(response)

    def test_signing_needs_the_needles_per_muscle_to_add_up_to_the_count_in(
        self, client, arjun, session
    ):
        client = signed_in(client, arjun)
        complete(client, session)
        client.post(url(session, "checklist/"), EVERY_STEP | {"needles_in": "3"})
        client.post(url(session, "count/"), {"needles_out": "3"})
        response = client.post(url(session, "sign/"))
        assert response.status_code == 409
        assert "Needles recorded per muscle add up to 2, but 3 were counted in." in page_text(
            response
        )
        session.refresh_from_db()
        assert not session.is_signed


@pytest.mark.django_db
class TestTheRestOfTheSession:
    def test_pain_before_and_after_are_also_the_episodes_measurements(self, client, arjun, session):
        client = signed_in(client, arjun)
        client.post(url(session, "pain/"), {"before": "6", "after": "3"})
        client.post(url(session, "pain/"), {"before": "6", "after": "2"})
        rows = Measurement.objects.filter(episode=session.episode, session_number=1)
        assert sorted(rows.values_list("measure", "qualifier", "value", "recorded_by")) == [
            ("nprs", "after_session", Decimal(2), arjun.pk),
            ("nprs", "now", Decimal(6), arjun.pk),
        ]
        assert record_events.MEASUREMENT_RECORDED in actions_about(session.episode)

    def test_a_pain_score_off_the_scale_is_refused(self, client, arjun, session):
        response = signed_in(client, arjun).post(url(session, "pain/"), {"before": "11"})
        assert response.status_code == 400
        assert "Pain before: Select a valid choice." in page_text(response)
        assert not Measurement.objects.filter(session_number=1).exists()

    def test_other_components_are_recorded_with_a_note(self, client, arjun, session):
        client = signed_in(client, arjun)
        response = client.post(
            url(session, "components/"),
            {"done-stretching": "on", "detail-stretching": "Piriformis stretch, 3 × 30 s"},
        )
        assert response.status_code == 302
        assert list(SessionComponent.objects.values_list("kind", "detail")) == [
            ("stretching", "Piriformis stretch, 3 × 30 s")
        ]
        refused = client.post(url(session, "components/"), {"done-education": "on"})
        assert refused.status_code == 400
        assert "Say briefly what was done." in page_text(refused)

    def test_a_control_character_in_a_note_is_refused(self, client, arjun, session):
        client = signed_in(client, arjun)
        response = client.post(
            url(session, "components/"),
            {"done-stretching": "on", "detail-stretching": "Stretch\x07"},
        )
        assert response.status_code == 400
        assert "control character" in page_text(response)
        assert not SessionComponent.objects.exists()

    def test_aftercare_records_the_advice_and_the_time(self, client, arjun, session):
        client = signed_in(client, arjun)
        client.post(url(session, "aftercare/"), {"advice": ["soreness", "call_us"]})
        session.refresh_from_db()
        assert session.aftercare == ["soreness", "call_us"]
        assert session.aftercare_given_at is not None


@pytest.mark.django_db
class TestSigning:
    def test_a_complete_session_is_signed_with_its_whole_checklist(self, client, arjun, session):
        client = signed_in(client, arjun)
        complete(client, session)
        assert client.post(url(session, "sign/")).status_code == 302
        session.refresh_from_db()
        assert session.is_signed and session.signed_by == arjun
        assert all(session.checklist[step.id] for step in PATHWAY.session.steps if step.required)
        assert events.SESSION_SIGNED in actions_about(session.episode)

    def test_it_is_not_signed_while_a_step_is_missing(self, client, arjun, session):
        client = signed_in(client, arjun)
        open_gate(client, session)
        needle(client, session)
        response = client.post(url(session, "sign/"))
        assert response.status_code == 409
        text = page_text(response)
        assert "Required step not done: Needles counted out and put straight into a sharps" in text
        assert "Required step not done: Aftercare advice given." in text
        session.refresh_from_db()
        assert not session.is_signed

    def test_a_signed_session_cannot_be_changed(self, client, arjun, session):
        client = signed_in(client, arjun)
        complete(client, session)
        client.post(url(session, "sign/"))
        before = actions_about(session.episode)
        for part, data in [
            ("needling/", GLUTEUS_MEDIUS),
            ("pain/", {"before": "1"}),
            ("count/", {"needles_out": "5"}),
            ("checklist/", EVERY_STEP),
            ("recheck/", NOTHING_NEW),
            ("components/", {}),
            ("aftercare/", {"advice": ["soreness"]}),
            ("sign/", {}),
        ]:
            response = client.post(url(session, part), data)
            assert response.status_code == 409, part
            assert "was signed on" in page_text(response)
            assert "cannot be changed. Write an addendum instead." in page_text(response)
        row = NeedleInsertion.objects.filter(session=session).first()
        response = client.post(url(session, f"needling/{row.pk}/remove/"))
        assert response.status_code == 409
        session.refresh_from_db()
        assert (session.nprs_before, session.needles_out) == (Decimal(6), 2)
        assert session.insertions.count() == 2
        writes = actions_about(session.episode)[len(before) :]
        assert set(writes) == {events.SESSION_VIEWED}

    def test_a_signed_session_is_corrected_by_an_addendum_under_the_original(
        self, client, arjun, kiran, session
    ):
        client = signed_in(client, arjun)
        complete(client, session)
        client.post(url(session, "sign/"))
        client = signed_in(client, kiran)
        response = client.post(
            url(session, "addenda/"),
            {"text": "Pain after was 4, not 3.", "reason": "Misheard the patient."},
        )
        assert response.status_code == 302
        addendum = SessionAddendum.objects.get(session=session)
        assert addendum.written_by == kiran
        text = page_text(client.get(url(session)))
        assert "Pain after was 4, not 3." in text
        assert "Kiran Shetty" in text and "Why: Misheard the patient." in text
        assert "After: 3" in text
        assert events.SESSION_ADDENDUM in actions_about(session.episode)

    def test_an_addendum_needs_its_reason(self, client, arjun, session):
        client = signed_in(client, arjun)
        complete(client, session)
        client.post(url(session, "sign/"))
        response = client.post(url(session, "addenda/"), {"text": "Something."})
        assert response.status_code == 400
        assert "Why: Say why the addendum is needed." in page_text(response)
        assert not SessionAddendum.objects.exists()

    def test_a_draft_takes_no_addendum(self, client, arjun, session):
        response = signed_in(client, arjun).post(
            url(session, "addenda/"), {"text": "x", "reason": "y"}
        )
        assert response.status_code == 409
        assert not SessionAddendum.objects.exists()

    def test_a_session_without_needling_is_signed_without_the_needling_protocol(
        self, client, kiran, episode
    ):
        session = session_start(episode=episode, by=kiran, ip=None)
        client = signed_in(client, kiran)
        client.post(
            url(session, "components/"),
            {"done-manual_therapy": "on", "detail-manual_therapy": "Soft tissue release"},
        )
        assert client.post(url(session, "sign/")).status_code == 302


@pytest.mark.django_db
class TestTheAuditTrail:
    def test_every_write_and_read_of_a_session_is_in_the_patients_trail(
        self, client, arjun, session
    ):
        client = signed_in(client, arjun)
        complete(client, session)
        client.post(url(session, "sign/"))
        client.get(url(session))
        trail = actions_about(session.episode)
        for action in (
            events.SESSION_STARTED,
            events.SESSION_SAFETY_CHECKED,
            events.SESSION_NEEDLING_RECORDED,
            events.SESSION_UPDATED,
            events.SESSION_SIGNED,
            events.SESSION_VIEWED,
        ):
            assert action in trail, action
        event = AuditEvent.objects.filter(action=events.SESSION_SIGNED).get()
        assert (event.actor, event.clinic_id, event.target_id) == (
            arjun,
            session.clinic_id,
            str(session.pk),
        )


@pytest.mark.django_db
class TestTheEpisodePage:
    def test_the_first_session_is_the_next_step_after_assessment_and_consent(
        self, client, arjun, episode
    ):
        response = signed_in(client, arjun).get(f"/app/episodes/{episode.pk}/")
        soup = BeautifulSoup(response.content, "html.parser")
        step = soup.select_one(".steps__step--start_session form")
        assert step["action"] == f"/app/episodes/{episode.pk}/sessions/new/"
        assert step.get_text(strip=True) == "Start session 1"

    def test_it_lists_the_sessions_and_offers_the_next(self, client, arjun, session):
        client = signed_in(client, arjun)
        complete(client, session)
        client.post(url(session, "sign/"))
        response = client.get(f"/app/episodes/{session.episode_id}/")
        soup = BeautifulSoup(response.content, "html.parser")
        table = " ".join(soup.select_one("table.sessions").get_text(" ").split())
        assert "Session 1" in table
        assert "Arjun Rao" in table
        assert "Left piriformis, Left gluteus medius" in table
        assert "6 → 3" in table and "signed" in table
        assert "Start session 2" in page_text(response)
        assert not soup.select(".steps__step--start_session")

    def test_more_sessions_take_no_more_queries(self, client, arjun, session):
        client = signed_in(client, arjun)
        complete(client, session)
        client.post(url(session, "sign/"))
        with CaptureQueriesContext(connection) as one:
            client.get(f"/app/episodes/{session.episode_id}/")
        client.post(f"/app/episodes/{session.episode_id}/sessions/new/")
        second = session.episode.treatment_sessions.get(number=2)
        complete(client, second)
        client.post(url(second, "sign/"))
        with CaptureQueriesContext(connection) as two:
            client.get(f"/app/episodes/{session.episode_id}/")
        assert len(two) == len(one)
