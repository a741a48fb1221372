"""The patient pages (/app/patients/): registering, searching, the patient page, changing
details and opening episodes, through HTTP as the personas use them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.records import events
from fascia.records.data_rights import contact_consent_give
from fascia.records.models import (
    Assessment,
    Episode,
    LinkKind,
    Patient,
    PatientLink,
    Respondent,
    Screening,
)
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in

LIST_URL = "/app/patients/"
NEW_URL = "/app/patients/new/"


def patient_url(patient: Patient) -> str:
    return f"/app/patients/{patient.pk}/"


def new_patient(clinic, **changes) -> dict[str, object]:
    """What the front desk types for Kavya on the new patient form."""
    return {
        "full_name": "Kavya Rao",
        "date_of_birth": "1991-04-23",
        "sex": "female",
        "mobile": "098450-12345",
        "email": "kavya@example.com",
        "city": "Bangalore",
        "preferred_language": "kn",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "abha_number": "",
        "clinic": clinic.pk,
        "physiotherapist": "",
        **changes,
    }


def errors_on(response) -> list[str]:
    return [item.get_text(" ", strip=True) for item in soup_of(response).select(".errorlist li")]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
class TestAbhaNumber:
    @pytest.mark.parametrize("typed", ["91-1234-5678-9012", "91 1234 5678 9012", "91123456789012"])
    def test_it_accepts_the_number_typed_in_each_way_and_shows_it_grouped(
        self, client, priya, bangalore, typed
    ):
        signed_in(client, priya)
        response = client.post(NEW_URL, new_patient(bangalore, abha_number=typed))
        patient = Patient.objects.get()
        assert response.status_code == 302
        assert patient.abha_number == "91123456789012"
        assert "ABHA number 91-1234-5678-9012" in text_of(client.get(patient_url(patient)))

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            (
                "91-1234-5678-901",
                "An ABHA number has 14 digits, like 91-1234-5678-9012; this one has 13.",
            ),
            (
                "91-1234-5678-90123",
                "An ABHA number has 14 digits, like 91-1234-5678-9012; this one has 15.",
            ),
            (
                "91-1234-ABCD-9012",
                "An ABHA number has digits only, written together or in groups "
                "with spaces or dashes, like 91-1234-5678-9012.",
            ),
            (
                "91-1234-5678-901\x002",
                "This has a control character (an invisible character such as "
                "a tab or a line break) in it. Type it again without one.",
            ),
        ],
    )
    def test_it_refuses_a_number_that_is_not_14_digits_with_a_message(
        self, client, priya, bangalore, typed, message
    ):
        signed_in(client, priya)
        response = client.post(NEW_URL, new_patient(bangalore, abha_number=typed))
        assert errors_on(response) == [message]
        assert not Patient.objects.exists()

    def test_it_does_not_judge_the_last_digit(self, client, priya, bangalore):
        """No reliable source gives ABHA numbers a check digit (see records/abha.py): numbers
        that differ only in their last digit are both accepted."""
        signed_in(client, priya)
        for last, mobile in (("2", "98450 12345"), ("3", "98450 12346")):
            data = new_patient(bangalore, abha_number=f"91-1234-5678-901{last}", mobile=mobile)
            data["full_name"] = f"Patient {last}"
            assert client.post(NEW_URL, data).status_code == 302
        assert set(Patient.objects.values_list("abha_number", flat=True)) == {
            "91123456789012",
            "91123456789013",
        }

    def test_a_number_already_registered_is_refused(self, client, priya, bangalore, arjun):
        make_patient(
            bangalore,
            by=arjun,
            name="Someone Else",
            mobile="+919000000001",
            abha_number="91123456789012",
        )
        signed_in(client, priya)
        response = client.post(NEW_URL, new_patient(bangalore, abha_number="91 1234 5678 9012"))
        assert "A patient with this ABHA number is already registered." in text_of(response)
        assert Patient.objects.count() == 1


@pytest.mark.django_db
class TestNewPatient:
    def test_registering_creates_the_patient_and_opens_their_first_episode(
        self, client, priya, arjun, bangalore
    ):
        signed_in(client, priya)
        response = client.post(NEW_URL, new_patient(bangalore, physiotherapist=arjun.pk))
        patient = Patient.objects.get()
        assert response.status_code == 302
        assert response["Location"] == patient_url(patient)
        assert (str(patient.mobile), patient.clinic, patient.created_by) == (
            "+919845012345",
            bangalore,
            priya,
        )
        episode = patient.episodes.get()
        assert (episode.clinic, episode.physiotherapist, episode.created_by) == (
            bangalore,
            arjun,
            priya,
        )
        events_written = AuditEvent.objects.filter(patient_id=patient.pk).order_by("pk")
        assert [(e.action, e.clinic_id, e.actor_id) for e in events_written] == [
            (events.PATIENT_CREATED, bangalore.pk, priya.pk),
            (events.EPISODE_OPENED, bangalore.pk, priya.pk),
        ]

    def test_names_lose_extra_spaces_and_control_characters_are_refused(
        self, client, priya, bangalore
    ):
        signed_in(client, priya)
        refused = client.post(NEW_URL, new_patient(bangalore, city="Bangalore\x1b[2J"))
        assert "City (optional): This has a control character" in text_of(refused)
        client.post(NEW_URL, new_patient(bangalore, full_name="  Kavya   Rao "))
        assert Patient.objects.get().full_name == "Kavya Rao"

    def test_the_mobile_number_is_read_as_the_enquiry_form_reads_it(self, client, priya, bangalore):
        signed_in(client, priya)
        response = client.post(NEW_URL, new_patient(bangalore, mobile="98450 1234"))
        assert errors_on(response) == [
            "This number is too short. An Indian mobile number has 10 digits, like 89510 47001."
        ]

    def test_the_physiotherapist_must_work_at_the_chosen_clinic(
        self, client, farah, meera, bangalore
    ):
        signed_in(client, farah)
        response = client.post(NEW_URL, new_patient(bangalore, physiotherapist=meera.pk))
        assert errors_on(response) == [
            f"Choose a physiotherapist of {bangalore.name}, or “Not decided yet”."
        ]
        assert not Patient.objects.exists()

    def test_only_the_users_clinics_are_offered(self, client, priya, bangalore, hyderabad):
        signed_in(client, priya)
        soup = soup_of(client.get(NEW_URL))
        assert [i["value"] for i in soup.select("input[name=clinic]")] == [str(bangalore.pk)]
        response = client.post(NEW_URL, new_patient(hyderabad))
        assert errors_on(response) == ["Choose one of the clinics offered."]


@pytest.mark.django_db
class TestPossibleDuplicates:
    def seen(self, response) -> str:
        return soup_of(response).select_one("input[name=seen_duplicates]")["value"]

    @pytest.mark.parametrize(
        "changes",
        [
            {"full_name": "K. Rao", "date_of_birth": "1980-01-01"},  # the same mobile
            {"full_name": "KAVYA RAO", "mobile": "90000 12345"},  # the same name and birth date
        ],
    )
    def test_they_are_shown_before_creating_and_create_anyway_creates(
        self, client, priya, bangalore, changes
    ):
        kavya = make_patient(
            bangalore, by=priya, mobile="+919845012345", date_of_birth="1991-04-23"
        )
        signed_in(client, priya)
        data = new_patient(bangalore, **changes)
        first = client.post(NEW_URL, data)
        page = soup_of(first)
        assert page.select_one("#duplicates-heading").get_text() == (
            "These patients may be the same person"
        )
        assert [a["href"] for a in page.select(".duplicate p a")] == [patient_url(kavya)]
        assert page.select_one("main .actions button").get_text(strip=True) == (
            "Create a new patient anyway"
        )
        assert Patient.objects.count() == 1

        second = client.post(NEW_URL, {**data, "seen_duplicates": self.seen(first)})
        assert second.status_code == 302
        assert Patient.objects.count() == 2

    def test_a_duplicate_not_yet_shown_is_shown_again(self, client, priya, bangalore):
        make_patient(bangalore, by=priya, name="Kavya Rao", mobile="+919845012345")
        other = make_patient(bangalore, by=priya, name="Asha Rao", mobile="+919000012345")
        signed_in(client, priya)
        first = client.post(NEW_URL, new_patient(bangalore))
        # Changed to another person's number after the first warning: warned again.
        again = client.post(
            NEW_URL,
            {**new_patient(bangalore, mobile="90000 12345"), "seen_duplicates": self.seen(first)},
        )
        assert [a["href"] for a in soup_of(again).select(".duplicate p a")] == [patient_url(other)]
        assert Patient.objects.count() == 2

    def test_patients_of_another_clinic_are_not_shown(
        self, client, meera, hyderabad, priya, bangalore
    ):
        make_patient(bangalore, by=priya, mobile="+919845012345")
        signed_in(client, meera)
        response = client.post(NEW_URL, new_patient(hyderabad))
        assert response.status_code == 302
        assert Patient.objects.count() == 2


@pytest.mark.django_db
class TestSearch:
    @pytest.mark.parametrize(
        "typed", ["98450 12345", "+91 98450-12345", "098450 12345", "9845012345", "+919845012345"]
    )
    def test_it_finds_a_patient_by_their_mobile_typed_in_any_format(
        self, client, priya, kavya_episode, typed
    ):
        signed_in(client, priya)
        found = text_of(client.get(LIST_URL, {"q": typed}))
        assert "1 patient found" in found
        assert "Kavya Rao" in found

    @pytest.mark.parametrize("typed", ["kavya", "RAO", "avy", "rao kavya", "  Kavya   Rao  "])
    def test_it_finds_a_patient_by_any_part_of_their_name_in_any_case(
        self, client, priya, kavya_episode, typed
    ):
        signed_in(client, priya)
        assert "Kavya Rao" in text_of(client.get(LIST_URL, {"q": typed}))

    @pytest.mark.parametrize("typed", ["91-1234-5678-9012", "91123456789012", "91 1234 5678 9012"])
    def test_it_finds_a_patient_by_abha_number_with_or_without_dashes(
        self, client, priya, bangalore, typed
    ):
        make_patient(bangalore, by=priya, abha_number="91123456789012")
        signed_in(client, priya)
        assert "1 patient found" in text_of(client.get(LIST_URL, {"q": typed}))

    def test_it_never_shows_another_clinics_patients(
        self, client, meera, priya, kavya_episode, ravi_episode
    ):
        signed_in(client, meera)
        for typed in ("Kavya", "98450 12345", "Rao"):
            assert "No patient matches this search" in text_of(client.get(LIST_URL, {"q": typed}))
        assert "Ravi Kumar" in text_of(client.get(LIST_URL, {"q": "ravi"}))
        signed_in(client, priya)
        assert "No patient matches" in text_of(client.get(LIST_URL, {"q": "Ravi"}))

    def test_searching_is_audited_without_the_search_text(
        self, client, priya, bangalore, kavya_episode
    ):
        signed_in(client, priya)
        client.get(LIST_URL, {"q": "98450 12345"})
        event = AuditEvent.objects.get(action=events.PATIENT_SEARCHED)
        assert (event.actor, event.clinic_id) == (priya, bangalore.pk)
        assert event.detail == {"by": ["phone"], "rows": 1, "patients": [kavya_episode.patient_id]}
        assert "98450" not in str(event.detail)

    def test_an_empty_search_lists_nobody_and_records_nothing(self, client, priya, kavya_episode):
        signed_in(client, priya)
        assert "Kavya" not in text_of(client.get(LIST_URL))
        assert not AuditEvent.objects.filter(action=events.PATIENT_SEARCHED).exists()

    def test_it_runs_the_same_number_of_queries_for_1_and_10_patients(
        self, client, priya, bangalore
    ):
        make_patient(bangalore, by=priya, name="Rao 0", mobile="+919000000100")
        signed_in(client, priya)
        one = count_queries(client, f"{LIST_URL}?q=rao")
        for n in range(1, 10):
            make_patient(bangalore, by=priya, name=f"Rao {n}", mobile=f"+91900000010{n}")
        assert count_queries(client, f"{LIST_URL}?q=rao") == one


@pytest.mark.django_db
class TestPatientPage:
    def test_it_shows_the_contact_details_with_call_and_whatsapp_links(
        self, client, priya, kavya_episode
    ):
        signed_in(client, priya)
        contact_consent_give(kavya_episode.patient, notice_version="patients/1", by=priya, ip=None)
        page = soup_of(client.get(patient_url(kavya_episode.patient)))
        hrefs = [a["href"] for a in page.select(".contact-links a")]
        assert hrefs == ["tel:+919845012345", "https://wa.me/919845012345"]

    def test_the_front_desk_sees_done_or_not_done_and_no_clinical_link(
        self, client, priya, arjun, kavya_episode
    ):
        PatientLink.objects.create(
            episode=kavya_episode, kind=LinkKind.SCREENING, token_sha256="0" * 64, created_by=arjun
        )
        Assessment.objects.create(
            episode=kavya_episode,
            pathway_version=kavya_episode.pathway_version,
            pathway_sha256=kavya_episode.pathway_sha256,
            assessed_by=arjun,
            findings="Tender left piriformis, FINDING-NOT-FOR-THE-DESK",
        )
        signed_in(client, priya)
        response = client.get(patient_url(kavya_episode.patient))
        page = text_of(response)
        assert "Screening Sent, not returned yet" in page
        assert "Assessment Done" in page
        assert "Consent to dry needling Not recorded" in page
        assert "FINDING-NOT-FOR-THE-DESK" not in page
        links_url = reverse("records:links", args=[kavya_episode.pk])
        assert [a["href"] for a in soup_of(response).select(".episode__links a")] == [links_url]
        episode_url = reverse("workspace:episode", args=[kavya_episode.pk])
        assert episode_url not in [a["href"] for a in soup_of(response).select("a")]

    def test_a_returned_screening_shows_done_and_never_its_answers(
        self, client, priya, kavya_episode
    ):
        Screening.objects.create(
            episode=kavya_episode,
            respondent=Respondent.PATIENT,
            answers={"saddle_numbness": "ANSWER-NOT-FOR-THE-DESK"},
            pathway_id=kavya_episode.pathway_id,
            pathway_version=kavya_episode.pathway_version,
            pathway_sha256=kavya_episode.pathway_sha256,
            completed_at=timezone.now(),
        )
        signed_in(client, priya)
        page = text_of(client.get(patient_url(kavya_episode.patient)))
        assert "Screening Done" in page
        assert "ANSWER-NOT-FOR-THE-DESK" not in page

    @pytest.mark.parametrize("persona", ["arjun", "kiran", "farah"])
    def test_clinicians_of_the_clinic_get_a_link_to_the_episode(
        self, client, request, persona, kavya_episode
    ):
        signed_in(client, request.getfixturevalue(persona))
        page = soup_of(client.get(patient_url(kavya_episode.patient)))
        assert [a["href"] for a in page.select(".episode .panel__action a")] == [
            reverse("workspace:episode", args=[kavya_episode.pk])
        ]

    @pytest.mark.parametrize("suffix", ["", "edit/", "episodes/new/"])
    def test_the_hyderabad_physiotherapist_gets_404_for_a_bangalore_patient(
        self, client, meera, kavya_episode, suffix
    ):
        signed_in(client, meera)
        assert client.get(patient_url(kavya_episode.patient) + suffix).status_code == 404
        assert not AuditEvent.objects.filter(action=events.PATIENT_VIEWED).exists()

    @pytest.mark.parametrize("persona", ["vikram", "neha", "asha"])
    def test_people_without_contacts_get_404(self, client, request, persona, kavya_episode):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(patient_url(kavya_episode.patient)).status_code == 404
        assert client.get(LIST_URL).status_code == 404

    def test_viewing_is_audited_with_the_patient_and_clinic(
        self, client, priya, bangalore, kavya_episode
    ):
        signed_in(client, priya)
        client.get(patient_url(kavya_episode.patient))
        event = AuditEvent.objects.get(action=events.PATIENT_VIEWED)
        assert (event.actor, event.patient_id, event.clinic_id) == (
            priya,
            kavya_episode.patient_id,
            bangalore.pk,
        )

    def test_it_runs_the_same_number_of_queries_with_1_and_10_episodes(
        self, client, arjun, kiran, bangalore, kavya_episode
    ):
        patient = kavya_episode.patient
        signed_in(client, arjun)
        one = count_queries(client, patient_url(patient))
        for n in range(9):
            make_episode(
                bangalore, by=arjun, physiotherapist=kiran if n % 2 else None, patient=patient
            )
        assert Episode.objects.filter(patient=patient).count() == 10
        assert count_queries(client, patient_url(patient)) == one


@pytest.mark.django_db
class TestChangingDetails:
    def test_it_saves_the_changes_and_audits_only_the_field_names(
        self, client, priya, kavya_episode
    ):
        patient = kavya_episode.patient
        signed_in(client, priya)
        form = client.get(patient_url(patient) + "edit/").context["form"]
        data = {name: form[name].value() or "" for name in form.fields}
        data.update(
            sex="female",
            date_of_birth="1991-04-23",
            city="Whitefield, Bangalore",
            mobile="+91 98450 99999",
            reason="Kavya moved and has a new number.",
        )
        response = client.post(patient_url(patient) + "edit/", data)
        assert response.status_code == 302
        assert messages_on(client.get(response["Location"])) == ["The patient's details are saved."]
        patient.refresh_from_db()
        assert (patient.city, str(patient.mobile)) == ("Whitefield, Bangalore", "+919845099999")
        event = AuditEvent.objects.get(action=events.PATIENT_UPDATED)
        assert event.detail == {"fields": ["city", "date_of_birth", "mobile", "sex"]}
        assert event.patient_id == patient.pk

    def test_nothing_changed_writes_nothing(self, client, priya, bangalore):
        patient = make_patient(
            bangalore,
            by=priya,
            date_of_birth="1991-04-23",
            sex="female",
            abha_number="91123456789012",
        )
        signed_in(client, priya)
        form = client.get(patient_url(patient) + "edit/").context["form"]
        data = {name: form[name].value() or "" for name in form.fields}
        response = client.post(patient_url(patient) + "edit/", data, follow=True)
        assert messages_on(response) == ["Nothing was changed."]
        assert not AuditEvent.objects.filter(action=events.PATIENT_UPDATED).exists()


@pytest.mark.django_db
class TestAnotherEpisode:
    def test_it_opens_another_episode_at_the_chosen_clinic(
        self, client, farah, kiran, hyderabad, meera, kavya_episode
    ):
        patient = kavya_episode.patient
        signed_in(client, farah)
        url = patient_url(patient) + "episodes/new/"
        response = client.post(url, {"clinic": hyderabad.pk, "physiotherapist": meera.pk})
        assert response.status_code == 302
        episode = patient.episodes.get(clinic=hyderabad)
        assert (episode.physiotherapist, episode.created_by) == (meera, farah)
        assert AuditEvent.objects.filter(
            action=events.EPISODE_OPENED, patient_id=patient.pk, clinic_id=hyderabad.pk
        ).exists()
