"""Every write to an enquiry: one function each, one transaction, one audit event."""

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber
from wagtail.models import Page

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.clinics.permissions import ROLE_CAPABILITIES, Capability, clinic_ids_for

from . import callbacks, events, privacy, tokens
from .models import (
    EITHER_CLINIC,
    CallAttempt,
    CallOutcome,
    Enquiry,
    Note,
    Status,
    new_reference,
)
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


# clinic-policy: "call back later" without a time asked for means in two hours.
CALL_BACK_LATER_AFTER = timedelta(hours=2)
# Outcomes after which no call is owed until someone sets a new time.
NOTHING_OWED_AFTER = frozenset({CallOutcome.REACHED, CallOutcome.WRONG_NUMBER})


class ActionError(Exception):
    """A request the rules do not allow; the message is fit to show to staff."""


def enquiry_submission(
    content: Mapping[str, Any], *, form_token: str, honeypot: str, now: float | None = None
) -> dict[str, Any]:
    """The keyword arguments for `enquiry_submit`: what the person sent (`content`, as the
    form cleaned it) with the enquiry's idempotency key and spam verdict, which come from
    the form's token and honeypot (tokens.py)."""
    clinic = content["clinic"]
    source = content["source_page"]
    fingerprint = (
        content["name"],
        content["phone"].as_e164,
        content["email"].lower(),
        str(clinic.pk) if clinic else EITHER_CLINIC,
        content["preferred_time"],
        content["message"],
        str(source.pk) if source else "",
    )
    return {
        **content,
        "idempotency_key": tokens.idempotency_key(form_token, fingerprint),
        "form_key": tokens.form_key(form_token, content["phone"].as_e164),
        "spam_reason": tokens.spam_reason(form_token, honeypot=honeypot, now=now),
    }


def enquiry_already_sent(submission: Mapping[str, Any]) -> Enquiry | None:
    """The enquiry this submission repeats (the same form sent again with the same content),
    or that its form already sent for this phone number with other content; None if new.
    Which of the two it is: compare `idempotency_key`."""
    found = Enquiry.objects.filter(idempotency_key=submission["idempotency_key"]).first()
    if found is None and submission["form_key"]:
        found = Enquiry.objects.filter(form_key=submission["form_key"]).first()
    return found


