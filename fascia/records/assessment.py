"""Recording the physiotherapist's assessment: the examination, its measures and trigger points.

The engine (`fascia.pathways.validate_examination`) checks the examination against the
pathway the episode follows and scores its measures; what it accepts is stored in one
transaction: the `Assessment`, a `TriggerPoint` row per marked muscle and side, a
`Measurement` row per score (NPRS now, worst and least in the last week as three rows told
apart by `qualifier`; sitting tolerance; the LEFS when done in the clinic; the PSFS), and
their audit events. The first assessment of an episode still in screening moves it to
assessment; moving on to treatment is for consent and later steps.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts.models import User
from fascia.pathways import ExaminationInput, validate_examination

from . import events
from .actions import ActionError, episode_set_status
from .models import Assessment, Episode, EpisodeStatus, Measurement, TriggerPoint
from .screening import pathway_of


def _json_number(value: Decimal) -> int | float:
    """A score or rating as JSON stores it: whole numbers as ints."""
    return int(value) if value == value.to_integral_value() else float(value)


def assessment_record(
    *,
    episode: Episode,
    examination: ExaminationInput,
    history: Mapping[str, object],
    findings: str,
    by: User,
    ip: str | None,
) -> Assessment:
    """Store the assessment the engine accepts (`ExaminationError` naming each field it
    refuses, and nothing stored); `ActionError` when the episode is closed."""
    found = validate_examination(pathway_of(episode), examination)
    with transaction.atomic():
        episode = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
        if not episode.is_open:
            raise ActionError(_("This episode is closed, so no assessment can be recorded in it."))
        assessment = Assessment.objects.create(
            episode=episode,
            pathway_version=episode.pathway_version,
            pathway_sha256=episode.pathway_sha256,
            assessed_at=timezone.now(),
            assessed_by=by,
            history=dict(history),
            special_tests=[
                {"test": r.test, "side": r.side, "result": r.result} for r in found.special_tests
            ],
            range_of_motion=[
                {"movement": r.movement, "side": r.side, "degrees": _json_number(r.degrees)}
                for r in found.range_of_motion
            ],
            diagnosis_code=found.diagnosis_code,
            diagnosis_side=found.diagnosis_side,
            findings=findings,
        )
        TriggerPoint.objects.bulk_create(
            TriggerPoint(assessment=assessment, muscle=p.muscle, side=p.side, kind=p.kind)
            for p in found.trigger_points
        )
        events.record(
            events.ASSESSMENT_RECORDED,
            assessment,
            about=episode,
            by=by,
            ip=ip,
            detail={
                "pathway": f"{episode.pathway_id}@{episode.pathway_version}",
                "special_tests": len(found.special_tests),
                "trigger_points": len(found.trigger_points),
                "measures": [m.measure for m in found.measures],
            },
        )
        for scored in found.measures:
            measurement = Measurement.objects.create(
                episode=episode,
                measure=scored.measure,
                qualifier=scored.qualifier,
                value=scored.value,
                items={key: _json_number(rating) for key, rating in scored.items.items()},
                taken_at=assessment.assessed_at,
                recorded_by=by,
                assessment=assessment,
            )
            events.record(
                events.MEASUREMENT_RECORDED,
                measurement,
                about=episode,
                by=by,
                ip=ip,
                detail={"measure": scored.measure, "qualifier": scored.qualifier},
            )
        if episode.status == EpisodeStatus.SCREENING:
            episode_set_status(
                episode, EpisodeStatus.ASSESSMENT, by=by, ip=ip, reason="assessment recorded"
            )
    return assessment
