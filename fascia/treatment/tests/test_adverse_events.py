"""Adverse events: recording one on a session, drafts to confirm or dismiss, the alert a
significant one raises, and the clinic's register with its rates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.clinics.models import Role
from fascia.records import events as record_events
from fascia.records.actions import ActionError
from fascia.records.models import Alert, AlertKind
from fascia.records.tests.factories import make_episode, make_patient
from fascia.tests.html import field_errors, messages_on, soup_of, text_of
from fascia.tests.personas import make_staff, signed_in
from fascia.treatment import events
from fascia.treatment.adverse_events import adverse_event_draft
from fascia.treatment.models import (
    AdverseEvent,
    AdverseEventStatus,
    NeedleInsertion,
    Technique,
    Tolerance,
    TreatmentSession,
    Twitch,
)

REGISTER = "/app/adverse-events/"


def add_session(episode, number, *, by, hours_ago=1, signed=True, needled=True):
    """A session made with the models: signed or not, with one muscle needled or none."""
    started = timezone.now() - timedelta(hours=hours_ago)
    session = TreatmentSession.objects.create(
        episode=episode,
        clinic=episode.clinic,
        number=number,
        physiotherapist=by,
        started_at=started,
        pathway_version=episode.pathway_version,
        signed_at=started + timedelta(minutes=40) if signed else None,
        signed_by=by if signed else None,
    )
    if needled:
        NeedleInsertion.objects.create(
            session=session,
            muscle="piriformis",
            side="left",
            needle_length_mm=50,
            needle_gauge_mm=Decimal("0.30"),
            insertions=3,
            technique=Technique.PISTONING,
            twitch=Twitch.SOME,
            tolerance=Tolerance.GOOD,
        )
    return session


def add_event(session, *, kind="bruising", severity="mild", hours_ago=0, status="confirmed"):
    return AdverseEvent.objects.create(
        session=session,
        clinic=session.clinic,
        kind=kind,
        severity=severity,
        noticed_at=timezone.now() - timedelta(hours=hours_ago),
        description="A bruise at the needle site.",
        status=status,
        recorded_by=session.physiotherapist,
    )


def new_url(session) -> str:
    return f"/app/sessions/{session.pk}/adverse-events/new/"


def event_url(event) -> str:
    return f"/app/adverse-events/{event.pk}/"


def local_minutes(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def event_data(**changes) -> dict[str, str]:
    data = {
        "kind": "bruising",
        "severity": "",
        "when": "during",
        "noticed_at": local_minutes(timezone.now() - timedelta(minutes=20)),
        "description": "A bruise the size of a coin at the needle site.",
        "action_taken": "Pressure for two minutes; ice advised.",
        "outcome": "Settled before the patient left.",
    }
    data.update(changes)
    return data


def actions_about(episode) -> list[str]:
    return list(
        AuditEvent.objects.filter(patient_id=episode.patient_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def draft_session(kavya_episode, arjun):
    """Session 1 of Kavya's episode, being recorded by Arjun (not signed yet)."""
    return add_session(kavya_episode, 1, by=arjun, signed=False)


