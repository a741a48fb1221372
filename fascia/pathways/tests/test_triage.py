from __future__ import annotations

from typing import Any

import pytest

from fascia.pathways import (
    AnswerError,
    GroupKind,
    Respondent,
    TriageOutcome,
    triage,
    visible_questions,
)
from fascia.pathways.tests.conftest import PIRIFORMIS, clean_answers

EMERGENCY = TriageOutcome.EMERGENCY_REFERRAL
REVIEW = TriageOutcome.CLINICIAN_REVIEW
NOT_SUITABLE = TriageOutcome.NOT_SUITABLE_FOR_NEEDLING
PRECAUTIONS = TriageOutcome.NEEDLING_WITH_PRECAUTIONS

# rule id -> (answers that make it fire on a clean screening, outcome of that rule)
RULE_TABLE: dict[str, tuple[dict[str, Any], TriageOutcome]] = {
    "rf-cauda-equina": ({"saddle_numbness": True}, EMERGENCY),
    "rf-progressive-neuro": ({"progressive_weakness": True}, EMERGENCY),
    "rf-cancer-history": ({"cancer_history": True}, REVIEW),
    "rf-weight-loss": ({"weight_loss": True}, REVIEW),
    "rf-fever-infection": ({"fever_or_infection": True}, REVIEW),
    "rf-immune-injecting": ({"immune_or_injecting": True}, REVIEW),
    "rf-trauma": ({"trauma_onset": True}, REVIEW),
    "rf-long-term-steroids": ({"long_term_steroids": True}, REVIEW),
    "rf-night-rest-pain": ({"night_or_rest_pain": True}, REVIEW),
    "rf-age-new-pain": ({"new_pain": True, "age": 55}, REVIEW),
    "rf-no-improvement": ({"no_improvement": True}, REVIEW),
    "ci-needle-phobia": ({"needle_fear": True}, NOT_SUITABLE),
    "ci-unwilling": ({"prefers_no_needling": True}, NOT_SUITABLE),
    "ci-acute-illness": ({"acutely_unwell": True}, NOT_SUITABLE),
    "ci-lymphoedema": ({"lymphoedema": True}, NOT_SUITABLE),
    "ci-cannot-consent": ({"cannot_consent": True}, NOT_SUITABLE),
    "ci-skin-at-needle-site": ({"skin_at_needle_site": True}, NOT_SUITABLE),
    "ci-under-minimum-age": ({"age": 11}, NOT_SUITABLE),
    "pc-child-consent-missing": ({"age": 15, "guardian_consent_recorded": False}, NOT_SUITABLE),
    "pc-bleeding-risk-blocked": ({"bleeding_risk": True}, NOT_SUITABLE),
    "pc-bleeding-risk-overridden": (
        {"bleeding_risk": True, "bleeding_risk_override_reason": "Checked with the GP today."},
        PRECAUTIONS,
    ),
    "pc-pregnancy": ({"pregnant": True, "pregnancy_first_trimester": "later"}, PRECAUTIONS),
    "pc-first-trimester": (
        {"pregnant": True, "pregnancy_first_trimester": "first_trimester"},
        NOT_SUITABLE,
    ),
    "pc-child": ({"age": 16, "guardian_consent_recorded": True}, PRECAUTIONS),
    "pc-weak-immunity": ({"immune_or_injecting": True}, PRECAUTIONS),
    "pc-diabetes": ({"health_conditions": ["diabetes"]}, PRECAUTIONS),
    "pc-epilepsy": ({"health_conditions": ["epilepsy"]}, PRECAUTIONS),
    "pc-vascular": ({"health_conditions": ["vascular_disease"]}, PRECAUTIONS),
    "pc-metal-allergy": ({"health_conditions": ["metal_allergy"]}, PRECAUTIONS),
    "pc-skin": ({"health_conditions": ["skin_problem"]}, PRECAUTIONS),
    "pc-hip-surgery": ({"health_conditions": ["hip_joint_surgery"]}, PRECAUTIONS),
    "pc-interpreter": ({"needs_interpreter": True}, PRECAUTIONS),
    "pc-frail": ({"frail": True}, PRECAUTIONS),
    "pc-psychological": ({"psychological_concern": True}, PRECAUTIONS),
    "pc-hyperalgesia": ({"severe_hyperalgesia": True}, PRECAUTIONS),
}

RED_FLAGS = [
    q.id for g in PIRIFORMIS.screening if g.kind is GroupKind.RED_FLAGS for q in g.questions
]


