"""Outcomes: measures by session (the baseline is session 0), the engine's progress on the
episode and the start page, the outcome chart, and the measures re-taken at a session."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.pathways import ExaminationInput, ResponderStatus
from fascia.records import events as record_events
from fascia.records.actions import episode_set_status
from fascia.records.assessment import assessment_record
from fascia.records.links import lefs_complete, lefs_save
from fascia.records.models import EpisodeStatus, LinkKind, Measurement
from fascia.records.screening import patient_link_create
from fascia.records.tests.factories import make_episode
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.tests.queries import queries_for
from fascia.treatment import events
from fascia.treatment.models import (
    AdverseEvent,
    CarePlan,
    CarePlanComponent,
    CarePlanGoal,
    ComponentKind,
    NeedleInsertion,
    SessionAddendum,
    SessionComponent,
    Technique,
    Tolerance,
    TreatmentSession,
    Twitch,
)
from fascia.treatment.outcomes import episode_outcomes

LEFS_ITEMS = [
    "work_housework_school",
    "hobbies_sport",
    "bath",
    "walk_between_rooms",
    "shoes_socks",
    "squat",
    "lift_from_floor",
    "light_home_activities",
    "heavy_home_activities",
    "car",
    "walk_2_blocks",
    "walk_a_mile",
    "stairs",
    "stand_1_hour",
    "sit_1_hour",
    "run_even",
    "run_uneven",
    "sharp_turns",
    "hopping",
    "roll_over_in_bed",
]


def lefs_of(total: int) -> dict[str, int]:
    """LEFS item ratings that sum to `total` (0 to 80)."""
    return {item: min(4, max(0, total - 4 * i)) for i, item in enumerate(LEFS_ITEMS)}


def assess(episode, *, by, nprs=6, lefs=40, psfs=(("Sitting at work", 3), ("Driving", 4))):
    """The assessment: NPRS now (and worst and least), the LEFS and the PSFS at baseline."""
    return assessment_record(
        episode=episode,
        examination=ExaminationInput(
            pain={"now": nprs, "worst_week": 8, "least_week": 3},
            lefs=lefs_of(lefs) if lefs is not None else {},
            psfs=psfs,
            diagnosis_code="G57.0",
            diagnosis_side="left",
        ),
        history={},
        findings="",
        by=by,
        ip=None,
    )


def add_session(episode, number, *, by, nprs=None, after=None, days_ago=None, signed=True):
    """A treatment session made with the models, with its NPRS rows as the session records
    them ("now" before, "after_session" after)."""
    started = timezone.now() - timedelta(days=days_ago if days_ago is not None else 30 - number)
    session = TreatmentSession.objects.create(
        episode=episode,
        clinic=episode.clinic,
        number=number,
        physiotherapist=by,
        started_at=started,
        pathway_version=episode.pathway_version,
        nprs_before=nprs,
        nprs_after=after,
        signed_at=started + timedelta(minutes=40) if signed else None,
        signed_by=by if signed else None,
    )
    for qualifier, value in (("now", nprs), ("after_session", after)):
        if value is not None:
            Measurement.objects.create(
                episode=episode,
                measure="nprs",
                qualifier=qualifier,
                value=Decimal(value),
                taken_at=started + timedelta(minutes=5),
                recorded_by=by,
                session_number=number,
            )
    return session


def treated(episode, *, by, pain: list[int]):
    """The episode assessed (NPRS 6, LEFS 40) and treated, one session per pain score."""
    assess(episode, by=by)
    episode_set_status(episode, EpisodeStatus.TREATMENT, by=by, ip=None)
    return [add_session(episode, n, by=by, nprs=p, after=p) for n, p in enumerate(pain, 1)]


def episode_url(episode) -> str:
    return f"/app/episodes/{episode.pk}/"


def chart_url(episode) -> str:
    return f"/app/episodes/{episode.pk}/outcomes/chart.svg"


def measures_url(session) -> str:
    return f"/app/sessions/{session.pk}/measures/"


@pytest.mark.django_db
class TestMeasuresBySession:
    def test_the_assessment_is_the_baseline_and_sessions_keep_their_numbers(
        self, arjun, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[6, 5])
        found = episode_outcomes(kavya_episode)
        assert found.by_session == {
            0: {"nprs": Decimal(6), "lefs": Decimal(40), "psfs": Decimal("3.50")},
            1: {"nprs": Decimal(6)},
            2: {"nprs": Decimal(5)},
        }

    def test_pain_after_a_session_and_last_weeks_worst_are_not_progress_points(
        self, arjun, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[6])
        Measurement.objects.filter(qualifier="after_session").update(value=Decimal(0))
        found = episode_outcomes(kavya_episode)
        assert found.by_session[1] == {"nprs": Decimal(6)}
        assert found.by_session[0]["nprs"] == Decimal(6)

    def test_a_lefs_returned_through_a_link_counts_for_the_latest_session_started(
        self, arjun, priya, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[6, 5])
        add_session(kavya_episode, 3, by=arjun, days_ago=-1)  # tomorrow: not yet started
        link, _token = patient_link_create(
            episode=kavya_episode, kind=LinkKind.LEFS, by=priya, ip=None
        )
        lefs_save(link=link, answers=lefs_of(52))
        lefs_complete(link=link)
        assert episode_outcomes(kavya_episode).by_session[2]["lefs"] == Decimal(52)

    def test_a_lefs_returned_before_any_session_is_the_baseline(self, arjun, priya, kavya_episode):
        assess(kavya_episode, by=arjun, lefs=None)
        link, _token = patient_link_create(
            episode=kavya_episode, kind=LinkKind.LEFS, by=priya, ip=None
        )
        lefs_save(link=link, answers=lefs_of(35))
        lefs_complete(link=link)
        assert episode_outcomes(kavya_episode).by_session[0]["lefs"] == Decimal(35)


@pytest.mark.django_db
class TestTheReviewFlag:
    """The care plan's review rule: no meaningful improvement in NPRS or LEFS by session 4."""

    def test_it_is_not_raised_at_session_three(self, client, arjun, kavya_episode):
        treated(kavya_episode, by=arjun, pain=[6, 6, 5])
        assert episode_outcomes(kavya_episode).progress.status is ResponderStatus.NOT_YET
        page = text_of(signed_in(client, arjun).get(episode_url(kavya_episode)))
        assert "No meaningful improvement yet" in page
        assert "review the diagnosis and the care plan" not in page
        start = text_of(client.get("/app/"))
        assert "No episode is flagged for review." in start

    def test_it_is_raised_at_session_four_in_the_engines_words(self, client, arjun, kavya_episode):
        treated(kavya_episode, by=arjun, pain=[6, 6, 5, 5])
        said = (
            "No meaningful improvement in NPRS or LEFS by session 4: "
            "review the diagnosis and the care plan."
        )
        page = signed_in(client, arjun).get(episode_url(kavya_episode))
        flags = [f.get_text(" ", strip=True) for f in soup_of(page).select(".review-flag")]
        assert len(flags) == 1
        assert said in flags[0]
        assert "clinic-policy" in flags[0]
        assert "Not responding: review the care plan" in text_of(page)
        start = soup_of(client.get("/app/"))
        [item] = start.select(".for-review")
        assert "Kavya Rao" in item.get_text()
        assert said in item.get_text(" ", strip=True)

    def test_a_meaningful_improvement_by_session_four_is_a_response(
        self, client, arjun, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[6, 5, 4, 3])
        page = text_of(signed_in(client, arjun).get(episode_url(kavya_episode)))
        assert "Responding: a meaningful improvement" in page
        assert "NPRS: 6 → 3 meaningfully better" in page
        assert "No episode is flagged for review." in text_of(client.get("/app/"))

    def test_a_meaningful_worsening_is_flagged_before_the_review_point(
        self, client, arjun, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[8])
        page = text_of(signed_in(client, arjun).get(episode_url(kavya_episode)))
        assert "NPRS is meaningfully worse than at the baseline (6 → 8)" in page

    def test_the_manager_sees_it_and_another_clinic_does_not(
        self, client, arjun, farah, meera, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[6, 6, 5, 5])
        assert len(soup_of(signed_in(client, farah).get("/app/")).select(".for-review")) == 1
        assert soup_of(signed_in(client, meera).get("/app/")).select(".for-review") == []


