"""Home exercises: the programme, its PDF handout, the patient's private page and adherence.

A programme is chosen from the pathway's exercise library, each exercise with a dosage
(the pathway's, adjusted for the patient) and a note. Giving a new programme replaces the
one before (`replaced_at`), which is kept. The patient's page, `/p/<token>/`, is found by
the SHA-256 of its token, made as the records' private links are made; the token is shown
once to the staff member who makes the link. A link works until its programme is replaced
or `FASCIA_EXERCISE_LINK_DAYS` pass; making a new one stops the old. On the page the
patient ticks "done today" for an exercise: one `ExerciseDone` per exercise and day in the
clinic's time zone, however often it is sent. Opening the page and ticking are audited
with no actor; the handout is audited as it is made.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from fascia.accounts.models import User
from fascia.pathways import Pathway
from fascia.pathways.models import Exercise, ExerciseCategory
from fascia.records.actions import ActionError
from fascia.records.events import record, viewed
from fascia.records.models import Episode, new_link_token, token_digest
from fascia.records.screening import pathway_of

from . import events
from .models import ExerciseDone, ExerciseProgramme, ProgrammeExercise

ADHERENCE_DAYS = 14
HANDOUT_STYLESHEET = "css/exercise-handout.css"
CATEGORY_LABELS = {
    ExerciseCategory.STRETCH: gettext_lazy("Stretches"),
    ExerciseCategory.STRENGTHENING: gettext_lazy("Strengthening"),
    ExerciseCategory.MOVEMENT_REEDUCATION: gettext_lazy("Movement re-education"),
}


def exercise_library(pathway: Pathway) -> dict[str, Exercise]:
    return {exercise.id: exercise for exercise in pathway.exercises}


@dataclass(frozen=True)
class ExerciseGroup:
    """The pathway's exercises of one category, with the care-plan component that lists
    them ("" when none does)."""

    category: ExerciseCategory
    label: str
    component: str
    exercises: list[Exercise]


def exercise_groups(pathway: Pathway) -> list[ExerciseGroup]:
    listed_by = {
        exercise: component.name
        for component in pathway.care_plan.components
        for exercise in component.exercises
    }
    groups = []
    for category in ExerciseCategory:
        exercises = [e for e in pathway.exercises if e.category is category]
        if exercises:
            components = dict.fromkeys(listed_by.get(e.id, "") for e in exercises)
            groups.append(
                ExerciseGroup(
                    category,
                    str(CATEGORY_LABELS[category]),
                    ", ".join(filter(None, components)),
                    exercises,
                )
            )
    return groups


@dataclass(frozen=True)
class Chosen:
    exercise: str
    dosage: str
    note: str = ""


def programme_give(
    *, episode: Episode, chosen: Sequence[Chosen], by: User, ip: str | None
) -> ExerciseProgramme:
    """Give the patient a new programme, replacing the current one (kept, with the time it
    was replaced). `ActionError` for a closed episode, no exercise, or one the pathway does
    not have."""
    library = exercise_library(pathway_of(episode))
    if not chosen:
        raise ActionError(_("Choose at least one exercise."))
    unknown = [c.exercise for c in chosen if c.exercise not in library]
    if unknown or len({c.exercise for c in chosen}) != len(chosen):
        raise ActionError(_("Choose the exercises from the pathway's library, each once."))
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        if not episode.is_open:
            raise ActionError(_("This episode is closed: no exercises can be given."))
        now = timezone.now()
        replaced = list(ExerciseProgramme.objects.filter(episode=episode, replaced_at__isnull=True))
        for old in replaced:
            old.replaced_at = now
            old.save(update_fields=["replaced_at"])
        programme = ExerciseProgramme.objects.create(
            episode=episode, pathway_version=episode.pathway_version, created_by=by
        )
        ProgrammeExercise.objects.bulk_create(
            ProgrammeExercise(
                programme=programme,
                exercise=c.exercise,
                position=position,
                dosage=c.dosage,
                note=c.note,
            )
            for position, c in enumerate(chosen)
        )
        record(
            events.PROGRAMME_CREATED,
            programme,
            about=episode,
            by=by,
            ip=ip,
            detail={
                "exercises": [c.exercise for c in chosen],
                "replaced": [old.pk for old in replaced],
            },
        )
    return programme


def current_programme(episode: Episode) -> ExerciseProgramme | None:
    """The episode's programme in use, with its exercises (two queries), or None."""
    return (
        ExerciseProgramme.objects.filter(episode=episode, replaced_at__isnull=True)
        .select_related("created_by")
        .prefetch_related("exercises")
        .first()
    )


