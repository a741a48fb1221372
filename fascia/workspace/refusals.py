"""Refused requests for clinical records, written to the audit trail (`access.refused`).

Every staff page answers 404, never 403, for a record a person may not see
(`fascia.clinics.permissions`). When that 404 comes from a page whose path names a
clinical record (`/app/episodes/<episode_id>/…`, `/app/sessions/<session_id>/…`), this
middleware writes an event with the user, the record's type and id from the path, the
path and the address, in the chain of the record's clinic and naming its patient, so that
the clinic's managers see who tried. Its own transaction: the view's, if it had one, was
rolled back by the exception. A path naming no record that exists is a plain 404.

It lives here because only `workspace` may read the records of both `records` and
`treatment` (`test_layers.py`).
"""

from collections.abc import Callable

from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse

from fascia.accounts.audit import request_ip, target_type
from fascia.clinics import events
from fascia.clinics.permissions import Capability, active_staff, can
from fascia.records.models import (
    Alert,
    Assessment,
    Consent,
    Episode,
    Patient,
    PatientLink,
    Screening,
)
from fascia.treatment.models import AdverseEvent, ExerciseProgramme, TreatmentSession

EPISODE = ("episode__clinic_id", "episode__patient_id")

# The path parameters that name a clinical record: its model, and where its clinic and
# patient are.
RECORDS: dict[str, tuple[type[models.Model], tuple[str, str]]] = {
    "patient_id": (Patient, ("clinic_id", "pk")),
    "episode_id": (Episode, ("clinic_id", "patient_id")),
    "session_id": (TreatmentSession, EPISODE),
    "screening_id": (Screening, EPISODE),
    "assessment_id": (Assessment, EPISODE),
    "consent_id": (Consent, EPISODE),
    "alert_id": (Alert, EPISODE),
    "link_id": (PatientLink, EPISODE),
    "programme_id": (ExerciseProgramme, EPISODE),
    "event_id": (AdverseEvent, ("session__episode__clinic_id", "session__episode__patient_id")),
}


def _refused_record(kwargs: dict[str, object]) -> tuple[str, int, int, int] | None:
    """(record type, record id, clinic id, patient id) of the most specific clinical record
    the path names, its clinic and patient read from the first named record that exists."""
    named = [(name, value) for name, value in kwargs.items() if name in RECORDS]
    if not named:
        return None
    last_name, last_id = named[-1]
    for name, value in reversed(named):
        model, (clinic, patient) = RECORDS[name]
        found = model._default_manager.filter(pk=value).values_list(clinic, patient).first()
        if found is not None:
            return target_type(RECORDS[last_name][0]), int(str(last_id)), *found
    return None


def record_refusals(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        return get_response(request)

    def process_exception(request: HttpRequest, exception: Exception) -> None:
        user = active_staff(request.user)
        match = request.resolver_match
        if not isinstance(exception, Http404) or user is None or match is None:
            return
        refused = _refused_record(match.kwargs)
        if refused is None:
            return
        record_type, record_id, clinic_id, patient_id = refused
        if can(user, Capability.CLINICAL, clinic_id):
            return  # a clinician of the record's clinic may see it all: this 404 is a slip
        with transaction.atomic():
            events.access_refused(
                record_type=record_type,
                record_id=record_id,
                clinic_id=clinic_id,
                patient_id=patient_id,
                by=user,
                ip=request_ip(request),
                path=request.path,
            )

    middleware.process_exception = process_exception  # type: ignore[attr-defined]
    return middleware