@pytest.mark.django_db
class TestTheOutcomeSection:
    def test_the_table_beside_the_chart_has_the_charts_data(self, client, arjun, kavya_episode):
        treated(kavya_episode, by=arjun, pain=[6, 4])
        page = soup_of(signed_in(client, arjun).get(episode_url(kavya_episode)))
        rows = [
            [cell.get_text(strip=True) for cell in row.select("th, td")]
            for row in page.select(".outcome-table tr")
        ]
        assert rows == [
            ["Session", "NPRS", "LEFS"],
            ["Baseline", "6", "40"],
            ["1", "6", "—"],
            ["2", "4", "—"],
        ]
        image = page.select_one(".outcome-chart img")
        assert image["src"] == chart_url(kavya_episode)
        assert image["alt"] == "Outcome chart: NPRS and LEFS by session"
        lines = page.select_one(".outcome-lines").get_text(" ", strip=True)
        assert "NPRS: a meaningful improvement from 6 is 4 or lower." in lines
        assert "LEFS: a meaningful improvement from 40 is 49 or higher." in lines

    def test_an_episode_with_nothing_measured_has_no_chart(self, client, arjun, kavya_episode):
        page = soup_of(signed_in(client, arjun).get(episode_url(kavya_episode)))
        assert page.select(".outcome-chart") == []
        assert "No pain or function score has been recorded yet." in page.get_text()


