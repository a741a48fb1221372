"""Converting an enquiry into a patient and an episode (/app/enquiries/<reference>/convert/),
as the front desk does it after the call back (journey 3)."""

import pytest
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.enquiries import events as enquiry_events
from fascia.enquiries.actions import ErasureReason, enquiry_erase
from fascia.enquiries.models import Enquiry, Status
from fascia.records import events as record_events
from fascia.records.models import Episode, Patient
from fascia.records.tests.factories import make_patient
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in

from .factories import EnquiryFactory


def convert_url(enquiry: Enquiry) -> str:
    return f"/app/enquiries/{enquiry.reference}/convert/"


def what_the_desk_adds(clinic, **changes) -> dict[str, object]:
    """The form as the enquiry fills it in, plus what the front desk asks on the phone."""
    return {
        "full_name": "Kavya Rao",
        "date_of_birth": "1991-04-23",
        "sex": "female",
        "mobile": "098450 12345",
        "email": "kavya@example.com",
        "city": "Bangalore",
        "preferred_language": "en",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "abha_number": "",
        "clinic": clinic.pk,
        "physiotherapist": "",
        **changes,
    }


@pytest.fixture
def kavyas_enquiry(bangalore):
    return EnquiryFactory(
        name="Kavya Rao", phone="+919845012345", email="kavya@example.com", clinic=bangalore
    )


@pytest.mark.django_db
class TestTheForm:
    def test_it_starts_from_what_the_enquiry_says(self, client, priya, bangalore, kavyas_enquiry):
        signed_in(client, priya)
        page = soup_of(client.get(convert_url(kavyas_enquiry)))
        assert page.select_one("input[name=full_name]")["value"] == "Kavya Rao"
        assert page.select_one("input[name=mobile]")["value"] == "098450 12345"
        assert page.select_one("input[name=email]")["value"] == "kavya@example.com"
        assert page.select_one("input[name=city]")["value"] == bangalore.city
        assert page.select_one("input[name=clinic][checked]")["value"] == str(bangalore.pk)
        assert page.select_one("input[name=date_of_birth]").get("value") is None

    def test_for_either_clinic_the_only_clinic_of_the_user_is_chosen(
        self, client, priya, bangalore
    ):
        enquiry = EnquiryFactory(clinic=None)
        signed_in(client, priya)
        page = soup_of(client.get(convert_url(enquiry)))
        assert page.select_one("input[name=clinic][checked]")["value"] == str(bangalore.pk)

    def test_the_enquiry_page_offers_to_convert_and_then_names_the_patient(
        self, client, priya, arjun, bangalore, kavyas_enquiry
    ):
        signed_in(client, priya)
        detail = f"/app/enquiries/{kavyas_enquiry.reference}/"
        offer = soup_of(client.get(detail)).select_one("#patient-heading").find_parent("section")
        assert offer.select_one("a.button")["href"] == convert_url(kavyas_enquiry)
        client.post(
            convert_url(kavyas_enquiry), what_the_desk_adds(bangalore, physiotherapist=arjun.pk)
        )
        patient = Patient.objects.get()
        converted = (
            soup_of(client.get(detail)).select_one("#patient-heading").find_parent("section")
        )
        assert converted.get_text(" ", strip=True) == (
            "Patient Converted: Kavya Rao Book an appointment"
        )
        assert [a["href"] for a in converted.select("a")] == [
            f"/app/patients/{patient.pk}/",
            f"/app/appointments/book/?enquiry={kavyas_enquiry.reference}",
        ]


