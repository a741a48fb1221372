"""Reads for the staff inbox, and the one permission-checked fetch of an enquiry."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent
from fascia.clinics.models import Clinic
from fascia.clinics.permissions import Capability, clinics_for, in_my_clinics, require

from . import events
from .actions import TRANSITIONS, ErasureReason
from .models import EITHER_CLINIC, Enquiry, Status

PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")


def access_enquiry(
    user, reference: str, *, record_view: bool = True, ip: str | None = None
) -> Enquiry:
    """The enquiry with this reference if `user` may see it, recording that they did.

    Staff see the enquiries of their clinics and those for "either clinic"; for anyone
    else the answer is 404 whether or not the reference exists, so that references cannot
    be probed. Views that only change an enquiry pass `record_view=False`: their action
    records its own event. `ip` is the address of the request, for the audit trail.
    """
    enquiry = get_object_or_404(Enquiry.objects.select_related("clinic"), reference=reference)
    require(user, Capability.ENQUIRIES, enquiry.clinic_id)
    if record_view:
        events.enquiry_viewed(enquiry, by=user, ip=ip)
    return enquiry


def inbox_clinics(user) -> QuerySet[Clinic]:
    """The clinics whose enquiries `user` handles, for the inbox's clinic filter."""
    return clinics_for(user, Capability.ENQUIRIES).order_by("name")


def visible_enquiries(user) -> QuerySet[Enquiry]:
    """Every enquiry `user` may see: their clinics' and those for "either clinic"."""
    return Enquiry.objects.filter(in_my_clinics(user, Capability.ENQUIRIES))


def _start_of(day: date) -> datetime:
    """The first moment of `day` in the clinics' time zone (Asia/Kolkata)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _matching(search: str) -> Q:
    """Enquiries whose name or phone number contains `search`, or whose reference it is.

    A search written like a phone number is compared on its digits alone, without a
    leading trunk zero, so that "89510 47001", "089510-47001" and "+91 89510 47001" all
    find +918951047001. Other searches (a name, a reference such as "Q8ZWKN") are not
    compared with phone numbers at all.
    """
    condition = Q(name__icontains=search) | Q(reference__iexact=search)
    digits = re.sub(r"\D", "", search).lstrip("0")
    if digits and PHONE_LIKE.fullmatch(search):
        condition |= Q(phone__contains=digits)
    return condition


def inbox_enquiries(
    user,
    *,
    status: str = "",
    clinic: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
    search: str = "",
) -> QuerySet[Enquiry]:
    """The enquiries matching the inbox filters, newest first.

    Spam is left out unless it is the status asked for. `clinic` is a clinic's id, or
    EITHER_CLINIC for the enquiries that named no clinic. The dates are local dates, both
    included.
    """
    enquiries = visible_enquiries(user).select_related("clinic").order_by("-created_at", "-pk")
    enquiries = enquiries.filter(Q(status=status) if status else ~Q(status=Status.SPAM))
    if clinic == EITHER_CLINIC:
        enquiries = enquiries.filter(clinic__isnull=True)
    elif clinic:
        enquiries = enquiries.filter(clinic_id=clinic)
    if received_from:
        enquiries = enquiries.filter(created_at__gte=_start_of(received_from))
    if received_to:
        enquiries = enquiries.filter(created_at__lt=_start_of(received_to + timedelta(days=1)))
    if search:
        enquiries = enquiries.filter(_matching(search))
    return enquiries


def status_counts(user) -> list[tuple[Status, int]]:
    """How many enquiries `user` can see in each status, every status listed, in one query."""
    counts = dict(visible_enquiries(user).order_by().values_list("status").annotate(Count("pk")))
    return [(status, counts.get(status, 0)) for status in Status]


def next_statuses(enquiry: Enquiry) -> list[Status]:
    """The statuses the enquiry may move to now, in the order statuses are listed."""
    if enquiry.is_erased:
        return []
    allowed = TRANSITIONS.get(enquiry.status, set())
    return [status for status in Status if status in allowed]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    summary: str
    who: str
    note: str = ""


def _status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


def _summary(event: AuditEvent) -> str:
    detail = event.detail
    match event.action:
        case events.RECEIVED if detail.get("spam"):
            return _("Received from the website and held as spam (%(reason)s)") % {
                "reason": detail["spam"]
            }
        case events.RECEIVED:
            return _("Received from the website")
        case events.STATUS_CHANGED:
            return _("Status changed from “%(old)s” to “%(new)s”") % {
                "old": _status_label(detail.get("from", "")),
                "new": _status_label(detail.get("to", "")),
            }
        case events.NOTE_ADDED:
            return _("Note added")
        case events.NOTIFIED:
            return _("Clinic told by email")
        case events.NOTIFICATION_FAILED if detail.get("will_retry"):
            return _("Email to the clinic failed (attempt %(attempt)s); it will be tried again") % {
                "attempt": detail.get("attempt", "?")
            }
        case events.NOTIFICATION_FAILED:
            return _("Email to the clinic failed (attempt %(attempt)s); no more attempts") % {
                "attempt": detail.get("attempt", "?")
            }
        case events.ERASED if detail.get("reason") == ErasureReason.REQUEST:
            return _("Personal details erased at the person's request")
        case events.ERASED if detail.get("reason") == ErasureReason.RETENTION:
            return _("Personal details erased at the end of the retention period")
        case events.ERASED:
            return _("Personal details erased (%(reason)s)") % {"reason": detail.get("reason")}
    return event.action


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _who(event: AuditEvent) -> str:
    if event.actor is not None:
        return display_name(event.actor)
    if event.action == events.RECEIVED:
        return _("the website")
    return _("Fascia")


def enquiry_timeline(enquiry: Enquiry) -> list[TimelineEntry]:
    """What has happened to the enquiry, oldest first, with the text of each note.

    Reads of the enquiry are in the audit trail but left out here: they are not events in
    the life of the enquiry, and every visit to this page would add one.
    """
    notes = {note.pk: note.text for note in enquiry.notes.all()}
    return [
        TimelineEntry(
            at=event.at,
            action=event.action,
            summary=_summary(event),
            who=_who(event),
            note=notes.get(event.detail.get("note"), ""),
        )
        for event in audit.events_for(enquiry).exclude(action=events.VIEWED)
    ]


def erasure(timeline: list[TimelineEntry]) -> TimelineEntry | None:
    """The entry recording the erasure of the enquiry's personal details, if it was erased."""
    return next((entry for entry in reversed(timeline) if entry.action == events.ERASED), None)
