"""The audit trail in managers' hands (/app/audit/), and refused requests as events."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.db import transaction

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent
from fascia.clinics import events
from fascia.clinics.models import Role
from fascia.records.models import Patient
from fascia.records.queries import view_patient
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.database import tamper
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import make_staff, signed_in
from fascia.tests.queries import queries_for
from fascia.treatment.sessions import session_start

AUDIT = "/app/audit/"


@pytest.fixture
def rohan(bangalore):
    """A clinic manager of Bangalore alone."""
    return make_staff("rohan", "Rohan Pai", memberships={bangalore: Role.CLINIC_MANAGER})


@pytest.fixture
def kavya(kavya_episode) -> Patient:
    return kavya_episode.patient


@pytest.fixture
def ravi(ravi_episode) -> Patient:
    return ravi_episode.patient


def listed(response) -> list[tuple[str, ...]]:
    """(who, what, record, patient) for each row of the trail's table."""
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        tuple(cell.get_text(" ", strip=True) for cell in row.select("td"))[1:5]
        for row in soup.select("table.audit tbody tr")
    ]


def actions_listed(response) -> list[str]:
    return [row[1] for row in listed(response)]


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def patient_viewed(patient, *, by, times: int) -> None:
    for _ in range(times):
        view_patient(by, patient.pk, ip="203.0.113.5")


@pytest.mark.django_db
class TestWhoReadsTheTrail:
    def test_a_manager_reads_the_events_of_her_clinics_only(self, client, rohan, kavya, ravi):
        response = signed_in(client, rohan).get(AUDIT)
        assert response.status_code == 200
        patients = {row[3] for row in listed(response)}
        assert str(kavya.pk) in patients
        assert str(ravi.pk) not in patients

    def test_a_manager_of_both_clinics_reads_both(self, client, farah, kavya, ravi):
        patients = {row[3] for row in listed(signed_in(client, farah).get(AUDIT))}
        assert {str(kavya.pk), str(ravi.pk)} <= patients

    def test_an_administrator_reads_every_chain_the_organisations_included(
        self, client, asha, farah, kiran, kavya
    ):
        with transaction.atomic():
            events.staff_deactivated(kiran, by=farah)
        response = signed_in(client, asha).get(AUDIT)
        assert "Deactivated an account" in actions_listed(response)
        assert str(kavya.pk) in {row[3] for row in listed(response)}

    @pytest.mark.parametrize("persona", ["priya", "arjun", "meera", "neha", "vikram"])
    def test_anyone_else_gets_404(self, client, request, persona):
        assert signed_in(client, request.getfixturevalue(persona)).get(AUDIT).status_code == 404

    def test_the_managers_clinic_filter_offers_only_her_clinics(self, client, rohan, hyderabad):
        response = signed_in(client, rohan).get(AUDIT, {"clinic": hyderabad.pk})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert not listed(response)


@pytest.mark.django_db
class TestFilters:
    def test_by_patient_lists_who_looked_at_this_record(self, client, farah, arjun, kavya, ravi):
        patient_viewed(kavya, by=arjun, times=1)
        response = signed_in(client, farah).get(AUDIT, {"patient": kavya.pk})
        rows = listed(response)
        assert rows
        assert {row[3] for row in rows} == {str(kavya.pk)}
        assert ("Arjun Rao", "Opened a patient's details", "patient record", str(kavya.pk))[:2] in [
            row[:2] for row in rows
        ]

    def test_by_who_and_what(self, client, farah, arjun, kiran, kavya):
        patient_viewed(kavya, by=arjun, times=2)
        patient_viewed(kavya, by=kiran, times=1)
        response = signed_in(client, farah).get(
            AUDIT, {"who": arjun.pk, "action": "patient.viewed"}
        )
        assert [row[:2] for row in listed(response)] == [
            ("Arjun Rao", "Opened a patient's details")
        ] * 2

    def test_by_clinic(self, client, farah, kavya, ravi, hyderabad):
        rows = listed(signed_in(client, farah).get(AUDIT, {"clinic": hyderabad.pk}))
        assert rows
        assert str(kavya.pk) not in {row[3] for row in rows}

    def test_by_period(self, client, farah, kavya):
        events_today = signed_in(client, farah).get(AUDIT, {"since": "2020-01-01"})
        assert listed(events_today)
        assert not listed(client.get(AUDIT, {"until": "2020-01-01"}))

    def test_a_period_that_ends_before_it_starts_is_refused_naming_the_field(self, client, farah):
        response = signed_in(client, farah).get(
            AUDIT, {"since": "2026-03-02", "until": "2026-03-01"}
        )
        assert response.status_code == 400
        soup = BeautifulSoup(response.content, "html.parser")
        errors = soup.select_one(".field--until").get_text(" ", strip=True)
        assert "“To” must be on or after “From”." in errors
        assert not listed(response)

    def test_the_patient_page_links_managers_to_who_looked_at_it(
        self, client, farah, arjun, priya, kavya
    ):
        link = f'a[href="{AUDIT}?patient={kavya.pk}"]'
        assert soup_of(signed_in(client, farah).get(f"/app/patients/{kavya.pk}/")).select(link)
        for persona in (arjun, priya):
            page = signed_in(client, persona).get(f"/app/patients/{kavya.pk}/")
            assert page.status_code == 200
            assert not soup_of(page).select(link)


