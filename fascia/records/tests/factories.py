"""Patients and episodes for tests, made through the same actions the pages use."""

import pytest

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.records.actions import PatientDetails, episode_open, patient_create
from fascia.records.models import Episode, Patient


def make_patient(clinic: Clinic, *, by: User, name: str = "Kavya Rao", **details) -> Patient:
    details.setdefault("mobile", "+919845012345")
    return patient_create(PatientDetails(full_name=name, clinic=clinic, **details), by=by, ip=None)


def make_episode(
    clinic: Clinic, *, by: User, physiotherapist: User | None = None, patient: Patient | None = None
) -> Episode:
    patient = patient or make_patient(clinic, by=by)
    return episode_open(patient, clinic=clinic, physiotherapist=physiotherapist, by=by, ip=None)


@pytest.fixture
def kavya_episode(bangalore, arjun, priya) -> Episode:
    """Kavya's episode at the Bangalore clinic, opened by the front desk, with Arjun."""
    return make_episode(bangalore, by=priya, physiotherapist=arjun)


@pytest.fixture
def ravi_episode(hyderabad, meera) -> Episode:
    """Ravi's episode at the Hyderabad clinic, with Meera."""
    patient = make_patient(hyderabad, by=meera, name="Ravi Kumar", mobile="+919000012345")
    return make_episode(hyderabad, by=meera, physiotherapist=meera, patient=patient)
