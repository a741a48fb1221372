"""Background work for enquiries, run by the task worker (`manage.py db_worker`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from fascia.website.models import ClinicSettings

from . import events
from .models import Enquiry

log = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, ... attempt; after the last one the failure stays on record.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)


def staff_recipients(enquiry: Enquiry) -> list[str]:
    configured = settings.FASCIA_ENQUIRY_NOTIFY
    if configured:
        return configured
    clinic_email = enquiry.clinic.email if enquiry.clinic else ""
    return [email for email in (clinic_email, ClinicSettings.load().email) if email]


@task(backend="database")
def notify_staff_of_enquiry(enquiry_id: int, attempt: int = 1) -> str:
    """Tell the clinic an enquiry is waiting. On failure, try again later, a few times.

    The email carries no health details: only the reference, the name and the clinic, with
    a link to the inbox, where the message is read behind a staff login.
    """
    enquiry = Enquiry.objects.select_related("clinic").get(pk=enquiry_id)
    if enquiry.notified_at or enquiry.is_erased:
        return "nothing to do"
    recipients = staff_recipients(enquiry)
    if not recipients:
        log.warning("Enquiry %s: no staff email address is configured", enquiry.reference)
        return "no recipients"
    path = reverse("inbox:detail", kwargs={"reference": enquiry.reference})
    context = {"enquiry": enquiry, "inbox_url": f"{settings.FASCIA_BASE_URL}{path}"}
    try:
        send_mail(
            subject=render_to_string("enquiries/email/new_subject.txt", context).strip(),
            message=render_to_string("enquiries/email/new_body.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
    except Exception as error:
        retry = attempt <= len(RETRY_DELAYS)
        log.exception(
            "Enquiry %s: staff notification failed (attempt %d)%s",
            enquiry.reference,
            attempt,
            ", will retry" if retry else "; giving up",
        )
        with transaction.atomic():
            events.enquiry_notification_failed(
                enquiry, attempt=attempt, error=error, will_retry=retry
            )
            if retry:
                notify_staff_of_enquiry.using(
                    run_after=timezone.now() + RETRY_DELAYS[attempt - 1]
                ).enqueue(enquiry_id, attempt=attempt + 1)
        raise
    with transaction.atomic():
        Enquiry.objects.filter(pk=enquiry.pk).update(notified_at=timezone.now())
        events.enquiry_notified(enquiry, attempt=attempt)
    return "sent"
