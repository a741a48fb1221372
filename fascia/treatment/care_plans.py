"""The care plan: started from the pathway's template, adjusted for the patient, audited.

A plan has goals (the patient's PSFS activities from the assessment, each with its score
now and the score aimed for, and optional targets for the measures the pathway's review
rule watches), the pathway's components with how often each is done, the planned number
of sessions and the session at which progress is reviewed. What the template offers and
the measures' ranges are the pathway's; the bounds it does not give are clinic policy,
said in each message. `care_plan_problems` judges a plan before it is saved, one message per
field; `care_plan_save` creates or changes the episode's one plan and audits what changed,
never the values.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from fascia.accounts.models import User
from fascia.pathways import CLINIC_POLICY, Measure, Pathway, score_range
from fascia.pathways.models import CarePlanTemplate, Direction
from fascia.records.actions import ActionError
from fascia.records.events import record, viewed
from fascia.records.models import Episode, Measurement
from fascia.records.screening import pathway_of

from . import events
from .models import CarePlan, CarePlanComponent, CarePlanGoal

PSFS = "psfs"
NPRS = "nprs"
NPRS_NOW = "now"
# The plan's rules the pathway does not give are clinic policy (CLINIC_POLICY), and each
# message says so: at most this many sessions planned before planning again, a review
# point within them, at least one goal and one component, a target better than now.
MAX_PLANNED_SESSIONS = 24
MIN_GOALS = 1


@dataclass(frozen=True)
class ComponentInput:
    component: str
    frequency: str
    note: str = ""


@dataclass(frozen=True)
class PlanInput:
    planned_sessions: int
    review_at_session: int
    components: tuple[ComponentInput, ...]
    goals: Mapping[str, Decimal]
    """Targets by the goal they are for (`Baseline.key`), so a problem names its field."""


@dataclass(frozen=True)
class Baseline:
    """Something a goal can start from: a PSFS activity or a measure's first score."""

    key: str
    measure: Measure
    activity: str
    value: Decimal | None


def template_of(episode: Episode) -> CarePlanTemplate:
    return pathway_of(episode).care_plan


def goal_baselines(episode: Episode, pathway: Pathway) -> list[Baseline]:
    """What the plan's goals start from: each PSFS activity of the first PSFS (its rating
    now), then each measure the review rule watches with its first score (NPRS: pain now).
    One query."""
    watched = [m for m in pathway.care_plan.review_rule.measures if m != PSFS]
    first: dict[str, Measurement] = {}
    rows = Measurement.objects.filter(episode=episode, measure__in=[PSFS, *watched]).order_by(
        "taken_at", "pk"
    )
    for row in rows:
        if row.measure == NPRS and row.qualifier not in ("", NPRS_NOW):
            continue
        first.setdefault(row.measure, row)
    baselines = []
    psfs = first.get(PSFS)
    if psfs is not None:
        measure = pathway.measure(PSFS)
        for number, (activity, rating) in enumerate(psfs.item_pairs, start=1):
            baselines.append(
                Baseline(f"goal-psfs-{number}", measure, activity, Decimal(str(rating)))
            )
    for measure_id in watched:
        row = first.get(measure_id)
        baselines.append(
            Baseline(
                f"goal-{measure_id}",
                pathway.measure(measure_id),
                "",
                row.value if row is not None else None,
            )
        )
    return baselines


def _better(measure: Measure, target: Decimal, baseline: Decimal) -> bool:
    if measure.direction is Direction.LOWER_IS_BETTER:
        return target < baseline
    return target > baseline


