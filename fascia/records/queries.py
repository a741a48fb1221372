"""Reads of the clinical record that pages share, and the fetch-and-check helpers.

`access_*` answer 404 for what the user may not see (`fascia.clinics.permissions`): a patient
and their contact details need Capability.CONTACTS in the patient's clinic or in the clinic of
one of their episodes; anything clinical (the episode page, screenings, assessments, consents)
needs Capability.CLINICAL in the episode's clinic.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from fascia.clinics.permissions import Capability, can, clinic_ids_for

from .models import Alert, Episode, Patient


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
