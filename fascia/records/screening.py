"""Screening: private links for the patient, saving answers, and the engine's stored decision.

The engine (`fascia.pathways.triage`) decides; its decision is stored with the answers, the
rules that fired and the pathway version, once, when a screening is completed, and never
recomputed. A clinician's screening or review is a new `Screening`.

An emergency answer raises its alert as soon as it is saved, before the patient finishes:
the patient is told at once where to go, and the clinic hears of it the same minute.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fascia.accounts.models import User
from fascia.pathways import (
    REGISTRY,
    AnswerValue,
    Pathway,
    Respondent,
    TriageDecision,
    TriageOutcome,
    answers_from_json,
    answers_to_json,
    triage,
)

from . import events
from .actions import episode_set_status
from .models import (
    Alert,
    AlertKind,
    Episode,
    EpisodeStatus,
    LinkKind,
    PatientLink,
    Screening,
    new_link_token,
    token_digest,
)
from .models import Respondent as StoredRespondent

# Outcomes that raise an alert on the episode, and the alert they raise.
ALERTING = {
    TriageOutcome.EMERGENCY_REFERRAL: AlertKind.EMERGENCY,
    TriageOutcome.CLINICIAN_REVIEW: AlertKind.CLINICIAN_REVIEW,
}


def pathway_of(episode: Episode) -> Pathway:
    """The pathway the episode was opened under, checked against its stored hash."""
    return REGISTRY.get(episode.pathway_id, episode.pathway_version, sha256=episode.pathway_sha256)


def stored_answers(screening: Screening) -> dict[str, AnswerValue]:
    """A screening's answers as the engine reads them."""
    return answers_from_json(pathway_of(screening.episode).screening_questions, screening.answers)


def patient_link_create(
    *, episode: Episode, kind: LinkKind, by: User, ip: str | None
) -> tuple[PatientLink, str]:
    """A new private link for the episode's patient, and its token (shown once, never stored)."""
    token = new_link_token()
    with transaction.atomic():
        link = PatientLink.objects.create(
            episode=episode, kind=kind, token_sha256=token_digest(token), created_by=by
        )
        events.record(
            events.LINK_CREATED,
            link,
            about=episode,
            by=by,
            ip=ip,
            detail={"kind": str(kind), "expires": link.expires_at.isoformat()},
        )
    return link, token


def patient_link_find(token: str) -> PatientLink | None:
    """The link with this token, usable or not (the page says which); None if there is none."""
    return (
        PatientLink.objects.select_related("episode__patient", "episode__clinic", "screening")
        .filter(token_sha256=token_digest(token))
        .first()
    )


def _decision_fields(decision: TriageDecision) -> dict[str, object]:
    return {
        "outcome": str(decision.outcome),
        "safety_outcome": str(decision.safety),
        "fit_status": str(decision.fit.status) if decision.fit else "",
        "fired": [
            {
                "id": f.id,
                "outcome": f.outcome,
                "patient_message": f.patient_message.text,
                "staff_message": f.staff_message.text,
                "sources": list(f.sources),
            }
            for f in decision.fired
        ],
        "unanswered": list(decision.unanswered),
    }


def _raise_alert(screening: Screening, decision: TriageDecision) -> Alert | None:
    """Raise the alert the decision calls for, once per screening and kind."""
    kind = ALERTING.get(decision.outcome)
    if kind is None or screening.alerts.filter(kind=kind).exists():
        return None
    episode = screening.episode
    staff = "; ".join(f.staff_message.text for f in decision.fired if f.outcome == decision.outcome)
    alert = Alert.objects.create(
        episode=episode, clinic_id=episode.clinic_id, kind=kind, message=staff, screening=screening
    )
    events.record(events.ALERT_RAISED, alert, about=episode, detail={"kind": str(kind)})
    if kind is AlertKind.EMERGENCY:
        episode_set_status(
            episode, EpisodeStatus.REFERRED, by=None, ip=None, reason="emergency screening answer"
        )
    return alert


@dataclass(frozen=True)
class Saved:
    screening: Screening
    decision: TriageDecision
    """The engine's reading of the answers so far (the patient's questions only)."""


def screening_save(*, link: PatientLink, answers: Mapping[str, object]) -> Saved:
    """Save the patient's answers so far (merged over earlier ones) through their link.

    Answers are validated by the engine (`AnswerError` for one that does not fit). An
    emergency reached by the answers so far raises its alert now.
    """
    if link.kind != LinkKind.SCREENING or not link.is_usable():
        raise ValueError("this link cannot take screening answers")
    pathway = pathway_of(link.episode)
    with transaction.atomic():
        link = PatientLink.objects.select_for_update().select_related("episode").get(pk=link.pk)
        screening = link.screening or Screening(
            episode=link.episode,
            respondent=StoredRespondent.PATIENT,
            pathway_id=link.episode.pathway_id,
            pathway_version=link.episode.pathway_version,
            pathway_sha256=link.episode.pathway_sha256,
        )
        merged = {**answers_from_json(pathway.screening_questions, screening.answers), **answers}
        decision = triage(pathway, merged, respondent=Respondent.PATIENT)
        screening.answers = answers_to_json(pathway.screening_questions, merged)
        screening.save()
        if link.screening_id is None:
            link.screening = screening
            link.save(update_fields=["screening"])
        events.record(
            events.SCREENING_SAVED,
            screening,
            about=link.episode,
            detail={"answered": sorted(screening.answers)},
        )
        if decision.outcome is TriageOutcome.EMERGENCY_REFERRAL:
            _raise_alert(screening, decision)
    return Saved(screening, decision)


def screening_complete(*, link: PatientLink) -> Screening:
    """Finish the patient's screening: decide once, store the decision, close the link."""
    pathway = pathway_of(link.episode)
    with transaction.atomic():
        link = PatientLink.objects.select_for_update().select_related("episode").get(pk=link.pk)
        screening = link.screening
        if screening is None or not link.is_usable():
            raise ValueError("this link has no screening to complete")
        decision = triage(pathway, stored_answers(screening), respondent=Respondent.PATIENT)
        _store_decision(screening, decision, by=None, ip=None)
        link.completed_at = screening.completed_at
        link.save(update_fields=["completed_at"])
    return screening


def screening_record(
    *, episode: Episode, answers: Mapping[str, object], by: User, ip: str | None
) -> Screening:
    """A clinician's screening or review of the episode: the answers decided and stored."""
    pathway = pathway_of(episode)
    decision = triage(pathway, answers, respondent=Respondent.CLINICIAN)
    with transaction.atomic():
        screening = Screening(
            episode=episode,
            respondent=StoredRespondent.CLINICIAN,
            answers=answers_to_json(pathway.screening_questions, answers),
            pathway_id=episode.pathway_id,
            pathway_version=episode.pathway_version,
            pathway_sha256=episode.pathway_sha256,
            recorded_by=by,
        )
        _store_decision(screening, decision, by=by, ip=ip)
    return screening


def _store_decision(
    screening: Screening, decision: TriageDecision, *, by: User | None, ip: str | None
) -> None:
    for field, value in _decision_fields(decision).items():
        setattr(screening, field, value)
    screening.completed_at = timezone.now()
    screening.save()
    episode = screening.episode
    events.record(
        events.SCREENING_COMPLETED,
        screening,
        about=episode,
        by=by,
        ip=ip,
        detail={"outcome": screening.outcome, "fired": [f["id"] for f in screening.fired]},
    )
    _raise_alert(screening, decision)