@pytest.mark.django_db
class TestRecordingAnAdverseEvent:
    def test_the_session_page_links_to_it(self, client, arjun, draft_session):
        page = soup_of(signed_in(client, arjun).get(f"/app/sessions/{draft_session.pk}/"))
        assert page.select_one(f'a[href="{new_url(draft_session)}"]') is not None

    def test_a_physiotherapist_records_one_with_the_types_usual_severity(
        self, client, kiran, draft_session
    ):
        response = signed_in(client, kiran).post(new_url(draft_session), event_data())
        assert response.status_code == 302
        assert response["Location"] == f"/app/sessions/{draft_session.pk}/"
        event = AdverseEvent.objects.get(session=draft_session)
        assert (event.kind, event.severity, event.status) == ("bruising", "mild", "confirmed")
        assert event.during_session
        assert event.recorded_by == kiran
        assert event.clinic == draft_session.clinic
        assert event.action_taken == "Pressure for two minutes; ice advised."
        assert events.ADVERSE_EVENT_RECORDED in actions_about(draft_session.episode)
        assert not Alert.objects.filter(kind=AlertKind.ADVERSE_EVENT).exists()

    def test_the_form_offers_the_pathways_types_and_severities(self, client, arjun, draft_session):
        page = soup_of(signed_in(client, arjun).get(new_url(draft_session)))
        kinds = [radio["value"] for radio in page.select("input[name=kind]")]
        assert kinds[:3] == ["bruising", "bleeding", "pain_during"]
        assert "retained_needle" in kinds
        assert "Needle left in the patient (usually significant)" in page.get_text()
        assert (
            "Significant: Needs medical care, or seriously affects the patient's daily life."
            in (" ".join(page.get_text().split()))
        )

    def test_one_reported_later_on_a_signed_session_is_recorded(self, client, arjun, kavya_episode):
        signed = add_session(kavya_episode, 1, by=arjun, hours_ago=30)
        response = signed_in(client, arjun).post(
            new_url(signed),
            event_data(kind="pain_after", when="later", severity="moderate"),
        )
        assert response.status_code == 302
        event = AdverseEvent.objects.get(session=signed)
        assert (event.kind, event.severity, event.during_session) == (
            "pain_after",
            "moderate",
            False,
        )
        signed.refresh_from_db()
        assert signed.is_signed

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"kind": ""}, "kind", "Choose the type of adverse event."),
            ({"kind": "hiccups"}, "kind", "Select a valid choice"),
            ({"severity": "catastrophic"}, "severity", "Select a valid choice"),
            ({"when": ""}, "when", "during the session or later"),
            ({"noticed_at": "yesterday"}, "noticed_at", "Enter a date and a time"),
            ({"description": "   "}, "description", "Write what happened."),
            ({"description": "Bruise\x07"}, "description", "control character"),
            ({"outcome": "x" * 2001}, "outcome", "at most 2000 characters"),
        ],
    )
    def test_bad_input_is_named_and_nothing_is_recorded(
        self, client, arjun, draft_session, changes, field, message
    ):
        response = signed_in(client, arjun).post(new_url(draft_session), event_data(**changes))
        assert response.status_code == 200
        assert message in field_errors(response, field)
        assert not AdverseEvent.objects.exists()

    def test_a_time_before_the_session_or_after_now_is_refused(self, client, arjun, draft_session):
        client = signed_in(client, arjun)
        before = local_minutes(draft_session.started_at - timedelta(hours=2))
        response = client.post(new_url(draft_session), event_data(noticed_at=before))
        assert "before the session started" in field_errors(response, "noticed_at")
        later = local_minutes(timezone.now() + timedelta(hours=2))
        response = client.post(new_url(draft_session), event_data(noticed_at=later))
        assert "cannot be later than now" in field_errors(response, "noticed_at")
        assert not AdverseEvent.objects.exists()

    @pytest.mark.parametrize("persona", ["priya", "meera", "asha", "vikram"])
    def test_anyone_but_the_clinics_physiotherapists_gets_a_404(
        self, client, request, draft_session, persona
    ):
        client = signed_in(client, request.getfixturevalue(persona))
        assert client.get(new_url(draft_session)).status_code == 404
        assert client.post(new_url(draft_session), event_data()).status_code == 404
        assert not AdverseEvent.objects.exists()