class TestTriageRules:
    def test_the_table_covers_every_rule_in_the_pathway(self) -> None:
        assert set(RULE_TABLE) == {rule.id for rule in PIRIFORMIS.triage.rules}

    def test_it_finds_a_clean_screening_suitable(self) -> None:
        decision = triage(PIRIFORMIS, clean_answers())
        assert decision.outcome is TriageOutcome.SUITABLE
        assert [f.id for f in decision.fired] == ["no-concerns"]
        assert decision.complete

    @pytest.mark.parametrize("rule_id", sorted(RULE_TABLE))
    def test_each_rule_fires_alone_with_its_outcome_and_messages(self, rule_id: str) -> None:
        extra, outcome = RULE_TABLE[rule_id]
        decision = triage(PIRIFORMIS, {**clean_answers(), **extra})
        fired = {f.id: f for f in decision.fired}
        assert rule_id in fired
        assert fired[rule_id].outcome == outcome
        assert fired[rule_id].patient_message.text and fired[rule_id].staff_message.text
        assert fired[rule_id].patient_message.code == f"triage.{rule_id}.patient_message"
        assert fired[rule_id].staff_message.code == f"triage.{rule_id}.staff_message"
        assert fired[rule_id].sources
        assert decision.outcome == max((f.outcome for f in decision.fired), key=_rank)

    def test_there_are_twelve_red_flags(self) -> None:
        assert len(RED_FLAGS) == 12

    @pytest.mark.parametrize(
        ("flag", "outcome"),
        [(flag, EMERGENCY if i < 3 else REVIEW) for i, flag in enumerate(RED_FLAGS)],
    )
    def test_each_red_flag_alone_gives_its_outcome(self, flag: str, outcome: TriageOutcome) -> None:
        answers = {**clean_answers(), flag: True}
        if flag == "new_pain":
            answers["age"] = 62  # this red flag is new pain over 50 or under 20
        assert triage(PIRIFORMIS, answers).outcome is outcome

    def test_it_does_not_flag_new_pain_in_middle_age(self) -> None:
        decision = triage(PIRIFORMIS, {**clean_answers(), "new_pain": True, "age": 35})
        assert decision.outcome is TriageOutcome.SUITABLE

    def test_it_refers_saddle_numbness_as_an_emergency(self) -> None:
        decision = triage(PIRIFORMIS, {**clean_answers(), "saddle_numbness": True})
        assert decision.outcome is EMERGENCY
        assert "emergency department now" in decision.fired[0].patient_message.text


class TestCombinations:
    @pytest.mark.parametrize(
        ("extra", "outcome"),
        [
            ({"saddle_numbness": True, "cancer_history": True, "needle_fear": True}, EMERGENCY),
            ({"cancer_history": True, "needle_fear": True}, REVIEW),
            ({"needle_fear": True, "health_conditions": ["diabetes"]}, NOT_SUITABLE),
            ({"health_conditions": ["diabetes", "epilepsy"], "frail": True}, PRECAUTIONS),
            ({"bleeding_risk": True, "progressive_weakness": True}, EMERGENCY),
        ],
    )
    def test_the_highest_outcome_wins(self, extra: dict[str, Any], outcome: TriageOutcome) -> None:
        assert triage(PIRIFORMIS, {**clean_answers(), **extra}).outcome is outcome

    def test_it_lists_every_fired_rule_most_serious_first(self) -> None:
        answers = {**clean_answers(), "cancer_history": True, "needle_fear": True, "frail": True}
        fired = [f.id for f in triage(PIRIFORMIS, answers).fired]
        assert fired == ["rf-cancer-history", "ci-needle-phobia", "pc-frail"]

    def test_several_conditions_ticked_each_fire(self) -> None:
        answers = {**clean_answers(), "health_conditions": ["diabetes", "epilepsy"]}
        fired = {f.id for f in triage(PIRIFORMIS, answers).fired}
        assert {"pc-diabetes", "pc-epilepsy"} <= fired


class TestBleedingRisk:
    def test_it_blocks_needling_until_a_clinician_overrides(self) -> None:
        decision = triage(PIRIFORMIS, {**clean_answers(), "bleeding_risk": True})
        assert decision.outcome is NOT_SUITABLE

    def test_a_recorded_reason_allows_needling_with_precautions(self) -> None:
        answers = {
            **clean_answers(),
            "bleeding_risk": True,
            "bleeding_risk_override_reason": "Superficial needling only; discussed with GP.",
        }
        decision = triage(PIRIFORMIS, answers)
        assert decision.outcome is PRECAUTIONS
        assert "pc-bleeding-risk-blocked" not in {f.id for f in decision.fired}

    def test_a_blank_reason_is_no_override(self) -> None:
        answers = {**clean_answers(), "bleeding_risk": True, "bleeding_risk_override_reason": "  "}
        assert triage(PIRIFORMIS, answers).outcome is NOT_SUITABLE

    def test_a_stale_override_is_ignored_when_bleeding_risk_is_no(self) -> None:
        answers = {**clean_answers(), "bleeding_risk_override_reason": "old reason"}
        assert triage(PIRIFORMIS, answers).outcome is TriageOutcome.SUITABLE

    def test_a_patient_cannot_record_an_override(self) -> None:
        with pytest.raises(AnswerError, match="only a clinician"):
            triage(
                PIRIFORMIS,
                {"bleeding_risk": True, "bleeding_risk_override_reason": "I am fine"},
                respondent=Respondent.PATIENT,
            )