@pytest.mark.django_db
class TestConverting:
    def test_it_creates_one_patient_and_episode_linked_to_the_enquiry_now_booked(
        self, client, priya, arjun, bangalore, kavyas_enquiry
    ):
        signed_in(client, priya)
        response = client.post(
            convert_url(kavyas_enquiry), what_the_desk_adds(bangalore, physiotherapist=arjun.pk)
        )
        patient = Patient.objects.get()
        episode = Episode.objects.get()
        kavyas_enquiry.refresh_from_db()
        assert response.status_code == 302
        assert response["Location"] == f"/app/patients/{patient.pk}/"
        assert (episode.patient, episode.clinic, episode.physiotherapist) == (
            patient,
            bangalore,
            arjun,
        )
        assert (kavyas_enquiry.episode, kavyas_enquiry.status) == (episode, Status.BOOKED)
        assert list(episode.enquiries.all()) == [kavyas_enquiry]
        assert (patient.full_name, str(patient.mobile), patient.date_of_birth.isoformat()) == (
            "Kavya Rao",
            "+919845012345",
            "1991-04-23",
        )

    def test_it_is_audited_with_the_patient_and_clinic(
        self, client, priya, bangalore, kavyas_enquiry
    ):
        signed_in(client, priya)
        client.post(convert_url(kavyas_enquiry), what_the_desk_adds(bangalore))
        patient = Patient.objects.get()
        episode = Episode.objects.get()
        written = AuditEvent.objects.filter(actor=priya).exclude(action=enquiry_events.VIEWED)
        assert [(e.action, e.clinic_id, e.patient_id) for e in written.order_by("pk")] == [
            (record_events.PATIENT_CREATED, bangalore.pk, patient.pk),
            (record_events.EPISODE_OPENED, bangalore.pk, patient.pk),
            (record_events.CONTACT_CONSENT_GIVEN, bangalore.pk, patient.pk),
            (enquiry_events.STATUS_CHANGED, bangalore.pk, None),
            (enquiry_events.CONVERTED, bangalore.pk, patient.pk),
        ]
        converted = written.get(action=enquiry_events.CONVERTED)
        assert converted.detail == {"episode": episode.pk, "new_patient": True}
        assert written.get(action=enquiry_events.STATUS_CHANGED).detail == {
            "from": "new",
            "to": "booked",
        }

    def test_posting_twice_creates_nothing_more(self, client, priya, bangalore, kavyas_enquiry):
        signed_in(client, priya)
        data = what_the_desk_adds(bangalore)
        client.post(convert_url(kavyas_enquiry), data)
        again = client.post(convert_url(kavyas_enquiry), data)
        patient = Patient.objects.get()
        assert Episode.objects.count() == 1
        assert AuditEvent.objects.filter(action=enquiry_events.CONVERTED).count() == 1
        page = soup_of(again)
        assert "it cannot be converted again" in page.get_text()
        assert page.select_one(".notice a")["href"] == f"/app/patients/{patient.pk}/"

    def test_an_either_clinic_enquiry_opens_in_the_clinic_chosen(
        self, client, farah, hyderabad, meera
    ):
        enquiry = EnquiryFactory(clinic=None, phone="+919000012345")
        signed_in(client, farah)
        data = what_the_desk_adds(hyderabad, mobile="90000 12345", physiotherapist=meera.pk)
        client.post(convert_url(enquiry), data)
        assert Episode.objects.get().clinic == hyderabad
        assert Patient.objects.get().clinic == hyderabad

    def test_a_clinic_the_user_does_not_work_in_is_refused(self, client, priya, hyderabad):
        enquiry = EnquiryFactory(clinic=None)
        signed_in(client, priya)
        response = client.post(convert_url(enquiry), what_the_desk_adds(hyderabad))
        assert "Choose one of the clinics offered." in text_of(response)
        assert not Patient.objects.exists()
        assert Enquiry.objects.get().status == Status.NEW


