"""Every write to an enquiry: one function each, one transaction, one audit event."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from fascia.accounts import audit

from . import privacy
from .models import Enquiry, Note, Status, new_reference
from .tasks import notify_staff_of_enquiry

ERASED_NAME = "(erased)"
# Allowed moves between statuses. Spam and closed can be reopened in case of a mistake.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.CONTACTED, Status.NOT_SUITABLE, Status.SPAM, Status.CLOSED},
    Status.CONTACTED: {Status.BOOKED, Status.NOT_SUITABLE, Status.CLOSED},
    Status.BOOKED: {Status.CLOSED},
    Status.NOT_SUITABLE: {Status.CLOSED, Status.CONTACTED},
    Status.SPAM: {Status.NEW},
    Status.CLOSED: {Status.NEW},
}


class ActionError(Exception):
    """A request the rules do not allow; the message is fit to show to staff."""


def enquiry_submit(
    *,
    idempotency_key: str,
    name: str,
    phone: PhoneNumber,
    phone_kind: str,
    email: str,
    clinic,
    preferred_time: str,
    message: str,
    source_page,
    source_url: str,
    consent_version: str,
    spam_reason: str = "",
) -> tuple[Enquiry, bool]:
    """Store an enquiry once per key; a repeat returns the stored one. Returns (enquiry, created).

    The staff notification task is written in the same transaction, so an enquiry and its
    notification exist together or not at all. Spam is kept but never notified.
    """
    for _attempt in range(5):
        try:
            with transaction.atomic():
                enquiry, created = Enquiry.objects.get_or_create(
                    idempotency_key=idempotency_key,
                    defaults={
                        "reference": new_reference(),
                        "name": name,
                        "phone": phone,
                        "phone_kind": phone_kind,
                        "email": email,
                        "clinic": clinic,
                        "preferred_time": preferred_time,
                        "message": message,
                        "source_page": source_page,
                        "source_title": source_page.title[:255] if source_page else "",
                        "source_url": source_url[:500],
                        "consent_version": consent_version,
                        "status": Status.SPAM if spam_reason else Status.NEW,
                        "spam_reason": spam_reason,
                    },
                )
                if created:
                    detail = {"spam": spam_reason} if spam_reason else {}
                    audit.record("enquiry.received", enquiry, detail=detail)
                    if not spam_reason:
                        notify_staff_of_enquiry.enqueue(enquiry.pk)
                return enquiry, created
        except IntegrityError:
            # A reference already in use (one chance in hundreds of millions): draw another.
            if Enquiry.objects.filter(idempotency_key=idempotency_key).exists():
                return Enquiry.objects.get(idempotency_key=idempotency_key), False
    raise IntegrityError("could not draw an unused enquiry reference")


def enquiry_change_status(*, enquiry: Enquiry, status: str, by) -> Enquiry:
    """Move an enquiry to another status, recording who did it."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was erased; its status can no longer change."))
        if status not in TRANSITIONS.get(enquiry.status, set()):
            raise ActionError(
                _("An enquiry that is “%(old)s” cannot be marked “%(new)s”.")
                % {"old": enquiry.get_status_display(), "new": Status(status).label}
            )
        old = enquiry.status
        enquiry.status = status
        enquiry.save(update_fields=["status"])
        audit.record(
            "enquiry.status_changed", enquiry, actor=by, detail={"from": old, "to": status}
        )
        if old == Status.SPAM and not enquiry.notified_at:
            notify_staff_of_enquiry.enqueue(enquiry.pk)
    return enquiry


def enquiry_add_note(*, enquiry: Enquiry, text: str, by) -> Note:
    with transaction.atomic():
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was erased; notes can no longer be added."))
        note = Note.objects.create(enquiry=enquiry, author=by, text=text)
        audit.record("enquiry.note_added", enquiry, actor=by, detail={"note": note.pk})
    return note


class ErasureReason:
    REQUEST = "request"
    RETENTION = "retention"


def enquiry_erase(*, enquiry: Enquiry, by, reason: str) -> Enquiry:
    """Anonymise the person's data on request; keep the fact, the date and who did it."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was already erased."))
        enquiry.name = ERASED_NAME
        enquiry.phone = ""
        enquiry.phone_kind = ""
        enquiry.email = ""
        enquiry.message = ""
        enquiry.source_url = ""
        enquiry.erased_at = timezone.now()
        if enquiry.status in (Status.NEW, Status.CONTACTED):
            enquiry.status = Status.CLOSED
        enquiry.save()
        enquiry.notes.update(text="")
        audit.record("enquiry.erased", enquiry, actor=by, detail={"reason": reason})
    return enquiry


def enquiries_erase_expired(*, now: datetime | None = None) -> int:
    """Erase enquiries kept longer than the privacy notice promises; returns how many.

    An enquiry that led to a booking is kept: the person became a patient. Everything else
    (including spam) is erased once it is older than FASCIA_ENQUIRY_RETENTION_DAYS.
    """
    cutoff = (now or timezone.now()) - timedelta(days=privacy.retention_days())
    expired = Enquiry.objects.filter(created_at__lt=cutoff, erased_at__isnull=True).exclude(
        status=Status.BOOKED
    )
    erased = 0
    for enquiry in expired.iterator():
        enquiry_erase(enquiry=enquiry, by=None, reason=ErasureReason.RETENTION)
        erased += 1
    return erased
