"""Discharge: the form, closing the episode, and the discharge summary PDF."""

import pytest
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.records import events as record_events
from fascia.records.actions import ActionError
from fascia.records.models import EpisodeStatus
from fascia.tests.html import soup_of, text_of, text_of_pdf
from fascia.tests.personas import signed_in
from fascia.treatment import events
from fascia.treatment.discharge import episode_discharge
from fascia.treatment.exercises import Chosen, programme_give
from fascia.treatment.models import AdverseEvent, AdverseEventStatus, Discharge
from fascia.treatment.tests.test_outcomes import add_session, lefs_of, treated

SITTING_BREAKS = "Stand up and move every 20 to 30 minutes when you sit, before the pain builds up."


def discharge_url(episode) -> str:
    return f"/app/episodes/{episode.pk}/discharge/"


def summary_url(episode) -> str:
    return f"/app/episodes/{episode.pk}/discharge/summary.pdf"


@pytest.fixture
def sessions(arjun, kavya_episode):
    """Four signed sessions, pain falling from 6 at the assessment to 3."""
    return treated(kavya_episode, by=arjun, pain=[6, 5, 4, 3])


def discharge(client, episode, **data):
    data.setdefault("reason", "goals_met")
    return client.post(discharge_url(episode), data)


@pytest.mark.django_db
class TestTheDischargeForm:
    def test_it_offers_the_pathways_advice_with_ergonomic_advice_chosen(
        self, client, arjun, kavya_episode, sessions
    ):
        page = soup_of(signed_in(client, arjun).get(discharge_url(kavya_episode)))
        choices = {
            box["value"]: box.has_attr("checked")
            for box in page.select(
                "input[name=ergonomic], input[name=aftercare], input[name=exercise]"
            )
        }
        assert choices["ergonomic:sitting_breaks"] is True
        assert choices["aftercare:keep_moving"] is False
        assert choices["exercise:clamshell"] is False
        assert SITTING_BREAKS in page.get_text()
        reasons = [r["value"] for r in page.select("input[name=reason]")]
        assert reasons == ["goals_met", "plateau", "referred", "patient_choice", "did_not_return"]
        measures = page.select_one(f"a[href='/app/sessions/{sessions[-1].pk}/measures/']")
        assert measures.get_text() == "Measures at session 4"

    def test_the_exercises_of_the_patients_programme_are_chosen_with_their_dosage(
        self, client, arjun, kavya_episode, sessions
    ):
        programme_give(
            episode=kavya_episode,
            chosen=[Chosen("bridge", "8 to 12, twice a day")],
            by=arjun,
            ip=None,
        )
        page = soup_of(signed_in(client, arjun).get(discharge_url(kavya_episode)))
        bridge = page.select_one("input[name=exercise][value='exercise:bridge']")
        assert bridge.has_attr("checked")
        label = page.select_one(f"label[for='{bridge['id']}']").get_text(" ", strip=True)
        assert label.endswith(": 8 to 12, twice a day")

    def test_it_discharges_and_closes_the_episode(self, client, arjun, kavya_episode, sessions):
        response = discharge(
            signed_in(client, arjun),
            kavya_episode,
            summary="Pain down from 6 to 3 over four sessions.",
            ergonomic=["ergonomic:sitting_breaks"],
            exercise=["exercise:clamshell"],
            advice_other="Keep walking every evening.",
        )
        assert response.status_code == 302
        assert response["Location"] == discharge_url(kavya_episode)
        kavya_episode.refresh_from_db()
        assert kavya_episode.status == EpisodeStatus.DISCHARGED
        assert kavya_episode.closed_on == timezone.localdate()
        record = Discharge.objects.get(episode=kavya_episode)
        assert record.reason == "goals_met"
        assert record.advice.splitlines() == [
            f"- {SITTING_BREAKS}",
            "- Clamshell: 3 sets of 10, 3 times a day.",
            "Keep walking every evening.",
        ]
        actions = list(
            AuditEvent.objects.filter(patient_id=kavya_episode.patient_id)
            .order_by("-pk")
            .values_list("action", flat=True)[:2]
        )
        assert actions == [record_events.EPISODE_STATUS_CHANGED, events.EPISODE_DISCHARGED]

    def test_the_discharge_page_shows_it_and_links_the_summary(
        self, client, arjun, kavya_episode, sessions
    ):
        discharge(signed_in(client, arjun), kavya_episode, ergonomic=["ergonomic:sitting_breaks"])
        page = soup_of(client.get(discharge_url(kavya_episode)))
        assert "Goals met" in page.get_text()
        assert SITTING_BREAKS in page.get_text()
        assert page.select_one(f"a[href='{summary_url(kavya_episode)}']")
        assert AuditEvent.objects.latest("pk").action == events.DISCHARGE_VIEWED
        episode_page = soup_of(client.get(f"/app/episodes/{kavya_episode.pk}/"))
        section = episode_page.select_one("[aria-labelledby=discharge-heading]")
        assert "Discharged" in section.get_text()
        assert section.select_one(f"a[href='{summary_url(kavya_episode)}']")

    def test_an_unsigned_session_must_be_signed_first(self, client, arjun, kavya_episode, sessions):
        add_session(kavya_episode, 5, by=arjun, nprs=3, signed=False)
        page = text_of(discharge(signed_in(client, arjun), kavya_episode))
        assert "Session 5 is not signed yet: sign it before the discharge." in page
        kavya_episode.refresh_from_db()
        assert kavya_episode.is_open
        assert not Discharge.objects.exists()

    def test_the_reason_is_required(self, client, arjun, kavya_episode, sessions):
        page = text_of(discharge(signed_in(client, arjun), kavya_episode, reason=""))
        assert "Reason for discharge: This field is required." in page
        assert not Discharge.objects.exists()

    def test_a_control_character_in_the_summary_is_refused(
        self, client, arjun, kavya_episode, sessions
    ):
        page = text_of(discharge(signed_in(client, arjun), kavya_episode, summary="Well\x07 done"))
        assert "Summary: This has a character we cannot show (a control character)." in page
        assert not Discharge.objects.exists()

    def test_advice_not_in_the_pathway_is_refused(self, client, arjun, kavya_episode, sessions):
        page = text_of(discharge(signed_in(client, arjun), kavya_episode, exercise=["made:up"]))
        assert "Home exercises: Select a valid choice. made:up is not one of the" in page
        assert not Discharge.objects.exists()

    def test_a_closed_episode_cannot_be_discharged_again(self, arjun, kavya_episode, sessions):
        episode_discharge(
            episode=kavya_episode, reason="plateau", summary="", advice="", by=arjun, ip=None
        )
        with pytest.raises(ActionError, match="This episode is closed already"):
            episode_discharge(
                episode=kavya_episode, reason="plateau", summary="", advice="", by=arjun, ip=None
            )

    @pytest.mark.parametrize("persona", ["priya", "meera", "asha"])
    def test_anyone_without_clinical_care_in_the_clinic_gets_404(
        self, client, persona, request, kavya_episode, sessions
    ):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(discharge_url(kavya_episode)).status_code == 404
        assert discharge(client, kavya_episode).status_code == 404
        assert kavya_episode.__class__.objects.get(pk=kavya_episode.pk).is_open


