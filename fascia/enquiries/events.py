"""The audit events of enquiries: one function per event, and the one place their names live.

The actions call these inside the transaction of the change they record; reads (a staff
member viewing an enquiry, exporting the list) have no transaction of their own, so their
events open one. The inbox timeline and exports read the names below.

Events from the public website record no address: the visitor's address is personal data,
and the trail cannot be erased with the enquiry. Staff events record the address of the
staff member's request (`ip`, from `audit.request_ip`).
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent

from .models import CallAttempt, Enquiry

if TYPE_CHECKING:
    from datetime import datetime

    from fascia.accounts.models import User
    from fascia.clinics.models import Clinic

RECEIVED = "enquiry.received"
VIEWED = "enquiry.viewed"
STATUS_CHANGED = "enquiry.status_changed"
NOTE_ADDED = "enquiry.note_added"
NOTIFIED = "enquiry.notified"
NOTIFICATION_FAILED = "enquiry.notification_failed"
ERASED = "enquiry.erased"
EXPORTED = "enquiry.exported"
CONVERTED = "enquiry.converted"
ASSIGNED = "enquiry.assigned"
CALLBACK_DUE_CHANGED = "enquiry.callback_due_changed"
CALL_LOGGED = "enquiry.call_logged"


def enquiry_received(enquiry: Enquiry, *, spam_reason: str = "") -> AuditEvent:
    """The public website stored the enquiry (held as spam if there is a `spam_reason`)."""
    detail = {"spam": spam_reason} if spam_reason else {}
    return audit.record(RECEIVED, enquiry, clinic=enquiry.clinic_id, detail=detail)


def enquiry_viewed(enquiry: Enquiry, *, by: "User", ip: str | None) -> AuditEvent:
    with transaction.atomic(savepoint=False):
        return audit.record(VIEWED, enquiry, actor=by, clinic=enquiry.clinic_id, ip=ip)


def enquiry_status_changed(
    enquiry: Enquiry, *, by: "User", old: str, new: str, ip: str | None
) -> AuditEvent:
    return audit.record(
        STATUS_CHANGED,
        enquiry,
        actor=by,
        clinic=enquiry.clinic_id,
        ip=ip,
        detail={"from": old, "to": new},
    )


def enquiry_note_added(enquiry: Enquiry, *, by: "User", note_id: int, ip: str | None) -> AuditEvent:
    return audit.record(
        NOTE_ADDED, enquiry, actor=by, clinic=enquiry.clinic_id, ip=ip, detail={"note": note_id}
    )


def enquiry_converted(
    enquiry: Enquiry,
    *,
    by: "User",
    episode_id: int,
    patient_id: int,
    new_patient: bool,
    ip: str | None,
) -> AuditEvent:
    """The enquiry became an episode of care, for a new patient or one already registered."""
    return audit.record(
        CONVERTED,
        enquiry,
        actor=by,
        clinic=enquiry.clinic_id,
        patient=patient_id,
        ip=ip,
        detail={"episode": episode_id, "new_patient": new_patient},
    )


def enquiry_assigned(
    enquiry: Enquiry, *, by: "User", old: int | None, new: int | None, ip: str | None
) -> AuditEvent:
    """The enquiry was given to a colleague (`new`, a user id) or to no one (None)."""
    return audit.record(
        ASSIGNED,
        enquiry,
        actor=by,
        clinic=enquiry.clinic_id,
        ip=ip,
        detail={"from": old, "to": new},
    )


def enquiry_callback_due_changed(
    enquiry: Enquiry, *, by: "User", old: "datetime | None", ip: str | None
) -> AuditEvent:
    """Staff moved the time the enquiry is due for a call back."""
    return audit.record(
        CALLBACK_DUE_CHANGED,
        enquiry,
        actor=by,
        clinic=enquiry.clinic_id,
        ip=ip,
        detail={"from": _moment(old), "to": _moment(enquiry.callback_due_at)},
    )


def enquiry_call_logged(enquiry: Enquiry, *, call: CallAttempt, ip: str | None) -> AuditEvent:
    """A call to the person and how it went; the note stays in the call's row (erasable)."""
    return audit.record(
        CALL_LOGGED,
        enquiry,
        actor=call.by,
        clinic=enquiry.clinic_id,
        ip=ip,
        detail={
            "call": call.pk,
            "outcome": call.outcome,
            "due": _moment(enquiry.callback_due_at),
        },
    )


def _moment(value: "datetime | None") -> str | None:
    return value.isoformat() if value else None


def enquiry_notified(enquiry: Enquiry, *, attempt: int) -> AuditEvent:
    """The clinic was told of the enquiry by email."""
    return audit.record(NOTIFIED, enquiry, clinic=enquiry.clinic_id, detail={"attempt": attempt})


def enquiry_notification_failed(
    enquiry: Enquiry, *, attempt: int, error: BaseException, will_retry: bool
) -> AuditEvent:
    return audit.record(
        NOTIFICATION_FAILED,
        enquiry,
        clinic=enquiry.clinic_id,
        detail={"attempt": attempt, "error": type(error).__name__, "will_retry": will_retry},
    )


def enquiry_erased(
    enquiry: Enquiry, *, by: "User | None", reason: str, ip: str | None = None
) -> AuditEvent:
    """The person's details were erased, at their request (`by` staff) or by the system."""
    return audit.record(
        ERASED, enquiry, actor=by, clinic=enquiry.clinic_id, ip=ip, detail={"reason": reason}
    )


def enquiries_exported(
    *,
    by: "User",
    references: Sequence[str],
    filters: Mapping[str, Any],
    clinic: "Clinic | int | None" = None,
    ip: str | None,
) -> AuditEvent:
    """A staff member exported a list of enquiries: with which filters, how many, which ones.

    The event goes in the chain of the clinic the list was filtered to, if it was.
    """
    with transaction.atomic(savepoint=False):
        return audit.record_for_list(
            EXPORTED,
            Enquiry,
            actor=by,
            clinic=clinic,
            ip=ip,
            detail={
                "filters": dict(filters),
                "rows": len(references),
                "references": list(references),
            },
        )