class TestIncompleteScreening:
    def test_an_unanswered_red_flag_does_not_crash_and_is_reported(self) -> None:
        answers = clean_answers()
        del answers["saddle_numbness"]
        decision = triage(PIRIFORMIS, answers)
        assert decision.unanswered == ("saddle_numbness",)
        assert decision.outcome is REVIEW
        assert "screening-incomplete" in {f.id for f in decision.fired}

    def test_an_empty_screening_is_never_suitable(self) -> None:
        assert triage(PIRIFORMIS, {}).outcome is REVIEW

    def test_a_patient_self_check_does_not_wait_for_clinician_questions(self) -> None:
        clinician_only = {
            q.id for q in PIRIFORMIS.screening_questions if q.answered_by is Respondent.CLINICIAN
        }
        answers = {k: v for k, v in clean_answers().items() if k not in clinician_only}
        decision = triage(PIRIFORMIS, answers, respondent=Respondent.PATIENT)
        assert decision.outcome is TriageOutcome.SUITABLE

    def test_a_clinician_screening_needs_the_clinician_questions(self) -> None:
        answers = clean_answers()
        del answers["cannot_consent"]
        assert triage(PIRIFORMIS, answers).unanswered == ("cannot_consent",)

    def test_optional_questions_may_be_left_blank(self) -> None:
        answers = clean_answers()
        del answers["sitting_minutes"]
        assert triage(PIRIFORMIS, answers).complete


class TestVisibleQuestions:
    def test_it_asks_about_the_trimester_only_in_pregnancy(self) -> None:
        ids = [q.id for q in visible_questions(PIRIFORMIS, {"pregnant": False})]
        assert "pregnancy_first_trimester" not in ids
        ids = [q.id for q in visible_questions(PIRIFORMIS, {"pregnant": True})]
        assert ids[ids.index("pregnant") + 1] == "pregnancy_first_trimester"

    def test_it_asks_what_helped_unless_nothing_was_tried(self) -> None:
        tried = visible_questions(PIRIFORMIS, {"treatments_tried": ["rest"]})
        nothing = visible_questions(PIRIFORMIS, {"treatments_tried": ["nothing_yet"]})
        assert "treatments_helped" in {q.id for q in tried}
        assert "treatments_helped" not in {q.id for q in nothing}

    def test_it_hides_clinician_questions_from_patients(self) -> None:
        shown = visible_questions(PIRIFORMIS, {}, respondent=Respondent.PATIENT)
        assert all(q.answered_by is Respondent.PATIENT for q in shown)
        assert "notch_tenderness" not in {q.id for q in shown}

    def test_it_keeps_the_order_of_the_file(self) -> None:
        ids = [q.id for q in visible_questions(PIRIFORMIS, {})]
        order = [q.id for q in PIRIFORMIS.screening_questions]
        assert ids == [i for i in order if i in ids]


def _rank(outcome: str) -> int:
    return TriageOutcome(outcome).rank


class TestPregnancy:
    def test_a_possible_but_unconfirmed_pregnancy_is_treated_as_the_first_trimester(self) -> None:
        answers = {**clean_answers(), "pregnant": True, "pregnancy_first_trimester": "not_sure"}
        decision = triage(PIRIFORMIS, answers)
        assert decision.outcome is NOT_SUITABLE
        assert "pc-first-trimester" in {f.id for f in decision.fired}

    def test_ticking_no_box_is_not_an_answer(self) -> None:
        answers = {**clean_answers(), "health_conditions": []}
        decision = triage(PIRIFORMIS, answers)
        assert decision.outcome is REVIEW
        assert "health_conditions" in decision.unanswered


