"""The episode's timeline tells the treatment too: each session started and signed, adverse
events, the care plan, every programme of home exercises and the discharge, each linking to
its record, in as many queries for twelve sessions as for one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fascia.records.tests.factories import make_episode
from fascia.tests.html import soup_of
from fascia.tests.personas import signed_in
from fascia.treatment.models import (
    AdverseEventStatus,
    CarePlan,
    Discharge,
    DischargeReason,
    ExerciseProgramme,
)
from fascia.treatment.tests.test_adverse_events import add_event, add_session
from fascia.workspace.tests.test_episode_page import page_url, queries_for

START = timezone.now() - timedelta(days=20)


def entries(response) -> dict[str, tuple[str, str]]:
    """Each timeline entry's title, with its link and its detail line."""
    found = {}
    for entry in soup_of(response).select(".episode-timeline .timeline__entry"):
        title = entry.select_one("strong")
        link = title.select_one("a")
        detail = " ".join(entry.select_one(".small").get_text(" ").split())
        found[title.get_text(" ", strip=True)] = (link["href"] if link else "", detail)
    return found


def programme(episode, by, *, days: int) -> ExerciseProgramme:
    given = ExerciseProgramme.objects.create(
        episode=episode, pathway_version=episode.pathway_version, created_by=by
    )
    ExerciseProgramme.objects.filter(pk=given.pk).update(created_at=START + timedelta(days=days))
    return given


def treat(episode, by, *, sessions: int, programmes: int = 1) -> None:
    """Sessions with needling and a bruise each (the last one a draft), a care plan, home
    exercises given `programmes` times."""
    for number in range(1, sessions + 1):
        session = add_session(
            episode, number, by=by, hours_ago=24 * (13 - number), signed=number < sessions
        )
        add_event(session, hours_ago=24 * (13 - number) - 2)
    plan = CarePlan.objects.create(
        episode=episode,
        pathway_version=episode.pathway_version,
        planned_sessions=6,
        review_at_session=4,
        created_by=by,
    )
    CarePlan.objects.filter(pk=plan.pk).update(created_at=START)
    for days in range(programmes):
        programme(episode, by, days=days + 1)


@pytest.mark.django_db
class TestTreatmentInTheTimeline:
    def test_each_session_event_plan_programme_and_the_discharge_has_its_entry(
        self, client, arjun, kavya_episode
    ):
        treat(kavya_episode, arjun, sessions=2)
        session = kavya_episode.treatment_sessions.get(number=1)
        event = session.adverse_events.get()
        Discharge.objects.create(
            episode=kavya_episode, reason=DischargeReason.GOALS_MET, discharged_by=arjun
        )
        found = entries(signed_in(client, arjun).get(page_url(kavya_episode)))
        episode_id = kavya_episode.pk
        assert found["Session 1 started"][0] == f"/app/sessions/{session.pk}/"
        assert found["Session 1 signed"][1].endswith("By Arjun Rao · Left piriformis")
        assert "Session 2 started" in found
        assert "Session 2 signed" not in found
        assert found["Adverse event: Bruising"][0] == f"/app/adverse-events/{event.pk}/"
        assert found["Adverse event: Bruising"][1].endswith("Session 1 · Mild · Confirmed")
        assert found["Care plan made"][0] == f"/app/episodes/{episode_id}/care-plan/"
        assert "6 sessions planned, review at session 4" in found["Care plan made"][1]
        assert found["Home exercises given"][0] == f"/app/episodes/{episode_id}/exercises/"
        assert found["Discharged: Goals met"][0] == f"/app/episodes/{episode_id}/discharge/"

    def test_a_dismissed_event_and_a_session_without_needling_say_so(
        self, client, arjun, kavya_episode
    ):
        session = add_session(kavya_episode, 1, by=arjun, needled=False)
        add_event(session, status=AdverseEventStatus.DISMISSED)
        found = entries(signed_in(client, arjun).get(page_url(kavya_episode)))
        assert found["Session 1 signed"][1].endswith("By Arjun Rao · no needling")
        assert found["Adverse event: Bruising"][1].endswith("Dismissed")

    def test_the_entries_are_in_time_order_newest_first(self, client, arjun, kavya_episode):
        treat(kavya_episode, arjun, sessions=2, programmes=2)
        response = signed_in(client, arjun).get(page_url(kavya_episode))
        times = [t["datetime"] for t in soup_of(response).select(".episode-timeline time")]
        assert times == sorted(times, reverse=True)
        titles = list(entries(response))
        assert titles.index("Session 2 started") < titles.index("Session 1 signed")
        assert titles.index("Session 1 started") < titles.index("Care plan made")


@pytest.mark.django_db
class TestQueries:
    def test_twelve_sessions_with_events_and_three_programmes_take_the_queries_of_one(
        self, client, arjun, priya, bangalore, django_assert_num_queries
    ):
        small = make_episode(bangalore, by=priya, physiotherapist=arjun)
        treat(small, arjun, sessions=1)
        large = make_episode(bangalore, by=priya, physiotherapist=arjun)
        treat(large, arjun, sessions=12, programmes=3)
        for episode in (small, large):
            Discharge.objects.create(
                episode=episode, reason=DischargeReason.PLATEAU, discharged_by=arjun
            )
        client = signed_in(client, arjun)
        assert len(entries(client.get(page_url(large)))) > len(entries(client.get(page_url(small))))
        with django_assert_num_queries(queries_for(client, page_url(small))):
            client.get(page_url(large))
