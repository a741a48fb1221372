"""Where a message to a patient goes: the channel and the address on it."""

from __future__ import annotations

from django.conf import settings

from fascia.records.models import Patient

from .models import Channel


def address_for(patient: Patient, channel: str) -> str:
    """The patient's address on `channel`, or "" when they have none."""
    if channel == Channel.EMAIL:
        return patient.email
    return patient.mobile.as_e164 if patient.mobile else ""


def channel_for(patient: Patient) -> str:
    """The first channel of FASCIA_PATIENT_CHANNELS the patient has an address for; the
    first channel when they have none (the message is then recorded as not sent)."""
    channels = settings.FASCIA_PATIENT_CHANNELS
    return next((c for c in channels if address_for(patient, c)), channels[0])
