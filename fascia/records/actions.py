"""Writes to patients and episodes. Each runs in one transaction with its audit events.

Screenings, assessments and consents have their own modules (`screening.py`,
`assessment.py`, `consent.py`); they follow the same rule.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.pathways import REGISTRY

from . import events
from .models import CLOSED_STATUSES, Amendment, Episode, EpisodeStatus, Patient

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


def _abha_taken(abha_number: str, *, other_than: Patient | None = None) -> bool:
    taken = Patient.objects.filter(abha_number=abha_number)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    return bool(abha_number) and taken.exists()


def _abha_taken_error() -> ActionError:
    return ActionError(_("A patient with this ABHA number is already registered."))


def patient_create(details: PatientDetails, *, by: User, ip: str | None) -> Patient:
    with transaction.atomic():
        if _abha_taken(details.abha_number):
            raise _abha_taken_error()
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


def patient_register(
    details: PatientDetails, *, physiotherapist: User | None, by: User, ip: str | None
) -> Episode:
    """A new patient and their first episode, at the clinic they are registered at; both or
    neither."""
    with transaction.atomic():
        patient = patient_create(details, by=by, ip=ip)
        return episode_open(
            patient, clinic=details.clinic, physiotherapist=physiotherapist, by=by, ip=ip
        )


# What staff may change about a patient: everything the patient form has, not the clinic
# they were registered at.
PATIENT_DETAILS = frozenset(field.name for field in fields(PatientDetails)) - {"clinic"}


def _differs(old: object, new: object) -> bool:
    if isinstance(old, PhoneNumber) or isinstance(new, PhoneNumber):
        # Phone numbers compare by their E.164 text; an empty one may be "" or None.
        return str(old or "") != str(new or "")
    return old != new


def patient_changes(patient: Patient, changes: Mapping[str, Any]) -> list[str]:
    """The names of the fields whose value in `changes` differs from the patient's, sorted."""
    unknown = set(changes) - PATIENT_DETAILS
    if unknown:
        raise ValueError(f"not a patient detail staff may change: {sorted(unknown)}")
    return sorted(
        name for name, value in changes.items() if _differs(getattr(patient, name), value)
    )


def _as_text(value: object) -> str:
    """A detail as its amendment keeps it: a date in ISO 8601, a number in E.164, none as ""."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def patient_update(
    patient: Patient,
    *,
    changes: Mapping[str, Any],
    reason: str,
    requested_by_patient: bool = False,
    by: User,
    ip: str | None,
) -> list[str]:
    """Correct the patient's details to `changes` (field name to value), for `reason`.
    Returns the names of the fields that changed. Each changed field gets an `Amendment`
    keeping its value as it was; the audit event names the fields, never their values.
    With none, nothing is written."""
    changed = patient_changes(patient, changes)
    if not changed:
        return []
    with transaction.atomic():
        if "abha_number" in changed and _abha_taken(changes["abha_number"], other_than=patient):
            raise _abha_taken_error()
        Amendment.objects.bulk_create(
            Amendment(
                patient=patient,
                target_type=Patient._meta.label_lower,
                target_id=str(patient.pk),
                field=name,
                original=_as_text(getattr(patient, name)),
                corrected=_as_text(changes[name]),
                reason=reason,
                requested_by_patient=requested_by_patient,
                recorded_by=by,
            )
            for name in changed
        )
        for name in changed:
            setattr(patient, name, changes[name])
        patient.save(update_fields=changed)
        events.record(
            events.PATIENT_UPDATED, patient, about=patient, by=by, ip=ip, detail={"fields": changed}
        )
    return changed
