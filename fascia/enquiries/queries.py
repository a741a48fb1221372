"""Reads for the staff inbox, and the one permission-checked fetch of an enquiry."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent, User
from fascia.clinics.models import Clinic
from fascia.clinics.permissions import Capability, can, clinics_for, in_my_clinics, require
from fascia.records.queries import open_alerts_for

from . import events
from .actions import TRANSITIONS, ErasureReason
from .models import EITHER_CLINIC, CallAttempt, CallOutcome, Enquiry, Status

PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")
# The statuses in which a call back is still owed: not yet resolved either way.
AWAITING_CALL = (Status.NEW, Status.CONTACTED)
ASSIGNED_TO_ME = "me"
NOT_ASSIGNED = "none"
SORT_BY_DUE = "due"


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


def overdue_filter(now: datetime | None = None) -> Q:
    """Enquiries whose call back is late: due before `now` and still awaiting a call."""
    return Q(
        callback_due_at__lt=now or timezone.now(),
        status__in=AWAITING_CALL,
        erased_at__isnull=True,
    )


def is_overdue(enquiry: Enquiry, now: datetime | None = None) -> bool:
    return (
        enquiry.callback_due_at is not None
        and enquiry.callback_due_at < (now or timezone.now())
        and enquiry.status in AWAITING_CALL
        and not enquiry.is_erased
    )


def with_queue_facts(enquiries: QuerySet[Enquiry]) -> QuerySet[Enquiry]:
    """The enquiries with what the work queue shows of each, read in the same query: the
    clinic and the colleague assigned, `calls_made`, `last_outcome` and `is_overdue`."""
    calls = CallAttempt.objects.filter(enquiry=OuterRef("pk"))
    return enquiries.select_related("clinic", "assigned_to").annotate(
        calls_made=Count("calls"),
        last_outcome=Subquery(calls.order_by("-at", "-pk").values("outcome")[:1]),
        is_overdue=ExpressionWrapper(overdue_filter(), output_field=BooleanField()),
    )


def inbox_enquiries(
    user,
    *,
    status: str = "",
    clinic: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
    search: str = "",
    assigned: str = "",
    overdue: bool = False,
    sort: str = "",
) -> QuerySet[Enquiry]:
    """The enquiries matching the inbox filters, newest first or, with `sort=SORT_BY_DUE`,
    the call back due soonest first (those with no due time last).

    Spam is left out unless it is the status asked for. `clinic` is a clinic's id, or
    EITHER_CLINIC for the enquiries that named no clinic. The dates are local dates, both
    included. `assigned` is ASSIGNED_TO_ME or NOT_ASSIGNED; `overdue` keeps the
    enquiries whose call back is late.
    """
    enquiries = with_queue_facts(visible_enquiries(user))
    if sort == SORT_BY_DUE:
        enquiries = enquiries.order_by(F("callback_due_at").asc(nulls_last=True), "pk")
    else:
        enquiries = enquiries.order_by("-created_at", "-pk")
    enquiries = enquiries.filter(Q(status=status) if status else ~Q(status=Status.SPAM))
    if assigned == ASSIGNED_TO_ME:
        enquiries = enquiries.filter(assigned_to=user)
    elif assigned == NOT_ASSIGNED:
        enquiries = enquiries.filter(assigned_to__isnull=True)
    if overdue:
        enquiries = enquiries.filter(overdue_filter())
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


def queue_counts(user) -> dict[str, int]:
    """How many of the enquiries `user` can see are theirs, not assigned, and overdue, among
    those still awaiting a call or an answer (not spam, not resolved), in one query."""
    waiting = Q(status__in=AWAITING_CALL, erased_at__isnull=True)
    return visible_enquiries(user).aggregate(
        mine=Count("pk", filter=waiting & Q(assigned_to=user)),
        unassigned=Count("pk", filter=waiting & Q(assigned_to__isnull=True)),
        overdue=Count("pk", filter=overdue_filter()),
    )


def last_outcome(enquiry: Enquiry) -> str:
    """How the latest call to the person went (a CallOutcome), or "" before any call."""
    latest = enquiry.calls.order_by("-at", "-pk").values_list("outcome", flat=True).first()
    return latest or ""


def queue_row(user, enquiry: Enquiry) -> Enquiry:
    """One enquiry as a row of the inbox list, with its queue facts."""
    return with_queue_facts(visible_enquiries(user)).get(pk=enquiry.pk)


@dataclass(frozen=True)
class InboxAlert:
    """An open alert as the inbox shows it; `message` is empty for those who may not read
    it (the front desk: Capability.CLINICAL is needed in the alert's clinic)."""

    kind: str
    patient_id: int
    patient_name: str
    raised_at: datetime
    message: str


def inbox_alerts(user) -> list[InboxAlert]:
    """The open alerts in `user`'s clinics, newest first, in one query."""
    return [
        InboxAlert(
            kind=alert.get_kind_display(),
            patient_id=alert.episode.patient_id,
            patient_name=alert.episode.patient.full_name,
            raised_at=alert.raised_at,
            message=alert.message if can(user, Capability.CLINICAL, alert.clinic_id) else "",
        )
        for alert in open_alerts_for(user)
    ]


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


def _when(value: str | None) -> str:
    """A moment kept in an event's detail (ISO 8601), as the pages show moments."""
    if not value:
        return _("no time")
    return formats.date_format(timezone.localtime(datetime.fromisoformat(value)), "j M Y, H:i")


def _outcome_label(value: str) -> str:
    return CallOutcome(value).label if value in CallOutcome.values else value


def _summary(event: AuditEvent, names: Mapping[int, str]) -> str:
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
        case events.CONVERTED if detail.get("new_patient"):
            return _("Converted into a new patient and an episode of care")
        case events.CONVERTED:
            return _("Converted into an episode of care for a registered patient")
        case events.ASSIGNED if detail.get("to"):
            return _("Assigned to %(name)s") % {"name": names.get(detail["to"], "?")}
        case events.ASSIGNED:
            return _("No longer assigned to %(name)s") % {
                "name": names.get(detail.get("from"), "?")
            }
        case events.CALLBACK_DUE_CHANGED:
            return _("Call back moved to %(when)s") % {"when": _when(detail.get("to"))}
        case events.CALL_LOGGED if detail.get("due"):
            return _("Call logged: “%(outcome)s”; call again by %(when)s") % {
                "outcome": _outcome_label(detail.get("outcome", "")),
                "when": _when(detail["due"]),
            }
        case events.CALL_LOGGED:
            return _("Call logged: “%(outcome)s”") % {
                "outcome": _outcome_label(detail.get("outcome", ""))
            }
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


def _note_of(event: AuditEvent, notes: Mapping[int, str], calls: Mapping[int, str]) -> str:
    if event.action == events.CALL_LOGGED:
        return calls.get(event.detail.get("call"), "")
    return notes.get(event.detail.get("note"), "")


def enquiry_timeline(enquiry: Enquiry) -> list[TimelineEntry]:
    """What has happened to the enquiry, oldest first, with the text of each note and of
    the note of each call.

    Reads of the enquiry are in the audit trail but left out here: they are not events in
    the life of the enquiry, and every visit to this page would add one.
    """
    history = list(audit.events_for(enquiry).exclude(action=events.VIEWED))
    notes = {note.pk: note.text for note in enquiry.notes.all()}
    calls = {call.pk: call.note for call in enquiry.calls.all()}
    assignees = {
        user_id
        for event in history
        if event.action == events.ASSIGNED
        for user_id in (event.detail.get("from"), event.detail.get("to"))
        if user_id
    }
    names = {user.pk: display_name(user) for user in User.objects.filter(pk__in=assignees)}
    return [
        TimelineEntry(
            at=event.at,
            action=event.action,
            summary=_summary(event, names),
            who=_who(event),
            note=_note_of(event, notes, calls),
        )
        for event in history
    ]


def erasure(timeline: list[TimelineEntry]) -> TimelineEntry | None:
    """The entry recording the erasure of the enquiry's personal details, if it was erased."""
    return next((entry for entry in reversed(timeline) if entry.action == events.ERASED), None)