@pytest.mark.django_db
class TestReadingIsAudited:
    def test_a_page_read_is_an_event_with_its_filters(self, client, farah, kavya):
        signed_in(client, farah).get(AUDIT, {"patient": kavya.pk})
        event = AuditEvent.objects.latest("pk")
        assert (event.action, event.actor, event.ip, event.patient_id) == (
            events.AUDIT_VIEWED,
            farah,
            "127.0.0.1",
            kavya.pk,
        )
        assert event.detail["filters"] == {"patient": str(kavya.pk)}

    def test_the_export_has_every_filtered_row_and_is_an_event(self, client, farah, arjun, kavya):
        patient_viewed(kavya, by=arjun, times=60)
        response = signed_in(client, farah).get(
            f"{AUDIT}export.csv", {"patient": kavya.pk, "action": "patient.viewed"}
        )
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = read_csv(response)
        assert len(rows) == 60
        assert {(row["who"], row["in words"], row["patient"]) for row in rows} == {
            ("arjun", "Opened a patient's details", str(kavya.pk))
        }
        event = AuditEvent.objects.latest("pk")
        assert (event.action, event.actor, event.detail["rows"]) == (
            events.AUDIT_EXPORTED,
            farah,
            60,
        )

    def test_it_is_paginated(self, client, farah, arjun, kavya):
        patient_viewed(kavya, by=arjun, times=55)
        filters = {"patient": kavya.pk, "action": "patient.viewed"}
        first = signed_in(client, farah).get(AUDIT, filters)
        assert len(listed(first)) == 50
        second = client.get(AUDIT, {**filters, "page": 2})
        assert len(listed(second)) == 5

    def test_one_query_per_page_however_many_rows(self, client, farah, arjun, kavya):
        signed_in(client, farah)
        url = f"{AUDIT}?patient={kavya.pk}"
        patient_viewed(kavya, by=arjun, times=1)
        queries_for(client, url)  # the session's first request reads more
        with_few = queries_for(client, url)
        patient_viewed(kavya, by=arjun, times=30)
        assert queries_for(client, url) == with_few


@pytest.mark.django_db
class TestTheChains:
    def test_the_page_shows_each_chain_head_and_links_to_the_check(self, client, rohan, kavya):
        response = signed_in(client, rohan).get(AUDIT)
        chains = soup_of(response).select_one(".audit-chains")
        assert "Bangalore" in chains.get_text()
        assert "Hyderabad" not in chains.get_text()
        assert chains.select('a[href="/app/audit/verify/"]')

    def test_the_check_says_an_intact_chain_is_intact(self, client, rohan, kavya):
        response = signed_in(client, rohan).get(f"{AUDIT}verify/")
        assert "none was changed, deleted or inserted" in text_of(response)

    def test_the_check_names_a_changed_event(self, client, rohan, kavya):
        event = AuditEvent.objects.filter(patient_id=kavya.pk).earliest("pk")
        tamper("UPDATE accounts_auditevent SET action = 'patient.erased' WHERE id = %s", [event.pk])
        response = signed_in(client, rohan).get(f"{AUDIT}verify/")
        assert f"audit event {event.pk}" in text_of(response)
        assert "was changed" in text_of(response)


