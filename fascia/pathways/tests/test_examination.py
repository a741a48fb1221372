from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fascia.pathways import (
    CLINIC_POLICY,
    DIAGNOSIS_SIDES,
    PAIN_RATINGS,
    TRIGGER_POINT_KINDS,
    ExaminationError,
    ExaminationInput,
    Message,
    diagnosis_codes,
    validate_examination,
)
from fascia.pathways.examination import (
    MovementRange,
    Scored,
    SpecialTestResult,
    TriggerPointFinding,
)
from fascia.pathways.tests.conftest import NECK, PIRIFORMIS

LEFS_ITEMS = [item.id for item in PIRIFORMIS.measure("lefs").items]


def lefs_summing_to(total: int) -> dict[str, object]:
    """Twenty LEFS ratings (0 to 4) that add up to `total`."""
    ratings: dict[str, object] = {}
    for item in LEFS_ITEMS:
        rating = min(4, total)
        ratings[item] = rating
        total -= rating
    return ratings


def problems(**given: Any) -> dict[str, Message]:
    with pytest.raises(ExaminationError) as error:
        validate_examination(PIRIFORMIS, ExaminationInput(**given))
    return error.value.problems


def codes(**given: Any) -> dict[str, str]:
    return {key: said.code for key, said in problems(**given).items()}


KAVYA = ExaminationInput(
    special_tests={
        "fair": {"left": "positive", "right": "not_tested"},
        "seated_piriformis_stretch": {"left": "positive", "right": ""},
        "straight_leg_raise": {"left": "negative", "right": "negative"},
    },
    range_of_motion={"hip_internal_rotation": {"left": 25, "right": 38}},
    pain={"now": 6, "worst_week": 8, "least_week": 3},
    sitting_minutes=20,
    lefs=lefs_summing_to(52),
    psfs=[("Sitting through a two-hour meeting", 3), ("", None), ("Driving to Mysore", 4)],
    trigger_points={
        "piriformis": {"left": "active", "right": ""},
        "gluteus_medius": {"left": "latent"},
    },
    diagnosis_code="G57.0",
    diagnosis_side="left",
)


class TestJourneyFive:
    def test_kavyas_assessment_is_normalised_in_the_pathways_order(self) -> None:
        found = validate_examination(PIRIFORMIS, KAVYA)
        assert found.special_tests == (
            SpecialTestResult("fair", "left", "positive"),
            SpecialTestResult("fair", "right", "not_tested"),
            SpecialTestResult("seated_piriformis_stretch", "left", "positive"),
            SpecialTestResult("straight_leg_raise", "left", "negative"),
            SpecialTestResult("straight_leg_raise", "right", "negative"),
        )
        assert found.range_of_motion == (
            MovementRange("hip_internal_rotation", "left", Decimal(25)),
            MovementRange("hip_internal_rotation", "right", Decimal(38)),
        )
        assert found.trigger_points == (
            TriggerPointFinding("piriformis", "left", "active"),
            TriggerPointFinding("gluteus_medius", "left", "latent"),
        )
        assert (found.diagnosis_code, found.diagnosis_side) == ("G57.0", "left")

    def test_its_measures_are_scored_by_the_engine(self) -> None:
        measures = validate_examination(PIRIFORMIS, KAVYA).measures
        assert [(m.measure, m.qualifier, m.value) for m in measures] == [
            ("nprs", "now", 6),
            ("nprs", "worst_week", 8),
            ("nprs", "least_week", 3),
            ("sitting_tolerance", "", 20),
            ("lefs", "", 52),
            ("psfs", "", Decimal("3.50")),
        ]
        lefs = measures[4]
        assert list(lefs.items) == LEFS_ITEMS
        assert sum(lefs.items.values()) == 52
        assert measures[5].items == {
            "Sitting through a two-hour meeting": 3,
            "Driving to Mysore": 4,
        }

    def test_nothing_recorded_is_an_empty_examination(self) -> None:
        found = validate_examination(PIRIFORMIS, ExaminationInput())
        assert found.special_tests == found.range_of_motion == found.measures == ()
        assert found.trigger_points == ()
        assert (found.diagnosis_code, found.diagnosis_side) == ("", "")


