"""The audit events of clinical records: the one place their names live.

Every event names the patient and the clinic, so that "who looked at this patient's record"
and a clinic's trail are one query each. Writes call `record` inside the transaction of the
change; reads call `viewed`, which opens its own transaction when there is none.
"""

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent

from .models import Episode, Patient

PATIENT_CREATED = "patient.created"
PATIENT_UPDATED = "patient.updated"
PATIENT_VIEWED = "patient.viewed"
PATIENT_SEARCHED = "patient.searched"
EPISODE_OPENED = "episode.opened"
EPISODE_VIEWED = "episode.viewed"
EPISODE_STATUS_CHANGED = "episode.status_changed"
LINK_CREATED = "patient_link.created"
LINK_OPENED = "patient_link.opened"
LINK_REVOKED = "patient_link.revoked"
LINK_SENT = "patient_link.sent"
LINK_ANSWERS_SAVED = "patient_link.answers_saved"
LINK_COMPLETED = "patient_link.completed"
SCREENING_SAVED = "screening.saved"
SCREENING_COMPLETED = "screening.completed"
SCREENING_VIEWED = "screening.viewed"
JUDGEMENT_RECORDED = "screening.judgement_recorded"
ALERT_RAISED = "alert.raised"
ALERT_ACKNOWLEDGED = "alert.acknowledged"
ASSESSMENT_RECORDED = "assessment.recorded"
ASSESSMENT_VIEWED = "assessment.viewed"
MEASUREMENT_RECORDED = "measurement.recorded"
CONSENT_RECORDED = "consent.recorded"
CONSENT_VIEWED = "consent.viewed"
CONSENT_WITHDRAWN = "consent.withdrawn"
AMENDMENT_RECORDED = "amendment.recorded"
DATA_REQUEST_RECORDED = "data_request.recorded"
DATA_REQUEST_CLOSED = "data_request.closed"
PATIENT_ERASED = "patient.erased"
PATIENT_EXPORTED = "patient.exported"
CONTACT_CONSENT_GIVEN = "contact_consent.given"
CONTACT_CONSENT_WITHDRAWN = "contact_consent.withdrawn"
CONTACT_REFUSED = "patient.contact_refused"


def _where(subject: Patient | Episode) -> tuple[int, int]:
    """(patient id, clinic id) for a patient or an episode."""
    if isinstance(subject, Episode):
        return subject.patient_id, subject.clinic_id
    return subject.pk, subject.clinic_id


def record(
    action: str,
    target: models.Model,
    *,
    about: Patient | Episode,
    by: Any = None,
    ip: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append `action` on `target` to the chain of the clinic of `about` (a patient or an
    episode), naming the patient. Call inside the transaction of the change."""
    patient_id, clinic_id = _where(about)
    return audit.record(
        action, target, actor=by, clinic=clinic_id, patient=patient_id, ip=ip, detail=detail
    )


def viewed(
    action: str,
    target: models.Model,
    *,
    about: Patient | Episode,
    by: Any,
    ip: str | None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """A read of a clinical record: recorded in a transaction of its own if none is open."""
    with transaction.atomic(savepoint=False):
        return record(action, target, about=about, by=by, ip=ip, detail=detail)
