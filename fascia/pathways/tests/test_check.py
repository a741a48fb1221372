from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from fascia.pathways import PathwayError, check_data, check_file, check_text, load_pathway
from fascia.pathways.__main__ import main
from fascia.pathways.tests.conftest import NECK_FILE, PIRIFORMIS_FILE

RAW: dict[str, Any] = yaml.safe_load(NECK_FILE.read_text(encoding="utf-8"))
Edit = Callable[[dict[str, Any]], None]


def problems_after(edit: Edit) -> list[str]:
    data = copy.deepcopy(RAW)
    edit(data)
    _, problems = check_data(data)
    return [str(p) for p in problems]


def rules(d: dict[str, Any]) -> list[dict[str, Any]]:
    return d["triage"]["rules"]  # type: ignore[no-any-return]


def questions(d: dict[str, Any], group: int = 0) -> list[dict[str, Any]]:
    return d["screening"][group]["questions"]  # type: ignore[no-any-return]


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


# (kind of breakage, edit, the problem line it must produce)
BROKEN: list[tuple[str, Edit, str]] = [
    (
        "missing key",
        lambda d: rules(d)[0].pop("outcome"),
        "triage.rules[0] (flag-arm).outcome: required key is missing",
    ),
    (
        "misspelt key",
        lambda d: _set(rules(d)[1], "staf_message", "x"),
        "triage.rules[1] (flag-dizzy).staf_message: unknown key",
    ),
    (
        "unknown outcome",
        lambda d: _set(rules(d)[0], "outcome", "refer_maybe"),
        "triage.rules[0] (flag-arm).outcome: Input should be 'suitable', ",
    ),
    (
        "condition without a known key",
        lambda d: _set(rules(d)[0], "when", {"answr": "arm_weakness", "is": True}),
        "triage.rules[0] (flag-arm).when: a condition needs one of the keys: all, any, not, answer",
    ),
    (
        "condition with two tests",
        lambda d: _set(rules(d)[0], "when", {"answer": "arm_weakness", "is": True, "gte": 1}),
        "triage.rules[0] (flag-arm).when: give exactly one test",
    ),
    (
        "wrong value type in a nested condition",
        lambda d: _set(rules(d)[3]["when"]["all"][0], "answer", ["blood_thinners"]),
        "triage.rules[3] (thinners-blocked).when.all[0].answer: Input should be a valid string",
    ),
    (
        "duplicate question id",
        lambda d: _set(questions(d, 1)[1], "id", "arm_weakness"),
        "screening questions: duplicate id 'arm_weakness'",
    ),
    (
        "duplicate rule id",
        lambda d: _set(rules(d)[1], "id", "flag-arm"),
        "triage verdicts and rules: duplicate id 'flag-arm'",
    ),
    (
        "rule naming an unknown question",
        lambda d: _set(rules(d)[0]["when"], "answer", "arm_weaknes"),
        "triage.rules[0] (flag-arm).when.answer: unknown question 'arm_weaknes'",
    ),
    (
        "nested rule naming an unknown question",
        lambda d: _set(rules(d)[3]["when"]["all"][1]["not"], "answer", "override"),
        "triage.rules[3] (thinners-blocked).when.all[1].not.answer: unknown question 'override'",
    ),
    (
        "unknown source",
        lambda d: _set(rules(d)[2], "sources", ["made-up", "nice-2020"]),
        "triage.rules[2] (severe-pain).sources[1]: unknown source 'nice-2020'",
    ),
    (
        "rule without a source",
        lambda d: _set(rules(d)[2], "sources", []),
        "triage.rules[2] (severe-pain).sources: Tuple should have at least 1 item",
    ),
    (
        "outcome with no patient message",
        lambda d: _set(rules(d)[1], "patient_message", " "),
        "triage.rules[1] (flag-dizzy).patient_message: outcome 'clinician_review' has no patient",
    ),
    (
        "verdict with no staff message",
        lambda d: d["triage"]["when_incomplete"].pop("staff_message"),
        "triage.when_incomplete.staff_message: outcome 'clinician_review' has no staff message",
    ),
    (
        "question that can never be shown",
        lambda d: _set(
            questions(d)[1],
            "show_when",
            {"all": [{"answer": "neck_pain", "is": True}, {"answer": "neck_pain", "is": False}]},
        ),
        "screening[0] (neck).questions[1] (pain_level): this question can never be shown",
    ),
    (
        "question shown on a later answer",
        lambda d: _set(questions(d)[1], "show_when", {"answer": "sides", "is": "left"}),
        "screening[0] (neck).questions[1] (pain_level).show_when.answer: 'sides' is not asked "
        "before this question",
    ),
    (
        "rule that can never fire",
        lambda d: _set(rules(d)[2]["when"], "gte", 11),
        "triage.rules[2] (severe-pain).when: this rule can never fire",
    ),
    (
        "yes/no question tested with a word",
        lambda d: _set(rules(d)[1]["when"], "is", "maybe"),
        "triage.rules[1] (flag-dizzy).when.is: 'dizzy_turning' is a yes/no question",
    ),
    (
        "option that does not exist",
        lambda d: _set(rules(d)[5]["when"], "includes", "asthma"),
        "triage.rules[5] (lung).when.includes: 'asthma' is not an option of 'conditions'",
    ),
    (
        "comparison on a yes/no question",
        lambda d: _set(rules(d)[0], "when", {"answer": "arm_weakness", "gte": 1}),
        "triage.rules[0] (flag-arm).when.gte: 'gte' compares numbers, but 'arm_weakness' is yes_no",
    ),
    (
        "choice question with one option",
        lambda d: _set(questions(d)[2], "options", [{"id": "left", "patient": "Left"}]),
        "screening[0] (neck).questions[2] (sides).options: a single_choice question needs",
    ),
    (
        "follow-up rule with an unknown outcome",
        lambda d: _set(d["follow_up"]["rules"][0], "outcome", "ambulance"),
        "follow_up.rules[0] (fu-breathless).outcome: unknown outcome 'ambulance'",
    ),
    (
        "follow-up check naming an unknown question",
        lambda d: d["follow_up"]["checks"][0]["questions"].append("fever"),
        "follow_up.checks[0] (next_day).questions[2]: unknown follow-up question 'fever'",
    ),
    (
        "review rule naming an unknown measure",
        lambda d: _set(d["care_plan"]["review_rule"], "measures", ["nprs", "ndi"]),
        "care_plan.review_rule.measures[1]: unknown measure 'ndi'",
    ),
    (
        "care plan naming an unknown exercise",
        lambda d: _set(d["care_plan"]["components"][1], "exercises", ["chin_tuck", "plank"]),
        "care_plan.components[1] (exercise).exercises[1]: unknown exercise 'plank'",
    ),
    (
        "item_sum measure without items",
        lambda d: d["measures"][1].pop("items"),
        "measures[1] (ndemo).items: an item_sum measure needs its items",
    ),
    (
        "measure with no threshold and no reason",
        lambda d: _set(d["measures"][0], "meaningful_change", None),
        "measures[0] (nprs).meaningful_change_note: no meaningful-change threshold",
    ),
    (
        "adverse event with an unknown severity",
        lambda d: _set(d["adverse_events"]["types"][0], "default_severity", "severe"),
        "adverse_events.types[0] (bruise).default_severity: unknown severity 'severe'",
    ),
    (
        "number question without a range",
        lambda d: questions(d, 0).append(
            {"id": "weeks", "type": "number", "patient": "Weeks?", "clinician": "Weeks"}
        ),
        "screening[0] (neck).questions[3] (weeks): a number question needs a unit, a min and a max",
    ),
    (
        "bad id",
        lambda d: _set(rules(d)[0], "id", "Flag Arm"),
        "triage.rules[0] (Flag Arm).id: String should match pattern",
    ),
    (
        "percent threshold without a minimal detectable change",
        lambda d: d["measures"][0]["meaningful_change"].pop("minimal_detectable_change"),
        "measures[0] (nprs).meaningful_change.minimal_detectable_change: a percent threshold",
    ),
    (
        "threshold without sources",
        lambda d: d["measures"][1]["meaningful_change"]["absolute"].pop("sources"),
        "measures[1] (ndemo).meaningful_change.absolute.sources: required key is missing",
    ),
    (
        "follow-up check without sources",
        lambda d: d["follow_up"]["checks"][0].pop("sources"),
        "follow_up.checks[0] (next_day).sources: required key is missing",
    ),
    (
        "exercise steps without sources",
        lambda d: d["exercises"][0].pop("sources"),
        "exercises[0] (chin_tuck).sources: required key is missing",
    ),
    (
        "caution asking an unknown follow-up question",
        lambda d: _set(
            d["session"]["muscles"][0]["cautions"][0], "ask_after_needling", ["chest_pain"]
        ),
        "session.muscles[0] (upper_trapezius).cautions[0].ask_after_needling[0]: "
        "unknown follow-up question 'chest_pain'",
    ),
    (
        "fit naming an unknown feature",
        lambda d: _set(d, "fit", _fit(features=["neck_pain", "arm_pain"])),
        "fit.features[1]: unknown screening question 'arm_pain'",
    ),
    (
        "fit feature that is not a yes/no question",
        lambda d: _set(d, "fit", _fit(features=["pain_level"])),
        "fit.features[0]: a feature is a yes/no question; 'pain_level' is scale_0_10",
    ),
    (
        "fit needing more features than it lists",
        lambda d: _set(d, "fit", _fit(fits_with_at_least=2)),
        "fit.fits_with_at_least: 2 is more than the 1 features listed",
    ),
    (
        "fit finding that reads an unknown question",
        lambda d: _set(
            d,
            "fit",
            _fit(
                points_elsewhere=[
                    {
                        "id": "arm",
                        "when": {"answer": "arm_pain", "is": True},
                        "clinician": "Arm pain.",
                        "sources": ["made-up"],
                    }
                ]
            ),
        ),
        "fit.points_elsewhere[0] (arm).when.answer: unknown question 'arm_pain'",
    ),
]


