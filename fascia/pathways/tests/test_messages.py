from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from fascia.pathways import (
    ENGLISH,
    AnswerError,
    Message,
    NeedleCounts,
    Respondent,
    ScoreError,
    answers_from_form,
    answers_from_json,
    change,
    follow_up_outcome,
    message,
    progress,
    render,
    score,
    triage,
    validate_session,
)
from fascia.pathways.answers import normalise_answers
from fascia.pathways.examination import ExaminationError, ExaminationInput, validate_examination
from fascia.pathways.models import Pathway
from fascia.pathways.tests.conftest import NECK, PIRIFORMIS, clean_answers
from fascia.pathways.tests.test_answers_json import EVERY_TYPE

ALL_DONE = {step.id: True for step in PIRIFORMIS.session.steps}
FIRST_STEP = next(step for step in PIRIFORMIS.session.steps if step.required)


def refused(call: Callable[[], object]) -> Message:
    with pytest.raises(AnswerError) as error:
        call()
    return error.value.message


def answer(answers: dict[str, Any], respondent: Respondent = Respondent.CLINICIAN) -> Message:
    return refused(lambda: normalise_answers(EVERY_TYPE, answers, respondent=respondent))


def session(checklist: dict[str, Any], counts: NeedleCounts) -> Message:
    return validate_session(PIRIFORMIS, checklist, counts).problems[0].message


def scored(call: Callable[[], object]) -> Message:
    with pytest.raises(ScoreError) as error:
        call()
    assert str(error.value) == error.value.message.text
    return error.value.message


def flagged(sessions: dict[int, dict[str, int]]) -> Message:
    return progress(PIRIFORMIS, sessions).flags[0].message


def examined(pathway: Pathway = PIRIFORMIS, **given: Any) -> Message:
    with pytest.raises(ExaminationError) as error:
        validate_examination(pathway, ExaminationInput(**given))
    [said] = error.value.problems.values()
    return said


NPRS, LEFS, PSFS = (PIRIFORMIS.measure(m) for m in ("nprs", "lefs", "psfs"))
UNCHOSEN = PSFS.model_copy(update={"patient_chosen_items": None})  # the checker refuses this
CLINICIANS = EVERY_TYPE[0].model_copy(update={"answered_by": Respondent.CLINICIAN})

