"""Patients who agreed to be contacted, and message templates that exist only in tests."""

from pathlib import Path

import pytest

from fascia.records import data_rights
from fascia.records.tests.factories import make_patient

TEST_TEMPLATES = Path(__file__).resolve().parent / "templates"


@pytest.fixture
def message_templates(settings):
    """Adds `messaging/greeting/` (English, and Hindi for SMS only) to the template dirs."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}
    ]


def consenting(patient, by):
    data_rights.contact_consent_give(
        patient, notice_version=data_rights.patient_notice_version(), by=by, ip=None
    )
    return patient


@pytest.fixture
def kavya(bangalore, priya):
    """Kavya, a Bangalore patient with a mobile and an email, who agreed to be contacted."""
    patient = make_patient(bangalore, by=priya, email="kavya@example.com")
    return consenting(patient, priya)


@pytest.fixture
def ravi(hyderabad, meera):
    """Ravi, a Hyderabad patient who agreed to be contacted."""
    patient = make_patient(hyderabad, by=meera, name="Ravi Kumar", mobile="+919000012345")
    return consenting(patient, meera)
