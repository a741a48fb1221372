from __future__ import annotations

from typing import Any

import pytest

from fascia.pathways import AnswerError, follow_up_outcome
from fascia.pathways.tests.conftest import PIRIFORMIS

WELL: dict[str, Any] = {
    "soreness": 3,
    "soreness_not_settling": False,
    "bruising_or_bleeding": False,
    "faint_or_drowsy": False,
    "fever_or_unwell": False,
    "breathless_or_chest_pain": False,
    "symptoms_worse": False,
    "new_leg_symptoms": False,
    "worsening_weakness": False,
    "site_red_hot": False,
    "saddle_or_bladder": False,
}

RULE_TABLE: dict[str, tuple[dict[str, Any], str]] = {
    "fu-saddle-bladder": ({"saddle_or_bladder": True}, "emergency"),
    "fu-worsening-weakness": ({"worsening_weakness": True}, "emergency"),
    "fu-breathless-chest-pain": ({"breathless_or_chest_pain": True}, "emergency"),
    "fu-fever-unwell": ({"fever_or_unwell": True}, "contact_today"),
    "fu-other-concern": ({"other_concern": "The spot itches."}, "contact_soon"),
    "fu-new-leg-symptoms": ({"new_leg_symptoms": True}, "contact_today"),
    "fu-bleeding-not-stopping": (
        {"bruising_or_bleeding": True, "bleeding_not_stopping": True},
        "contact_today",
    ),
    "fu-site-infection": ({"site_red_hot": True}, "contact_today"),
    "fu-faint": ({"faint_or_drowsy": True}, "contact_today"),
    "fu-severe-soreness": ({"soreness": 7}, "contact_soon"),
    "fu-soreness-not-settling": ({"soreness_not_settling": True}, "contact_soon"),
    "fu-symptoms-worse": ({"symptoms_worse": True}, "contact_soon"),
    "fu-bruising": ({"bruising_or_bleeding": True, "bleeding_not_stopping": False}, "reassure"),
}


class TestFollowUp:
    def test_the_table_covers_every_follow_up_rule(self) -> None:
        assert set(RULE_TABLE) == {r.id for r in PIRIFORMIS.follow_up.rules}

    def test_a_normal_recovery_is_reassured(self) -> None:
        decision = follow_up_outcome(PIRIFORMIS, WELL)
        assert decision.outcome == "reassure"
        assert [f.id for f in decision.fired] == ["fu-all-well"]

    @pytest.mark.parametrize("rule_id", sorted(RULE_TABLE))
    def test_each_rule_gives_its_outcome(self, rule_id: str) -> None:
        extra, outcome = RULE_TABLE[rule_id]
        decision = follow_up_outcome(PIRIFORMIS, {**WELL, **extra})
        assert decision.outcome == outcome
        assert rule_id in {f.id for f in decision.fired}

    def test_new_leg_numbness_means_contact_the_physiotherapist_today(self) -> None:
        decision = follow_up_outcome(PIRIFORMIS, {**WELL, "new_leg_symptoms": True, "soreness": 8})
        assert decision.outcome == "contact_today"
        assert [f.id for f in decision.fired] == ["fu-new-leg-symptoms", "fu-severe-soreness"]

    def test_a_bruise_asks_whether_the_bleeding_stopped(self) -> None:
        decision = follow_up_outcome(PIRIFORMIS, {**WELL, "bruising_or_bleeding": True})
        assert decision.outcome == "contact_today"
        assert "bleeding_not_stopping" in decision.unanswered

    def test_the_most_urgent_outcome_wins(self) -> None:
        answers = {**WELL, "saddle_or_bladder": True, "new_leg_symptoms": True}
        assert follow_up_outcome(PIRIFORMIS, answers).outcome == "emergency"

    def test_missing_answers_mean_a_call_today(self) -> None:
        decision = follow_up_outcome(PIRIFORMIS, {"soreness": 2})
        assert decision.outcome == "contact_today"
        assert "new_leg_symptoms" in decision.unanswered

    def test_a_check_asks_only_its_own_questions(self) -> None:
        day_1 = {k: v for k, v in WELL.items() if k != "soreness_not_settling"}
        assert follow_up_outcome(PIRIFORMIS, day_1, check="day_1").complete
        with pytest.raises(AnswerError, match="no such question"):
            follow_up_outcome(PIRIFORMIS, WELL, check="day_1")
        assert follow_up_outcome(PIRIFORMIS, WELL, check="day_3").outcome == "reassure"

    def test_checks_are_at_about_24_and_72_hours(self) -> None:
        assert [c.after_hours for c in PIRIFORMIS.follow_up.checks] == [24, 72]

    def test_it_refuses_an_unknown_check(self) -> None:
        with pytest.raises(AnswerError, match="no such follow-up check"):
            follow_up_outcome(PIRIFORMIS, WELL, check="day_9")