def _fit(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Does it fit?",
        "features": ["neck_pain"],
        "fits_with_at_least": 1,
        "sources": ["made-up"],
        "when_not_fitting": {
            "id": "no-fit",
            "outcome": "clinician_review",
            "patient_message": "We will examine you.",
            "staff_message": "Does not fit.",
            "sources": ["made-up"],
        },
        **overrides,
    }


class TestBrokenFiles:
    def test_there_are_at_least_ten_kinds(self) -> None:
        assert len({kind for kind, _, _ in BROKEN}) >= 10

    def test_the_fixture_itself_is_clean(self) -> None:
        assert problems_after(lambda d: None) == []

    @pytest.mark.parametrize(("kind", "edit", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
    def test_it_names_the_offending_entry(self, kind: str, edit: Edit, expected: str) -> None:
        found = problems_after(edit)
        assert any(line.startswith(expected) for line in found), found

    def test_it_refuses_invalid_yaml_with_the_line(self) -> None:
        _, problems = check_text("id: x\nversion: [1\n")
        assert len(problems) == 1
        assert str(problems[0]).startswith("line 3, column 1: not valid YAML")

    def test_it_refuses_a_key_written_twice(self) -> None:
        _, problems = check_text("id: x\nid: y\n")
        assert "the key 'id' is written twice" in str(problems[0])
        assert str(problems[0]).startswith("line 2")

    def test_it_refuses_a_file_that_is_not_a_mapping(self) -> None:
        _, problems = check_text("- a\n- b\n")
        assert "must be a mapping" in str(problems[0])

    def test_load_pathway_raises_with_every_problem(self, tmp_path: Path) -> None:
        data = copy.deepcopy(RAW)
        rules(data)[0]["sources"] = ["nowhere"]
        rules(data)[1]["patient_message"] = ""
        broken = tmp_path / "broken.yaml"
        broken.write_text(yaml.safe_dump(data), encoding="utf-8")
        with pytest.raises(PathwayError) as error:
            load_pathway(broken)
        assert len(error.value.problems) == 2
        assert "2 problem(s)" in str(error.value)

    def test_it_reports_a_missing_file(self, tmp_path: Path) -> None:
        result = check_file(tmp_path / "nope.yaml")
        assert not result.ok
        assert "cannot read the file" in result.lines()[0]


class TestCommandLine:
    def test_it_prints_ok_and_exits_zero(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["check", str(PIRIFORMIS_FILE), str(NECK_FILE)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines == [
            f"OK: {PIRIFORMIS_FILE} (piriformis-dry-needling v2)",
            f"OK: {NECK_FILE} (upper-trapezius-neck v3)",
        ]

    def test_it_prints_one_line_per_problem_and_exits_one(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = copy.deepcopy(RAW)
        rules(data)[0]["when"]["answer"] = "nothing"
        rules(data)[1]["sources"] = ["nowhere"]
        broken = tmp_path / "broken.yaml"
        broken.write_text(yaml.safe_dump(data), encoding="utf-8")
        assert main(["check", str(broken), str(NECK_FILE)]) == 1
        lines = capsys.readouterr().out.splitlines()
        assert lines == [
            f"{broken}: triage.rules[1] (flag-dizzy).sources[0]: unknown source 'nowhere' "
            "(list it under sources, or write clinic-policy)",
            f"{broken}: triage.rules[0] (flag-arm).when.answer: unknown question 'nothing'",
            f"OK: {NECK_FILE} (upper-trapezius-neck v3)",
        ]

    @pytest.mark.parametrize("argv", [[], ["check"], ["lint", "x.yaml"]])
    def test_it_exits_two_on_usage_errors(self, argv: list[str]) -> None:
        with pytest.raises(SystemExit) as error:
            main(argv)
        assert error.value.code == 2

    def test_it_runs_as_a_module(self) -> None:
        root = Path(__file__).resolve().parents[3]
        done = subprocess.run(
            [sys.executable, "-m", "fascia.pathways", "check", str(PIRIFORMIS_FILE)],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("OK: ")
