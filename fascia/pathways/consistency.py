"""Checks on a pathway that its schema alone cannot express.

Duplicate ids, references to unknown questions, options, outcomes, measures,
exercises and sources, questions that can never be shown, rules that can never
fire, rules and verdicts without messages, and measures whose shape does not
match their kind. Each problem names the path to the entry, with ids, as in
`triage.rules[3] (rf-cauda-equina).when.any[0].answer`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from pydantic import BaseModel

from fascia.pathways.answers import answer_range
from fascia.pathways.models import (
    CLINIC_POLICY,
    FollowUpRule,
    FollowUpVerdict,
    Measure,
    MeasureKind,
    Pathway,
    PointsElsewhere,
    Question,
    QuestionType,
    Respondent,
    TriageRule,
    TriageVerdict,
)
from fascia.pathways.rules import COMPARISONS, AnswerTest, AnswerValue, Condition, answer_tests
from fascia.pathways.rules import holds as condition_holds

NUMERIC = (QuestionType.NUMBER, QuestionType.SCALE_0_10)
MAX_COMBINATIONS = 50_000


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def label(name: str, index: int, entry: object) -> str:
    """`name[index] (id)`, the way problems name an entry of a list."""
    entry_id = getattr(entry, "id", None)
    return f"{name}[{index}]" + (f" ({entry_id})" if isinstance(entry_id, str) else "")


def consistency_problems(pathway: Pathway) -> list[Problem]:
    """Every cross-reference and consistency problem in a schema-valid pathway."""
    problems: list[Problem] = []
    problems += _duplicate_problems(pathway)
    known = {s.id for s in pathway.sources} | {CLINIC_POLICY}
    problems += _source_problems(pathway, "", known)
    for i, rate in enumerate(pathway.adverse_events.published_rates):
        if rate.source not in known - {CLINIC_POLICY}:
            problems.append(
                Problem(f"adverse_events.published_rates[{i}].source", _unknown_source(rate.source))
            )
    screening = [
        (f"{label('screening', g, group)}.{label('questions', i, q)}", q)
        for g, group in enumerate(pathway.screening)
        for i, q in enumerate(group.questions)
    ]
    triage = [
        (f"triage.{label('rules', i, rule)}", rule) for i, rule in enumerate(pathway.triage.rules)
    ]
    problems += _question_set_problems(screening, triage)
    problems += _fit_problems(pathway)
    follow_up = pathway.follow_up
    problems += _question_set_problems(
        [(f"follow_up.{label('questions', i, q)}", q) for i, q in enumerate(follow_up.questions)],
        [(f"follow_up.{label('rules', i, r)}", r) for i, r in enumerate(follow_up.rules)],
    )
    problems += _message_problems(pathway)
    problems += _follow_up_problems(pathway)
    problems += _muscle_problems(pathway)
    for i, measure in enumerate(pathway.measures):
        problems += _measure_problems(measure, label("measures", i, measure))
    problems += _plan_problems(pathway)
    return problems


def _duplicate_problems(pathway: Pathway) -> list[Problem]:
    groups: list[tuple[str, Sequence[object]]] = [
        ("sources", pathway.sources),
        ("screening", pathway.screening),
        ("screening questions", pathway.screening_questions),
        ("triage verdicts and rules", _triage_verdicts(pathway)),
        ("examination", [*pathway.examination.special_tests, *pathway.examination.range_of_motion]),
        ("measures", pathway.measures),
        ("session.steps", pathway.session.steps),
        ("session.muscles", pathway.session.muscles),
        ("follow_up.aftercare", pathway.follow_up.aftercare),
        ("follow_up.checks", pathway.follow_up.checks),
        ("follow_up.questions", pathway.follow_up.questions),
        ("follow-up verdicts and rules", _follow_up_verdicts(pathway)),
        ("adverse_events.severities", pathway.adverse_events.severities),
        ("adverse_events.types", pathway.adverse_events.types),
        ("exercises", pathway.exercises),
        ("ergonomic_advice", pathway.ergonomic_advice),
        ("care_plan.components", pathway.care_plan.components),
    ]
    for q in pathway.screening_questions + pathway.follow_up.questions:
        groups.append((f"options of question {q.id}", q.options))
    for m in pathway.measures:
        groups.append((f"items of measure {m.id}", m.items))
    problems = []
    for where, entries in groups:
        seen: set[str] = set()
        for entry in entries:
            entry_id = str(getattr(entry, "id", ""))
            if entry_id in seen:
                problems.append(Problem(where, f"duplicate id '{entry_id}'"))
            seen.add(entry_id)
    seen_outcomes: set[str] = set()
    for outcome in pathway.follow_up.outcomes:
        if outcome in seen_outcomes:
            problems.append(Problem("follow_up.outcomes", f"duplicate outcome '{outcome}'"))
        seen_outcomes.add(outcome)
    return problems


def _triage_verdicts(pathway: Pathway) -> list[TriageVerdict | PointsElsewhere]:
    t = pathway.triage
    fit: list[TriageVerdict | PointsElsewhere] = []
    if pathway.fit is not None:
        fit = [pathway.fit.when_not_fitting, *pathway.fit.points_elsewhere]
    return [t.when_nothing_fires, t.when_incomplete, *t.rules, *fit]


def _follow_up_verdicts(pathway: Pathway) -> list[FollowUpVerdict]:
    f = pathway.follow_up
    return [f.when_nothing_fires, f.when_incomplete, *f.rules]


def _unknown_source(source_id: str) -> str:
    return f"unknown source '{source_id}' (list it under sources, or write {CLINIC_POLICY})"


def _source_problems(node: BaseModel, path: str, known: set[str]) -> Iterator[Problem]:
    for name in type(node).model_fields:
        value = getattr(node, name)
        here = f"{path}.{name}" if path else name
        if name == "sources" and all(isinstance(v, str) for v in value):
            for i, source_id in enumerate(value):
                if source_id not in known:
                    yield Problem(f"{here}[{i}]", _unknown_source(source_id))
        elif isinstance(value, BaseModel):
            yield from _source_problems(value, here, known)
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _source_problems(item, label(here, i, item), known)


def _question_set_problems(
    questions: Sequence[tuple[str, Question]],
    rules: Sequence[tuple[str, TriageRule | FollowUpRule]],
) -> list[Problem]:
    """Question definitions, show_when conditions and rule conditions of one set of questions."""
    problems: list[Problem] = []
    by_id = {q.id: q for _, q in questions}
    conditions: list[Condition] = [q.show_when for _, q in questions if q.show_when is not None]
    conditions += [r.when for _, r in rules]
    mentioned = _mentioned_values(conditions)
    domains: dict[str, list[AnswerValue | None]] = {}
    earlier: set[str] = set()
    for path, question in questions:
        problems += _definition_problems(question, path)
        reachable = True
        if question.show_when is not None:
            problems += _condition_problems(question.show_when, f"{path}.show_when", by_id, earlier)
            if not _can_hold(question.show_when, domains):
                reachable = False
                problems.append(
                    Problem(path, "this question can never be shown: its show_when can never hold")
                )
        domains[question.id] = _domain(question, mentioned) if reachable else [None]
        earlier.add(question.id)
    for path, rule in rules:
        found = list(_condition_problems(rule.when, f"{path}.when", by_id, None))
        problems += found
        if not found and not _can_hold(rule.when, domains):
            problems.append(Problem(f"{path}.when", "this rule can never fire"))
    return problems


def _definition_problems(q: Question, path: str) -> Iterator[Problem]:
    choice = q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)
    if choice and len(q.options) < 2:
        yield Problem(f"{path}.options", f"a {q.type} question needs at least two options")
    if not choice and q.options:
        yield Problem(f"{path}.options", f"a {q.type} question has no options")
    if q.type is QuestionType.NUMBER:
        if q.min is None or q.max is None or not q.unit:
            yield Problem(path, "a number question needs a unit, a min and a max")
        elif q.min >= q.max:
            yield Problem(f"{path}.max", f"max ({q.max}) must be greater than min ({q.min})")
    elif q.min is not None or q.max is not None:
        yield Problem(path, f"only a number question has a min and a max, not a {q.type} question")
    if q.answered_by is Respondent.PATIENT and not q.patient:
        yield Problem(f"{path}.patient", "a question the patient answers needs patient wording")


def _condition_problems(
    condition: Condition, path: str, by_id: dict[str, Question], earlier: set[str] | None
) -> Iterator[Problem]:
    for sub, test in answer_tests(condition, path):
        question = by_id.get(test.answer)
        if question is None:
            yield Problem(f"{sub}.answer", f"unknown question '{test.answer}'")
            continue
        if earlier is not None and test.answer not in earlier:
            yield Problem(
                f"{sub}.answer",
                f"'{test.answer}' is not asked before this question; "
                "show_when can only use earlier answers",
            )
        message = _type_mismatch(test, question)
        if message:
            yield Problem(f"{sub}.{test.test}", message)


def _type_mismatch(test: AnswerTest, q: Question) -> str | None:
    name, kind = test.test, q.type
    if name == "answered":
        return None
    if name in COMPARISONS:
        return None if kind in NUMERIC else f"'{name}' compares numbers, but '{q.id}' is {kind}"
    if name == "includes":
        if kind is not QuestionType.MULTIPLE_CHOICE:
            return f"'includes' is for multiple-choice questions, but '{q.id}' is {kind}"
        return None if test.value in q.option_ids() else _not_an_option(test.value, q)
    values = [test.value] if name == "is" else list(test.value)
    if kind is QuestionType.YES_NO:
        bad = [v for v in values if not isinstance(v, bool)]
        return (
            f"'{q.id}' is a yes/no question: test it with yes or no, not {bad[0]!r}"
            if bad
            else None
        )
    if kind is QuestionType.SINGLE_CHOICE:
        bad = [v for v in values if not isinstance(v, str) or v not in q.option_ids()]
        return _not_an_option(bad[0], q) if bad else None
    if kind in NUMERIC:
        bad = [v for v in values if isinstance(v, bool | str)]
        return f"'{q.id}' is {kind}: compare it with a number, not {bad[0]!r}" if bad else None
    if kind is QuestionType.MULTIPLE_CHOICE:
        return f"'{q.id}' is multiple choice: use 'includes' to test for an option"
    return f"'{q.id}' is {kind}: only 'answered' can test it"


def _not_an_option(value: object, q: Question) -> str:
    return f"{value!r} is not an option of '{q.id}' (options: {', '.join(q.option_ids())})"


def _mentioned_values(conditions: Iterable[Condition]) -> dict[str, list[object]]:
    mentioned: dict[str, list[object]] = {}
    for condition in conditions:
        for _, test in answer_tests(condition):
            values = list(test.value) if test.test == "in" else [test.value]
            mentioned.setdefault(test.answer, []).extend(values)
    return mentioned


def _domain(q: Question, mentioned: dict[str, list[object]]) -> list[AnswerValue | None]:
    """A few answers that together can make any condition in the file true or false."""
    values = mentioned.get(q.id, [])
    if q.type is QuestionType.YES_NO:
        return [None, True, False]
    if q.type is QuestionType.SINGLE_CHOICE:
        return [None, *q.option_ids()]
    if q.type is QuestionType.MULTIPLE_CHOICE:
        named = sorted({v for v in values if isinstance(v, str) and v in q.option_ids()})[:10]
        subsets = itertools.chain.from_iterable(
            itertools.combinations(named, n) for n in range(len(named) + 1)
        )
        return [None, *(frozenset(s) for s in subsets)]
    if q.type in NUMERIC:
        return [None, *_numbers(q, values)]
    if q.type is QuestionType.DATE:
        return [None, dt.date(2000, 1, 1)]
    return [None, "text"]


def _numbers(q: Question, values: list[object]) -> list[Decimal]:
    low, high = answer_range(q)
    whole = q.whole_number or q.type is QuestionType.SCALE_0_10
    candidates: set[Decimal] = {v for v in (low, high) if v is not None}
    for v in values:
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            d = Decimal(str(v))
            step = Decimal(1) if whole else Decimal("0.001")
            around = (d.to_integral_value(ROUND_FLOOR), d.to_integral_value(ROUND_CEILING))
            candidates |= {d, d - step, d + step, *around, around[0] - 1, around[1] + 1}
    return sorted(
        c
        for c in candidates
        if (low is None or c >= low)
        and (high is None or c <= high)
        and (not whole or c == c.to_integral_value())
    )


def _can_hold(condition: Condition, domains: dict[str, list[AnswerValue | None]]) -> bool:
    refs = sorted({test.answer for _, test in answer_tests(condition)})
    options = [domains.get(r, [None]) for r in refs]
    if math.prod(len(o) for o in options) > MAX_COMBINATIONS:
        return True  # too many to try: assume it can
    for combination in itertools.product(*options):
        answers = {r: v for r, v in zip(refs, combination, strict=True) if v is not None}
        if condition_holds(condition, answers):
            return True
    return False


def _message_problems(pathway: Pathway) -> Iterator[Problem]:
    t, f = pathway.triage, pathway.follow_up
    verdicts: list[tuple[str, TriageVerdict | FollowUpVerdict]] = [
        ("triage.when_nothing_fires", t.when_nothing_fires),
        ("triage.when_incomplete", t.when_incomplete),
        *((f"triage.{label('rules', i, r)}", r) for i, r in enumerate(t.rules)),
        ("follow_up.when_nothing_fires", f.when_nothing_fires),
        ("follow_up.when_incomplete", f.when_incomplete),
        *((f"follow_up.{label('rules', i, r)}", r) for i, r in enumerate(f.rules)),
    ]
    if pathway.fit is not None:
        verdicts.append(("fit.when_not_fitting", pathway.fit.when_not_fitting))
    for path, verdict in verdicts:
        for field in ("patient_message", "staff_message"):
            if not getattr(verdict, field).strip():
                yield Problem(
                    f"{path}.{field}",
                    f"outcome '{verdict.outcome}' has no {field.replace('_', ' ')}",
                )


def _follow_up_problems(pathway: Pathway) -> Iterator[Problem]:
    f = pathway.follow_up
    for path, verdict in [
        ("follow_up.when_nothing_fires", f.when_nothing_fires),
        ("follow_up.when_incomplete", f.when_incomplete),
        *((f"follow_up.{label('rules', i, r)}", r) for i, r in enumerate(f.rules)),
    ]:
        if verdict.outcome not in f.outcomes:
            yield Problem(
                f"{path}.outcome",
                f"unknown outcome '{verdict.outcome}' (outcomes: {', '.join(f.outcomes)})",
            )
    question_ids = {q.id for q in f.questions}
    for i, check in enumerate(f.checks):
        for j, question_id in enumerate(check.questions):
            if question_id not in question_ids:
                yield Problem(
                    f"follow_up.{label('checks', i, check)}.questions[{j}]",
                    f"unknown follow-up question '{question_id}'",
                )
    ae = pathway.adverse_events
    type_ids = {t.id for t in ae.types}
    for i, rule in enumerate(f.rules):
        if rule.adverse_event is not None and rule.adverse_event not in type_ids:
            yield Problem(
                f"follow_up.{label('rules', i, rule)}.adverse_event",
                f"unknown adverse event type '{rule.adverse_event}'",
            )
    severities = {s.id for s in ae.severities}
    for i, kind in enumerate(ae.types):
        if kind.default_severity not in severities:
            yield Problem(
                f"adverse_events.{label('types', i, kind)}.default_severity",
                f"unknown severity '{kind.default_severity}'",
            )
    types = {t.id for t in ae.types}
    for i, rate in enumerate(ae.published_rates):
        for type_id in rate.by_type_percent:
            if type_id not in types:
                yield Problem(
                    f"adverse_events.published_rates[{i}].by_type_percent.{type_id}",
                    f"unknown adverse event type '{type_id}'",
                )


def _measure_problems(m: Measure, path: str) -> Iterator[Problem]:
    if m.kind is not MeasureKind.NUMERIC and m.max is None:
        yield Problem(f"{path}.max", f"a {m.kind} measure needs a max")
    if m.max is not None and m.min >= m.max:
        yield Problem(f"{path}.max", f"max ({m.max}) must be greater than min ({m.min})")
    if m.kind is MeasureKind.ITEM_SUM and not m.items:
        yield Problem(f"{path}.items", "an item_sum measure needs its items")
    if m.kind is not MeasureKind.ITEM_SUM and m.items:
        yield Problem(f"{path}.items", f"a {m.kind} measure has no fixed items")
    chosen = m.patient_chosen_items
    if m.kind is MeasureKind.ITEM_MEAN and chosen is None:
        yield Problem(path, "an item_mean measure needs patient_chosen_items")
    if m.kind is not MeasureKind.ITEM_MEAN and chosen is not None:
        yield Problem(f"{path}.patient_chosen_items", f"a {m.kind} measure has no chosen items")
    if chosen is not None and chosen.min_count > chosen.max_count:
        yield Problem(f"{path}.patient_chosen_items", "min_count is greater than max_count")
    threshold = m.meaningful_change
    if threshold is None and not m.meaningful_change_note.strip():
        yield Problem(
            f"{path}.meaningful_change_note",
            "no meaningful-change threshold: say why in meaningful_change_note",
        )
    if threshold is not None and threshold.absolute is None and threshold.percent is None:
        yield Problem(f"{path}.meaningful_change", "give an absolute or a percent threshold")
    if threshold is not None and threshold.percent and not threshold.minimal_detectable_change:
        yield Problem(
            f"{path}.meaningful_change.minimal_detectable_change",
            "a percent threshold needs a minimal detectable change, so that a small change "
            "from a low baseline is not called meaningful",
        )
    for i, anchor in enumerate(m.anchors):
        if anchor.value < m.min or (m.max is not None and anchor.value > m.max):
            yield Problem(f"{path}.anchors[{i}]", f"anchor {anchor.value} is outside the range")


def _plan_problems(pathway: Pathway) -> Iterator[Problem]:
    measures = {m.id: m for m in pathway.measures}
    rule = pathway.care_plan.review_rule
    for i, measure_id in enumerate(rule.measures):
        measure = measures.get(measure_id)
        path = f"care_plan.review_rule.measures[{i}]"
        if measure is None:
            yield Problem(path, f"unknown measure '{measure_id}'")
        elif measure.meaningful_change is None:
            yield Problem(path, f"'{measure_id}' has no meaningful-change threshold to review by")
    exercises = {e.id for e in pathway.exercises}
    for i, component in enumerate(pathway.care_plan.components):
        for j, exercise_id in enumerate(component.exercises):
            if exercise_id not in exercises:
                yield Problem(
                    f"care_plan.{label('components', i, component)}.exercises[{j}]",
                    f"unknown exercise '{exercise_id}'",
                )


def _fit_problems(pathway: Pathway) -> Iterator[Problem]:
    fit = pathway.fit
    if fit is None:
        return
    questions = {q.id: q for q in pathway.screening_questions}
    for i, feature in enumerate(fit.features):
        question = questions.get(feature)
        if question is None:
            yield Problem(f"fit.features[{i}]", f"unknown screening question '{feature}'")
        elif question.type is not QuestionType.YES_NO:
            yield Problem(
                f"fit.features[{i}]",
                f"a feature is a yes/no question; '{feature}' is {question.type}",
            )
    if len(set(fit.features)) != len(fit.features):
        yield Problem("fit.features", "a feature is listed twice")
    for i, feature in enumerate(fit.required_features):
        if feature not in fit.features:
            yield Problem(f"fit.required_features[{i}]", f"'{feature}' is not one of the features")
    if fit.fits_with_at_least > len(fit.features):
        yield Problem(
            "fit.fits_with_at_least",
            f"{fit.fits_with_at_least} is more than the {len(fit.features)} features listed",
        )
    domains = {
        q.id: _domain(q, _mentioned_values([p.when for p in fit.points_elsewhere]))
        for q in questions.values()
    }
    for i, finding in enumerate(fit.points_elsewhere):
        path = f"fit.{label('points_elsewhere', i, finding)}.when"
        found = list(_condition_problems(finding.when, path, questions, None))
        yield from found
        if not found and not _can_hold(finding.when, domains):
            yield Problem(path, "this finding can never hold")


def _muscle_problems(pathway: Pathway) -> Iterator[Problem]:
    asked = {q.id for q in pathway.follow_up.questions}
    in_checks = {q for check in pathway.follow_up.checks for q in check.questions}
    for i, muscle in enumerate(pathway.session.muscles):
        for j, caution in enumerate(muscle.cautions):
            for k, question_id in enumerate(caution.ask_after_needling):
                path = (
                    f"session.{label('muscles', i, muscle)}.cautions[{j}].ask_after_needling[{k}]"
                )
                if question_id not in asked:
                    yield Problem(path, f"unknown follow-up question '{question_id}'")
                elif question_id not in in_checks:
                    yield Problem(path, f"'{question_id}' is not asked in any follow-up check")
