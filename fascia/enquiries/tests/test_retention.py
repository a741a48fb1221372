"""Enquiries are kept no longer than the privacy notice promises."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.enquiries.models import Enquiry, Status

from .test_enquire import answers


def received(client, days_ago: int, status: str = Status.NEW, **changes) -> Enquiry:
    client.post("/enquire/", answers(**changes))
    enquiry = Enquiry.objects.latest("pk")
    Enquiry.objects.filter(pk=enquiry.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago), status=status
    )
    return enquiry


@pytest.mark.django_db
def test_old_enquiries_are_erased_unless_they_led_to_a_booking(client, site, settings):
    settings.FASCIA_ENQUIRY_RETENTION_DAYS = 365
    stale = received(client, 400, name="Old Enquirer", phone="98765 00001")
    booked = received(client, 400, Status.BOOKED, name="Now A Patient", phone="98765 00002")
    recent = received(client, 30, name="Recent Enquirer", phone="98765 00003")

    out = StringIO()
    call_command("erase_expired_enquiries", stdout=out)

    assert "Erased 1 expired enquiries." in out.getvalue()
    stale.refresh_from_db()
    assert stale.is_erased
    assert (stale.name, str(stale.phone), stale.message) == ("(erased)", "", "")
    assert stale.reference
    event = AuditEvent.objects.get(action="enquiry.erased")
    assert (event.actor, event.detail) == (None, {"reason": "retention"})
    assert Enquiry.objects.get(pk=booked.pk).name == "Now A Patient"
    assert Enquiry.objects.get(pk=recent.pk).name == "Recent Enquirer"


@pytest.mark.django_db
def test_erasing_twice_changes_nothing(client, site):
    received(client, 800)
    call_command("erase_expired_enquiries", stdout=StringIO())
    out = StringIO()
    call_command("erase_expired_enquiries", stdout=out)
    assert "Erased 0 expired enquiries." in out.getvalue()
    assert AuditEvent.objects.filter(action="enquiry.erased").count() == 1
