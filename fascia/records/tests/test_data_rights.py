"""A patient's data rights through the staff pages: consent to be contacted (given, withdrawn,
honoured by every sender), corrections that keep the original, and requests about their
data. The copy of everything and erasure are `fascia/workspace/tests/test_patient_data.py`."""

import pytest
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.enquiries.conversion import enquiry_convert
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.records import data_rights, events
from fascia.records.actions import PatientDetails
from fascia.records.models import (
    Amendment,
    Assessment,
    ContactConsent,
    DataRequest,
    DataRequestKind,
    DataRequestOutcome,
)
from fascia.records.screening import screening_record
from fascia.records.tests.answers import CLEAR
from fascia.records.tests.factories import make_episode, make_patient
from fascia.records.tests.test_patients import new_patient
from fascia.tests.html import field_errors, messages_on, soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.treatment.exercises import Chosen, programme_give

FINDINGS = "Tender over the right piriformis."


def patient_url(patient, suffix: str = "") -> str:
    return f"/app/patients/{patient.pk}/{suffix}"


def actions_about(patient) -> list[str]:
    return list(
        AuditEvent.objects.filter(patient_id=patient.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def kavya(bangalore, priya, arjun):
    """Kavya's episode; she gave her email address and agreed to be contacted."""
    patient = make_patient(bangalore, by=priya, email="kavya@example.com")
    data_rights.contact_consent_give(
        patient, notice_version=data_rights.patient_notice_version(), by=priya, ip=None
    )
    return make_episode(bangalore, by=priya, physiotherapist=arjun, patient=patient)


@pytest.mark.django_db
class TestConsentToBeContacted:
    def test_registering_with_the_box_ticked_records_it_under_the_patients_notice(
        self, client, priya, bangalore
    ):
        signed_in(client, priya)
        client.post("/app/patients/new/", new_patient(bangalore, contact_consent="on"))
        consent = ContactConsent.objects.get()
        assert consent.notice_version == f"patients/{data_rights.PATIENT_NOTICE_DATE}"
        assert consent.recorded_by == priya
        assert data_rights.may_contact(consent.patient)
        assert events.CONTACT_CONSENT_GIVEN in actions_about(consent.patient)

    def test_registering_without_it_records_none_and_the_page_says_so(
        self, client, priya, bangalore
    ):
        signed_in(client, priya)
        response = client.post("/app/patients/new/", new_patient(bangalore), follow=True)
        assert not ContactConsent.objects.exists()
        assert "Not given: nothing is sent to the patient" in text_of(response)
        hrefs = [a["href"] for a in soup_of(response).select(".contact-links a")]
        assert hrefs == ["tel:+919845012345"]

    def test_an_enquiry_that_had_consent_gives_it_under_the_enquiry_forms_notice(
        self, priya, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore, consent_version="2026-11-27/365d")
        episode = enquiry_convert(
            enquiry=enquiry,
            patient=PatientDetails(full_name="Kavya Rao", clinic=bangalore),
            clinic=bangalore,
            physiotherapist=None,
            by=priya,
        )
        consent = ContactConsent.objects.get(patient=episode.patient)
        assert consent.notice_version == "enquiry/2026-11-27/365d"

    def test_withdrawing_is_one_button_on_the_patient_page(self, client, priya, kavya):
        patient = kavya.patient
        page = soup_of(signed_in(client, priya).get(patient_url(patient)))
        form = page.select_one(
            f'form[action="{patient_url(patient, "data/contact-consent/withdraw/")}"]'
        )
        assert [b.get_text(strip=True) for b in form.select("button")] == [
            "Withdraw consent to be contacted"
        ]
        assert not form.select("input:not([type=hidden])")
        response = client.post(form["action"], follow=True)
        assert messages_on(response) == [
            "Consent withdrawn: nothing more will be sent to Kavya Rao."
        ]
        assert not data_rights.may_contact(patient)
        consent = ContactConsent.objects.get(patient=patient)
        assert (consent.withdrawn_recorded_by, consent.is_active) == (priya, False)
        assert actions_about(patient)[-2:] == [
            events.CONTACT_CONSENT_WITHDRAWN,
            events.PATIENT_VIEWED,
        ]

    def test_giving_it_again_needs_the_box_ticked(self, client, priya, kavya_episode):
        patient = kavya_episode.patient
        url = patient_url(patient, "data/contact-consent/")
        response = signed_in(client, priya).post(url, {})
        assert "Tick the box once the patient has agreed." in text_of(response)
        assert not ContactConsent.objects.exists()
        client.post(url, {"consent-confirmed": "on"})
        assert data_rights.may_contact(patient)

    @pytest.mark.parametrize("persona", ["meera", "neha", "asha", "vikram"])
    def test_only_staff_who_see_the_patient_may_change_it(self, client, request, persona, kavya):
        signed_in(client, request.getfixturevalue(persona))
        url = patient_url(kavya.patient, "data/contact-consent/withdraw/")
        assert client.post(url).status_code == 404
        assert data_rights.may_contact(kavya.patient)

    def test_a_link_is_not_emailed_to_a_patient_who_withdrew(
        self, client, priya, kavya, mailoutbox
    ):
        signed_in(client, priya)
        created = client.post(reverse("records:link_new", args=[kavya.pk]), {"kind": "screening"})
        sealed = soup_of(created).select_one('input[name="sealed"]')["value"]
        data_rights.contact_consent_withdraw(kavya.patient, by=priya, ip=None)
        link = kavya.links.get()
        response = client.post(
            reverse("records:link_email", args=[kavya.pk, link.pk]), {"sealed": sealed}
        )
        assert messages_on(response) == [
            "Kavya Rao has not agreed to be contacted, or has withdrawn their consent: nothing "
            "was sent. If they agree, record their consent on their page first."
        ]
        assert mailoutbox == []
        refused = AuditEvent.objects.get(action=events.CONTACT_REFUSED)
        assert (refused.actor, refused.patient_id, refused.detail) == (
            priya,
            kavya.patient_id,
            {"channel": "email"},
        )

    def test_the_link_page_offers_no_email_or_whatsapp_without_consent(
        self, client, priya, bangalore, arjun
    ):
        patient = make_patient(bangalore, by=priya, email="kavya@example.com")
        episode = make_episode(bangalore, by=priya, physiotherapist=arjun, patient=patient)
        response = signed_in(client, priya).post(
            reverse("records:link_new", args=[episode.pk]), {"kind": "screening"}
        )
        page = soup_of(response)
        assert page.select_one('input[name="sealed"]') is None
        assert not page.select('a[href^="https://wa.me/"]')
        assert "has not agreed to be contacted" in text_of(response)

    def test_the_home_exercises_link_offers_no_whatsapp_without_consent(
        self, client, arjun, kavya_episode
    ):
        programme = programme_give(
            episode=kavya_episode, chosen=[Chosen("bridge", "8 to 12")], by=arjun, ip=None
        )
        response = signed_in(client, arjun).post(
            reverse("treatment:exercise_link", args=[kavya_episode.pk, programme.pk])
        )
        assert not soup_of(response).select('a[href^="https://wa.me/"]')
        assert "has not agreed to be contacted" in text_of(response)


@pytest.mark.django_db
class TestCorrectingContactDetails:
    def edit(self, client, patient, **changes):
        form = client.get(patient_url(patient, "edit/")).context["form"]
        data = {name: form[name].value() or "" for name in form.fields}
        data.update(sex="female", date_of_birth="1991-04-23", **changes)
        return client.post(patient_url(patient, "edit/"), data)

    def test_a_change_needs_a_reason_and_without_one_changes_nothing(
        self, client, priya, bangalore
    ):
        patient = make_patient(bangalore, by=priya, sex="female", date_of_birth="1991-04-23")
        signed_in(client, priya)
        response = self.edit(client, patient, city="Mysore")
        assert "Say why the details are changed" in field_errors(response, "reason")
        patient.refresh_from_db()
        assert patient.city == ""
        assert not Amendment.objects.exists()

    def test_each_changed_field_keeps_what_it_was_and_the_page_shows_it(
        self, client, priya, bangalore
    ):
        patient = make_patient(
            bangalore, by=priya, sex="female", date_of_birth="1991-04-23", city="Bangalore"
        )
        signed_in(client, priya)
        response = self.edit(
            client,
            patient,
            city="Mysore",
            mobile="98450 99999",
            reason="She moved and has a new number.",
            requested_by_patient="on",
        )
        assert response.status_code == 302
        rows = {a.field: a for a in Amendment.objects.filter(patient=patient)}
        assert sorted(rows) == ["city", "mobile"]
        assert (rows["city"].original, rows["city"].corrected) == ("Bangalore", "Mysore")
        assert (rows["mobile"].original, rows["mobile"].corrected) == (
            "+919845012345",
            "+919845099999",
        )
        assert all(a.requested_by_patient and a.recorded_by == priya for a in rows.values())
        page = text_of(client.get(patient_url(patient)))
        assert "City : corrected on" in page
        assert "Was Bangalore Now Mysore Why She moved and has a new number." in page

    def test_nothing_changed_needs_no_reason(self, client, priya, bangalore):
        patient = make_patient(bangalore, by=priya, sex="female", date_of_birth="1991-04-23")
        response = self.edit(signed_in(client, priya), patient)
        assert response.status_code == 302
        assert not Amendment.objects.exists()


@pytest.mark.django_db
class TestCorrectingClinicalText:
    @pytest.fixture
    def assessment(self, kavya, arjun):
        return Assessment.objects.create(
            episode=kavya,
            pathway_version=1,
            pathway_sha256="0" * 64,
            assessed_by=arjun,
            findings=FINDINGS,
        )

    def amend_url(self, assessment) -> str:
        return reverse("records:assessment_amend", args=[assessment.episode_id, assessment.pk])

    def test_a_correction_is_attached_and_the_findings_stay_as_written(
        self, client, arjun, assessment
    ):
        signed_in(client, arjun)
        response = client.post(
            self.amend_url(assessment),
            {"corrected": "Tender over the left piriformis.", "reason": "Wrong side written."},
        )
        assert response.status_code == 302
        assessment.refresh_from_db()
        assert assessment.findings == FINDINGS
        amendment = Amendment.objects.get()
        assert (amendment.target_type, amendment.target_id, amendment.field) == (
            "records.assessment",
            str(assessment.pk),
            "findings",
        )
        assert (amendment.original, amendment.corrected) == (
            FINDINGS,
            "Tender over the left piriformis.",
        )
        event = AuditEvent.objects.get(action=events.AMENDMENT_RECORDED)
        assert event.detail == {
            "of": "records.assessment",
            "id": assessment.pk,
            "field": "findings",
        }

    def test_an_empty_form_names_each_missing_field(self, client, arjun, assessment):
        response = signed_in(client, arjun).post(self.amend_url(assessment), {})
        assert "Write what the record should say." in field_errors(response, "corrected")
        assert "Say why this is being corrected." in field_errors(response, "reason")
        assert not Amendment.objects.exists()

    def test_the_same_text_is_refused_with_a_message(self, client, arjun, assessment):
        response = signed_in(client, arjun).post(
            self.amend_url(assessment), {"corrected": FINDINGS, "reason": "Checked."}
        )
        assert "This is what the record already says" in field_errors(response, "corrected")
        assert not Amendment.objects.exists()

    def test_the_front_desk_never_sees_a_clinical_correction(
        self, client, arjun, priya, assessment
    ):
        signed_in(client, arjun).post(
            self.amend_url(assessment),
            {"corrected": "Tender over the left piriformis.", "reason": "Wrong side written."},
        )
        assert Amendment.objects.exists()
        signed_in(client, priya)
        for page in ("", "data/"):
            text = text_of(client.get(patient_url(assessment.episode.patient, page)))
            assert "left piriformis" not in text
            assert "Wrong side written." not in text

    @pytest.mark.parametrize("persona", ["priya", "meera"])
    def test_the_front_desk_and_other_clinics_get_a_404(self, client, request, persona, assessment):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(self.amend_url(assessment)).status_code == 404
        assert client.post(self.amend_url(assessment), {}).status_code == 404

    def test_a_screening_answer_is_never_rewritten(self, client, arjun, kavya):
        screening = screening_record(episode=kavya, answers=CLEAR, by=arjun, ip=None)
        signed_in(client, arjun)
        url = reverse("records:screening_amend", args=[kavya.pk, screening.pk])
        response = client.post(
            url,
            {
                "question": "symptom_weeks",
                "corrected": "20 weeks",
                "reason": "The patient remembered it began before the holidays.",
                "requested_by_patient": "on",
            },
        )
        assert response.status_code == 302
        screening.refresh_from_db()
        assert screening.answers["symptom_weeks"] == 12
        amendment = Amendment.objects.get()
        assert (amendment.field, amendment.original, amendment.corrected) == (
            "answers.symptom_weeks",
            "12 weeks",
            "20 weeks",
        )
        page = text_of(client.get(reverse("records:screening", args=[kavya.pk])))
        assert "Was 12 weeks Now 20 weeks" in page


@pytest.mark.django_db
class TestRequestsAboutTheirData:
    def test_the_front_desk_records_a_grievance_and_settles_it(self, client, priya, kavya):
        patient = kavya.patient
        signed_in(client, priya)
        client.post(
            patient_url(patient, "data/requests/"),
            {
                "request-kind": "grievance",
                "request-outcome": "open",
                "request-reason": "Called twice after withdrawing.",
            },
        )
        request = DataRequest.objects.get()
        assert (request.kind, request.outcome, request.closed_at) == (
            DataRequestKind.GRIEVANCE,
            DataRequestOutcome.OPEN,
            None,
        )
        client.post(
            patient_url(patient, f"data/requests/{request.pk}/close/"),
            {"outcome": "done", "reason": "Apologised; the number is marked do not call."},
        )
        request.refresh_from_db()
        assert request.outcome == DataRequestOutcome.DONE
        assert request.closed_at is not None
        assert actions_about(patient)[-2:] == [
            events.DATA_REQUEST_RECORDED,
            events.DATA_REQUEST_CLOSED,
        ]
        page = text_of(client.get(patient_url(patient, "data/")))
        assert "Grievance · Done" in page

    def test_a_refusal_needs_its_reason(self, client, priya, kavya):
        response = signed_in(client, priya).post(
            patient_url(kavya.patient, "data/requests/"),
            {"request-kind": "correction", "request-outcome": "refused", "request-reason": ""},
        )
        assert "Give the reason the request is refused." in field_errors(response, "request-reason")
        assert not DataRequest.objects.exists()

    def test_the_data_page_is_404_for_other_clinics(self, client, meera, kavya):
        assert signed_in(client, meera).get(patient_url(kavya.patient, "data/")).status_code == 404