@pytest.mark.django_db
class TestTheSummaryPdf:
    @pytest.fixture
    def discharged(self, client, arjun, kavya_episode, sessions):
        session = sessions[-1]
        client = signed_in(client, arjun)
        lefs = {f"lefs-{item}": value for item, value in lefs_of(52).items()}
        client.post(f"/app/sessions/{session.pk}/measures/", {**lefs, "psfs-1": 6, "psfs-2": 7})
        for kind, status, outcome in (
            ("pain_after", AdverseEventStatus.CONFIRMED, "Settled in two days."),
            ("bruising", AdverseEventStatus.DRAFT, "Not yet seen."),
        ):
            AdverseEvent.objects.create(
                session=sessions[0],
                clinic=kavya_episode.clinic,
                kind=kind,
                severity="mild",
                description="Reported at the next visit.",
                outcome=outcome,
                status=status,
                recorded_by=arjun,
            )
        discharge(
            client, kavya_episode, summary="Back at work.", ergonomic=["ergonomic:sitting_breaks"]
        )
        return kavya_episode

    def test_it_has_the_patient_the_clinic_and_the_care(self, client, discharged):
        text = text_of_pdf(client.get(summary_url(discharged)))
        assert "Discharge summary" in text
        assert "Kavya Rao" in text
        assert discharged.clinic.name in text
        assert "Sessions done 4" in text
        assert "Reason for discharge Goals met" in text
        assert "Response to treatment Responding: a meaningful improvement" in text

    def test_it_has_each_measure_at_baseline_and_final_with_the_engines_change(
        self, client, discharged
    ):
        text = text_of_pdf(client.get(summary_url(discharged)))
        assert "Numeric Pain Rating Scale (NPRS) 6 at assessment 3 session 4 -3 Yes: better" in text
        assert (
            "Lower Extremity Functional Scale (LEFS) 40 at assessment 52 session 4 +12 Yes: better"
        ) in text
        assert (
            "Patient-Specific Functional Scale (PSFS) 3.5 at assessment 6.5 session 4 +3 "
            "Yes: better"
        ) in text

    def test_it_lists_confirmed_adverse_events_and_the_advice(self, client, discharged):
        text = text_of_pdf(client.get(summary_url(discharged)))
        assert "Pain after needling (Mild), session 1" in text
        assert "Settled in two days." in text
        assert "Bruising" not in text
        assert "Not yet seen." not in text
        assert SITTING_BREAKS in text
        assert "Back at work." in text

    def test_making_it_is_audited(self, client, arjun, discharged):
        client.get(summary_url(discharged))
        event = AuditEvent.objects.latest("pk")
        assert (event.action, event.actor, event.patient_id) == (
            events.DISCHARGE_SUMMARY_MADE,
            arjun,
            discharged.patient_id,
        )

    def test_there_is_none_before_the_discharge(self, client, arjun, kavya_episode, sessions):
        assert signed_in(client, arjun).get(summary_url(kavya_episode)).status_code == 404

    @pytest.mark.parametrize("persona", ["priya", "meera", "asha"])
    def test_anyone_without_clinical_care_in_the_clinic_gets_404(
        self, client, persona, request, discharged
    ):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(summary_url(discharged)).status_code == 404
