"""What the enquiry form needs when the database cannot be reached at all.

The clinic's phone number lives in the database (Clinic details). It is copied into the
cache whenever the form is sent and whenever the details are saved, so that the page
saying "we could not save your enquiry" can still give a number to call.
"""

import contextlib

from django.core.cache import cache
from django.db import DatabaseError

from fascia.website.models import ClinicSettings

CACHE_KEY = "enquiries:clinic-phone"


def remember_clinic_phone(phone: str | None = None) -> None:
    if phone is None:
        phone = ClinicSettings.load().phone
    if phone:
        cache.set(CACHE_KEY, phone, timeout=None)


def remember_clinic_phone_once() -> None:
    """Copy the number if the cache lost it (a cache emptied or evicted since it was saved)."""
    if cache.get(CACHE_KEY) is None:
        remember_clinic_phone()


def clinic_phone() -> str:
    with contextlib.suppress(DatabaseError):
        remember_clinic_phone()
    return cache.get(CACHE_KEY, "")


def clinic_details_saved(sender, instance, **kwargs) -> None:
    remember_clinic_phone(instance.phone)
