"""The pathway's appointment types, as `manage.py setup` makes them."""

import pytest

from fascia.scheduling.models import AppointmentType
from fascia.scheduling.schedules import seed_appointment_types


@pytest.fixture
def assessment(db) -> AppointmentType:
    seed_appointment_types()
    return AppointmentType.objects.get(name="Initial assessment")


@pytest.fixture
def needling(db) -> AppointmentType:
    seed_appointment_types()
    return AppointmentType.objects.get(name="Dry-needling treatment session")