@pytest.mark.django_db
class TestDuplicates:
    def test_they_are_shown_before_a_new_patient_is_created(
        self, client, priya, bangalore, kavyas_enquiry
    ):
        kavya = make_patient(bangalore, by=priya, mobile="+919845012345")
        signed_in(client, priya)
        response = client.post(convert_url(kavyas_enquiry), what_the_desk_adds(bangalore))
        page = soup_of(response)
        assert page.select_one("#duplicates-heading").get_text() == (
            "These patients may be the same person"
        )
        uses = [a["href"] for a in page.select(".duplicate a.button")]
        assert uses == [f"{convert_url(kavyas_enquiry)}?patient={kavya.pk}"]
        assert Patient.objects.count() == 1
        assert not Episode.objects.exists()

        seen = page.select_one("input[name=seen_duplicates]")["value"]
        data = {**what_the_desk_adds(bangalore), "seen_duplicates": seen}
        assert client.post(convert_url(kavyas_enquiry), data).status_code == 302
        assert Patient.objects.count() == 2

    def test_use_this_patient_opens_the_episode_for_them_instead(
        self, client, priya, arjun, bangalore, kavyas_enquiry
    ):
        kavya = make_patient(bangalore, by=priya, mobile="+919845012345")
        signed_in(client, priya)
        page = soup_of(client.get(f"{convert_url(kavyas_enquiry)}?patient={kavya.pk}"))
        assert page.select_one("#existing-heading").get_text() == "Kavya Rao"
        assert page.select_one("input[name=patient]")["value"] == str(kavya.pk)
        response = client.post(
            convert_url(kavyas_enquiry),
            {"patient": kavya.pk, "clinic": bangalore.pk, "physiotherapist": arjun.pk},
        )
        assert response["Location"] == f"/app/patients/{kavya.pk}/"
        assert Patient.objects.get() == kavya
        kavyas_enquiry.refresh_from_db()
        assert kavyas_enquiry.episode.patient == kavya
        assert kavyas_enquiry.status == Status.BOOKED
        event = AuditEvent.objects.get(action=enquiry_events.CONVERTED)
        assert event.detail["new_patient"] is False
        assert event.patient_id == kavya.pk

    def test_a_patient_the_user_may_not_see_cannot_be_used(
        self, client, priya, ravi_episode, kavyas_enquiry, bangalore
    ):
        signed_in(client, priya)
        ravi = ravi_episode.patient
        assert client.get(f"{convert_url(kavyas_enquiry)}?patient={ravi.pk}").status_code == 404
        data = {"patient": ravi.pk, "clinic": bangalore.pk}
        assert client.post(convert_url(kavyas_enquiry), data).status_code == 404
        assert Episode.objects.count() == 1


@pytest.mark.django_db
class TestRefusals:
    def test_an_erased_enquiry_cannot_be_converted(self, client, priya, bangalore, kavyas_enquiry):
        enquiry_erase(enquiry=kavyas_enquiry, by=priya, reason=ErasureReason.REQUEST)
        signed_in(client, priya)
        response = client.post(
            convert_url(kavyas_enquiry), what_the_desk_adds(bangalore), follow=True
        )
        assert messages_on(response) == [
            "This enquiry was erased; it cannot become a patient's record."
        ]
        assert not Patient.objects.exists()

    def test_spam_cannot_be_converted(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore, status=Status.SPAM, spam_reason="honeypot")
        signed_in(client, priya)
        response = client.get(convert_url(enquiry), follow=True)
        assert messages_on(response) == [
            "This enquiry is held as spam. If it is real, mark it “New” first."
        ]
        client.post(convert_url(enquiry), what_the_desk_adds(bangalore))
        assert not Patient.objects.exists()

    def test_the_hyderabad_physiotherapist_gets_404_for_a_bangalore_enquiry(
        self, client, meera, hyderabad, kavyas_enquiry
    ):
        signed_in(client, meera)
        assert client.get(convert_url(kavyas_enquiry)).status_code == 404
        response = client.post(convert_url(kavyas_enquiry), what_the_desk_adds(hyderabad))
        assert response.status_code == 404
        assert not Patient.objects.exists()

    def test_an_administrator_without_contacts_gets_404(self, client, asha, kavyas_enquiry):
        signed_in(client, asha)
        assert client.get(convert_url(kavyas_enquiry)).status_code == 404

    def test_a_booked_enquiry_keeps_its_status_and_gets_no_status_event(
        self, client, priya, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore, status=Status.BOOKED, created_at=timezone.now())
        signed_in(client, priya)
        client.post(convert_url(enquiry), what_the_desk_adds(bangalore))
        enquiry.refresh_from_db()
        assert enquiry.status == Status.BOOKED and enquiry.episode is not None
        assert not AuditEvent.objects.filter(action=enquiry_events.STATUS_CHANGED).exists()
