"""The care plan: started from the pathway's template, judged, saved, audited, shown."""

from decimal import Decimal

import pytest
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.pathways import REGISTRY
from fascia.records.tests.test_assessment import journey_five
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.treatment import events
from fascia.treatment.models import CarePlan, CarePlanComponent, CarePlanGoal

PATHWAY = REGISTRY.current("piriformis-dry-needling")
COMPONENTS = [c.id for c in PATHWAY.care_plan.components]
ACTIVITIES = {"Sitting through a two-hour meeting": "3", "Driving to Mysore": "4"}


def assess(client, episode) -> None:
    """Arjun's assessment of the episode, with two PSFS activities, NPRS 6 and LEFS 52."""
    psfs = {}
    for number, (activity, rating) in enumerate(ACTIVITIES.items(), start=1):
        psfs[f"psfs-{number}-name"] = activity
        psfs[f"psfs-{number}-rating"] = rating
    response = client.post(
        reverse("records:assessment_new", args=[episode.pk]), journey_five(**psfs)
    )
    assert response.status_code == 302


@pytest.fixture
def assessed(client, arjun, kavya_episode):
    """Kavya's episode, assessed by Arjun, who stays signed in."""
    signed_in(client, arjun)
    assess(client, kavya_episode)
    return kavya_episode


def url(episode) -> str:
    return reverse("treatment:care_plan", args=[episode.pk])


def plan_data(**changes) -> dict[str, str]:
    """The template as the form offers it, with targets for both activities and the NPRS."""
    data = {"planned_sessions": "4", "review_at_session": "4"}
    for component in PATHWAY.care_plan.components:
        data[f"component-{component.id}-include"] = "on"
        data[f"component-{component.id}-frequency"] = component.default_frequency
        data[f"component-{component.id}-note"] = ""
    # The activities are in the order of their names: psfs-1 is "Driving to Mysore".
    data.update({"goal-psfs-1": "8", "goal-psfs-2": "7", "goal-nprs": "2", "goal-lefs": ""})
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def field_error(response, field: str) -> str:
    soup = soup_of(response)
    errors = soup.select(f"#id_{field}_error li") or soup.select(f"#id_{field}_error")
    return " ".join(e.get_text(" ", strip=True) for e in errors)


class TestTheCarePlanForm:
    def test_it_starts_from_the_pathways_template(self, client, assessed):
        page = soup_of(client.get(url(assessed)))
        assert page.select_one("#id_planned_sessions")["value"] == "4"
        assert page.select_one("#id_review_at_session")["value"] == "4"
        for component in PATHWAY.care_plan.components:
            assert page.select_one(f"#id_component-{component.id}-include").has_attr("checked")
            frequency = page.select_one(f"#id_component-{component.id}-frequency")
            assert frequency["value"] == component.default_frequency

    def test_it_shows_each_components_note_and_sources(self, client, assessed):
        text = text_of(client.get(url(assessed)))
        needling = PATHWAY.care_plan.components[0]
        assert " ".join(needling.note.split()) in text
        sources = {s.id: s for s in PATHWAY.sources}
        assert sources[needling.sources[0]].citation in text
        assert "Clinic policy: our choice, not published evidence" in text

    def test_it_offers_the_patients_psfs_activities_with_their_scores_now(self, client, assessed):
        text = text_of(client.get(url(assessed)))
        assert "Sitting through a two-hour meeting PSFS · now 3" in text
        assert "Driving to Mysore PSFS · now 4" in text
        assert "Numeric Pain Rating Scale NPRS · now 6" in text
        assert "Lower Extremity Functional Scale LEFS · now 52" in text

    def test_viewing_it_is_audited(self, client, arjun, assessed):
        client.get(url(assessed))
        event = AuditEvent.objects.get(action=events.CARE_PLAN_VIEWED)
        assert (event.actor_id, event.patient_id) == (arjun.pk, assessed.patient_id)