def care_plan_problems(
    pathway: Pathway, plan: PlanInput, baselines: list[Baseline]
) -> dict[str, str]:
    """What is wrong with a plan, by field ("" for the plan as a whole); empty when none."""
    problems: dict[str, str] = {}
    if not 1 <= plan.planned_sessions <= MAX_PLANNED_SESSIONS:
        problems["planned_sessions"] = _(
            "Plan between 1 and %(most)s sessions (clinic policy); plan again after that."
        ) % {"most": MAX_PLANNED_SESSIONS}
    elif not 1 <= plan.review_at_session <= plan.planned_sessions:
        problems["review_at_session"] = _(
            "Review at a session from 1 to %(planned)s, the number planned (clinic policy)."
        ) % {"planned": plan.planned_sessions}
    known = {c.id for c in pathway.care_plan.components}
    chosen = [c.component for c in plan.components]
    if not chosen:
        problems["components"] = _("Choose at least one part of the plan (clinic policy).")
    elif not set(chosen) <= known or len(set(chosen)) != len(chosen):
        problems["components"] = _("Choose the parts of the plan from the pathway's list.")
    for component in plan.components:
        if not component.frequency.strip():
            problems[f"component-{component.component}-frequency"] = _(
                "Say how often this is done, or leave this part out of the plan."
            )
    by_key = {b.key: b for b in baselines}
    for key, target in plan.goals.items():
        baseline = by_key.get(key)
        if baseline is None:
            problems[key] = _("This goal is not one the plan can have.")
            continue
        low, high = score_range(baseline.measure)
        if target < low or (high is not None and target > high):
            problems[key] = _("Give a target from %(low)s to %(high)s.") % {
                "low": low,
                "high": high,
            }
        elif baseline.value is not None and not _better(baseline.measure, target, baseline.value):
            problems[key] = _(
                "A target is better than the score now (%(now)s): set one the patient is "
                "working towards (clinic policy)."
            ) % {"now": format(baseline.value.normalize(), "f")}
    if len(plan.goals) < MIN_GOALS:
        problems["goals"] = _(
            "Give a target for at least one goal: an activity or a measure (clinic policy)."
        )
    return problems


def _goal_rows(
    plan: CarePlan, goals: Mapping[str, Decimal], baselines: list[Baseline]
) -> list[CarePlanGoal]:
    by_key = {b.key: b for b in baselines}
    return [
        CarePlanGoal(
            plan=plan,
            measure=by_key[key].measure.id,
            activity=by_key[key].activity,
            baseline=by_key[key].value,
            target=target,
        )
        for key, target in goals.items()
    ]


def _goal_facts(rows) -> list[tuple[str, str, str]]:
    return sorted((g.measure, g.activity, str(Decimal(g.target).normalize())) for g in rows)


def _component_facts(rows) -> list[tuple[str, str, str]]:
    return sorted((c.component, c.frequency, c.note) for c in rows)


def care_plan_save(*, episode: Episode, plan: PlanInput, by: User, ip: str | None) -> CarePlan:
    """Create the episode's care plan, or change it. `ActionError` for a
    closed episode or a plan with problems (nothing is stored)."""
    pathway = pathway_of(episode)
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        if not episode.is_open:
            raise ActionError(_("This episode is closed: its care plan cannot be changed."))
        baselines = goal_baselines(episode, pathway)
        problems = care_plan_problems(pathway, plan, baselines)
        if problems:
            raise ActionError(" ".join(problems.values()))
        current = CarePlan.objects.filter(episode=episode).first()
        created = current is None
        if current is None:
            current = CarePlan.objects.create(
                episode=episode,
                pathway_version=episode.pathway_version,
                planned_sessions=plan.planned_sessions,
                review_at_session=plan.review_at_session,
                created_by=by,
            )
            before_goals: list = []
            before_components: list = []
        else:
            before_goals = _goal_facts(current.goals.all())
            before_components = _component_facts(current.components.all())
        changed = []
        for name in ("planned_sessions", "review_at_session"):
            if getattr(current, name) != getattr(plan, name):
                setattr(current, name, getattr(plan, name))
                changed.append(name)
        current.save()
        new_goals = _goal_rows(current, plan.goals, baselines)
        new_components = [
            CarePlanComponent(
                plan=current, component=c.component, frequency=c.frequency, note=c.note
            )
            for c in plan.components
        ]
        if _goal_facts(new_goals) != before_goals:
            changed.append("goals")
            current.goals.all().delete()
            CarePlanGoal.objects.bulk_create(new_goals)
        if _component_facts(new_components) != before_components:
            changed.append("components")
            current.components.all().delete()
            CarePlanComponent.objects.bulk_create(new_components)
        if created:
            record(
                events.CARE_PLAN_CREATED,
                current,
                about=episode,
                by=by,
                ip=ip,
                detail={
                    "pathway": f"{episode.pathway_id}@{episode.pathway_version}",
                    "components": sorted(c.component for c in plan.components),
                    "goals": len(new_goals),
                },
            )
        elif changed:
            record(
                events.CARE_PLAN_UPDATED,
                current,
                about=episode,
                by=by,
                ip=ip,
                detail={"changed": changed},
            )
    return current