# Each code of the English catalogue, and a way to make the engine say it.
SAID_BY: dict[str, Callable[[], Message]] = {
    "answer.no-such-question": lambda: answer({"nowhere": 1}),
    "answer.no-such-check": lambda: refused(
        lambda: follow_up_outcome(PIRIFORMIS, {}, check="day_9")
    ),
    "answer.clinician-only": lambda: refused(
        lambda: normalise_answers([CLINICIANS], {"smoker": True}, respondent=Respondent.PATIENT)
    ),
    "answer.expected-yes-no": lambda: answer({"smoker": "yes"}),
    "answer.expected-option": lambda: answer({"side": "up"}),
    "answer.expected-options": lambda: answer({"tried": "rest"}),
    "answer.unknown-options": lambda: answer({"tried": ["yoga"]}),
    "answer.option-twice": lambda: answer({"tried": ["rest", "rest"]}),
    "answer.exclusive-option": lambda: answer({"tried": ["rest", "nothing_yet"]}),
    "answer.expected-number": lambda: answer({"age": "40"}),
    "answer.expected-finite-number": lambda: answer({"age": float("inf")}),
    "answer.expected-whole-number": lambda: answer({"age": 40.5}),
    "answer.too-precise": lambda: answer({"weight": Decimal("72.10000000000000000001")}),
    "answer.out-of-range": lambda: answer({"weight": 501}),
    "answer.expected-date": lambda: answer({"onset": "2025-03-07"}),
    "answer.expected-iso-date": lambda: refused(
        lambda: answers_from_json(EVERY_TYPE, {"onset": "7/3/2025"})
    ),
    "answer.expected-text": lambda: answer({"notes": 12}),
    "answer.text-too-long": lambda: answer({"notes": "x" * 2001}),
    "answer.expected-one-value": lambda: refused(
        lambda: answers_from_form(EVERY_TYPE, {"side": ["left", "right"]})
    ),
    "session.unknown-step": lambda: session({**ALL_DONE, "cupping": True}, NeedleCounts(1, 1)),
    "session.not-yes-or-no": lambda: session(
        {**ALL_DONE, FIRST_STEP.id: "yes"}, NeedleCounts(1, 1)
    ),
    "session.required-step-missing": lambda: session({}, NeedleCounts(1, 1)),
    "session.bad-count-in": lambda: session(ALL_DONE, NeedleCounts(-1, 0)),
    "session.bad-count-out": lambda: session(ALL_DONE, NeedleCounts(0, -1)),
    "session.bad-muscle-count": lambda: session(ALL_DONE, NeedleCounts(1, 1, {"piriformis": -1})),
    "session.needles-missing": lambda: session(ALL_DONE, NeedleCounts(3, 1)),
    "session.needles-extra": lambda: session(ALL_DONE, NeedleCounts(1, 3)),
    "session.unknown-muscle": lambda: session(ALL_DONE, NeedleCounts(1, 1, {"deltoid": 1})),
    "session.muscle-total-mismatch": lambda: session(
        ALL_DONE, NeedleCounts(3, 3, {"piriformis": 2})
    ),
    "score.expected-one-number": lambda: scored(lambda: score(NPRS, [3])),
    "score.expected-item-ratings": lambda: scored(lambda: score(LEFS, 60)),
    "score.expected-activity-ratings": lambda: scored(
        lambda: score(PSFS, "walking")  # type: ignore[arg-type]
    ),
    "score.unknown-items": lambda: scored(lambda: score(LEFS, {"flying": 3})),
    "score.too-many-ratings": lambda: scored(lambda: score(LEFS, [4] * 21)),
    "score.incomplete": lambda: scored(lambda: score(LEFS, [3] * 18)),
    "score.no-chosen-items": lambda: scored(lambda: score(UNCHOSEN, [3])),
    "score.activity-count": lambda: scored(lambda: score(PSFS, [])),
    "score.expected-number": lambda: scored(
        lambda: score(LEFS, ["4"] * 20)  # type: ignore[list-item]
    ),
    "score.expected-finite-number": lambda: scored(lambda: score(NPRS, float("nan"))),
    "score.expected-whole-number": lambda: scored(lambda: score(NPRS, 6.5)),
    "score.out-of-range": lambda: scored(lambda: score(NPRS, 11)),
    "score.impossible-whole-number": lambda: scored(lambda: change(NPRS, 7.5, 4)),
    "score.impossible-mean": lambda: scored(lambda: change(PSFS, Decimal("5.30"), 5)),
    "progress.bad-session-number": lambda: scored(lambda: progress(PIRIFORMIS, {-1: {"nprs": 5}})),
    "progress.unknown-measure": lambda: scored(lambda: progress(PIRIFORMIS, {1: {"odi": 20}})),
    "progress.review-missing-measurements": lambda: flagged({1: {"nprs": 6}, 4: {"psfs": 4}}),
    "progress.review-no-meaningful-improvement": lambda: flagged(
        {1: {"nprs": 6, "lefs": 40}, 4: {"nprs": 5, "lefs": 45}}
    ),
    "progress.review-worsening": lambda: flagged(
        {1: {"nprs": 3, "lefs": 60}, 2: {"nprs": 6, "lefs": 60}}
    ),
    "examination.no-such-test": lambda: examined(special_tests={"cupping": {"left": "positive"}}),
    "examination.no-such-movement": lambda: examined(range_of_motion={"knee": {"left": 90}}),
    "examination.no-such-muscle": lambda: examined(trigger_points={"deltoid": {"left": "active"}}),
    "examination.no-such-measure": lambda: examined(NECK, sitting_minutes=20),
    "examination.no-such-rating": lambda: examined(pain={"yesterday": 4}),
    "examination.expected-one-of": lambda: examined(special_tests={"fair": {"left": "maybe"}}),
    "examination.expected-number": lambda: examined(
        range_of_motion={"hip_internal_rotation": {"left": "25"}}
    ),
    "examination.out-of-range": lambda: examined(
        range_of_motion={"hip_internal_rotation": {"left": 91}}
    ),
    "examination.side-without-code": lambda: examined(diagnosis_side="left"),
    "examination.activity-unnamed": lambda: examined(psfs=[("", 4)]),
    "examination.activity-twice": lambda: examined(psfs=[("Walking", 4), ("Walking", 5)]),
    "examination.activity-unrated": lambda: examined(psfs=[("Walking", None)]),
}