class TestMakingTheCarePlan:
    def test_it_stores_the_goals_components_sessions_and_review_point(
        self, client, arjun, assessed
    ):
        response = client.post(url(assessed), plan_data(**{"planned_sessions": "6"}))
        assert response.status_code == 302
        plan = CarePlan.objects.get(episode=assessed)
        assert (plan.planned_sessions, plan.review_at_session) == (6, 4)
        assert plan.created_by == arjun
        goals = {(g.measure, g.activity, g.baseline, g.target) for g in CarePlanGoal.objects.all()}
        assert goals == {
            ("psfs", "Sitting through a two-hour meeting", Decimal(3), Decimal(7)),
            ("psfs", "Driving to Mysore", Decimal(4), Decimal(8)),
            ("nprs", "", Decimal(6), Decimal(2)),
        }
        assert sorted(c.component for c in plan.components.all()) == sorted(COMPONENTS)

    def test_making_it_is_audited_without_the_values(self, client, arjun, assessed):
        client.post(url(assessed), plan_data())
        event = AuditEvent.objects.get(action=events.CARE_PLAN_CREATED)
        assert event.actor_id == arjun.pk
        assert event.detail["goals"] == 3
        assert sorted(event.detail["components"]) == sorted(COMPONENTS)
        assert "Mysore" not in str(event.detail)

    def test_a_part_left_out_is_not_in_the_plan(self, client, assessed):
        client.post(url(assessed), plan_data(**{"component-manual_therapy-include": None}))
        assert not CarePlanComponent.objects.filter(component="manual_therapy").exists()

    def test_changing_it_records_what_changed_not_the_values(self, client, assessed):
        client.post(url(assessed), plan_data())
        response = client.post(
            url(assessed),
            plan_data(**{"component-stretching-frequency": "Twice a day at home."}),
        )
        assert response.status_code == 302
        component = CarePlanComponent.objects.get(component="stretching")
        assert component.frequency == "Twice a day at home."
        event = AuditEvent.objects.get(action=events.CARE_PLAN_UPDATED)
        assert event.detail == {"changed": ["components"]}

    def test_saving_it_unchanged_records_no_change(self, client, assessed):
        client.post(url(assessed), plan_data())
        client.post(url(assessed), plan_data())
        assert not AuditEvent.objects.filter(action=events.CARE_PLAN_UPDATED).exists()
        assert CarePlan.objects.count() == 1

    def test_the_form_shows_the_plan_as_saved(self, client, assessed):
        client.post(url(assessed), plan_data(**{"goal-psfs-1": "9"}))
        page = soup_of(client.get(url(assessed)))
        assert page.select_one("#id_goal-psfs-1")["value"] == "9.00"


class TestTheCarePlansRules:
    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"goal-psfs-1": "11"}, "goal-psfs-1", "less than or equal to 10"),
            ({"goal-psfs-1": "2"}, "goal-psfs-1", "better than the score now (4)"),
            ({"goal-nprs": "7"}, "goal-nprs", "better than the score now (6)"),
            ({"goal-lefs": "81"}, "goal-lefs", "less than or equal to 80"),
            ({"review_at_session": "5"}, "review_at_session", "from 1 to 4"),
            ({"planned_sessions": "0"}, "planned_sessions", "greater than or equal to 1"),
            (
                {"goal-psfs-1": "", "goal-psfs-2": "", "goal-nprs": ""},
                "goal-psfs-1",
                "at least one goal",
            ),
            (
                {f"component-{c}-include": None for c in COMPONENTS},
                f"component-{COMPONENTS[0]}-include",
                "at least one part",
            ),
            (
                {"component-stretching-frequency": ""},
                "component-stretching-frequency",
                "Say how often",
            ),
            (
                {"component-stretching-note": "Every\x07day"},
                "component-stretching-note",
                "control character",
            ),
        ],
    )
    def test_it_refuses_a_plan_naming_the_field_and_stores_nothing(
        self, client, assessed, changes, field, message
    ):
        response = client.post(url(assessed), plan_data(**changes))
        assert response.status_code == 200
        assert message in field_error(response, field)
        assert message in text_of(response)
        assert not CarePlan.objects.exists()
        assert not AuditEvent.objects.filter(action=events.CARE_PLAN_CREATED).exists()


class TestWhoMayOpenIt:
    @pytest.mark.parametrize("persona", ["priya", "meera", "asha", "vikram", "neha"])
    def test_it_is_not_found_for_anyone_without_clinical_care_in_the_clinic(
        self, client, assessed, persona, request
    ):
        client.logout()
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(url(assessed)).status_code == 404
        assert client.post(url(assessed), plan_data()).status_code == 404
        assert not CarePlan.objects.exists()

    @pytest.mark.parametrize("persona", ["kiran", "farah"])
    def test_a_colleague_and_the_manager_may(self, client, assessed, persona, request):
        client.logout()
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(url(assessed)).status_code == 200

    def test_signing_in_comes_first(self, client, assessed):
        client.logout()
        response = client.get(url(assessed))
        assert response.status_code == 302
        assert "/app/login/" in response["Location"]


class TestTheEpisodePage:
    def test_it_shows_the_plan(self, client, assessed):
        client.post(url(assessed), plan_data())
        page = soup_of(client.get(reverse("workspace:episode", args=[assessed.pk])))
        section = page.select_one("section:has(#care-plan-heading)")
        text = " ".join(section.get_text(" ").split())
        assert "Planned sessions 4" in text
        assert "Review point At session 4" in text
        assert "Sitting through a two-hour meeting PSFS 3 7" in text
        assert "NPRS NPRS 6 2" in text
        components = [" ".join(li.get_text().split()) for li in section.select("li")]
        assert any(c.startswith("Stretching: Every day at home.") for c in components)

    def test_it_offers_to_make_one(self, client, assessed):
        page = soup_of(client.get(reverse("workspace:episode", args=[assessed.pk])))
        section = page.select_one("section:has(#care-plan-heading)")
        assert "No care plan yet." in section.get_text()
        assert section.find("a", href=url(assessed))