def replaced_programmes(episode: Episode) -> list[ExerciseProgramme]:
    """The episode's earlier programmes, newest first."""
    return list(
        ExerciseProgramme.objects.filter(episode=episode, replaced_at__isnull=False)
        .select_related("created_by")
        .prefetch_related("exercises")
    )


def episode_programme(episode: Episode, programme_id: int) -> ExerciseProgramme:
    """One of the episode's programmes, current or replaced; 404 if it has no such one."""
    try:
        return (
            ExerciseProgramme.objects.select_related("episode__patient", "episode__clinic")
            .select_related("created_by")
            .prefetch_related("exercises")
            .get(episode=episode, pk=programme_id)
        )
    except ExerciseProgramme.DoesNotExist:
        raise Http404 from None


def programmes_viewed(
    *, episode: Episode, programme: ExerciseProgramme | None, by: User, ip: str | None
) -> None:
    viewed(events.PROGRAMME_VIEWED, programme or episode, about=episode, by=by, ip=ip)


# The patient's private link


def programme_link_create(
    *, programme: ExerciseProgramme, by: User, ip: str | None
) -> tuple[ExerciseProgramme, str]:
    """A new private link to the programme, and its token (shown once, never stored). A
    link made before stops working."""
    token = new_link_token()
    with transaction.atomic():
        programme = (
            ExerciseProgramme.objects.select_for_update(of=("self",))
            .select_related("episode")
            .get(pk=programme.pk)
        )
        if programme.replaced_at is not None:
            raise ActionError(_("These exercises were replaced: make a link to the new ones."))
        if not programme.episode.is_open:
            raise ActionError(_("This episode is closed: no new link can be made."))
        programme.token_sha256 = token_digest(token)
        programme.link_expires_at = timezone.now() + timedelta(
            days=settings.FASCIA_EXERCISE_LINK_DAYS
        )
        programme.save(update_fields=["token_sha256", "link_expires_at"])
        record(
            events.PROGRAMME_LINK_CREATED,
            programme,
            about=programme.episode,
            by=by,
            ip=ip,
            detail={"expires": programme.link_expires_at.isoformat()},
        )
    return programme, token


def programme_find(token: str) -> ExerciseProgramme | None:
    """The programme the token opens, usable or not (the page says which); None if none."""
    return (
        ExerciseProgramme.objects.select_related("episode__patient", "episode__clinic")
        .prefetch_related("exercises")
        .filter(token_sha256=token_digest(token))
        .first()
    )


def link_is_usable(programme: ExerciseProgramme, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        programme.replaced_at is None
        and programme.link_expires_at is not None
        and now < programme.link_expires_at
        and programme.episode.is_open
    )


def clinic_today(programme: ExerciseProgramme) -> date:
    """Today where the patient's clinic is: the day a tick counts for."""
    return timezone.localdate(timezone=ZoneInfo(programme.episode.clinic.time_zone))


def programme_opened(programme: ExerciseProgramme) -> None:
    viewed(events.PROGRAMME_OPENED_BY_PATIENT, programme, about=programme.episode, by=None, ip=None)