@pytest.mark.django_db
class TestTheChart:
    def test_it_is_an_accessible_svg_with_the_baseline_and_the_meaningful_change_line(
        self, client, arjun, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[6, 4])
        response = signed_in(client, arjun).get(chart_url(kavya_episode))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
        svg = response.content.decode()
        assert 'role="img" aria-labelledby="outcome-chart-title outcome-chart-desc"' in svg
        assert (
            '<title id="outcome-chart-title">Outcome chart: NPRS and LEFS by session</title>' in svg
        )
        assert (
            '<desc id="outcome-chart-desc">NPRS: baseline 6, session 1 6, session 2 4; '
            "a meaningful improvement is 4 or lower. LEFS: baseline 40; "
            "a meaningful improvement is 49 or higher.</desc>"
        ) in svg
        for label in ("Baseline (6)", "Meaningful change (4)", "Baseline (40)", "Baseline"):
            assert f">{label}<" in svg
        assert "<metadata" not in svg
        assert "http://" not in svg.split("<svg", 1)[1].replace("http://www.w3.org/", "")

    def test_it_has_no_css_so_the_strict_policy_applies_to_it_too(
        self, client, arjun, kavya_episode
    ):
        treated(kavya_episode, by=arjun, pain=[6])
        response = signed_in(client, arjun).get(chart_url(kavya_episode))
        svg = response.content.decode()
        assert "style" not in svg
        assert 'stroke-dasharray="' in svg  # the baseline's dashes, as an attribute
        assert "unsafe-inline" not in response["Content-Security-Policy"]

    def test_reading_it_is_audited(self, client, arjun, kavya_episode):
        signed_in(client, arjun).get(chart_url(kavya_episode))
        event = AuditEvent.objects.filter(patient_id=kavya_episode.patient_id).latest("pk")
        assert (event.action, event.actor, event.clinic_id, event.detail) == (
            events.OUTCOMES_VIEWED,
            arjun,
            kavya_episode.clinic_id,
            {"as": "chart"},
        )

    @pytest.mark.parametrize("persona", ["priya", "meera", "asha", "neha"])
    def test_anyone_without_clinical_care_in_the_clinic_gets_404(
        self, client, persona, request, kavya_episode
    ):
        user = request.getfixturevalue(persona)
        assert signed_in(client, user).get(chart_url(kavya_episode)).status_code == 404

    def test_a_colleague_of_the_clinic_may_read_it(self, client, kiran, kavya_episode):
        assert signed_in(client, kiran).get(chart_url(kavya_episode)).status_code == 200