def episode_care_plan(episode: Episode) -> CarePlan | None:
    """The episode's plan with its goals and components (three queries), or None."""
    return (
        CarePlan.objects.filter(episode=episode)
        .prefetch_related("goals", "components")
        .select_related("created_by")
        .first()
    )


def care_plan_viewed(*, episode: Episode, plan: CarePlan | None, by: User, ip: str | None) -> None:
    viewed(events.CARE_PLAN_VIEWED, plan or episode, about=episode, by=by, ip=ip)


@dataclass(frozen=True)
class Cited:
    """A source as a page cites it."""

    id: str
    citation: str
    link: str
    confirmed: bool


def cited(pathway: Pathway, ids: Iterable[str]) -> list[Cited]:
    """The sources named, as the pathway cites them; clinic policy says it is a choice."""
    known = {source.id: source for source in pathway.sources}
    policy = _("Clinic policy: our choice, not published evidence")
    return [
        Cited(source_id, policy, "", True)
        if source_id == CLINIC_POLICY
        else Cited(
            source_id,
            known[source_id].citation,
            known[source_id].link or "",
            known[source_id].confirmed,
        )
        for source_id in ids
    ]


@dataclass(frozen=True)
class ComponentView:
    """A component of the plan as a page shows it: the pathway's name, note and sources
    beside the frequency set for the patient."""

    id: str
    name: str
    frequency: str
    note: str
    pathway_note: str
    sources: list[Cited]


def component_views(pathway: Pathway, plan: CarePlan) -> list[ComponentView]:
    template = {c.id: c for c in pathway.care_plan.components}
    views = []
    for row in plan.components.all():
        known = template.get(row.component)
        views.append(
            ComponentView(
                row.component,
                known.name if known else row.component,
                row.frequency,
                row.note,
                known.note if known else "",
                cited(pathway, known.sources) if known else [],
            )
        )
    return views


@dataclass(frozen=True)
class GoalView:
    label: str
    measure: str
    baseline: str
    target: str


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def goal_views(pathway: Pathway, plan: CarePlan) -> list[GoalView]:
    names = {m.id: m.abbreviation for m in pathway.measures}
    return [
        GoalView(
            goal.activity or names.get(goal.measure, goal.measure),
            names.get(goal.measure, goal.measure),
            _number(goal.baseline),
            _number(goal.target),
        )
        for goal in plan.goals.all()
    ]


@dataclass(frozen=True)
class CarePlanSummary:
    """The plan as the episode page shows it."""

    plan: CarePlan
    goals: list[GoalView]
    components: list[ComponentView]


def care_plan_summary(episode: Episode, pathway: Pathway) -> CarePlanSummary | None:
    """The episode's plan, ready for a page (three queries), or None."""
    plan = episode_care_plan(episode)
    if plan is None:
        return None
    return CarePlanSummary(plan, goal_views(pathway, plan), component_views(pathway, plan))