class TestSpecialTests:
    def test_a_test_the_pathway_does_not_have_is_refused(self) -> None:
        said = problems(special_tests={"cupping": {"left": "positive"}})
        assert said["special_tests.cupping"].code == "examination.no-such-test"
        assert said["special_tests.cupping"].params["test"] == "cupping"

    def test_a_result_must_be_one_the_test_has(self) -> None:
        said = problems(special_tests={"fair": {"left": "maybe"}})["special_tests.fair.left"]
        assert said.text == "expected one of positive, negative, not_tested, got 'maybe'"

    def test_a_side_must_be_one_the_test_has(self) -> None:
        assert codes(special_tests={"fair": {"middle": "positive"}}) == {
            "special_tests.fair.middle": "examination.expected-one-of"
        }

    def test_a_blank_result_is_left_out(self) -> None:
        given = ExaminationInput(special_tests={"fair": {"left": "", "right": None}})
        assert validate_examination(PIRIFORMIS, given).special_tests == ()


class TestRangeOfMotion:
    @pytest.mark.parametrize("degrees", [0, 25, Decimal("37.5"), 90])
    def test_degrees_within_the_movements_range_are_taken(self, degrees: object) -> None:
        given = ExaminationInput(range_of_motion={"hip_internal_rotation": {"left": degrees}})
        [found] = validate_examination(PIRIFORMIS, given).range_of_motion
        assert found.degrees == Decimal(str(degrees))

    @pytest.mark.parametrize("degrees", [-1, 91, Decimal("90.5")])
    def test_degrees_outside_it_are_refused(self, degrees: object) -> None:
        said = problems(range_of_motion={"hip_internal_rotation": {"right": degrees}})
        refused = said["range_of_motion.hip_internal_rotation.right"]
        assert refused.code == "examination.out-of-range"
        assert refused.text == f"{degrees} is outside the allowed range 0 to 90 degrees"

    @pytest.mark.parametrize("degrees", ["25", True, float("nan")])
    def test_degrees_must_be_a_number(self, degrees: object) -> None:
        assert codes(range_of_motion={"hip_internal_rotation": {"left": degrees}}) == {
            "range_of_motion.hip_internal_rotation.left": "examination.expected-number"
        }

    def test_an_unknown_movement_or_side_is_refused(self) -> None:
        assert codes(
            range_of_motion={"knee_flexion": {"left": 120}, "hip_internal_rotation": {"up": 3}}
        ) == {
            "range_of_motion.knee_flexion": "examination.no-such-movement",
            "range_of_motion.hip_internal_rotation.up": "examination.expected-one-of",
        }


class TestPainAndSitting:
    def test_pain_ratings_need_no_order_between_them(self) -> None:
        given = ExaminationInput(pain={"now": 9, "worst_week": 2, "least_week": 5})
        measures = validate_examination(PIRIFORMIS, given).measures
        assert [(m.qualifier, m.value) for m in measures] == [
            ("now", 9),
            ("worst_week", 2),
            ("least_week", 5),
        ]

    @pytest.mark.parametrize(
        ("rating", "code"),
        [
            (11, "score.out-of-range"),
            (-1, "score.out-of-range"),
            (6.5, "score.expected-whole-number"),
        ],
    )
    def test_each_pain_rating_is_a_whole_number_from_0_to_10(
        self, rating: object, code: str
    ) -> None:
        said = problems(pain={"worst_week": rating})["pain.worst_week"]
        assert said.code == code
        assert said.params["measure"] == "NPRS"

    def test_a_pain_rating_the_form_does_not_take_is_refused(self) -> None:
        said = problems(pain={"yesterday": 4})["pain.yesterday"]
        assert said.code == "examination.no-such-rating"
        assert PAIN_RATINGS.sources == (CLINIC_POLICY,)

    @pytest.mark.parametrize(
        ("minutes", "code"), [(-1, "score.out-of-range"), (12.5, "score.expected-whole-number")]
    )
    def test_sitting_tolerance_is_whole_minutes_from_0(self, minutes: object, code: str) -> None:
        assert codes(sitting_minutes=minutes) == {"sitting_minutes": code}

    def test_no_sitting_at_all_is_a_measurement(self) -> None:
        [found] = validate_examination(PIRIFORMIS, ExaminationInput(sitting_minutes=0)).measures
        assert found == Scored("sitting_tolerance", Decimal(0))


class TestLEFS:
    def test_a_form_with_an_item_missing_is_refused_as_a_whole(self) -> None:
        ratings = lefs_summing_to(40)
        ratings["squat"] = None
        said = problems(lefs=ratings)
        assert list(said) == ["lefs"]
        assert said["lefs"].code == "score.incomplete"
        assert "6 (Squatting)" in said["lefs"].text

    def test_an_item_out_of_range_is_refused_at_that_item(self) -> None:
        said = problems(lefs={**lefs_summing_to(40), "stairs": 5})
        assert said["lefs.stairs"].code == "score.out-of-range"

    def test_an_item_the_form_does_not_have_is_refused(self) -> None:
        assert codes(lefs={**lefs_summing_to(40), "flying": 3}) == {"lefs": "score.unknown-items"}

    def test_a_form_with_nothing_answered_is_not_a_measurement(self) -> None:
        given = ExaminationInput(lefs=dict.fromkeys(LEFS_ITEMS))
        assert validate_examination(PIRIFORMIS, given).measures == ()