class TestSkinWhereTheNeedlesGo:
    def test_broken_or_infected_skin_there_means_no_needling(self) -> None:
        decision = triage(PIRIFORMIS, {**clean_answers(), "skin_at_needle_site": True})
        assert decision.outcome is NOT_SUITABLE
        assert "ci-skin-at-needle-site" in {f.id for f in decision.fired}

    def test_it_is_asked_as_its_own_question_with_its_sources(self) -> None:
        question = next(q for q in PIRIFORMIS.screening_questions if q.id == "skin_at_needle_site")
        assert question.answered_by is Respondent.PATIENT
        assert {"clinic-policy", "pmc-dn-precautions"} <= set(question.sources)
        rule = next(r for r in PIRIFORMIS.triage.rules if r.id == "ci-skin-at-needle-site")
        assert {"clinic-policy", "pmc-dn-precautions", "physioman-dn"} <= set(rule.sources)

    def test_a_skin_problem_elsewhere_stays_a_precaution(self) -> None:
        decision = triage(PIRIFORMIS, {**clean_answers(), "health_conditions": ["skin_problem"]})
        assert decision.outcome is PRECAUTIONS
        assert [f.id for f in decision.fired] == ["pc-skin"]

    def test_an_unanswered_skin_question_leaves_the_screening_incomplete(self) -> None:
        answers = clean_answers()
        del answers["skin_at_needle_site"]
        assert triage(PIRIFORMIS, answers).unanswered == ("skin_at_needle_site",)


class TestAgeLimits:
    @pytest.mark.parametrize("age", [0, 5, 11])
    def test_under_twelve_is_not_suitable_in_the_self_check(self, age: int) -> None:
        decision = triage(PIRIFORMIS, _patient({"age": age}), respondent=Respondent.PATIENT)
        assert decision.outcome is NOT_SUITABLE
        assert "ci-under-minimum-age" in {f.id for f in decision.fired}

    def test_under_twelve_is_not_suitable_for_the_clinician_either(self) -> None:
        assert triage(PIRIFORMIS, {**clean_answers(), "age": 11}).outcome is NOT_SUITABLE

    @pytest.mark.parametrize("age", [12, 15, 17])
    def test_twelve_to_seventeen_needs_a_guardians_consent_recorded(self, age: int) -> None:
        blocked = triage(
            PIRIFORMIS, {**clean_answers(), "age": age, "guardian_consent_recorded": False}
        )
        assert blocked.outcome is NOT_SUITABLE
        assert "pc-child-consent-missing" in {f.id for f in blocked.fired}
        assert "ci-under-minimum-age" not in {f.id for f in blocked.fired}
        allowed = triage(
            PIRIFORMIS, {**clean_answers(), "age": age, "guardian_consent_recorded": True}
        )
        assert allowed.outcome is PRECAUTIONS
        assert [f.id for f in allowed.fired] == ["pc-child"]

    def test_a_clinician_must_answer_the_consent_question(self) -> None:
        answers = {**clean_answers(), "age": 16}
        del answers["guardian_consent_recorded"]
        decision = triage(PIRIFORMIS, answers)
        assert decision.unanswered == ("guardian_consent_recorded",)

    def test_a_young_person_in_the_self_check_is_told_a_parent_must_agree(self) -> None:
        decision = triage(PIRIFORMIS, _patient({"age": 16}), respondent=Respondent.PATIENT)
        assert decision.outcome is NOT_SUITABLE
        assert decision.complete
        fired = {f.id: f for f in decision.fired}
        assert "parent or guardian" in str(fired["pc-child-consent-missing"].patient_message)
        assert "DPDP" in str(fired["pc-child-consent-missing"].staff_message)

    def test_a_patient_cannot_record_their_own_guardians_consent(self) -> None:
        with pytest.raises(AnswerError, match="only a clinician"):
            triage(
                PIRIFORMIS,
                {"age": 16, "guardian_consent_recorded": True},
                respondent=Respondent.PATIENT,
            )

    def test_eighteen_is_an_adult(self) -> None:
        decision = triage(PIRIFORMIS, {**clean_answers(), "age": 18})
        assert decision.outcome is TriageOutcome.SUITABLE
        shown = {q.id for q in visible_questions(PIRIFORMIS, {"age": 18})}
        assert "guardian_consent_recorded" not in shown
        assert "guardian_consent_recorded" in {
            q.id for q in visible_questions(PIRIFORMIS, {"age": 17})
        }

    def test_the_age_rules_name_the_data_law_and_clinic_policy(self) -> None:
        rules = {r.id: r for r in PIRIFORMIS.triage.rules}
        assert "clinic-policy" in rules["ci-under-minimum-age"].sources
        assert {"dpdp-act-2023", "clinic-policy"} <= set(rules["pc-child-consent-missing"].sources)


def _patient(extra: dict[str, Any]) -> dict[str, Any]:
    clinician_only = {
        q.id for q in PIRIFORMIS.screening_questions if q.answered_by is Respondent.CLINICIAN
    }
    return {k: v for k, v in {**clean_answers(), **extra}.items() if k not in clinician_only}
