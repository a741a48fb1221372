"""Enquiries and staff users for tests, with plausible defaults."""

import factory
from django.contrib.auth import get_user_model

from fascia.enquiries.models import Enquiry, Note, PhoneKind, PreferredTime


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("a long test password")


class EnquiryFactory(factory.django.DjangoModelFactory):
    """An enquiry as the public form stores it; `created_at` may be set, unlike on the model."""

    class Meta:
        model = Enquiry

    idempotency_key = factory.Sequence(lambda n: f"test-key-{n}")
    name = factory.Sequence(lambda n: f"Visitor {n:03d}")
    phone = factory.Sequence(lambda n: f"+9198450{n:05d}")
    phone_kind = PhoneKind.MOBILE
    email = ""
    clinic = None
    preferred_time = PreferredTime.EVENING
    message = "A deep ache in the left buttock after long meetings."
    source_title = "Dry needling for piriformis syndrome"
    source_url = "/treatments/dry-needling-for-piriformis-syndrome/"
    consent_version = "2026-01"
    created_at = None

    @classmethod
    def _create(cls, model_class, *args, created_at=None, **kwargs):
        enquiry = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            # `created_at` is set on insert by the model (auto_now_add): move it afterwards.
            model_class.objects.filter(pk=enquiry.pk).update(created_at=created_at)
            enquiry.created_at = created_at
        return enquiry


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    enquiry = factory.SubFactory(EnquiryFactory)
    author = factory.SubFactory(UserFactory)
    text = "Called back; booked an assessment."
