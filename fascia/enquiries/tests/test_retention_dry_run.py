"""The retention job's dry run lists exactly what the real run then erases."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.enquiries.models import Enquiry, Status
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.records.tests.factories import make_episode


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def run(*args) -> list[str]:
    out = StringIO()
    call_command("erase_expired_enquiries", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def enquiries(bangalore, priya, settings):
    """Three expired enquiries (one of them spam), and four that are kept: recent, booked,
    already erased, and one that became a patient's episode and was then closed."""
    settings.FASCIA_ENQUIRY_RETENTION_DAYS = 365
    expired = [
        EnquiryFactory(clinic=bangalore, created_at=days_ago(400)),
        EnquiryFactory(clinic=None, created_at=days_ago(366), status=Status.SPAM),
        EnquiryFactory(clinic=bangalore, created_at=days_ago(900), status=Status.CLOSED),
    ]
    EnquiryFactory(clinic=bangalore, created_at=days_ago(30))
    EnquiryFactory(clinic=bangalore, created_at=days_ago(400), status=Status.BOOKED)
    EnquiryFactory(clinic=bangalore, created_at=days_ago(400), erased_at=days_ago(10))
    EnquiryFactory(
        clinic=bangalore,
        created_at=days_ago(400),
        status=Status.CLOSED,
        episode=make_episode(bangalore, by=priya),
    )
    return expired


@pytest.mark.django_db
def test_the_dry_run_lists_exactly_what_the_real_run_then_erases(enquiries):
    dry = run("--dry-run")
    assert dry[0] == "Would erase 3 expired enquiries."
    assert not Enquiry.objects.filter(erased_at__isnull=False, name="(erased)").exists()
    assert not AuditEvent.objects.filter(action="enquiry.erased").exists()

    real = run()
    assert real[0] == "Erased 3 expired enquiries."
    assert real[1:] == dry[1:]
    oldest_first = sorted(enquiries, key=lambda e: e.created_at)
    assert [line.split()[0] for line in dry[1:]] == [str(e.pk) for e in oldest_first]
    assert [line.split()[1] for line in dry[1:]] == [e.reference for e in oldest_first]
    erased = Enquiry.objects.filter(name="(erased)").values_list("pk", flat=True)
    assert sorted(erased) == sorted(e.pk for e in enquiries)


@pytest.mark.django_db
def test_after_the_real_run_the_dry_run_lists_nothing(enquiries):
    run()
    assert run("--dry-run") == ["Would erase 0 expired enquiries."]


@pytest.mark.django_db
def test_an_enquiry_that_became_a_patient_is_kept_whatever_its_status(enquiries):
    run()
    kept = Enquiry.objects.get(episode__isnull=False)
    assert kept.name != "(erased)"
    assert kept.erased_at is None
