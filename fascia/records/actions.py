"""Writes to patients and episodes. Each runs in one transaction with its audit events.

Screenings, assessments and consents have their own modules (`screening.py`,
`assessment.py`, `consent.py`); they follow the same rule.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.pathways import REGISTRY

from . import events
from .models import CLOSED_STATUSES, Episode, EpisodeStatus, Patient

PIRIFORMIS = "piriformis-dry-needling"
"""The pathway new episodes follow unless another is named."""


class ActionError(Exception):
    """A change that cannot be made, with a message to show as it is."""


@dataclass(frozen=True)
class PatientDetails:
    """What the patient form collects; phone numbers already read into E.164."""

    full_name: str
    clinic: Clinic
    date_of_birth: date | None = None
    sex: str = ""
    mobile: Any = ""
    email: str = ""
    city: str = ""
    preferred_language: str = "en"
    emergency_contact_name: str = ""
    emergency_contact_phone: Any = ""
    abha_number: str = ""


def patient_create(details: PatientDetails, *, by: User, ip: str | None) -> Patient:
    with transaction.atomic():
        if details.abha_number and Patient.objects.filter(abha_number=details.abha_number).exists():
            raise ActionError("A patient with this ABHA number is already registered.")
        patient = Patient.objects.create(**vars(details), created_by=by)
        events.record(events.PATIENT_CREATED, patient, about=patient, by=by, ip=ip)
    return patient


def episode_open(
    patient: Patient,
    *,
    clinic: Clinic,
    physiotherapist: User | None,
    by: User,
    ip: str | None,
    pathway_id: str = PIRIFORMIS,
) -> Episode:
    """Open an episode under the newest released version of the pathway.

    Records are never made under a draft: a version not yet in `released.txt` is refused by
    the registry (`released_entry`).
    """
    file = REGISTRY.released_entry(pathway_id)
    pathway = REGISTRY.get(file.id, file.version, sha256=file.sha256)
    with transaction.atomic():
        episode = Episode.objects.create(
            patient=patient,
            clinic=clinic,
            physiotherapist=physiotherapist,
            condition=pathway.title,
            pathway_id=file.id,
            pathway_version=file.version,
            pathway_sha256=file.sha256,
            created_by=by,
        )
        events.record(
            events.EPISODE_OPENED,
            episode,
            about=episode,
            by=by,
            ip=ip,
            detail={"pathway": f"{file.id}@{file.version}"},
        )
    return episode


def episode_set_status(
    episode: Episode, status: str, *, by: User | None, ip: str | None, reason: str = ""
) -> Episode:
    """Move the episode to `status`; a closed status sets the closing date. Audited."""
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        old = episode.status
        if old == status:
            return episode
        episode.status = EpisodeStatus(status)
        episode.closed_on = timezone.localdate() if status in CLOSED_STATUSES else None
        episode.save(update_fields=["status", "closed_on"])
        events.record(
            events.EPISODE_STATUS_CHANGED,
            episode,
            about=episode,
            by=by,
            ip=ip,
            detail={"from": old, "to": status, "reason": reason},
        )
    return episode
