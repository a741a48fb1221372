"""Forms of the care plan and the home-exercise programme: they read what was typed; the
plan's rules are `care_plans.care_plan_problems`, the library is the pathway's."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fascia.pathways import Pathway, score_range
from fascia.pathways.models import CarePlanComponent as TemplateComponent
from fascia.pathways.models import Exercise
from fascia.records.forms.staff import StaffForm
from fascia.typed_text import TypedTextField

from ..care_plans import (
    MAX_PLANNED_SESSIONS,
    Baseline,
    Cited,
    ComponentInput,
    PlanInput,
    care_plan_problems,
    cited,
)
from ..exercises import Chosen, ExerciseGroup
from ..models import CarePlan, ExerciseProgramme

FREQUENCY_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 500
DOSAGE_MAX_LENGTH = 300


def _number(low: object, high: object, step: str = "1") -> forms.NumberInput:
    return forms.NumberInput(
        attrs={
            "min": str(low),
            "max": str(high),
            "step": step,
            "inputmode": "numeric" if step == "1" else "decimal",
        }
    )


@dataclass(frozen=True)
class ComponentRow:
    component: TemplateComponent
    sources: list[Cited]
    include: forms.BoundField
    frequency: forms.BoundField
    note: forms.BoundField


@dataclass(frozen=True)
class GoalRow:
    baseline: Baseline
    target: forms.BoundField


class CarePlanForm(StaffForm):
    planned_sessions = forms.IntegerField(
        label=_("Planned number of sessions"),
        min_value=1,
        max_value=MAX_PLANNED_SESSIONS,
        widget=_number(1, MAX_PLANNED_SESSIONS),
        error_messages={"required": _("Give the number of sessions planned.")},
    )
    review_at_session = forms.IntegerField(
        label=_("Review progress at session"),
        help_text=_("The pathway's review rule sets the default."),
        min_value=1,
        max_value=MAX_PLANNED_SESSIONS,
        widget=_number(1, MAX_PLANNED_SESSIONS),
        error_messages={"required": _("Give the session at which progress is reviewed.")},
    )

    def __init__(
        self,
        *args: Any,
        pathway: Pathway,
        baselines: list[Baseline],
        plan: CarePlan | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pathway = pathway
        self.baselines = baselines
        template = pathway.care_plan
        saved = {c.component: c for c in plan.components.all()} if plan else {}
        targets = {(g.measure, g.activity): g.target for g in plan.goals.all()} if plan else {}
        self.fields["planned_sessions"].initial = (
            plan.planned_sessions if plan else template.review_rule.by_session
        )
        self.fields["review_at_session"].initial = (
            plan.review_at_session if plan else template.review_rule.by_session
        )
        for component in template.components:
            chosen = saved.get(component.id)
            prefix = f"component-{component.id}"
            self.fields[f"{prefix}-include"] = forms.BooleanField(
                label=component.name,
                required=False,
                initial=chosen is not None if plan else True,
            )
            self.fields[f"{prefix}-frequency"] = TypedTextField(
                label=_("How often"),
                max_length=FREQUENCY_MAX_LENGTH,
                required=False,
                initial=chosen.frequency if chosen else component.default_frequency,
            )
            self.fields[f"{prefix}-note"] = TypedTextField(
                label=_("Note for this patient (optional)"),
                max_length=NOTE_MAX_LENGTH,
                required=False,
                initial=chosen.note if chosen else "",
            )
        for baseline in baselines:
            low, high = score_range(baseline.measure)
            self.fields[baseline.key] = forms.DecimalField(
                label=_("Target for %(goal)s")
                % {"goal": baseline.activity or baseline.measure.abbreviation},
                required=False,
                min_value=low,
                max_value=high,
                max_digits=6,
                decimal_places=2,
                widget=_number(low, high, step="1" if baseline.measure.whole_number else "any"),
                initial=targets.get((baseline.measure.id, baseline.activity)),
            )

    def component_rows(self) -> list[ComponentRow]:
        return [
            ComponentRow(
                component,
                cited(self.pathway, component.sources),
                self[f"component-{component.id}-include"],
                self[f"component-{component.id}-frequency"],
                self[f"component-{component.id}-note"],
            )
            for component in self.pathway.care_plan.components
        ]

    def goal_rows(self) -> list[GoalRow]:
        return [GoalRow(baseline, self[baseline.key]) for baseline in self.baselines]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for field, message in care_plan_problems(self.pathway, self.plan(), self.baselines).items():
            if field in self.fields:
                self.add_error(field, message)
            elif field == "components":
                first = self.pathway.care_plan.components[0].id
                self.add_error(f"component-{first}-include", message)
            elif field == "goals" and self.baselines:
                self.add_error(self.baselines[0].key, message)
            else:
                self.add_error(None, message)
        return cleaned

    def plan(self) -> PlanInput:
        data = self.cleaned_data
        components = tuple(
            ComponentInput(
                c.id,
                data.get(f"component-{c.id}-frequency", "").strip(),
                data.get(f"component-{c.id}-note", "").strip(),
            )
            for c in self.pathway.care_plan.components
            if data.get(f"component-{c.id}-include")
        )
        goals: dict[str, Decimal] = {
            b.key: data[b.key] for b in self.baselines if data.get(b.key) is not None
        }
        return PlanInput(
            planned_sessions=data["planned_sessions"],
            review_at_session=data["review_at_session"],
            components=components,
            goals=goals,
        )


@dataclass(frozen=True)
class ExerciseRow:
    exercise: Exercise
    include: forms.BoundField
    dosage: forms.BoundField
    note: forms.BoundField


@dataclass(frozen=True)
class ExerciseGroupRows:
    group: ExerciseGroup
    rows: list[ExerciseRow]


class ProgrammeForm(StaffForm):
    """The pathway's exercises, by category: tick those to give, adjust each dosage."""

    def __init__(
        self,
        *args: Any,
        groups: list[ExerciseGroup],
        current: ExerciseProgramme | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups
        given = {row.exercise: row for row in current.exercises.all()} if current else {}
        for group in groups:
            for exercise in group.exercises:
                row = given.get(exercise.id)
                self.fields[f"exercise-{exercise.id}-include"] = forms.BooleanField(
                    label=exercise.name, required=False, initial=row is not None
                )
                self.fields[f"exercise-{exercise.id}-dosage"] = TypedTextField(
                    label=_("Dosage"),
                    max_length=DOSAGE_MAX_LENGTH,
                    required=False,
                    initial=row.dosage if row else exercise.dosage.text,
                )
                self.fields[f"exercise-{exercise.id}-note"] = TypedTextField(
                    label=_("Note for the patient (optional)"),
                    max_length=NOTE_MAX_LENGTH,
                    required=False,
                    initial=row.note if row else "",
                )

    def group_rows(self) -> list[ExerciseGroupRows]:
        return [
            ExerciseGroupRows(
                group,
                [
                    ExerciseRow(
                        exercise,
                        self[f"exercise-{exercise.id}-include"],
                        self[f"exercise-{exercise.id}-dosage"],
                        self[f"exercise-{exercise.id}-note"],
                    )
                    for exercise in group.exercises
                ],
            )
            for group in self.groups
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = [
            e.id
            for group in self.groups
            for e in group.exercises
            if cleaned.get(f"exercise-{e.id}-include")
        ]
        if not chosen and self.groups:
            first = self.groups[0].exercises[0].id
            self.add_error(f"exercise-{first}-include", _("Choose at least one exercise."))
        for exercise in chosen:
            name = f"exercise-{exercise}-dosage"
            if name not in self.errors and not cleaned.get(name, "").strip():
                self.add_error(name, _("Give the dosage for this exercise."))
        return cleaned

    def chosen(self) -> list[Chosen]:
        data = self.cleaned_data
        return [
            Chosen(
                e.id,
                data[f"exercise-{e.id}-dosage"].strip(),
                data.get(f"exercise-{e.id}-note", "").strip(),
            )
            for group in self.groups
            for e in group.exercises
            if data.get(f"exercise-{e.id}-include")
        ]
