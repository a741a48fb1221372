"""A patient's rights over their data (DPDP Act 2023, sections 6, 11 to 13): consent to be
contacted, corrections that keep the original, requests and what became of them, and the
erasure of a person who has no clinical record.

- **Contact consent.** `may_contact(patient)` is what every sender of a message to a patient
  asks first; without an active `ContactConsent` nothing is sent and the attempt is recorded
  (`contact_refused`). Consent is given with the version of the notice the patient was
  shown: this clinic's notice for patients (`patient_notice_version`), or the enquiry form's
  when it came with an enquiry (`enquiry_notice_version`). Withdrawing is one button.
- **Corrections.** A patient's contact details are corrected by `actions.patient_update`,
  which writes an `Amendment` per changed field. Clinical text is never rewritten: a
  correction to an assessment's findings or a screening answer is an `Amendment` attached
  to the record (`amendment_record`), shown beside the original.
- **Erasure.** A patient with no clinical record may be anonymised (`patient_anonymise`;
  `fascia.workspace.patient_data.patient_erase` also erases the enquiries that became their
  episodes). A clinical record is kept as the law requires: the request is recorded as a
  refused `DataRequest` with the reason (`CLINICAL_RETENTION_REASON`).

Every write records its event (`events.py`) in its own transaction.
"""

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fascia.accounts.audit import target_type
from fascia.accounts.models import User
from fascia.pathways import REGISTRY

from . import events
from .actions import ActionError, PatientDetails, patient_register
from .models import (
    Amendment,
    Assessment,
    ContactConsent,
    DataRequest,
    DataRequestKind,
    DataRequestOutcome,
    Episode,
    Patient,
    Screening,
)

PATIENT_NOTICE_DATE = "2026-12-07"
"""The date of the privacy notice for patients (`records/data_rights/includes/notice.html`
and docs/privacy.md). Change it whenever the notice's wording changes."""

ERASED_NAME = "(erased)"

# clinic-policy: the legal reason shown when erasure of a clinical record is refused. The
# DPDP Act 2023 s. 8(7) requires erasure "unless retention is necessary for compliance with
# any law"; clinical records are kept for the periods in docs/privacy.md.
CLINICAL_RETENTION_REASON = gettext_lazy(
    "This patient has a clinical record (screening, assessment, consent, measurements or "
    "treatment). It is kept for the period the law requires of clinical records (see the "
    "privacy notice for patients); the DPDP Act 2023, section 8(7), allows keeping "
    "personal data that the law requires us to keep. Their contact details can still be "
    "corrected, and their consent to be contacted withdrawn."
)


def patient_notice_version() -> str:
    return f"patients/{PATIENT_NOTICE_DATE}"


def enquiry_notice_version(consent_version: str) -> str:
    """The version of the enquiry form's notice, as a contact consent records it."""
    return f"enquiry/{consent_version}"


# -- Consent to be contacted ----------------------------------------------------------------


def active_contact_consent(patient: Patient) -> ContactConsent | None:
    return patient.contact_consents.filter(withdrawn_at__isnull=True).first()


def may_contact(patient: Patient) -> bool:
    """Whether the patient has agreed to be contacted and not withdrawn it."""
    return active_contact_consent(patient) is not None


def contact_refusal(patient: Patient) -> str:
    """What staff are told when a message to `patient` is not sent."""
    return _(
        "%(name)s has not agreed to be contacted, or has withdrawn their consent: nothing was "
        "sent. If they agree, record their consent on their page first."
    ) % {"name": patient.full_name}


def contact_refused(
    patient: Patient, *, channel: str, about: Patient | Episode, by: User | None, ip: str | None
) -> str:
    """Record that a message to `patient` was not sent for want of consent; returns the
    message for staff."""
    with transaction.atomic():
        events.record(
            events.CONTACT_REFUSED, patient, about=about, by=by, ip=ip, detail={"channel": channel}
        )
    return contact_refusal(patient)