@pytest.mark.django_db
class TestRefusals:
    def test_another_clinics_episode_is_a_404_and_an_event(self, client, meera, kavya_episode):
        response = signed_in(client, meera).get(f"/app/episodes/{kavya_episode.pk}/")
        assert response.status_code == 404
        event = AuditEvent.objects.latest("pk")
        assert (event.action, event.actor, event.clinic_id, event.patient_id, event.ip) == (
            events.ACCESS_REFUSED,
            meera,
            kavya_episode.clinic_id,
            kavya_episode.patient_id,
            "127.0.0.1",
        )
        assert event.detail == {
            "record_type": "records.episode",
            "record_id": kavya_episode.pk,
            "path": f"/app/episodes/{kavya_episode.pk}/",
        }

    def test_another_clinics_patient_is_a_404_and_an_event(self, client, meera, kavya):
        response = signed_in(client, meera).get(f"/app/patients/{kavya.pk}/")
        assert response.status_code == 404
        event = AuditEvent.objects.latest("pk")
        assert (event.action, event.detail["record_type"], event.patient_id) == (
            events.ACCESS_REFUSED,
            "records.patient",
            kavya.pk,
        )

    def test_the_front_desk_asking_for_clinical_pages_is_recorded(
        self, client, priya, kavya_episode
    ):
        before = AuditEvent.objects.filter(action=events.ACCESS_REFUSED).count()
        for page in ("", "screening/", "consent/"):
            url = f"/app/episodes/{kavya_episode.pk}/{page}"
            assert signed_in(client, priya).get(url).status_code == 404
        assert AuditEvent.objects.filter(action=events.ACCESS_REFUSED).count() == before + 3

    def test_a_treatment_session_is_recorded_as_what_the_path_names(self, client, full_record):
        kavya_episode, meera = full_record.episode, full_record.meera
        session = session_start(episode=kavya_episode, by=full_record.arjun, ip=None)
        url = f"/app/sessions/{session.pk}/"
        assert signed_in(client, meera).get(url).status_code == 404
        event = AuditEvent.objects.latest("pk")
        assert (event.action, event.clinic_id, event.patient_id, event.detail) == (
            events.ACCESS_REFUSED,
            kavya_episode.clinic_id,
            kavya_episode.patient_id,
            {"record_type": "treatment.treatmentsession", "record_id": session.pk, "path": url},
        )

    def test_a_record_that_does_not_exist_is_a_plain_404(self, client, meera, kavya):
        before = AuditEvent.objects.count()
        assert signed_in(client, meera).get("/app/episodes/999999/").status_code == 404
        assert signed_in(client, meera).get("/app/patients/999999/").status_code == 404
        assert AuditEvent.objects.count() == before

    def test_a_wrong_id_beside_a_record_the_clinician_may_see_is_a_plain_404(
        self, client, kiran, kavya_episode
    ):
        before = AuditEvent.objects.count()
        url = f"/app/episodes/{kavya_episode.pk}/assessment/999999/"
        assert signed_in(client, kiran).get(url).status_code == 404
        assert AuditEvent.objects.count() == before

    def test_the_manager_sees_the_refusal_in_the_patients_trail(
        self, client, meera, farah, kavya_episode
    ):
        signed_in(client, meera).get(f"/app/episodes/{kavya_episode.pk}/")
        response = signed_in(client, farah).get(AUDIT, {"patient": kavya_episode.patient_id})
        assert ("Meera Reddy", "Refused a record (not theirs to see)") in [
            row[:2] for row in listed(response)
        ]


@pytest.mark.django_db
def test_action_names_are_shown_in_words(client, farah, bangalore, priya):
    make_episode(bangalore, by=priya, patient=make_patient(bangalore, by=priya, name="Anil Rao"))
    with transaction.atomic():
        audit.record("care_plan.updated", bangalore, actor=farah, clinic=bangalore)
    actions = actions_listed(signed_in(client, farah).get(AUDIT))
    assert "Registered a patient" in actions
    assert "Care plan: updated" in actions
    assert not [action for action in actions if "." in action]
