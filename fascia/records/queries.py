"""Reads of the clinical record that pages share, and the fetch-and-check helpers.

`access_*` answer 404 for what the user may not see (`fascia.clinics.permissions`): a patient
and their contact details need Capability.CONTACTS in the patient's clinic or in the clinic of
one of their episodes; anything clinical (the episode page, screenings, assessments, consents)
needs Capability.CLINICAL in the episode's clinic.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from phonenumber_field.phonenumber import PhoneNumber

from fascia import phone_numbers
from fascia.accounts import audit
from fascia.clinics.models import Clinic, Membership, Role
from fascia.clinics.permissions import Capability, can, clinic_ids_for, clinics_for
from fascia.pathways import REGISTRY, Change, change

from . import abha, events
from .models import (
    Alert,
    Assessment,
    Consent,
    Episode,
    LinkKind,
    Measurement,
    Patient,
    PatientLink,
    Screening,
)


def patients_for(user: object) -> QuerySet[Patient]:
    """The patients whose contact details `user` may see."""
    ids = clinic_ids_for(user, Capability.CONTACTS)
    if not ids:
        return Patient.objects.none()
    reachable = Episode.objects.filter(clinic__in=ids).values("patient_id")
    return Patient.objects.filter(Q(clinic__in=ids) | Q(pk__in=reachable))


def access_patient(user: object, patient_id: int) -> Patient:
    try:
        return patients_for(user).select_related("clinic").get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404 from None


def episodes_for(user: object, capability: Capability = Capability.CLINICAL) -> QuerySet[Episode]:
    """The episodes in the clinics where `user` has `capability`."""
    return Episode.objects.filter(clinic__in=clinic_ids_for(user, capability))


def access_episode(
    user: object, episode_id: int, capability: Capability = Capability.CLINICAL
) -> Episode:
    """The episode if `user` has `capability` in its clinic; 404 otherwise."""
    try:
        episode = Episode.objects.select_related("patient", "clinic", "physiotherapist").get(
            pk=episode_id
        )
    except Episode.DoesNotExist:
        raise Http404 from None
    if not can(user, capability, episode.clinic_id):
        raise Http404
    return episode


def open_alerts_for(user: object) -> QuerySet[Alert]:
    """Open alerts in the clinics where `user` handles enquiries or clinical care, newest first.

    The front desk sees that an alert is open and whose (to call the patient); what it says
    clinically is for those with Capability.CLINICAL.
    """
    ids = clinic_ids_for(user, Capability.CLINICAL) | clinic_ids_for(user, Capability.ENQUIRIES)
    return Alert.objects.filter(clinic__in=ids, acknowledged_at__isnull=True).select_related(
        "episode__patient", "episode__physiotherapist"
    )


# The patient pages: search, possible duplicates, the patient and their episodes.

SEARCH_LIMIT = 50
PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")


@dataclass(frozen=True)
class PatientSearch:
    patients: list[Patient]
    more: bool
    """More patients matched than are listed (`SEARCH_LIMIT`)."""


def _phone_in(text: str) -> PhoneNumber | None:
    """The phone number `text` is, read as the enquiry form reads one; None if it is not one."""
    if not PHONE_LIKE.fullmatch(text):
        return None
    try:
        return phone_numbers.parse_phone(text, required_message="")
    except ValidationError:
        return None


def _search_conditions(text: str) -> dict[str, Q]:
    """How `text` may find patients, by kind: every word in the name (case-insensitive, any
    part of it) when it has letters, the mobile number when it reads as a phone number typed
    in any format, the ABHA number when it is 14 digits with or without dashes."""
    conditions: dict[str, Q] = {}
    if any(char.isalpha() for char in text):
        conditions["name"] = reduce(
            lambda q, word: q & Q(full_name__icontains=word), text.split(), Q()
        )
    if abha.looks_like_abha(text):
        conditions["abha"] = Q(abha_number=abha.digits_of(text))
    number = _phone_in(text)
    if number is not None:
        conditions["phone"] = Q(mobile=number.as_e164)
    return conditions


def patient_search(user: object, text: str, *, ip: str | None) -> PatientSearch:
    """The patients `user` may see who match `text`, by name, by the first `SEARCH_LIMIT`.

    The search is audited (`patient.searched`) with how it searched (by name, phone or ABHA
    number), how many patients it listed and their ids, never the text typed: that is a
    name or a number, personal data the trail keeps for good, and the ids say whose details
    were shown. The event is in the chain of the user's clinic when they work in one.
    """
    conditions = _search_conditions(text)
    found: list[Patient] = []
    if conditions:
        found = list(
            patients_for(user)
            .filter(reduce(or_, conditions.values()))
            .select_related("clinic")
            .order_by("full_name", "pk")[: SEARCH_LIMIT + 1]
        )
    shown = found[:SEARCH_LIMIT]
    clinics = clinic_ids_for(user, Capability.CONTACTS)
    with transaction.atomic(savepoint=False):
        audit.record_for_list(
            events.PATIENT_SEARCHED,
            Patient,
            actor=user,
            clinic=next(iter(clinics)) if len(clinics) == 1 else None,
            ip=ip,
            detail={
                "by": sorted(conditions),
                "rows": len(shown),
                "patients": [patient.pk for patient in shown],
            },
        )
    return PatientSearch(patients=shown, more=len(found) > SEARCH_LIMIT)


def possible_duplicates(
    user: object, *, mobile: PhoneNumber | str, full_name: str, date_of_birth: date | None
) -> list[Patient]:
    """Patients `user` may see who may be the same person: the same mobile number, or the
    same full name (in any case) and date of birth."""
    conditions = []
    if mobile:
        conditions.append(Q(mobile=mobile))
    if full_name and date_of_birth:
        conditions.append(Q(full_name__iexact=full_name, date_of_birth=date_of_birth))
    if not conditions:
        return []
    return list(patients_for(user).filter(reduce(or_, conditions)).select_related("clinic"))


def view_patient(user: object, patient_id: int, *, ip: str | None) -> Patient:
    """The patient if `user` may see their details (404 otherwise), recording that they did."""
    patient = access_patient(user, patient_id)
    events.viewed(events.PATIENT_VIEWED, patient, about=patient, by=user, ip=ip)
    return patient


def patient_episodes(user: object, patient: Patient) -> list[Episode]:
    """The patient's episodes in the clinics where `user` sees contact details, newest first.

    Each carries whether its screening was sent and done, and whether an assessment and a
    consent (not withdrawn) were recorded: the front desk's "done / not done", never what
    was answered or found. One query, however many episodes.
    """
    of_episode = {"episode": OuterRef("pk")}
    return list(
        patient.episodes.filter(clinic__in=clinic_ids_for(user, Capability.CONTACTS))
        .select_related("clinic", "physiotherapist")
        .annotate(
            screening_sent=Exists(
                PatientLink.objects.filter(**of_episode, kind=LinkKind.SCREENING)
            ),
            screening_done=Exists(
                Screening.objects.filter(**of_episode, completed_at__isnull=False)
            ),
            assessed=Exists(Assessment.objects.filter(**of_episode)),
            consented=Exists(Consent.objects.filter(**of_episode, withdrawn_at__isnull=True)),
        )
    )


def physiotherapists_in(clinics: Iterable[Clinic]) -> list[Membership]:
    """The physiotherapists of `clinics` (active accounts), by clinic and name: whom an
    episode there may be given to."""
    return list(
        Membership.objects.filter(
            clinic__in=clinics, role=Role.PHYSIOTHERAPIST, user__is_active=True
        )
        .select_related("user", "clinic")
        .order_by("clinic__name", "user__first_name", "user__last_name", "user__pk")
    )


def episode_choices(user: object) -> dict[str, Any]:
    """Where `user` may open an episode (the clinics where they see patients' contact
    details) and whom it may be given to there: the keyword arguments of the episode forms
    (`forms.patients.EpisodeForm`)."""
    clinics = clinics_for(user, Capability.CONTACTS).order_by("name")
    return {"clinics": clinics, "physiotherapists": physiotherapists_in(clinics)}


# Assessments and measures.


def access_assessment(user: object, episode_id: int, assessment_id: int) -> Assessment:
    """The episode's assessment if `user` may see the episode's clinical record; 404 otherwise."""
    episode = access_episode(user, episode_id)
    try:
        return episode.assessments.select_related("assessed_by").get(pk=assessment_id)
    except Assessment.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class LatestMeasure:
    """One measure (and qualifier) of an episode: its first and latest measurement.

    `change` is the engine's reading of the change from `baseline` to `latest` (its size, and
    whether it is a meaningful improvement or worsening); None while there is one measurement,
    or when the pathway does not define the measure.
    """

    measure: str
    qualifier: str
    baseline: Measurement
    latest: Measurement
    count: int
    change: Change | None


def latest_measures(episode: Episode) -> dict[str, dict[str, LatestMeasure]]:
    """The latest value of each measure recorded in `episode`, with its baseline (the first).

    The shape is {measure id: {qualifier: LatestMeasure}}: measures in the pathway's order
    (any it does not define after them, by id), qualifiers in the order they were first
    recorded. The qualifier is "" for a measure taken once at a time (LEFS, PSFS, sitting
    tolerance) and tells apart ratings taken together (NPRS "now", "worst_week",
    "least_week"). So:

        measures = latest_measures(episode)
        measures["nprs"]["now"].baseline.value        # Decimal("6"), at the assessment
        measures["nprs"]["now"].latest.value          # the most recent rating
        measures["lefs"][""].change.meaningful_improvement

    An episode with nothing measured gives {}. One query, however many measurements; it
    records no audit event (the page that shows it records its own view).
    """
    pathway = REGISTRY.get(
        episode.pathway_id, episode.pathway_version, sha256=episode.pathway_sha256
    )
    defined = {m.id: m for m in pathway.measures}
    rows: dict[tuple[str, str], list[Measurement]] = {}
    for row in Measurement.objects.filter(episode=episode).order_by("taken_at", "pk"):
        rows.setdefault((row.measure, row.qualifier), []).append(row)
    order = list(defined)
    found: dict[str, dict[str, LatestMeasure]] = {}
    for (measure, qualifier), taken in sorted(
        rows.items(),
        key=lambda entry: (
            order.index(entry[0][0]) if entry[0][0] in defined else len(order),
            entry[0][0],
        ),
    ):
        baseline, latest = taken[0], taken[-1]
        found.setdefault(measure, {})[qualifier] = LatestMeasure(
            measure=measure,
            qualifier=qualifier,
            baseline=baseline,
            latest=latest,
            count=len(taken),
            change=change(defined[measure], baseline.value, latest.value)
            if measure in defined and len(taken) > 1
            else None,
        )
    return found