@pytest.mark.django_db
class TestTheAlertOfASignificantEvent:
    def test_a_significant_event_alerts_the_manager_and_the_physiotherapists(
        self, client, arjun, kiran, farah, priya, draft_session
    ):
        signed_in(client, arjun).post(new_url(draft_session), event_data(kind="retained_needle"))
        event = AdverseEvent.objects.get(session=draft_session)
        assert event.severity == "significant"
        alert = Alert.objects.get(kind=AlertKind.ADVERSE_EVENT)
        assert (alert.episode, alert.clinic, alert.is_open) == (
            draft_session.episode,
            draft_session.clinic,
            True,
        )
        assert alert.message == (
            "Session 1: Needle left in the patient. Significant: Needs medical care, or "
            "seriously affects the patient's daily life."
        )
        assert record_events.ALERT_RAISED in actions_about(draft_session.episode)
        for someone in (farah, kiran):
            start = text_of(signed_in(client, someone).get("/app/"))
            assert "Significant adverse event" in start
            assert "Session 1: Needle left in the patient." in start
        desk = text_of(signed_in(client, priya).get("/app/"))
        assert "Kavya Rao · Significant adverse event" in desk
        assert "Needle left in the patient" not in desk
        episode_page = text_of(
            signed_in(client, arjun).get(f"/app/episodes/{draft_session.episode_id}/")
        )
        assert "Session 1: Needle left in the patient." in episode_page

    def test_it_stays_open_until_acknowledged_with_a_note(
        self, client, farah, arjun, draft_session
    ):
        signed_in(client, arjun).post(new_url(draft_session), event_data(severity="significant"))
        alert = Alert.objects.get(kind=AlertKind.ADVERSE_EVENT)
        client = signed_in(client, farah)
        client.post(f"/app/alerts/{alert.pk}/acknowledge/", {f"alert-{alert.pk}-note": ""})
        alert.refresh_from_db()
        assert alert.is_open
        client.post(
            f"/app/alerts/{alert.pk}/acknowledge/",
            {f"alert-{alert.pk}-note": "Called the patient; seen by her doctor today."},
        )
        alert.refresh_from_db()
        assert not alert.is_open

    @pytest.mark.parametrize("severity", ["mild", "moderate"])
    def test_a_mild_or_moderate_event_raises_no_alert(self, client, arjun, draft_session, severity):
        signed_in(client, arjun).post(new_url(draft_session), event_data(severity=severity))
        assert AdverseEvent.objects.filter(severity=severity).count() == 1
        assert not Alert.objects.filter(kind=AlertKind.ADVERSE_EVENT).exists()


@pytest.mark.django_db
class TestDraftsToConfirm:
    @pytest.fixture
    def draft(self, arjun, kavya_episode):
        signed = add_session(kavya_episode, 1, by=arjun, hours_ago=48)
        return adverse_event_draft(
            signed, "needle_site_infection", "Red and warm where the needle went in."
        )

    def test_a_draft_is_recorded_by_nobody_and_raises_no_alert(self, draft):
        assert (draft.status, draft.severity, draft.recorded_by) == (
            AdverseEventStatus.DRAFT,
            "moderate",
            None,
        )
        assert not draft.during_session
        assert not Alert.objects.exists()
        assert events.ADVERSE_EVENT_RECORDED in actions_about(draft.session.episode)

    def test_a_draft_of_a_type_the_pathway_does_not_know_is_refused(self, arjun, kavya_episode):
        with pytest.raises(ActionError):
            adverse_event_draft(add_session(kavya_episode, 1, by=arjun), "hiccups", "Hiccups.")
        assert not AdverseEvent.objects.exists()

    def test_viewing_it_is_audited_and_offers_to_confirm_or_dismiss(self, client, kiran, draft):
        page = soup_of(signed_in(client, kiran).get(event_url(draft)))
        assert page.select_one("input[name=kind][value=needle_site_infection][checked]")
        assert page.select_one(f'form[action="{event_url(draft)}dismiss/"]') is not None
        assert actions_about(draft.session.episode)[-1] == events.ADVERSE_EVENT_VIEWED

    def test_the_practitioner_confirms_it_correcting_the_severity(self, client, arjun, draft):
        data = event_data(
            kind="needle_site_infection",
            severity="significant",
            when="later",
            noticed_at=local_minutes(draft.noticed_at),
            description="Red, warm and swollen; a fever since last night.",
        )
        response = signed_in(client, arjun).post(event_url(draft), data, follow=True)
        assert messages_on(response) == ["The adverse event was confirmed."]
        draft.refresh_from_db()
        assert (draft.status, draft.severity, draft.recorded_by) == (
            "confirmed",
            "significant",
            arjun,
        )
        assert Alert.objects.filter(kind=AlertKind.ADVERSE_EVENT).count() == 1
        assert events.ADVERSE_EVENT_CONFIRMED in actions_about(draft.session.episode)
        again = signed_in(client, arjun).post(event_url(draft), data, follow=True)
        assert messages_on(again) == ["This adverse event was already confirmed."]

    def test_a_dismissal_needs_a_reason(self, client, arjun, draft):
        client = signed_in(client, arjun)
        response = client.post(f"{event_url(draft)}dismiss/", {"reason": ""})
        assert response.status_code == 400
        assert "Say why this is not an adverse event." in response.content.decode()
        draft.refresh_from_db()
        assert draft.status == "draft"
        client.post(f"{event_url(draft)}dismiss/", {"reason": "A mosquito bite, seen today."})
        draft.refresh_from_db()
        assert (draft.status, draft.outcome) == ("dismissed", "A mosquito bite, seen today.")
        assert events.ADVERSE_EVENT_DISMISSED in actions_about(draft.session.episode)

    @pytest.mark.parametrize("persona", ["priya", "meera", "asha"])
    def test_others_get_a_404(self, client, request, draft, persona):
        client = signed_in(client, request.getfixturevalue(persona))
        assert client.get(event_url(draft)).status_code == 404
        assert client.post(f"{event_url(draft)}dismiss/", {"reason": "x"}).status_code == 404
        draft.refresh_from_db()
        assert draft.status == "draft"


