from __future__ import annotations

import pytest

from fascia.pathways import NeedleCounts, validate_session
from fascia.pathways.tests.conftest import PIRIFORMIS

ALL_DONE = {step.id: True for step in PIRIFORMIS.session.steps}
REQUIRED_DONE = {step.id: True for step in PIRIFORMIS.session.steps if step.required}


class TestChecklist:
    def test_a_complete_session_with_matching_counts_is_ok(self) -> None:
        result = validate_session(PIRIFORMIS, ALL_DONE, NeedleCounts(6, 6))
        assert result.ok
        assert result.problems == ()

    def test_optional_steps_may_be_left_out(self) -> None:
        assert validate_session(PIRIFORMIS, REQUIRED_DONE, NeedleCounts(2, 2)).ok

    def test_it_reports_every_missing_required_step(self) -> None:
        checklist = {**REQUIRED_DONE, "consent_on_file": False}
        del checklist["needles_counted_out"]
        result = validate_session(PIRIFORMIS, checklist, NeedleCounts(2, 2))
        assert not result.ok
        assert [(p.code, p.step) for p in result.problems] == [
            ("required-step-missing", "consent_on_file"),
            ("required-step-missing", "needles_counted_out"),
        ]
        first = result.problems[0].message
        assert first.code == "session.required-step-missing"
        assert first.params["step"] == "consent_on_file"
        assert "Consent to dry needling recorded" in first.text

    def test_an_empty_checklist_lists_all_required_steps(self) -> None:
        result = validate_session(PIRIFORMIS, {}, NeedleCounts(0, 0))
        assert {p.step for p in result.problems} == set(REQUIRED_DONE)

    def test_it_reports_unknown_steps(self) -> None:
        result = validate_session(PIRIFORMIS, {**ALL_DONE, "cupping": True}, NeedleCounts(1, 1))
        assert [(p.code, p.step) for p in result.problems] == [("unknown-step", "cupping")]

    def test_done_must_be_true_or_false(self) -> None:
        checklist: dict[str, object] = {**ALL_DONE, "hand_hygiene": "yes"}
        result = validate_session(PIRIFORMIS, checklist, NeedleCounts(1, 1))  # type: ignore[arg-type]
        assert {p.code for p in result.problems} == {"not-yes-or-no", "required-step-missing"}


class TestNeedleCounts:
    @pytest.mark.parametrize(
        ("counted_in", "counted_out", "codes"),
        [
            (5, 5, []),
            (0, 0, []),
            (5, 4, ["needle-count-mismatch"]),
            (4, 5, ["needle-count-mismatch"]),
            (-1, 0, ["bad-count"]),
            (3, -2, ["bad-count"]),
        ],
    )
    def test_counts_in_and_out_must_match(
        self, counted_in: int, counted_out: int, codes: list[str]
    ) -> None:
        result = validate_session(PIRIFORMIS, ALL_DONE, NeedleCounts(counted_in, counted_out))
        assert [p.code for p in result.problems] == codes
        assert result.ok is (codes == [])

    def test_a_missing_needle_is_said_plainly_and_blocks(self) -> None:
        result = validate_session(PIRIFORMIS, ALL_DONE, NeedleCounts(6, 4))
        problem = result.problems[0]
        assert problem.blocking
        assert problem.message.code == "session.needles-missing"
        assert dict(problem.message.params) == {"counted_in": 6, "counted_out": 4}
        assert "2 needles may still be in the patient" in problem.message.text

    def test_one_missing_needle_is_said_in_the_singular(self) -> None:
        problem = validate_session(PIRIFORMIS, ALL_DONE, NeedleCounts(3, 2)).problems[0]
        assert "1 needle may still be in the patient" in problem.message.text

    def test_more_needles_out_than_in_is_a_wrong_count_not_a_missing_needle(self) -> None:
        problem = validate_session(PIRIFORMIS, ALL_DONE, NeedleCounts(2, 3)).problems[0]
        assert problem.code == "needle-count-mismatch"
        assert problem.message.code == "session.needles-extra"
        assert "the count is wrong" in problem.message.text

    def test_per_muscle_counts_must_add_up(self) -> None:
        counts = NeedleCounts(4, 4, {"piriformis": 2, "gluteus_medius": 1})
        result = validate_session(PIRIFORMIS, ALL_DONE, counts)
        assert [p.code for p in result.problems] == ["muscle-total-mismatch"]
        good = NeedleCounts(4, 4, {"piriformis": 2, "gluteus_medius": 2})
        assert validate_session(PIRIFORMIS, ALL_DONE, good).ok

    def test_it_refuses_a_muscle_this_pathway_does_not_needle(self) -> None:
        counts = NeedleCounts(2, 2, {"upper_trapezius": 2})
        result = validate_session(PIRIFORMIS, ALL_DONE, counts)
        assert [p.code for p in result.problems] == ["unknown-muscle"]

    def test_it_lists_checklist_and_count_problems_together(self) -> None:
        result = validate_session(PIRIFORMIS, {}, NeedleCounts(3, 2))
        codes = {p.code for p in result.problems}
        assert codes == {"required-step-missing", "needle-count-mismatch"}
