"""The assessment: recorded through the form, judged by the engine, stored as rows, audited."""

from decimal import Decimal

import pytest
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.pathways import REGISTRY
from fascia.records import events
from fascia.records.actions import episode_set_status
from fascia.records.models import (
    Assessment,
    EpisodeStatus,
    Measurement,
    TriggerPoint,
)
from fascia.records.queries import latest_measures
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import signed_in

PATHWAY = REGISTRY.current("piriformis-dry-needling")
LEFS_ITEMS = [item.id for item in PATHWAY.measure("lefs").items]


def lefs_summing_to(total: int) -> dict[str, str]:
    """The twenty LEFS radios, each 0 to 4, adding up to `total`."""
    answers = {}
    for item in LEFS_ITEMS:
        rating = min(4, total)
        answers[f"lefs-{item}"] = str(rating)
        total -= rating
    return answers


def journey_five(**changes) -> dict[str, object]:
    """What Arjun records for Kavya (journey 5), as the form posts it without JavaScript."""
    data = {
        "onset": "gradual",
        "duration_weeks": "12",
        "aggravating": ["sitting", "driving"],
        "easing": ["stretching"],
        "tried": "Stretching videos helped a little.",
        "sitting_minutes": "20",
        "test-fair-left": "positive",
        "test-fair-right": "not_tested",
        "test-seated_piriformis_stretch-left": "positive",
        "test-straight_leg_raise-left": "negative",
        "test-straight_leg_raise-right": "negative",
        "rom-hip_internal_rotation-left": "25",
        "rom-hip_internal_rotation-right": "38",
        "pain-now": "6",
        "pain-worst_week": "8",
        "pain-least_week": "3",
        **lefs_summing_to(52),
        "tp-piriformis-left": "active",
        "tp-piriformis-right": "",
        "tp-gluteus_medius-left": "latent",
        "diagnosis_code": "G57.0",
        "diagnosis_side": "left",
        "findings": "Tender near the left greater sciatic notch.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def new_url(episode) -> str:
    return reverse("records:assessment_new", args=[episode.pk])


def record(client, episode, **changes):
    return client.post(new_url(episode), journey_five(**changes))


def nothing_stored(episode) -> bool:
    return (
        not Assessment.objects.filter(episode=episode).exists()
        and not Measurement.objects.filter(episode=episode).exists()
        and not TriggerPoint.objects.exists()
        and not AuditEvent.objects.filter(action=events.ASSESSMENT_RECORDED).exists()
    )


class TestRecordingJourneyFive:
    def test_the_values_are_stored_exactly(self, client, arjun, kavya_episode):
        response = record(signed_in(client, arjun), kavya_episode)
        assessment = Assessment.objects.get(episode=kavya_episode)
        assert response.status_code == 302
        assert response.url == reverse("records:assessment", args=[kavya_episode.pk, assessment.pk])
        assert assessment.assessed_by == arjun
        assert assessment.special_tests == [
            {"test": "fair", "side": "left", "result": "positive"},
            {"test": "fair", "side": "right", "result": "not_tested"},
            {"test": "seated_piriformis_stretch", "side": "left", "result": "positive"},
            {"test": "straight_leg_raise", "side": "left", "result": "negative"},
            {"test": "straight_leg_raise", "side": "right", "result": "negative"},
        ]
        assert assessment.range_of_motion == [
            {"movement": "hip_internal_rotation", "side": "left", "degrees": 25},
            {"movement": "hip_internal_rotation", "side": "right", "degrees": 38},
        ]
        assert (assessment.diagnosis_code, assessment.diagnosis_side) == ("G57.0", "left")
        assert assessment.findings == "Tender near the left greater sciatic notch."
        assert assessment.history["onset"] == "gradual"
        assert assessment.history["aggravating"] == ["sitting", "driving"]
        assert assessment.pathway_version == kavya_episode.pathway_version
        points = TriggerPoint.objects.filter(assessment=assessment)
        assert sorted((p.muscle, p.side, p.kind) for p in points) == [
            ("gluteus_medius", "left", "latent"),
            ("piriformis", "left", "active"),
        ]

    def test_the_measures_are_rows_scored_by_the_engine(self, client, arjun, kavya_episode):
        record(signed_in(client, arjun), kavya_episode)
        rows = Measurement.objects.filter(episode=kavya_episode).order_by("pk")
        assert [(m.measure, m.qualifier, m.value) for m in rows] == [
            ("nprs", "now", Decimal(6)),
            ("nprs", "worst_week", Decimal(8)),
            ("nprs", "least_week", Decimal(3)),
            ("sitting_tolerance", "", Decimal(20)),
            ("lefs", "", Decimal(52)),
        ]
        lefs = rows.get(measure="lefs")
        # PostgreSQL's jsonb keeps keys in an order of its own: compare the items as a set.
        assert sorted(lefs.items) == sorted(LEFS_ITEMS)
        assert sum(lefs.items.values()) == 52
        assessment = Assessment.objects.get(episode=kavya_episode)
        assert {(m.recorded_by, m.assessment, m.taken_at) for m in rows} == {
            (arjun, assessment, assessment.assessed_at)
        }

    def test_the_psfs_is_stored_with_its_activities_and_mean(self, client, arjun, kavya_episode):
        record(
            signed_in(client, arjun),
            kavya_episode,
            **{
                "psfs-1-name": "Sitting through a two-hour meeting",
                "psfs-1-rating": "3",
                "psfs-2-name": "Driving to Mysore",
                "psfs-2-rating": "4",
            },
        )
        psfs = Measurement.objects.get(episode=kavya_episode, measure="psfs")
        assert psfs.value == Decimal("3.50")
        assert psfs.items == {"Sitting through a two-hour meeting": 3, "Driving to Mysore": 4}

    def test_the_episode_moves_from_screening_to_assessment(self, client, arjun, kavya_episode):
        record(signed_in(client, arjun), kavya_episode)
        kavya_episode.refresh_from_db()
        assert kavya_episode.status == EpisodeStatus.ASSESSMENT

    def test_an_episode_further_on_keeps_its_status(self, client, arjun, kavya_episode):
        episode_set_status(kavya_episode, EpisodeStatus.TREATMENT, by=arjun, ip=None)
        record(signed_in(client, arjun), kavya_episode)
        kavya_episode.refresh_from_db()
        assert kavya_episode.status == EpisodeStatus.TREATMENT

    def test_it_is_audited_with_the_patient_and_clinic(self, client, arjun, kavya_episode):
        record(signed_in(client, arjun), kavya_episode)
        assessment = Assessment.objects.get(episode=kavya_episode)
        recorded = AuditEvent.objects.filter(
            action__in=[events.ASSESSMENT_RECORDED, events.MEASUREMENT_RECORDED]
        ).order_by("pk")
        assert [e.action for e in recorded] == [events.ASSESSMENT_RECORDED] + [
            events.MEASUREMENT_RECORDED
        ] * 5
        assert {(e.patient_id, e.clinic_id, e.actor_id) for e in recorded} == {
            (kavya_episode.patient_id, kavya_episode.clinic_id, arjun.pk)
        }
        assert recorded[0].target_id == str(assessment.pk)
        assert recorded[1].detail == {"measure": "nprs", "qualifier": "now"}

    def test_a_colleague_in_the_same_clinic_may_record_it(self, client, kiran, kavya_episode):
        response = record(signed_in(client, kiran), kavya_episode)
        assert response.status_code == 302
        assert Assessment.objects.get(episode=kavya_episode).assessed_by == kiran


class TestTheForm:
    def test_it_is_made_from_the_pathways_examination_section(self, client, arjun, kavya_episode):
        page = text_of(signed_in(client, arjun).get(new_url(kavya_episode)))
        for test in PATHWAY.examination.special_tests:
            assert test.name in page
            assert test.how in page
        assert "Sensitivity 0.88, specificity 0.83." in page
        for movement in PATHWAY.examination.range_of_motion:
            assert movement.reference.split()[0] in page
        assert PATHWAY.measure("lefs").stem in page
        assert "G57.0 Lesion of sciatic nerve" in page

    def test_the_body_chart_is_a_list_of_selects_and_a_hidden_picture(
        self, client, arjun, kavya_episode
    ):
        soup = soup_of(signed_in(client, arjun).get(new_url(kavya_episode)))
        select = soup.select_one("select[name='tp-piriformis-left']")
        assert [o["value"] for o in select.select("option")] == ["", "active", "latent"]
        assert soup.find("label", attrs={"for": select["id"]}).get_text(strip=True) == "Left"
        assert select.find_parent("fieldset").legend.get_text(strip=True) == "Piriformis"
        chart = soup.select_one("svg[data-body-chart]")
        assert chart["aria-hidden"] == "true"
        regions = chart.select("[data-field]")
        assert len(regions) == 2 * len(PATHWAY.session.muscles)
        assert all(soup.find(id=r["data-field"]).name == "select" for r in regions)
        assert not soup.select("[style]")
        assert not soup.select("script:not([src])")

    def test_it_offers_to_send_the_lefs_to_the_patient(self, client, arjun, kavya_episode):
        soup = soup_of(signed_in(client, arjun).get(new_url(kavya_episode)))
        button = soup.find("button", attrs={"form": "send-lefs"})
        sender = soup.find("form", id="send-lefs")
        assert button is not None
        link_new = reverse("records:link_new", args=[kavya_episode.pk])
        assert sender["action"] == f"{link_new}?kind=lefs"
        assert sender.find("input", attrs={"name": "kind"})["value"] == "lefs"

    def test_the_body_chart_posts_without_javascript(self, client, arjun, kavya_episode):
        data = {
            "tp-quadratus_lumborum-right": "latent",
            "tp-hamstrings-left": "active",
            "tp-hamstrings-right": "",
        }
        signed_in(client, arjun).post(new_url(kavya_episode), data)
        points = TriggerPoint.objects.filter(assessment__episode=kavya_episode)
        assert sorted((p.muscle, p.side, p.kind) for p in points) == [
            ("hamstrings", "left", "active"),
            ("quadratus_lumborum", "right", "latent"),
        ]


class TestRefusals:
    def test_out_of_range_values_are_shown_at_their_fields_and_nothing_is_stored(
        self, client, arjun, kavya_episode
    ):
        response = record(
            signed_in(client, arjun),
            kavya_episode,
            **{
                "pain-now": "11",
                "rom-hip_internal_rotation-left": "95",
                "lefs-stairs": "5",
                "psfs-1-name": "Driving",
                "psfs-1-rating": "12",
            },
        )
        soup = soup_of(response)
        assert nothing_stored(kavya_episode)
        errors = {
            "pain-now": "NPRS: 11 is outside the range 0 to 10 points",
            "rom-hip_internal_rotation-left": "95 is outside the allowed range 0 to 90 degrees",
            "lefs-stairs": "is outside the range 0 to 4 points",
            "psfs-1-rating": "PSFS activity 'Driving': 12 is outside the range 0 to 10 points",
        }
        for name, error in errors.items():
            shown = soup.find(id=f"id_{name}_error")
            assert shown is not None, name
            assert error in shown.get_text(), name
        summary = soup.select_one(".error-summary")
        links = [a["href"] for a in summary.select("a")]
        assert links == [
            "#id_rom-hip_internal_rotation-left",
            "#id_pain-now",
            "#id_lefs-stairs_0",
            "#id_psfs-1-rating",
        ]
        kavya_episode.refresh_from_db()
        assert kavya_episode.status == EpisodeStatus.SCREENING

    def test_negative_sitting_tolerance_is_refused(self, client, arjun, kavya_episode):
        soup = soup_of(record(signed_in(client, arjun), kavya_episode, sitting_minutes="-5"))
        assert (
            "outside the range from 0 minutes up"
            in soup.find(id="id_sitting_minutes_error").get_text()
        )
        assert nothing_stored(kavya_episode)

    def test_a_lefs_with_an_item_left_out_is_refused(self, client, arjun, kavya_episode):
        response = record(signed_in(client, arjun), kavya_episode, **{"lefs-hopping": None})
        soup = soup_of(response)
        assert nothing_stored(kavya_episode)
        lefs = soup.find(id="lefs")
        assert "LEFS is incomplete: item(s) 19 (Hopping) not answered" in lefs.get_text()
        assert lefs.find("details").has_attr("open")
        assert soup.select_one(".error-summary a[href='#lefs']") is not None

    def test_unknown_test_and_muscle_ids_posted_by_hand_are_refused(
        self, client, arjun, kavya_episode
    ):
        response = record(
            signed_in(client, arjun),
            kavya_episode,
            **{"test-cupping-left": "positive", "tp-deltoid-left": "active"},
        )
        summary = soup_of(response).select_one(".error-summary").get_text(" ", strip=True)
        assert "There is no special test 'cupping' in this pathway" in summary
        assert "There is no muscle 'deltoid' in this pathway" in summary
        assert nothing_stored(kavya_episode)

    def test_values_the_pathway_does_not_allow_are_refused_at_their_fields(
        self, client, arjun, kavya_episode
    ):
        response = record(
            signed_in(client, arjun),
            kavya_episode,
            **{
                "tp-piriformis-left": "chronic",
                "test-fair-left": "maybe",
                "test-fair-middle": "positive",
                "diagnosis_code": "G57.02",
            },
        )
        soup = soup_of(response)
        assert (
            "Expected one of active, latent, got 'chronic'"
            in soup.find(id="id_tp-piriformis-left_error").get_text()
        )
        assert "got 'maybe'" in soup.find(id="id_test-fair-left_error").get_text()
        assert (
            "Expected one of G57.0, got 'G57.02'"
            in soup.find(id="id_diagnosis_code_error").get_text()
        )
        assert "got 'middle'" in soup.select_one(".error-summary").get_text()
        assert nothing_stored(kavya_episode)

    def test_a_closed_episode_takes_no_assessment(self, client, arjun, kavya_episode):
        episode_set_status(kavya_episode, EpisodeStatus.REFERRED, by=arjun, ip=None)
        signed_in(client, arjun)
        assert "This episode is closed" in text_of(client.get(new_url(kavya_episode)))
        assert "This episode is closed" in text_of(record(client, kavya_episode))
        assert nothing_stored(kavya_episode)


class TestReadingAnAssessment:
    @pytest.fixture
    def assessment(self, client, arjun, kavya_episode) -> Assessment:
        record(signed_in(client, arjun), kavya_episode)
        return Assessment.objects.get(episode=kavya_episode)

    def url(self, assessment) -> str:
        return reverse("records:assessment", args=[assessment.episode_id, assessment.pk])

    def test_it_shows_what_was_recorded_with_the_points_as_text(self, client, assessment):
        page = text_of(client.get(self.url(assessment)))
        for shown in [
            "Piriformis, left: active",
            "Gluteus medius, left: latent",
            "G57.0 Lesion of sciatic nerve (ICD-10 (WHO)), left",
            "Pain now (NPRS) 6 out of 10",
            "LEFS 52 out of 80",
            "Sitting tolerance 20 minutes",
            "FAIR (flexion, adduction, internal rotation) Positive Not tested",
            "Hip internal rotation 25° 38°",
        ]:
            assert shown in page

    def test_its_chart_is_a_picture_of_the_stored_points(self, client, assessment):
        chart = soup_of(client.get(self.url(assessment))).select_one("svg.bc")
        assert chart["aria-hidden"] == "true"
        assert not chart.has_attr("data-body-chart")
        marked = chart.select(".bc-region--active, .bc-region--latent")
        assert [m.text.strip() for m in marked] == ["Latent", "Active"]

    def test_reading_it_is_audited(self, client, arjun, assessment):
        client.get(self.url(assessment))
        viewed = AuditEvent.objects.get(action=events.ASSESSMENT_VIEWED)
        episode = assessment.episode
        assert (viewed.patient_id, viewed.clinic_id, viewed.actor_id) == (
            episode.patient_id,
            episode.clinic_id,
            arjun.pk,
        )
        assert viewed.target_id == str(assessment.pk)

    def test_an_assessment_of_another_episode_is_not_found(
        self, client, arjun, assessment, bangalore, priya
    ):
        from fascia.records.tests.factories import make_episode

        other = make_episode(bangalore, by=priya, physiotherapist=arjun)
        response = client.get(reverse("records:assessment", args=[other.pk, assessment.pk]))
        assert response.status_code == 404


class TestWhoMayRecordAndRead:
    @pytest.mark.parametrize("persona", ["priya", "meera", "asha", "vikram"])
    def test_anyone_without_clinical_access_in_the_clinic_gets_404(
        self, client, request, persona, arjun, kavya_episode
    ):
        record(signed_in(client, arjun), kavya_episode)
        assessment = Assessment.objects.get(episode=kavya_episode)
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(new_url(kavya_episode)).status_code == 404
        assert record(client, kavya_episode).status_code == 404
        detail = reverse("records:assessment", args=[kavya_episode.pk, assessment.pk])
        assert client.get(detail).status_code == 404
        assert Assessment.objects.count() == 1

    def test_meera_records_in_her_own_clinic(self, client, meera, ravi_episode):
        assert record(signed_in(client, meera), ravi_episode).status_code == 302


class TestLatestMeasures:
    def test_each_measure_has_its_baseline_and_latest_value(
        self, client, arjun, kavya_episode, django_assert_num_queries
    ):
        signed_in(client, arjun)
        record(client, kavya_episode)
        record(client, kavya_episode, **{"pain-now": "3", "sitting_minutes": None})
        with django_assert_num_queries(1):
            measures = latest_measures(kavya_episode)
        assert list(measures) == ["nprs", "lefs", "sitting_tolerance"]
        assert list(measures["nprs"]) == ["now", "worst_week", "least_week"]
        now = measures["nprs"]["now"]
        assert (now.baseline.value, now.latest.value, now.count) == (6, 3, 2)
        assert now.change.meaningful_improvement
        sitting = measures["sitting_tolerance"][""]
        assert (sitting.baseline.value, sitting.latest.value, sitting.count) == (20, 20, 1)
        assert sitting.change is None

    def test_an_episode_with_nothing_measured_has_none(self, kavya_episode):
        assert latest_measures(kavya_episode) == {}