@pytest.mark.django_db
class TestMeasuresAtASession:
    @pytest.fixture
    def session(self, arjun, kavya_episode):
        return treated(kavya_episode, by=arjun, pain=[6, 6, 5, 5])[-1]

    def post(self, client, session, **data):
        return client.post(measures_url(session), data)

    def test_the_form_rates_the_patients_own_activities_again(self, client, arjun, session):
        page = soup_of(signed_in(client, arjun).get(measures_url(session)))
        labels = [label.get_text(strip=True) for label in page.select("#psfs label")]
        assert labels == ["Driving", "Sitting at work"]  # in the order of their names
        assert len(page.select(".lefs-item")) == 20
        event = AuditEvent.objects.latest("pk")
        assert (event.action, event.detail["session"]) == (events.OUTCOMES_VIEWED, 4)

    def test_it_offers_to_send_the_lefs_to_the_patient_instead(self, client, arjun, session):
        page = soup_of(signed_in(client, arjun).get(measures_url(session)))
        form = page.select_one("form#send-lefs")
        assert form["action"] == f"/app/episodes/{session.episode_id}/links/new/"
        assert form.select_one("input[name=kind]")["value"] == "lefs"
        assert page.select_one("button[form=send-lefs]")

    def test_it_stores_both_with_the_session_number_and_the_engines_scores(
        self, client, arjun, session
    ):
        data = {f"lefs-{item}": value for item, value in lefs_of(58).items()}
        response = self.post(
            signed_in(client, arjun), session, **data, **{"psfs-1": 8, "psfs-2": 7}
        )
        assert response.status_code == 302
        rows = Measurement.objects.filter(session_number=4, measure__in=["lefs", "psfs"])
        assert {(m.measure, m.value) for m in rows} == {
            ("lefs", Decimal(58)),
            ("psfs", Decimal("7.50")),
        }
        assert rows.get(measure="psfs").items == {"Sitting at work": 7, "Driving": 8}
        recorded = AuditEvent.objects.filter(action=record_events.MEASUREMENT_RECORDED).order_by(
            "-pk"
        )[:2]
        assert {(e.detail["measure"], e.detail["session"]) for e in recorded} == {
            ("lefs", 4),
            ("psfs", 4),
        }

    def test_a_lefs_gain_at_the_review_point_turns_the_flag_into_a_response(
        self, client, arjun, session
    ):
        data = {f"lefs-{item}": value for item, value in lefs_of(52).items()}
        self.post(signed_in(client, arjun), session, **data)
        found = episode_outcomes(session.episode)
        assert found.progress.status is ResponderStatus.RESPONDER
        assert found.progress.flags == ()

    def test_a_lefs_with_items_left_out_is_refused_and_nothing_is_stored(
        self, client, arjun, session
    ):
        data = {f"lefs-{item}": 2 for item in LEFS_ITEMS[:-2]}
        page = text_of(self.post(signed_in(client, arjun), session, **data))
        assert (
            "LEFS is incomplete: item(s) 19 (Hopping); 20 (Rolling over in bed) not answered."
        ) in page
        assert not Measurement.objects.filter(session_number=4, measure="lefs").exists()

    def test_every_psfs_activity_must_be_rated_again(self, client, arjun, session):
        page = text_of(self.post(signed_in(client, arjun), session, **{"psfs-2": 7}))
        assert "Driving: Rate this activity too, so the PSFS compares the same activities." in page
        assert not Measurement.objects.filter(session_number=4).exclude(measure="nprs").exists()

    def test_a_rating_off_the_scale_is_refused_at_its_field(self, client, arjun, session):
        page = text_of(self.post(signed_in(client, arjun), session, **{"psfs-1": 3, "psfs-2": 11}))
        assert "Sitting at work: Ensure this value is less than or equal to 10." in page

    def test_an_empty_form_says_what_to_fill_in(self, client, arjun, session):
        page = text_of(self.post(signed_in(client, arjun), session))
        assert "Answer the LEFS items or rate the PSFS activities (or both)." in page

    def test_a_closed_episode_takes_no_measures(self, client, arjun, session):
        episode_set_status(session.episode, EpisodeStatus.DISCHARGED, by=arjun, ip=None)
        response = self.post(signed_in(client, arjun), session, **{"psfs-1": 7, "psfs-2": 8})
        assert "This episode is closed" in text_of(response)
        assert not Measurement.objects.filter(session_number=4, measure="psfs").exists()

    @pytest.mark.parametrize("persona", ["priya", "meera", "asha"])
    def test_anyone_without_clinical_care_in_the_clinic_gets_404(
        self, client, persona, request, session
    ):
        user = request.getfixturevalue(persona)
        signed_in(client, user)
        assert client.get(measures_url(session)).status_code == 404
        assert self.post(client, session, **{"psfs-1": 7, "psfs-2": 8}).status_code == 404


