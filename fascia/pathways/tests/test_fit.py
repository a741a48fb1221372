"""Screening keeps apart "is needling safe?" and "does the picture fit piriformis syndrome?"."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fascia.pathways import Respondent, TriageOutcome, check_data, triage
from fascia.pathways.fit import FitStatus
from fascia.pathways.tests.conftest import NECK_FILE, PIRIFORMIS, clean_answers

SUITABLE = TriageOutcome.SUITABLE
REVIEW = TriageOutcome.CLINICIAN_REVIEW
NOT_SUITABLE = TriageOutcome.NOT_SUITABLE_FOR_NEEDLING
EMERGENCY = TriageOutcome.EMERGENCY_REFERRAL
FEATURES = ("buttock_pain", "worse_sitting", "notch_tenderness", "tension_pain")
CLINICIAN_ONLY = {
    q.id for q in PIRIFORMIS.screening_questions if q.answered_by is Respondent.CLINICIAN
}


def screen(**extra: Any) -> Any:
    return triage(PIRIFORMIS, {**clean_answers(), **extra})


def self_check(**extra: Any) -> Any:
    answers = {**clean_answers(), **extra}
    patient = {k: v for k, v in answers.items() if k not in CLINICIAN_ONLY}
    return triage(PIRIFORMIS, patient, respondent=Respondent.PATIENT)


class TestTheFeatures:
    def test_the_pathway_counts_hopayians_four_features(self) -> None:
        fit = PIRIFORMIS.fit
        assert fit is not None
        assert fit.features == FEATURES
        assert fit.required_features == ("buttock_pain",)
        assert "hopayian-2010" in fit.sources and "clinic-policy" in fit.sources

    def test_all_four_features_fit(self) -> None:
        decision = screen()
        assert decision.fit.status is FitStatus.FITS
        assert (decision.fit.count, decision.fit.of) == (4, 4)
        assert decision.outcome is SUITABLE and decision.safety is SUITABLE

    def test_three_features_are_enough(self) -> None:
        decision = screen(notch_tenderness=False)
        assert decision.fit.status is FitStatus.FITS
        assert decision.fit.absent == ("notch_tenderness",)
        assert decision.outcome is SUITABLE

    def test_two_features_do_not_fit(self) -> None:
        decision = screen(notch_tenderness=False, tension_pain=False)
        assert decision.fit.status is FitStatus.DOES_NOT_FIT
        assert decision.fit.present == ("buttock_pain", "worse_sitting")
        assert decision.fit.count == 2 and decision.fit.needed == 3

    def test_without_buttock_pain_the_picture_does_not_fit(self) -> None:
        decision = screen(buttock_pain=False)
        assert decision.fit.status is FitStatus.DOES_NOT_FIT
        assert decision.fit.count == 3

    def test_not_fitting_means_clinician_review_and_never_suitable(self) -> None:
        decision = screen(buttock_pain=False)
        assert decision.safety is SUITABLE
        assert decision.outcome is REVIEW
        ids = [f.id for f in decision.fired]
        assert ids == ["fit-does-not-fit"]
        assert "no-concerns" not in ids
        assert "do not match the usual pattern" in str(decision.fired[0].patient_message)
        assert "lumbar" in str(decision.fired[0].staff_message)


class TestFindingsThatPointElsewhere:
    def test_pain_reaching_the_foot_points_to_the_lumbar_spine(self) -> None:
        decision = screen(pain_spread=["back_of_thigh", "calf", "foot"])
        assert decision.fit.status is FitStatus.DOES_NOT_FIT
        assert decision.fit.count == 4
        [finding] = decision.fit.points_elsewhere
        assert finding.id == "fit-pain-reaches-foot"
        assert finding.clinician.code == "fit.fit-pain-reaches-foot.clinician"
        assert "lumbar" in finding.clinician.text
        assert finding.sources
        assert decision.outcome is REVIEW and decision.safety is SUITABLE

    @pytest.mark.parametrize("leg", ["back_of_thigh", "calf", "foot"])
    def test_back_pain_with_leg_pain_points_to_the_lumbar_spine(self, leg: str) -> None:
        decision = screen(pain_spread=["lower_back", leg])
        assert "fit-back-and-leg-pain" in {f.id for f in decision.fit.points_elsewhere}
        assert decision.outcome is REVIEW

    @pytest.mark.parametrize(
        "spread", [["lower_back"], ["back_of_thigh", "calf"], ["nowhere_else"], ["back_of_thigh"]]
    )
    def test_buttock_pain_spreading_to_the_thigh_or_calf_still_fits(
        self, spread: list[str]
    ) -> None:
        decision = screen(pain_spread=spread)
        assert decision.fit.points_elsewhere == ()
        assert decision.fit.status is FitStatus.FITS
        assert decision.outcome is SUITABLE


class TestBothAreShown:
    def test_a_safety_problem_and_a_poor_fit_are_both_reported(self) -> None:
        decision = screen(needle_fear=True, buttock_pain=False)
        assert decision.safety is NOT_SUITABLE
        assert decision.fit.status is FitStatus.DOES_NOT_FIT
        assert decision.outcome is REVIEW
        assert [f.id for f in decision.fired] == ["fit-does-not-fit", "ci-needle-phobia"]

    def test_an_emergency_stays_an_emergency(self) -> None:
        decision = screen(saddle_numbness=True, pain_spread=["foot"])
        assert decision.outcome is EMERGENCY and decision.safety is EMERGENCY
        assert decision.fit.status is FitStatus.DOES_NOT_FIT

    def test_precautions_are_not_offered_when_the_picture_does_not_fit(self) -> None:
        decision = screen(health_conditions=["diabetes"], tension_pain=False, worse_sitting=False)
        assert decision.safety is TriageOutcome.NEEDLING_WITH_PRECAUTIONS
        assert decision.outcome is REVIEW
        assert decision.fired[0].id == "fit-does-not-fit"


class TestTheSelfCheck:
    def test_the_examination_feature_is_not_yet_known(self) -> None:
        decision = self_check()
        assert decision.fit.unknown == ("notch_tenderness",)
        assert decision.fit.status is FitStatus.FITS  # three features the patient reports
        assert decision.outcome is SUITABLE

    def test_two_reported_features_wait_for_the_examination(self) -> None:
        decision = self_check(tension_pain=False)
        assert decision.fit.status is FitStatus.NOT_YET_KNOWN
        assert decision.outcome is SUITABLE
        assert "examine you" in str(decision.fired[0].patient_message)

    def test_one_reported_feature_cannot_fit_whatever_the_examination_finds(self) -> None:
        decision = self_check(tension_pain=False, worse_sitting=False)
        assert decision.fit.status is FitStatus.DOES_NOT_FIT
        assert decision.outcome is REVIEW


YES_NO_OR_BLANK = st.sampled_from([True, False, None])


@st.composite
def pictures(draw: st.DrawFn) -> dict[str, Any]:
    answers = clean_answers()
    for feature in FEATURES:
        value = draw(YES_NO_OR_BLANK)
        if value is None:
            answers.pop(feature, None)
        else:
            answers[feature] = value
    spread = ["back_of_thigh", "calf", "lower_back", "foot"]
    answers["pain_spread"] = draw(st.lists(st.sampled_from(spread), unique=True, min_size=1))
    answers["health_conditions"] = draw(st.sampled_from([["none_of_these"], ["diabetes"]]))
    return answers


class TestNeverToldItSuits:
    @settings(max_examples=60, deadline=None)
    @given(pictures())
    def test_a_picture_that_does_not_fit_never_gets_needling_offered(
        self, answers: dict[str, Any]
    ) -> None:
        decision = triage(PIRIFORMIS, answers)
        offered = (SUITABLE, TriageOutcome.NEEDLING_WITH_PRECAUTIONS)
        if decision.fit.status is FitStatus.DOES_NOT_FIT:
            assert decision.outcome not in offered
            assert "fit-does-not-fit" in {f.id for f in decision.fired}
        assert decision.outcome.rank >= decision.safety.rank


class TestOtherPathways:
    def test_a_pathway_without_a_fit_section_reports_none(self) -> None:
        from fascia.pathways.tests.conftest import NECK

        neck = {
            "neck_pain": True,
            "pain_level": 5,
            "sides": "left",
            "arm_weakness": False,
            "dizzy_turning": False,
            "blood_thinners": False,
            "conditions": ["none"],
        }
        decision = triage(NECK, neck)
        assert decision.fit is None
        assert decision.outcome is decision.safety is SUITABLE

    def test_a_pathway_defines_its_own_features(self) -> None:
        data = yaml.safe_load(NECK_FILE.read_text(encoding="utf-8"))
        data = copy.deepcopy(data)
        data["fit"] = {
            "title": "Does it fit?",
            "features": ["neck_pain"],
            "required_features": ["neck_pain"],
            "fits_with_at_least": 1,
            "sources": ["made-up"],
            "when_not_fitting": {
                "id": "neck-no-fit",
                "outcome": "clinician_review",
                "patient_message": "We will examine you.",
                "staff_message": "No neck pain.",
                "sources": ["made-up"],
            },
        }
        pathway, problems = check_data(data)
        assert problems == [] and pathway is not None
        decision = triage(pathway, {"neck_pain": False, "arm_weakness": False})
        assert decision.fit is not None and decision.fit.status is FitStatus.DOES_NOT_FIT
        assert "neck-no-fit" in {f.id for f in decision.fired}