def rates_table(response) -> dict[str, list[str]]:
    table = soup_of(response).select_one("table.rates")
    return {
        row.th.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in row.select("td")]
        for row in table.select("tbody tr")
        if row.select("td")
    }


@pytest.mark.django_db
class TestTheRegister:
    @pytest.fixture
    def forty_sessions(self, arjun, kavya_episode):
        """40 signed needling sessions in Bangalore, two with bruising; one more event on an
        unsigned session and one on a session without needling, which do not count."""
        sessions = [add_session(kavya_episode, n, by=arjun, hours_ago=n) for n in range(1, 41)]
        add_event(sessions[0])
        add_event(sessions[5])
        add_event(add_session(kavya_episode, 41, by=arjun, signed=False), kind="bleeding")
        add_event(add_session(kavya_episode, 42, by=arjun, needled=False), kind="bleeding")
        return sessions

    def test_it_gives_the_rate_per_100_needling_sessions_beside_the_published_rates(
        self, client, farah, forty_sessions
    ):
        response = signed_in(client, farah).get(REGISTER)
        rates = rates_table(response)
        assert rates["All adverse events"][:2] == ["2", "5.0"]
        assert rates["Bruising [brady-2014]"] == ["2", "5.0", "7.55", "7.7"]
        assert rates["Bleeding [brady-2014]"] == ["0", "0.0", "4.65", "16"]
        assert rates["Mild [brady-2014, boyce-2020]"] == ["2", "5.0", "19.18", "36.7"]
        assert rates["Significant [brady-2014, boyce-2020]"] == [
            "0",
            "0.0",
            "at most 0.04 (0 events)",
            "at most 0.1 (20 events)",
        ]
        assert rates["Moderate [clinic-policy]"][2:] == ["not given", "not given"]
        text = text_of(response)
        assert "40 needling sessions from" in text
        assert "[brady-2014] per 100 treatments (7,629 treatments)" in text
        assert "[boyce-2020] per 100 sessions (20,464 sessions)" in text
        assert "Brady S et al. J Man Manip Ther 2014;22:134" in text
        events_listed = soup_of(response).select("table.register tbody tr")
        assert len(events_listed) == 4
        assert text.count("No: the session is not signed") == 1
        assert text.count("No: no needling in the session") == 1

    def test_it_filters_by_type_severity_and_period(self, client, farah, arjun, forty_sessions):
        add_event(forty_sessions[2], kind="retained_needle", severity="significant")
        client = signed_in(client, farah)
        by_type = soup_of(client.get(REGISTER, {"kind": "retained_needle", **self.period()}))
        assert len(by_type.select("table.register tbody tr")) == 1
        mild = soup_of(client.get(REGISTER, {"severity": "mild", **self.period()}))
        assert len(mild.select("table.register tbody tr")) == 4
        significant = soup_of(client.get(REGISTER, {"severity": "significant", **self.period()}))
        assert len(significant.select("table.register tbody tr")) == 1
        old = add_session(forty_sessions[0].episode, 50, by=arjun, hours_ago=24 * 400)
        add_event(old)
        last_year = client.get(REGISTER)
        assert len(soup_of(last_year).select("table.register tbody tr")) == 5
        long_ago = self.period(days_back=500)
        assert len(soup_of(client.get(REGISTER, long_ago)).select("table.register tbody tr")) == 6

    def period(self, days_back=30) -> dict[str, str]:
        today = timezone.localdate()
        return {"start": str(today - timedelta(days=days_back)), "end": str(today)}

    def test_a_clinic_filter_and_a_physiotherapist_see_only_their_clinics(
        self, client, farah, meera, arjun, ravi_episode, forty_sessions
    ):
        add_event(add_session(ravi_episode, 1, by=meera), kind="drowsiness")
        mine = soup_of(signed_in(client, meera).get(REGISTER))
        assert [
            row.select("td")[1].get_text() for row in mine.select("table.register tbody tr")
        ] == ["Drowsiness"]
        hyderabad = ravi_episode.clinic
        only = soup_of(
            signed_in(client, farah).get(REGISTER, {"clinic": hyderabad.pk, **self.period()})
        )
        assert len(only.select("table.register tbody tr")) == 1
        refused = signed_in(client, meera).get(
            REGISTER, {"clinic": forty_sessions[0].clinic_id, **self.period()}
        )
        assert refused.status_code == 400
        assert "Choose one of your clinics." in refused.content.decode()

    def test_it_lists_50_events_a_page(self, client, farah, arjun, kavya_episode):
        for number in range(1, 52):
            add_event(add_session(kavya_episode, number, by=arjun, hours_ago=number))
        client = signed_in(client, farah)
        first = soup_of(client.get(REGISTER))
        assert len(first.select("table.register tbody tr")) == 50
        assert first.select_one("a[rel=next]")["href"] == "?page=2"
        second = soup_of(client.get(REGISTER, {"page": 2}))
        assert len(second.select("table.register tbody tr")) == 1
        assert rates_table(client.get(REGISTER, {"page": 2}))["All adverse events"][:2] == [
            "51",
            "100.0",
        ]

    def test_a_period_ending_before_it_starts_is_refused(self, client, farah):
        today = timezone.localdate()
        response = signed_in(client, farah).get(
            REGISTER, {"start": str(today), "end": str(today - timedelta(days=1))}
        )
        assert response.status_code == 400
        assert "The end of the period must be on or after its start." in response.content.decode()
        assert not AuditEvent.objects.filter(action=events.ADVERSE_EVENT_REGISTER_VIEWED).exists()

    def test_viewing_it_is_audited_in_each_clinics_chain(
        self, client, farah, bangalore, hyderabad, forty_sessions
    ):
        signed_in(client, farah).get(REGISTER)
        viewed = AuditEvent.objects.filter(action=events.ADVERSE_EVENT_REGISTER_VIEWED)
        by_clinic = {event.clinic_id: event.detail["events"] for event in viewed}
        listed = sorted(AdverseEvent.objects.values_list("pk", flat=True))
        assert sorted(by_clinic[bangalore.pk]) == listed
        assert by_clinic[hyderabad.pk] == []
        assert {event.actor_id for event in viewed} == {farah.pk}

    @pytest.mark.parametrize("persona", ["priya", "asha", "vikram", "neha"])
    def test_the_front_desk_and_those_without_a_clinical_role_get_a_404(
        self, client, request, persona
    ):
        assert signed_in(client, request.getfixturevalue(persona)).get(REGISTER).status_code == 404

    def test_it_reads_the_same_number_of_queries_for_1_event_or_30(
        self, client, farah, arjun, bangalore
    ):
        client = signed_in(client, farah)
        episode = make_episode(bangalore, by=farah, physiotherapist=arjun)
        add_event(add_session(episode, 1, by=arjun))
        client.get(REGISTER)
        with CaptureQueriesContext(connection) as one:
            client.get(REGISTER)
        for n in range(2, 31):
            patient = make_patient(
                bangalore, by=farah, name=f"Patient {n}", mobile=f"+9198450{n:05d}"
            )
            other = make_episode(bangalore, by=farah, physiotherapist=arjun, patient=patient)
            add_event(add_session(other, 1, by=arjun), kind="bleeding")
        with CaptureQueriesContext(connection) as thirty:
            response = client.get(REGISTER)
        assert len(soup_of(response).select("table.register tbody tr")) == 30
        assert len(thirty) == len(one)


@pytest.mark.django_db
def test_a_manager_of_the_clinic_only_sees_alerts_of_their_clinics(
    client, hyderabad, draft_session, arjun
):
    sana = make_staff("sana", "Sana Ali", memberships={hyderabad: Role.CLINIC_MANAGER})
    signed_in(client, arjun).post(new_url(draft_session), event_data(kind="retained_needle"))
    assert "Needle left in the patient" not in text_of(signed_in(client, sana).get("/app/"))
