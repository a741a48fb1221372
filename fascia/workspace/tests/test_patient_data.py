"""A copy of everything about a patient (PDF and JSON) and erasure, through HTTP.

The treatment rows are made directly with the models: the copy reads rows, whoever wrote
them."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.enquiries.models import CallAttempt, CallOutcome, Note
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.records import data_rights, events
from fascia.records.models import (
    Alert,
    AlertKind,
    Amendment,
    Assessment,
    ClinicalJudgement,
    Consent,
    DataRequest,
    DataRequestKind,
    DataRequestOutcome,
    Judgement,
    LinkKind,
    Measurement,
    Patient,
    PatientLink,
    Screening,
    TriggerPoint,
)
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import messages_on, text_of, text_of_pdf
from fascia.tests.personas import signed_in
from fascia.treatment.models import (
    AdverseEvent,
    CarePlan,
    CarePlanComponent,
    CarePlanGoal,
    Discharge,
    DischargeReason,
    ExerciseDone,
    ExerciseProgramme,
    NeedleIncident,
    NeedleInsertion,
    ProgrammeExercise,
    SessionAddendum,
    SessionComponent,
    Technique,
    Tolerance,
    TreatmentSession,
    Twitch,
)

# Text that each kind of row holds, to find in the copy.
WRITTEN = {
    "enquiry": "Ache in the left buttock on long drives.",
    "note": "Booked for Monday.",
    "call": "Prefers mornings.",
    "judgement": "No signs of a serious cause.",
    "findings": "Tender over the left piriformis.",
    "consent": "Dry needling consent text, version 1.",
    "alert": "Needs a physiotherapist's review.",
    "session": "Tolerated well; advised heat.",
    "incident": "Found in the sharps tray.",
    "addendum": "Needle length was 40 mm, not 30 mm.",
    "adverse": "Bruise over the left buttock.",
    "goal": "Sit through a film",
    "exercise_note": "Hold each stretch for 30 seconds.",
    "discharge": "Pain-free sitting for two hours.",
    "amendment": "Moved to Mysore.",
    "request": "Asked for a copy by email.",
}
KINDS = [
    "enquiries",
    "screenings",
    "assessments",
    "consents",
    "measurements",
    "alerts",
    "private_links",
    "treatment_sessions",
    "care_plans",
    "exercise_programmes",
    "discharges",
]


def full_episode(clinic, *, priya, arjun):
    """Kavya with every kind of row the copy gathers, in one episode."""
    patient = make_patient(clinic, by=priya, email="kavya@example.com")
    episode = make_episode(clinic, by=priya, physiotherapist=arjun, patient=patient)
    data_rights.contact_consent_give(patient, notice_version="patients/1", by=priya, ip=None)
    Amendment.objects.create(
        patient=patient,
        target_type="records.patient",
        target_id=str(patient.pk),
        field="city",
        original="Bangalore",
        corrected="Mysore",
        reason=WRITTEN["amendment"],
        recorded_by=priya,
    )
    DataRequest.objects.create(
        patient=patient, kind=DataRequestKind.ACCESS, reason=WRITTEN["request"], recorded_by=priya
    )
    enquiry = EnquiryFactory(clinic=clinic, episode=episode, message=WRITTEN["enquiry"])
    Note.objects.create(enquiry=enquiry, author=priya, text=WRITTEN["note"])
    CallAttempt.objects.create(
        enquiry=enquiry, by=priya, outcome=CallOutcome.REACHED, note=WRITTEN["call"]
    )
    pathway = {"pathway_version": episode.pathway_version}
    screening = Screening.objects.create(
        episode=episode,
        respondent="clinician",
        answers={"symptom_weeks": 12},
        pathway_id=episode.pathway_id,
        pathway_sha256=episode.pathway_sha256,
        completed_at=timezone.now(),
        outcome="clinician_review",
        **pathway,
    )
    ClinicalJudgement.objects.create(
        screening=screening,
        judgement=Judgement.PROCEED,
        reason=WRITTEN["judgement"],
        recorded_by=arjun,
    )
    assessment = Assessment.objects.create(
        episode=episode,
        pathway_sha256=episode.pathway_sha256,
        assessed_by=arjun,
        findings=WRITTEN["findings"],
        **pathway,
    )
    TriggerPoint.objects.create(
        assessment=assessment, muscle="piriformis", side="left", kind="active"
    )
    Consent.objects.create(
        episode=episode,
        text_version="v1",
        text_sha256="0" * 64,
        text=WRITTEN["consent"],
        explained_by=arjun,
        patient_confirmed=True,
    )
    Measurement.objects.create(episode=episode, measure="nprs", qualifier="now", value=Decimal(6))
    Alert.objects.create(
        episode=episode, clinic=clinic, kind=AlertKind.CLINICIAN_REVIEW, message=WRITTEN["alert"]
    )
    PatientLink.objects.create(
        episode=episode, kind=LinkKind.SCREENING, token_sha256="a" * 64, created_by=priya
    )
    session = TreatmentSession.objects.create(
        episode=episode,
        clinic=clinic,
        number=1,
        physiotherapist=arjun,
        needles_in=2,
        needles_out=1,
        nprs_before=Decimal(6),
        nprs_after=Decimal(3),
        notes=WRITTEN["session"],
        **pathway,
    )
    NeedleInsertion.objects.create(
        session=session,
        muscle="gluteus_medius",
        side="left",
        needle_length_mm=40,
        needle_gauge_mm=Decimal("0.30"),
        insertions=3,
        technique=Technique.PISTONING,
        twitch=Twitch.SOME,
        tolerance=Tolerance.GOOD,
    )
    SessionComponent.objects.create(session=session, kind="stretching", detail="Figure-four")
    NeedleIncident.objects.create(
        session=session, where_found=WRITTEN["incident"], resolution="Disposed.", recorded_by=arjun
    )
    SessionAddendum.objects.create(
        session=session, text=WRITTEN["addendum"], reason="Typo", written_by=arjun
    )
    AdverseEvent.objects.create(
        session=session,
        clinic=clinic,
        kind="bruising",
        severity="mild",
        description=WRITTEN["adverse"],
        recorded_by=arjun,
    )
    plan = CarePlan.objects.create(
        episode=episode, planned_sessions=6, review_at_session=4, created_by=arjun, **pathway
    )
    CarePlanGoal.objects.create(
        plan=plan, measure="psfs", activity=WRITTEN["goal"], baseline=3, target=8
    )
    CarePlanComponent.objects.create(plan=plan, component="stretching", frequency="Daily")
    programme = ExerciseProgramme.objects.create(
        episode=episode, created_by=arjun, token_sha256="b" * 64, **pathway
    )
    exercise = ProgrammeExercise.objects.create(
        programme=programme,
        exercise="figure_four_stretch",
        dosage="3 × 30 s",
        note=WRITTEN["exercise_note"],
    )
    ExerciseDone.objects.create(exercise=exercise, day=dt.date(2026, 12, 1))
    Discharge.objects.create(
        episode=episode,
        reason=DischargeReason.GOALS_MET,
        summary=WRITTEN["discharge"],
        discharged_by=arjun,
    )
    return episode


@pytest.fixture
def kavya(bangalore, priya, arjun):
    return full_episode(bangalore, priya=priya, arjun=arjun)


def copy_url(patient) -> str:
    return f"/app/patients/{patient.pk}/copy/"


def make_copy(client, patient, fmt: str, **more):
    response = client.post(copy_url(patient), {"format": fmt, **more})
    assert response.status_code == 200, response.status_code
    return response


@pytest.mark.django_db
class TestTheCopyOfEverything:
    def test_the_json_has_every_kind_of_row_in_a_documented_shape(self, client, arjun, kavya):
        response = make_copy(signed_in(client, arjun), kavya.patient, "json")
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"].startswith('attachment; filename="kavya-rao-')
        data = json.loads(response.content)
        assert data["format"] == "fascia-patient-export/1"
        assert (data["complete"], data["episodes_elsewhere"]) == (True, 0)
        assert data["patient"]["full_name"] == "Kavya Rao"
        assert data["patient"]["mobile"] == "+919845012345"
        for key in ("contact_consents", "amendments", "data_requests"):
            assert len(data[key]) == 1, key
        [episode] = data["episodes"]
        for key in KINDS:
            assert len(episode[key]) == 1, key
        assert episode["enquiries"][0]["notes"][0]["text"] == WRITTEN["note"]
        assert episode["enquiries"][0]["calls"][0]["note"] == WRITTEN["call"]
        assert episode["screenings"][0]["judgements"][0]["reason"] == WRITTEN["judgement"]
        assert episode["assessments"][0]["trigger_points"][0]["muscle"] == "piriformis"
        session = episode["treatment_sessions"][0]
        for key in ("insertions", "components", "needle_incidents", "addenda", "adverse_events"):
            assert len(session[key]) == 1, key
        assert session["physiotherapist"] == "Arjun Rao"
        assert session["nprs_after"] == "3.0"
        assert [len(episode["care_plans"][0][k]) for k in ("goals", "components")] == [1, 1]
        assert episode["exercise_programmes"][0]["exercises"][0]["done"][0]["day"] == "2026-12-01"
        assert episode["discharges"][0]["summary"] == WRITTEN["discharge"]
        assert dt.datetime.fromisoformat(session["started_at"]).tzinfo is not None

    def test_secrets_are_left_out(self, client, arjun, kavya):
        content = make_copy(signed_in(client, arjun), kavya.patient, "json").content.decode()
        for secret in ("a" * 64, "b" * 64, "token_sha256", "idempotency_key"):
            assert secret not in content

    def test_the_pdf_holds_the_text_of_every_kind_of_row(self, client, arjun, kavya):
        text = text_of_pdf(make_copy(signed_in(client, arjun), kavya.patient, "pdf"))
        assert "Everything recorded about Kavya Rao" in text
        for kind, written in WRITTEN.items():
            assert written in text, kind
        assert "Pistoning (in and out)" in text  # choices in words
        assert "gluteus_medius" in text

    def test_making_a_copy_is_audited_and_the_patients_request_recorded(self, client, arjun, kavya):
        patient = kavya.patient
        make_copy(signed_in(client, arjun), patient, "pdf", requested_by_patient="on")
        event = AuditEvent.objects.get(action=events.PATIENT_EXPORTED)
        assert (event.actor, event.patient_id, event.clinic_id) == (
            arjun,
            patient.pk,
            patient.clinic_id,
        )
        assert event.detail == {"format": "pdf", "episodes": [kavya.pk], "complete": True}
        done = DataRequest.objects.get(patient=patient, outcome=DataRequestOutcome.DONE)
        assert done.kind == DataRequestKind.ACCESS

    def test_the_form_names_a_missing_format(self, client, arjun, kavya):
        response = signed_in(client, arjun).post(copy_url(kavya.patient), {})
        assert "Choose the format of the copy." in text_of(response)
        assert not AuditEvent.objects.filter(action=events.PATIENT_EXPORTED).exists()

    @pytest.mark.parametrize("persona", ["kiran", "farah"])
    def test_clinicians_of_the_clinic_may_make_one(self, client, request, persona, kavya):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(copy_url(kavya.patient)).status_code == 200

    @pytest.mark.parametrize("persona", ["priya", "meera", "asha", "neha", "vikram"])
    def test_anyone_else_gets_a_404_and_nothing_is_made(self, client, request, persona, kavya):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(copy_url(kavya.patient)).status_code == 404
        assert client.post(copy_url(kavya.patient), {"format": "json"}).status_code == 404
        assert not AuditEvent.objects.filter(action=events.PATIENT_EXPORTED).exists()

    def test_episodes_at_another_clinic_are_left_out_and_said_to_be(
        self, client, arjun, meera, hyderabad, kavya
    ):
        elsewhere = make_episode(hyderabad, by=meera, physiotherapist=meera, patient=kavya.patient)
        Assessment.objects.create(
            episode=elsewhere,
            pathway_version=1,
            pathway_sha256="0" * 64,
            assessed_by=meera,
            findings="Seen in Hyderabad.",
        )
        data = json.loads(make_copy(signed_in(client, arjun), kavya.patient, "json").content)
        assert (data["complete"], data["episodes_elsewhere"]) == (False, 1)
        assert [e["id"] for e in data["episodes"]] == [kavya.pk]
        assert "Seen in Hyderabad." not in json.dumps(data)
        text = text_of_pdf(make_copy(client, kavya.patient, "pdf"))
        assert "1 episode at a clinic where the maker does not work" in text
        assert "Seen in Hyderabad." not in text


def erase(client, patient, **data):
    return client.post(f"/app/patients/{patient.pk}/erase/", data, follow=True)


@pytest.mark.django_db
class TestErasure:
    def test_a_person_with_no_clinical_record_is_anonymised_with_their_enquiry(
        self, client, priya, bangalore, arjun
    ):
        patient = make_patient(bangalore, by=priya, email="kavya@example.com", city="Bangalore")
        episode = make_episode(bangalore, by=priya, physiotherapist=arjun, patient=patient)
        data_rights.contact_consent_give(patient, notice_version="patients/1", by=priya, ip=None)
        enquiry = EnquiryFactory(clinic=bangalore, episode=episode, name="Kavya Rao")
        response = erase(signed_in(client, priya), patient, **{"erasure-confirmed": "on"})
        assert messages_on(response) == ["The patient's personal details were erased."]
        patient.refresh_from_db()
        assert patient.full_name == "(erased)"
        assert (str(patient.mobile), patient.email, patient.city) == ("", "", "")
        assert patient.date_of_birth is None
        assert not data_rights.may_contact(patient)
        enquiry.refresh_from_db()
        assert enquiry.is_erased
        request = DataRequest.objects.get(patient=patient)
        assert (request.kind, request.outcome) == (
            DataRequestKind.ERASURE,
            DataRequestOutcome.DONE,
        )
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {events.PATIENT_ERASED, events.DATA_REQUEST_RECORDED, "enquiry.erased"} <= actions
        assert "Kavya" not in text_of(client.get(f"/app/patients/{patient.pk}/"))

    def test_a_clinical_record_is_refused_with_the_legal_reason_and_recorded(
        self, client, priya, kavya
    ):
        patient = kavya.patient
        response = erase(signed_in(client, priya), patient, **{"erasure-confirmed": "on"})
        [message] = messages_on(response)
        assert message.startswith("Erasure refused, and the request recorded:")
        assert "section 8(7)" in message
        assert Patient.objects.get(pk=patient.pk).full_name == "Kavya Rao"
        refused = DataRequest.objects.get(outcome=DataRequestOutcome.REFUSED)
        assert refused.kind == DataRequestKind.ERASURE
        assert refused.reason == str(data_rights.CLINICAL_RETENTION_REASON)
        assert not AuditEvent.objects.filter(action=events.PATIENT_ERASED).exists()
        assert "section 8(7)" in text_of(response)

    def test_it_needs_the_box_ticked(self, client, priya, bangalore):
        patient = make_patient(bangalore, by=priya)
        response = erase(signed_in(client, priya), patient)
        assert messages_on(response) == ["Tick the box to confirm that the patient asked."]
        assert Patient.objects.get(pk=patient.pk).full_name == "Kavya Rao"

    @pytest.mark.parametrize("persona", ["meera", "asha", "neha", "vikram"])
    def test_anyone_who_cannot_see_the_patient_gets_a_404(
        self, client, request, persona, priya, bangalore
    ):
        patient = make_patient(bangalore, by=priya)
        signed_in(client, request.getfixturevalue(persona))
        response = client.post(f"/app/patients/{patient.pk}/erase/", {"erasure-confirmed": "on"})
        assert response.status_code == 404
        assert Patient.objects.get(pk=patient.pk).full_name == "Kavya Rao"