class TestCatalogue:
    def test_every_english_text_is_something_the_engine_says(self) -> None:
        assert set(SAID_BY) == set(ENGLISH)

    @pytest.mark.parametrize("code", sorted(SAID_BY))
    def test_the_engine_says_each_code_with_params_that_fill_its_text(self, code: str) -> None:
        said = SAID_BY[code]()
        assert said.code == code
        assert said.text == render(said, ENGLISH)
        assert said.text.strip()
        assert "{" not in said.text

    def test_a_refused_answer_names_its_values_as_params(self) -> None:
        said = answer({"weight": 501})
        assert dict(said.params) == {"got": "501", "low": "0.5", "high": "500", "unit": "kg"}
        assert said.text == "501 is outside the allowed range 0.5 to 500 kg"

    def test_a_refused_score_names_what_was_scored_as_params(self) -> None:
        said = scored(lambda: score(LEFS, [4, 4, 5] + [4] * 17))
        wording = LEFS.items[2].wording
        assert dict(said.params) == {
            "measure": "LEFS",
            "item": 3,
            "wording": wording,
            "got": "5",
            "low": "0",
            "high": "4",
            "unit": "points",
        }
        assert said.text == f"LEFS item 3 ({wording}): 5 is outside the range 0 to 4 points"
        assert scored(lambda: change(NPRS, 5, 12)).params["which"] == "latest"
        at_session = scored(lambda: progress(PIRIFORMIS, {2: {"nprs": 11}}))
        assert at_session.params["session"] == 2
        assert at_session.text.startswith("NPRS at session 2: 11 is outside")

    def test_an_answer_errors_text_is_its_message_with_the_question(self) -> None:
        with pytest.raises(AnswerError) as error:
            normalise_answers(EVERY_TYPE, {"smoker": "yes"})
        assert str(error.value) == "smoker: expected yes or no, got 'yes'"


class TestOtherLanguages:
    def test_another_catalogue_renders_the_same_message_from_its_params(self) -> None:
        said = session(ALL_DONE, NeedleCounts(5, 3))
        other = {"session.needles-missing": "[{counted_in} → {counted_out}]"}
        assert render(said, other) == "[5 → 3]"

    def test_a_catalogue_may_use_a_function_for_plurals(self) -> None:
        said = session(ALL_DONE, NeedleCounts(5, 4))
        other = {"session.needles-missing": lambda p: f"missing: {int(p['counted_in']) - 1}"}
        assert render(said, other) == "missing: 4"

    def test_a_code_the_catalogue_lacks_falls_back_to_english(self) -> None:
        said = message("answer.option-twice")
        assert render(said, {}) == "an option is ticked twice"


class TestMessage:
    def test_a_message_is_a_value(self) -> None:
        params: dict[str, str | int | float] = {"step": "hand_hygiene"}
        said = message("session.unknown-step", **params)
        params["step"] = "changed"
        assert said.params["step"] == "hand_hygiene"
        assert said == message("session.unknown-step", step="hand_hygiene")
        assert len({said, message("session.unknown-step", step="hand_hygiene")}) == 1
        assert str(said) == "'hand_hygiene' is not a step of this protocol."
        with pytest.raises(TypeError):
            said.params["step"] = "x"  # type: ignore[index]

    def test_an_unknown_code_is_a_programming_error(self) -> None:
        with pytest.raises(KeyError):
            message("session.no-such-code")


class TestPathwayTexts:
    def test_a_triage_reason_carries_the_files_text_under_a_code_naming_where_it_is(
        self,
    ) -> None:
        decision = triage(PIRIFORMIS, {**clean_answers(), "saddle_numbness": True})
        fired = decision.fired[0]
        rule = next(r for r in PIRIFORMIS.triage.rules if r.id == fired.id)
        assert fired.patient_message == Message(
            f"triage.{rule.id}.patient_message", {}, rule.patient_message
        )
        assert fired.staff_message.code == f"triage.{rule.id}.staff_message"
        assert fired.staff_message.text == rule.staff_message

    def test_a_finding_that_points_elsewhere_is_coded_under_fit(self) -> None:
        answers = {**clean_answers(), "pain_spread": ["back_of_thigh", "calf", "foot"]}
        decision = triage(PIRIFORMIS, answers)
        assert decision.fit is not None
        [finding] = decision.fit.points_elsewhere
        assert PIRIFORMIS.fit is not None
        written = next(p for p in PIRIFORMIS.fit.points_elsewhere if p.id == finding.id)
        assert finding.clinician == Message(f"fit.{finding.id}.clinician", {}, written.clinician)
        assert str(finding.clinician) == written.clinician

    def test_a_follow_up_reason_is_coded_under_follow_up(self) -> None:
        decision = follow_up_outcome(PIRIFORMIS, {})
        assert decision.fired
        for fired in decision.fired:
            assert fired.patient_message.code == f"follow_up.{fired.id}.patient_message"