def _one_at_a_time(idempotency_key: str) -> None:
    """Hold back other transactions storing the same submission until this one ends.

    Identical posts arriving together (a double click, a retrying proxy) are then decided
    one after another: the first stores the enquiry, the rest find it, and none of them is
    refused by a limit that only the first should count against. SQLite already has one
    writer at a time (transactions begin IMMEDIATE); PostgreSQL takes a transaction-level
    advisory lock named by the key.
    """
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(
            hashlib.sha256(idempotency_key.encode()).digest()[:8], "big", signed=True
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def enquiry_submit(
    *,
    idempotency_key: str,
    form_key: str | None = None,
    name: str,
    phone: PhoneNumber,
    phone_kind: str,
    email: str,
    clinic: Clinic | None,
    preferred_time: str,
    message: str,
    source_page: Page | None,
    source_url: str,
    consent_version: str,
    spam_reason: str = "",
    self_check: Mapping[str, Any] | None = None,
    admit: Callable[[], None] | None = None,
) -> tuple[Enquiry, bool]:
    """Store an enquiry once per key; a repeat returns the stored one. Returns (enquiry, created).

    A submission whose form already sent another enquiry for this phone number (`form_key`)
    returns that enquiry, not created: its `idempotency_key` then differs from the one
    given, which is how the caller tells the two apart. Simultaneous identical posts all
    get the one enquiry, whichever of them stored it. `admit` is called only when the
    enquiry is new, just before it is stored, inside the transaction: the caller's limits,
    which it may refuse by raising (nothing is then stored).

    The staff notification task is written in the same transaction, so an enquiry and its
    notification exist together or not at all. Spam is kept but never notified. The call
    back is due by the time `callbacks.callback_due_for` gives (clinic-policy).
    """
    callback_due_at = callbacks.callback_due_for(clinic, preferred_time, timezone.now())
    keys = {"idempotency_key": idempotency_key, "form_key": form_key}
    for _attempt in range(5):
        try:
            with transaction.atomic():
                _one_at_a_time(idempotency_key)
                stored = enquiry_already_sent(keys)
                if stored is not None:
                    return stored, False
                if admit is not None:
                    admit()
                enquiry = Enquiry.objects.create(
                    idempotency_key=idempotency_key,
                    form_key=form_key,
                    reference=new_reference(),
                    name=name,
                    phone=phone,
                    phone_kind=phone_kind,
                    email=email,
                    clinic=clinic,
                    preferred_time=preferred_time,
                    message=message,
                    source_page=source_page,
                    source_title=source_page.title[:255] if source_page else "",
                    source_url=source_url[:500],
                    consent_version=consent_version,
                    status=Status.SPAM if spam_reason else Status.NEW,
                    spam_reason=spam_reason,
                    callback_due_at=callback_due_at,
                    self_check=self_check,
                )
                events.enquiry_received(enquiry, spam_reason=spam_reason)
                if not spam_reason:
                    notify_staff_of_enquiry.enqueue(enquiry.pk)
                return enquiry, True
        except IntegrityError:
            # The same form's enquiry for this number, stored by another post a moment
            # before; else the reference was in use (one chance in hundreds of millions):
            # draw another.
            stored = enquiry_already_sent(keys)
            if stored is not None:
                return stored, False
    raise IntegrityError("could not draw an unused enquiry reference")


def enquiry_change_status(
    *, enquiry: Enquiry, status: str, by: User, ip: str | None = None
) -> Enquiry:
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
        events.enquiry_status_changed(enquiry, by=by, old=old, new=status, ip=ip)
        if old == Status.SPAM and not enquiry.notified_at:
            notify_staff_of_enquiry.enqueue(enquiry.pk)
    return enquiry


def enquiry_add_note(*, enquiry: Enquiry, text: str, by: User, ip: str | None = None) -> Note:
    with transaction.atomic():
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was erased; notes can no longer be added."))
        note = Note.objects.create(enquiry=enquiry, author=by, text=text)
        events.enquiry_note_added(enquiry, by=by, note_id=note.pk, ip=ip)
    return note


def assignable_staff(enquiry: Enquiry, *, by: User) -> QuerySet[User]:
    """The colleagues `by` may give the enquiry to: active staff who handle enquiries in its
    clinic, or, for "either clinic", in any clinic where `by` handles them too."""
    if enquiry.clinic_id is None:
        clinic_ids = clinic_ids_for(by, Capability.ENQUIRIES)
    else:
        clinic_ids = {enquiry.clinic_id}
    roles = [role for role, allowed in ROLE_CAPABILITIES.items() if Capability.ENQUIRIES in allowed]
    return (
        User.objects.filter(
            is_active=True,
            memberships__clinic__in=clinic_ids,
            memberships__clinic__active=True,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def enquiry_assign(
    *, enquiry: Enquiry, to: User | None, by: User, ip: str | None = None
) -> Enquiry:
    """Give the enquiry to a colleague who handles enquiries where it belongs (`to`), or to
    no one (`to=None`)."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was erased; it can no longer be assigned."))
        if to is not None and not assignable_staff(enquiry, by=by).filter(pk=to.pk).exists():
            raise ActionError(
                _("%(name)s does not handle enquiries for this clinic.")
                % {"name": to.get_full_name() or to.get_username()}
            )
        old = enquiry.assigned_to_id
        if old == (to.pk if to else None):
            return enquiry
        enquiry.assigned_to = to
        enquiry.save(update_fields=["assigned_to"])
        events.enquiry_assigned(enquiry, by=by, old=old, new=enquiry.assigned_to_id, ip=ip)
    return enquiry


def enquiry_set_callback_due(
    *, enquiry: Enquiry, due_at: datetime, by: User, ip: str | None = None
) -> Enquiry:
    """Move the time by which the person is to be called back."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was erased; there is no one to call back."))
        old = enquiry.callback_due_at
        enquiry.callback_due_at = due_at
        enquiry.save(update_fields=["callback_due_at"])
        events.enquiry_callback_due_changed(enquiry, by=by, old=old, ip=ip)
    return enquiry


def enquiry_log_call(
    *,
    enquiry: Enquiry,
    outcome: str,
    note: str = "",
    next_call_by: datetime | None = None,
    by: User,
    ip: str | None = None,
) -> CallAttempt:
    """Record one call to the person and what follows from how it went (clinic-policy).

    - reached: a new enquiry becomes contacted; no call is owed unless `next_call_by` is
      given (to ring back about booking, say);
    - no answer: the call is still owed, by `next_call_by` if given, else by the time set;
    - call back later: owed by `next_call_by`, or in two hours;
    - wrong number: no call is owed; the enquiry shows "wrong number" until a later call
      gets through, and a time to call again is refused.
    """
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was erased; there is no number to call."))
        if not enquiry.phone:
            raise ActionError(_("This enquiry has no phone number to call."))
        if outcome == CallOutcome.WRONG_NUMBER and next_call_by is not None:
            raise ActionError(
                _("A wrong number cannot be called again: leave “Call again by” empty.")
            )
        call = CallAttempt.objects.create(enquiry=enquiry, by=by, outcome=outcome, note=note)
        if outcome == CallOutcome.CALL_BACK_LATER and next_call_by is None:
            next_call_by = call.at + CALL_BACK_LATER_AFTER
        if next_call_by is not None:
            enquiry.callback_due_at = next_call_by
        elif outcome in NOTHING_OWED_AFTER:
            enquiry.callback_due_at = None
        enquiry.save(update_fields=["callback_due_at"])
        events.enquiry_call_logged(enquiry, call=call, ip=ip)
        if outcome == CallOutcome.REACHED and enquiry.status == Status.NEW:
            enquiry.status = Status.CONTACTED
            enquiry.save(update_fields=["status"])
            events.enquiry_status_changed(
                enquiry, by=by, old=Status.NEW, new=Status.CONTACTED, ip=ip
            )
    return call


class ErasureReason:
    REQUEST = "request"
    RETENTION = "retention"


def enquiry_erase(
    *, enquiry: Enquiry, by: User | None, reason: str, ip: str | None = None
) -> Enquiry:
    """Anonymise the person's data on request; keep the fact, the date and who did it."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.is_erased:
            raise ActionError(_("This enquiry was already erased."))
        enquiry.name = ERASED_NAME
        enquiry.form_key = None
        enquiry.phone = ""
        enquiry.phone_kind = ""
        enquiry.email = ""
        enquiry.message = ""
        enquiry.source_url = ""
        enquiry.self_check = None
        enquiry.erased_at = timezone.now()
        if enquiry.status in (Status.NEW, Status.CONTACTED):
            enquiry.status = Status.CLOSED
        enquiry.save()
        enquiry.notes.update(text="")
        enquiry.calls.update(note="")
        events.enquiry_erased(enquiry, by=by, reason=reason, ip=ip)
    return enquiry


def enquiries_expired(*, now: datetime | None = None) -> QuerySet[Enquiry]:
    """The enquiries kept longer than the privacy notice promises, oldest first.

    An enquiry that led to a booking or became a patient's episode is kept: the person
    became a patient. Everything else (including spam) expires once it is older than
    FASCIA_ENQUIRY_RETENTION_DAYS.
    """
    cutoff = (now or timezone.now()) - timedelta(days=privacy.retention_days())
    return (
        Enquiry.objects.filter(created_at__lt=cutoff, erased_at__isnull=True, episode__isnull=True)
        .exclude(status=Status.BOOKED)
        .order_by("created_at", "pk")
    )


def enquiries_erase_expired(*, now: datetime | None = None) -> list[Enquiry]:
    """Erase the expired enquiries (`enquiries_expired`); returns those erased."""
    erased = []
    for enquiry in enquiries_expired(now=now).iterator():
        erased.append(enquiry_erase(enquiry=enquiry, by=None, reason=ErasureReason.RETENTION))
    return erased