class TestPSFS:
    def test_the_score_is_the_mean_of_the_named_activities(self) -> None:
        given = ExaminationInput(psfs=[("Walking", 2), ("Driving", 3), ("Sitting", 3)])
        [found] = validate_examination(PIRIFORMIS, given).measures
        assert found.value == Decimal("2.67")

    def test_each_activity_is_named_once_and_rated(self) -> None:
        assert codes(psfs=[("", 4), ("Driving", None), ("Walking", 11), ("Walking", 3)]) == {
            "psfs.1.name": "examination.activity-unnamed",
            "psfs.2.rating": "examination.activity-unrated",
            "psfs.3.rating": "score.out-of-range",
            "psfs.4.name": "examination.activity-twice",
        }

    def test_at_most_five_activities_are_rated(self) -> None:
        said = problems(psfs=[(f"Activity {n}", 5) for n in range(6)])
        assert said["psfs"].code == "score.activity-count"


class TestTriggerPoints:
    def test_a_muscle_must_be_one_the_pathway_needles(self) -> None:
        assert codes(trigger_points={"deltoid": {"left": "active"}}) == {
            "trigger_points.deltoid": "examination.no-such-muscle"
        }

    def test_side_and_kind_come_from_the_allowed_lists(self) -> None:
        assert codes(trigger_points={"piriformis": {"left": "chronic", "both": "active"}}) == {
            "trigger_points.piriformis.both": "examination.expected-one-of",
            "trigger_points.piriformis.left": "examination.expected-one-of",
        }
        assert TRIGGER_POINT_KINDS.ids == ("active", "latent")
        assert TRIGGER_POINT_KINDS.sources == (CLINIC_POLICY,)

    def test_every_pathway_muscle_may_be_marked_on_both_sides(self) -> None:
        marks = {m.id: {"left": "active", "right": "latent"} for m in PIRIFORMIS.session.muscles}
        found = validate_examination(PIRIFORMIS, ExaminationInput(trigger_points=marks))
        assert len(found.trigger_points) == 2 * len(PIRIFORMIS.session.muscles)


class TestDiagnosis:
    def test_the_who_icd10_code_is_offered(self) -> None:
        assert [c.code for c in diagnosis_codes(PIRIFORMIS)] == ["G57.0"]

    @pytest.mark.parametrize("side", DIAGNOSIS_SIDES.ids)
    def test_it_may_be_left_right_or_bilateral(self, side: str) -> None:
        given = ExaminationInput(diagnosis_code="G57.0", diagnosis_side=side)
        assert validate_examination(PIRIFORMIS, given).diagnosis_side == side

    @pytest.mark.parametrize("code", ["G57.01", "8C11.0", "M54.3"])
    def test_codes_of_other_systems_or_unconfirmed_are_refused(self, code: str) -> None:
        said = problems(diagnosis_code=code)["diagnosis_code"]
        assert said.text == f"expected one of G57.0, got {code!r}"

    def test_a_side_needs_a_code(self) -> None:
        assert codes(diagnosis_side="left") == {"diagnosis_side": "examination.side-without-code"}


class TestEveryFieldAtOnce:
    def test_every_refused_field_is_named_and_nothing_is_returned(self) -> None:
        said = codes(
            special_tests={"fair": {"left": "maybe"}},
            range_of_motion={"hip_internal_rotation": {"left": 181}},
            pain={"now": 11},
            sitting_minutes=-5,
            trigger_points={"deltoid": {"left": "active"}},
            diagnosis_code="G57.00",
        )
        assert list(said) == [
            "special_tests.fair.left",
            "range_of_motion.hip_internal_rotation.left",
            "pain.now",
            "sitting_minutes",
            "trigger_points.deltoid",
            "diagnosis_code",
        ]

    def test_the_errors_text_names_each_field(self) -> None:
        with pytest.raises(ExaminationError, match=r"^pain\.now: NPRS: 11 is outside"):
            validate_examination(PIRIFORMIS, ExaminationInput(pain={"now": 11}))


class TestSecondPathway:
    def test_a_measure_the_pathway_lacks_is_refused(self) -> None:
        with pytest.raises(ExaminationError) as error:
            validate_examination(NECK, ExaminationInput(lefs={"bath": 3}))
        assert error.value.problems["lefs"].code == "examination.no-such-measure"