class TestAnythingElse:
    def test_anything_written_gets_at_least_a_call_soon(self) -> None:
        decision = follow_up_outcome(PIRIFORMIS, {**WELL, "other_concern": "It itches a bit."})
        assert decision.outcome == "contact_soon"
        assert "contact you soon" in str(decision.fired[0].patient_message)

    def test_blank_text_is_not_a_concern(self) -> None:
        assert follow_up_outcome(PIRIFORMIS, {**WELL, "other_concern": "   "}).outcome == "reassure"

    def test_a_more_urgent_answer_still_wins(self) -> None:
        answers = {**WELL, "other_concern": "Also my back.", "saddle_or_bladder": True}
        decision = follow_up_outcome(PIRIFORMIS, answers)
        assert decision.outcome == "emergency"
        assert "fu-other-concern" in {f.id for f in decision.fired}


class TestFeverAndChestWall:
    def test_fever_or_feeling_unwell_means_contact_today(self) -> None:
        decision = follow_up_outcome(PIRIFORMIS, {**WELL, "fever_or_unwell": True})
        assert decision.outcome == "contact_today"

    def test_the_pathway_marks_the_muscles_near_the_chest_wall_with_a_source(self) -> None:
        marked = {
            m.id: c
            for m in PIRIFORMIS.session.muscles
            for c in m.cautions
            if "breathless_or_chest_pain" in c.ask_after_needling
        }
        assert set(marked) == {"quadratus_lumborum"}
        assert set(marked["quadratus_lumborum"].sources) - {"clinic-policy"}

    def test_breathlessness_after_needling_near_the_chest_wall_is_an_emergency(self) -> None:
        answers = {**WELL, "breathless_or_chest_pain": True}
        decision = follow_up_outcome(
            PIRIFORMIS, answers, needled_muscles=["piriformis", "quadratus_lumborum"]
        )
        assert decision.outcome == "emergency"
        assert "112" in str(decision.fired[0].patient_message)

    def test_it_is_not_asked_when_no_such_muscle_was_needled(self) -> None:
        without = {k: v for k, v in WELL.items() if k != "breathless_or_chest_pain"}
        decision = follow_up_outcome(PIRIFORMIS, without, needled_muscles=["piriformis"])
        assert decision.complete and decision.outcome == "reassure"
        with pytest.raises(AnswerError, match="no such question"):
            follow_up_outcome(PIRIFORMIS, WELL, needled_muscles=["piriformis"])

    @pytest.mark.parametrize("muscles", [None, ["gluteus_maxiumus"]])
    def test_it_is_asked_when_the_muscles_are_not_known(self, muscles: list[str] | None) -> None:
        without = {k: v for k, v in WELL.items() if k != "breathless_or_chest_pain"}
        decision = follow_up_outcome(PIRIFORMIS, without, needled_muscles=muscles)
        assert decision.unanswered == ("breathless_or_chest_pain",)
        assert decision.outcome == "contact_today"


class TestSorenessAndTimings:
    def test_soreness_not_settled_after_three_days_gets_the_aftercare_advice(self) -> None:
        decision = follow_up_outcome(
            PIRIFORMIS, {**WELL, "soreness_not_settling": True}, check="day_3"
        )
        assert decision.outcome == "contact_soon"
        advice = {a.id: a.text for a in PIRIFORMIS.follow_up.aftercare}["soreness_not_settling"]
        promise = str(decision.fired[0].patient_message).rstrip(".").lower()
        assert promise in advice.lower()
        assert "three days" in advice

    def test_each_check_names_its_sources(self) -> None:
        sources = {c.id: c.sources for c in PIRIFORMIS.follow_up.checks}
        assert sources["day_1"] == ("clinic-policy",)
        assert "soreness-2021" in sources["day_3"]