def full_session(episode, number, *, by):
    """A session as the couch records it, made with the models: needling of two muscles, the
    other components, pain before and after, an adverse event and an addendum."""
    session = add_session(episode, number, by=by, nprs=max(6 - number // 2, 0), after=2)
    session.needles_in = session.needles_out = 4
    session.save(update_fields=["needles_in", "needles_out"])
    for muscle in ("piriformis", "gluteus_medius"):
        NeedleInsertion.objects.create(
            session=session,
            muscle=muscle,
            side="left",
            needle_length_mm=60,
            needle_gauge_mm=Decimal("0.30"),
            needles=2,
            insertions=6,
            technique=Technique.PISTONING,
            twitch=Twitch.SOME,
            tolerance=Tolerance.GOOD,
        )
    SessionComponent.objects.create(session=session, kind=ComponentKind.STRETCHING, minutes=10)
    AdverseEvent.objects.create(
        session=session,
        clinic=episode.clinic,
        kind="pain_after",
        severity="mild",
        description="Sore for a day.",
        recorded_by=by,
    )
    SessionAddendum.objects.create(session=session, text="Also", reason="Left out", written_by=by)
    return session


@pytest.mark.django_db
class TestQueries:
    @pytest.fixture
    def care_plan(self, arjun, kavya_episode):
        plan = CarePlan.objects.create(
            episode=kavya_episode,
            pathway_version=kavya_episode.pathway_version,
            planned_sessions=6,
            review_at_session=4,
            created_by=arjun,
        )
        CarePlanGoal.objects.create(plan=plan, measure="nprs", target=Decimal(2))
        CarePlanComponent.objects.create(plan=plan, component="dry_needling", frequency="Weekly")
        return plan

    def test_the_episode_page_and_its_chart_take_as_many_queries_for_12_sessions_as_for_1(
        self, client, arjun, kavya_episode, care_plan
    ):
        assess(kavya_episode, by=arjun)
        full_session(kavya_episode, 1, by=arjun)
        signed_in(client, arjun)
        page, chart = episode_url(kavya_episode), chart_url(kavya_episode)
        one = (queries_for(client, page), queries_for(client, chart))
        for number in range(2, 13):
            full_session(kavya_episode, number, by=arjun)
        assert len(soup_of(client.get(page)).select(".outcome-table tbody tr")) == 13
        assert (queries_for(client, page), queries_for(client, chart)) == one

    def test_the_start_page_reads_outcomes_in_the_same_queries_for_1_episode_or_5(
        self, client, arjun, bangalore, priya
    ):
        def treated_episode():
            episode = make_episode(bangalore, by=priya, physiotherapist=arjun)
            treated(episode, by=arjun, pain=[6, 6, 5, 5])
            return episode

        treated_episode()
        signed_in(client, arjun)
        one = queries_for(client, "/app/")
        for _ in range(4):
            treated_episode()
        assert len(soup_of(client.get("/app/")).select(".for-review")) == 5
        assert queries_for(client, "/app/") == one