def exercise_done(*, programme: ExerciseProgramme, exercise_id: int) -> ExerciseDone:
    """The patient did an exercise today (clinic time): recorded once per day, however
    often it is sent. `ActionError` when the link no longer works; 404 for an exercise the
    programme does not have."""
    with transaction.atomic():
        programme = (
            ExerciseProgramme.objects.select_for_update(of=("self",))
            .select_related("episode__clinic")
            .get(pk=programme.pk)
        )
        if not link_is_usable(programme):
            raise ActionError(_("This page no longer takes ticks."))
        try:
            exercise = programme.exercises.get(pk=exercise_id)
        except ProgrammeExercise.DoesNotExist:
            raise Http404 from None
        done, created = ExerciseDone.objects.get_or_create(
            exercise=exercise, day=clinic_today(programme)
        )
        if created:
            record(
                events.EXERCISE_DONE,
                done,
                about=programme.episode,
                detail={"exercise": exercise.exercise, "day": done.day.isoformat()},
            )
    return done


# Adherence


@dataclass(frozen=True)
class ExerciseAdherence:
    exercise: ProgrammeExercise
    name: str
    last_7_days: int
    last_14_days: int
    """Days done, today included."""
    done_today: bool


def adherence(
    programme: ExerciseProgramme, pathway: Pathway, today: date
) -> list[ExerciseAdherence]:
    """Days done per exercise in the last 7 and 14 days (one query)."""
    since = today - timedelta(days=ADHERENCE_DAYS - 1)
    week = today - timedelta(days=6)
    done: dict[int, set[date]] = defaultdict(set)
    rows = ExerciseDone.objects.filter(
        exercise__programme=programme, day__gte=since, day__lte=today
    ).values_list("exercise_id", "day")
    for exercise_id, day in rows:
        done[exercise_id].add(day)
    library = exercise_library(pathway)
    return [
        ExerciseAdherence(
            exercise,
            library[exercise.exercise].name if exercise.exercise in library else exercise.exercise,
            sum(1 for day in done[exercise.pk] if day >= week),
            len(done[exercise.pk]),
            today in done[exercise.pk],
        )
        for exercise in programme.exercises.all()
    ]


@dataclass(frozen=True)
class ProgrammeSummary:
    """The programme in use as the episode page shows it, with adherence."""

    programme: ExerciseProgramme
    adherence: list[ExerciseAdherence]
    link_works: bool


def programme_summary(episode: Episode, pathway: Pathway) -> ProgrammeSummary | None:
    """The episode's programme in use with its adherence (three queries), or None."""
    programme = current_programme(episode)
    if programme is None:
        return None
    programme.episode = episode
    return ProgrammeSummary(
        programme,
        adherence(programme, pathway, clinic_today(programme)),
        programme.token_sha256 is not None and link_is_usable(programme),
    )


# The handout


@dataclass(frozen=True)
class HandoutExercise:
    exercise: Exercise
    dosage: str
    note: str


def handout_exercises(programme: ExerciseProgramme, pathway: Pathway) -> list[HandoutExercise]:
    library = exercise_library(pathway)
    return [
        HandoutExercise(library[row.exercise], row.dosage, row.note)
        for row in programme.exercises.all()
        if row.exercise in library
    ]


def local_only() -> URLFetcher:
    """WeasyPrint's fetcher for the handout: it refuses every address (the stylesheet is
    read from its file, the fonts are the machine's), so making a PDF calls nothing
    outside."""
    return URLFetcher(allowed_protocols=("data",))


def handout_pdf(*, programme: ExerciseProgramme, by: User, ip: str | None) -> bytes:
    """The programme as a printable handout (PDF), audited as it is made."""
    episode = programme.episode
    pathway = pathway_of(episode)
    html = render_to_string(
        "treatment/exercises/handout.html",
        {
            "programme": programme,
            "patient": episode.patient,
            "clinic": episode.clinic,
            "practitioner": programme.created_by,
            "exercises": handout_exercises(programme, pathway),
            "made_on": timezone.localdate(),
        },
    )
    stylesheet = CSS(filename=finders.find(HANDOUT_STYLESHEET), url_fetcher=local_only())
    pdf = HTML(string=html, url_fetcher=local_only()).write_pdf(stylesheets=[stylesheet])
    with transaction.atomic():
        record(
            events.PROGRAMME_HANDOUT_MADE,
            programme,
            about=episode,
            by=by,
            ip=ip,
            detail={"exercises": [row.exercise for row in programme.exercises.all()]},
        )
    return pdf
