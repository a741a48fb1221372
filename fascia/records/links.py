"""What a patient fills in through a LEFS link: item answers saved as they go, then scored.

The engine scores the form (`fascia.pathways.score`) once every item is answered; the score
and the item answers it came from are stored as a `Measurement` of the episode, with no
staff member as its recorder. Screening links have their own module, `screening.py`.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fascia.pathways import Measure, score

from . import events
from .models import LinkKind, Measurement, PatientLink
from .screening import pathway_of

LEFS = "lefs"


def lefs_measure(link: PatientLink) -> Measure:
    """The LEFS of the pathway the link's episode follows."""
    return pathway_of(link.episode).measure(LEFS)


def lefs_answers(link: PatientLink) -> dict[str, int]:
    """The item answers saved so far, in the form's order."""
    order = [item.id for item in lefs_measure(link).items]
    return {item: int(link.answers[item]) for item in order if item in link.answers}


def _checked(measure: Measure, answers: Mapping[str, int | None]) -> dict[str, int | None]:
    items = {item.id for item in measure.items}
    low, high = measure.min, measure.max
    for item, rating in answers.items():
        if item not in items:
            raise ValueError(f"{measure.abbreviation} has no item {item!r}")
        if rating is not None and (
            isinstance(rating, bool)
            or not isinstance(rating, int)
            or rating < low
            or (high is not None and rating > high)
        ):
            raise ValueError(f"{measure.abbreviation} item {item!r}: {rating!r} is not a rating")
    return dict(answers)


def _usable_lefs_link(link: PatientLink) -> PatientLink:
    """The link, locked, if it still takes LEFS answers; ValueError otherwise."""
    locked = PatientLink.objects.select_for_update().select_related("episode").get(pk=link.pk)
    if locked.kind != LinkKind.LEFS or not locked.is_usable():
        raise ValueError("this link cannot take LEFS answers")
    return locked


def lefs_save(*, link: PatientLink, answers: Mapping[str, int | None]) -> PatientLink:
    """Save item ratings (merged over earlier ones; None clears one) through a LEFS link."""
    checked = _checked(lefs_measure(link), answers)
    with transaction.atomic():
        link = _usable_lefs_link(link)
        merged = {**link.answers, **checked}
        link.answers = {item: rating for item, rating in merged.items() if rating is not None}
        link.save(update_fields=["answers"])
        events.record(
            events.LINK_ANSWERS_SAVED,
            link,
            about=link.episode,
            detail={"answered": sorted(link.answers)},
        )
    return link


def lefs_complete(*, link: PatientLink) -> Measurement:
    """Score the patient's LEFS, store it as a measurement and close the link.

    A form with an item unanswered is not scored: `ScoreError` says which.
    """
    measure = lefs_measure(link)
    with transaction.atomic():
        link = _usable_lefs_link(link)
        items = lefs_answers(link)
        value: Decimal = score(measure, items)
        now = timezone.now()
        measurement = Measurement.objects.create(
            episode=link.episode, measure=LEFS, value=value, items=items, taken_at=now
        )
        link.completed_at = now
        link.save(update_fields=["completed_at"])
        events.record(
            events.MEASUREMENT_RECORDED,
            measurement,
            about=link.episode,
            detail={"measure": LEFS, "value": str(value), "through": "patient link"},
        )
        events.record(
            events.LINK_COMPLETED, link, about=link.episode, detail={"kind": str(link.kind)}
        )
    return measurement