def contact_consent_give(
    patient: Patient, *, notice_version: str, by: User | None, ip: str | None
) -> ContactConsent:
    """Record the patient's consent to be contacted under `notice_version`. Refused while a
    consent is active, so there is one at a time."""
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        if active_contact_consent(patient) is not None:
            raise ActionError(_("The patient's consent to be contacted is already recorded."))
        consent = ContactConsent.objects.create(
            patient=patient, notice_version=notice_version, recorded_by=by
        )
        events.record(
            events.CONTACT_CONSENT_GIVEN,
            consent,
            about=patient,
            by=by,
            ip=ip,
            detail={"notice": notice_version},
        )
    return consent


def contact_consent_withdraw(patient: Patient, *, by: User | None, ip: str | None) -> None:
    """Withdraw the patient's consent to be contacted; messages stop at once."""
    with transaction.atomic():
        consent = (
            ContactConsent.objects.select_for_update()
            .filter(patient=patient, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            raise ActionError(_("The patient has no consent to be contacted to withdraw."))
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_recorded_by = by
        consent.save(update_fields=["withdrawn_at", "withdrawn_recorded_by"])
        events.record(events.CONTACT_CONSENT_WITHDRAWN, consent, about=patient, by=by, ip=ip)


def patient_register_with_consent(
    details: PatientDetails,
    *,
    physiotherapist: User | None,
    contact_consent: bool,
    by: User,
    ip: str | None,
) -> Episode:
    """Register the patient and open their first episode (`actions.patient_register`), with
    their consent to be contacted under the patients' notice when they gave it."""
    with transaction.atomic():
        episode = patient_register(details, physiotherapist=physiotherapist, by=by, ip=ip)
        if contact_consent:
            contact_consent_give(
                episode.patient, notice_version=patient_notice_version(), by=by, ip=ip
            )
    return episode


# -- Corrections ----------------------------------------------------------------------------


def _labels(target: models.Model) -> dict[str, str]:
    """What each corrected part of `target` is called on a page."""
    if isinstance(target, Screening):
        pathway = REGISTRY.get(
            target.pathway_id, target.pathway_version, sha256=target.pathway_sha256
        )
        return {f"answers.{q.id}": q.clinician for q in pathway.screening_questions}
    return {
        field.name: capfirst(str(field.verbose_name))
        for field in target._meta.get_fields()
        if isinstance(field, models.Field)
    }


def _in_words(target: models.Model, field: str, value: str) -> str:
    """A stored value as a page shows it: a choice by its label."""
    if isinstance(target, Patient) and value:
        choices = dict(Patient._meta.get_field(field).choices or ())
        return str(choices.get(value, value))
    return value


def amendments_for(target: models.Model) -> list[Amendment]:
    """The corrections attached to one record, oldest first; each carries `label` (what was
    corrected, in words) and `was` and `now` (the values as a page shows them)."""
    labels = _labels(target)
    amendments = list(
        Amendment.objects.filter(
            target_type=target_type(target), target_id=str(target.pk)
        ).select_related("recorded_by")
    )
    for amendment in amendments:
        amendment.label = labels.get(amendment.field, amendment.field)
        amendment.was = _in_words(target, amendment.field, amendment.original)
        amendment.now = _in_words(target, amendment.field, amendment.corrected)
    return amendments


@dataclass(frozen=True)
class Correction:
    field: str
    original: str
    corrected: str
    reason: str
    requested_by_patient: bool = False


def amendment_record(
    target: Assessment | Screening, correction: Correction, *, by: User, ip: str | None
) -> Amendment:
    """Attach a correction to a clinical record, which itself stays as it was written."""
    episode = target.episode
    with transaction.atomic():
        amendment = Amendment.objects.create(
            patient_id=episode.patient_id,
            target_type=target_type(target),
            target_id=str(target.pk),
            field=correction.field,
            original=correction.original,
            corrected=correction.corrected,
            reason=correction.reason,
            requested_by_patient=correction.requested_by_patient,
            recorded_by=by,
        )
        events.record(
            events.AMENDMENT_RECORDED,
            amendment,
            about=episode,
            by=by,
            ip=ip,
            detail={"of": target_type(target), "id": target.pk, "field": correction.field},
        )
    return amendment


# -- Requests and erasure -------------------------------------------------------------------


def data_request_record(
    patient: Patient,
    *,
    kind: str,
    outcome: str = DataRequestOutcome.OPEN,
    reason: str = "",
    by: User,
    ip: str | None,
) -> DataRequest:
    """Record a request the patient made about their data and, if settled, its outcome."""
    closed = outcome != DataRequestOutcome.OPEN
    with transaction.atomic():
        request = DataRequest.objects.create(
            patient=patient,
            kind=DataRequestKind(kind),
            outcome=DataRequestOutcome(outcome),
            reason=reason,
            recorded_by=by,
            closed_at=timezone.now() if closed else None,
        )
        events.record(
            events.DATA_REQUEST_RECORDED,
            request,
            about=patient,
            by=by,
            ip=ip,
            detail={"kind": kind, "outcome": outcome},
        )
    return request


def data_request_close(
    request: DataRequest, *, outcome: str, reason: str, by: User, ip: str | None
) -> DataRequest:
    """Settle an open request as done or refused, with the reason."""
    with transaction.atomic():
        request = (
            DataRequest.objects.select_for_update(of=("self",))
            .select_related("patient")
            .get(pk=request.pk)
        )
        if request.outcome != DataRequestOutcome.OPEN:
            raise ActionError(_("This request was already settled."))
        request.outcome = DataRequestOutcome(outcome)
        request.reason = reason
        request.closed_at = timezone.now()
        request.save(update_fields=["outcome", "reason", "closed_at"])
        events.record(
            events.DATA_REQUEST_CLOSED,
            request,
            about=request.patient,
            by=by,
            ip=ip,
            detail={"kind": request.kind, "outcome": outcome},
        )
    return request


def has_clinical_record(patient: Patient) -> bool:
    """Whether anything clinical was recorded in any of the patient's episodes."""
    return (
        Episode.objects.filter(patient=patient)
        .filter(
            Q(screenings__isnull=False)
            | Q(assessments__isnull=False)
            | Q(consents__isnull=False)
            | Q(measurements__isnull=False)
            | Q(alerts__isnull=False)
            | Q(treatment_sessions__isnull=False)
            | Q(care_plan__isnull=False)
            | Q(exercise_programmes__isnull=False)
        )
        .exists()
    )


def is_erased(patient: Patient) -> bool:
    return patient.data_requests.filter(
        kind=DataRequestKind.ERASURE, outcome=DataRequestOutcome.DONE
    ).exists()


def patient_anonymise(patient: Patient, *, by: User, ip: str | None) -> DataRequest:
    """Erase a person who has no clinical record: blank every personal field (and the values
    their corrections kept), withdraw their contact consent, and record the request as done.
    If they have a clinical record, record it as refused with `CLINICAL_RETENTION_REASON`
    instead and change nothing. Call inside the transaction that erases their enquiries."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        if is_erased(patient):
            raise ActionError(_("This patient's details were already erased."))
        if has_clinical_record(patient):
            return data_request_record(
                patient,
                kind=DataRequestKind.ERASURE,
                outcome=DataRequestOutcome.REFUSED,
                reason=str(CLINICAL_RETENTION_REASON),
                by=by,
                ip=ip,
            )
        blank = PatientDetails(full_name=ERASED_NAME, clinic=patient.clinic)
        for name, value in vars(blank).items():
            setattr(patient, name, value)
        patient.save()
        Amendment.objects.filter(patient=patient).update(original="", corrected="", reason="")
        patient.contact_consents.filter(withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_recorded_by=by
        )
        events.record(events.PATIENT_ERASED, patient, about=patient, by=by, ip=ip)
        return data_request_record(
            patient,
            kind=DataRequestKind.ERASURE,
            outcome=DataRequestOutcome.DONE,
            reason=_("No clinical record: the personal details were erased."),
            by=by,
            ip=ip,
        )
