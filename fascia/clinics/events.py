"""The audit events of staff changes: one function per event, and the one place their names live.

The actions call them inside the transaction of the change they record (`audit.record`
refuses to write outside one). Every event's record is the staff member it is about, so
`audit.events_for(member)` is their history; `by` is who made the change (None for the
system). An event about a membership goes in its clinic's audit chain, one about the
account (deactivation, organisation role, invitation emails) in the organisation's chain.
`ip` is the address of the request that made the change (`audit.request_ip(request)`).

A credential's events are about its holder too (their record), in the organisation's
chain, with the credential's id in the detail; opening its evidence is one of them.

The clinic events' record is the clinic, in its own chain; their detail names the fields
that changed, never their values.
"""

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent, User

from .models import Clinic, Credential, Membership

STAFF_INVITED = "staff.invited"
STAFF_INVITATION_SENT = "staff.invitation_sent"
STAFF_INVITATION_FAILED = "staff.invitation_failed"
STAFF_INVITATION_ACCEPTED = "staff.invitation_accepted"
MEMBERSHIP_GRANTED = "staff.membership_granted"
MEMBERSHIP_ROLE_CHANGED = "staff.membership_role_changed"
MEMBERSHIP_REVOKED = "staff.membership_revoked"
STAFF_DEACTIVATED = "staff.deactivated"
STAFF_REACTIVATED = "staff.reactivated"
ORGANISATION_ROLE_CHANGED = "staff.organisation_role_changed"
CLINIC_CREATED = "clinic.created"
CLINIC_UPDATED = "clinic.updated"
CLINIC_DEACTIVATED = "clinic.deactivated"
CLINIC_REACTIVATED = "clinic.reactivated"
CREDENTIAL_ADDED = "credential.added"
CREDENTIAL_WITHDRAWN = "credential.withdrawn"
CREDENTIAL_CHECKED = "credential.checked"
CREDENTIAL_EVIDENCE_VIEWED = "credential.evidence_viewed"
ACCESS_REFUSED = "access.refused"
AUDIT_VIEWED = "audit.viewed"
AUDIT_EXPORTED = "audit.exported"


def staff_invited(
    member: User, *, by: User, membership: Membership, ip: str | None = None
) -> AuditEvent:
    """`by` added `member` with their first role (`membership`); the invitation follows."""
    return audit.record(
        STAFF_INVITED,
        member,
        actor=by,
        clinic=membership.clinic_id,
        ip=ip,
        detail={"membership": membership.pk, "role": membership.role},
    )


def staff_invitation_sent(member: User, *, by: User | None, ip: str | None = None) -> AuditEvent:
    return audit.record(STAFF_INVITATION_SENT, member, actor=by, ip=ip)


def staff_invitation_failed(member: User, *, by: User | None, ip: str | None = None) -> AuditEvent:
    """The mail server did not take the invitation; it can be sent again."""
    return audit.record(STAFF_INVITATION_FAILED, member, actor=by, ip=ip)


def staff_invitation_accepted(member: User, *, ip: str | None = None) -> AuditEvent:
    """`member` followed the invitation's link and set their password."""
    return audit.record(STAFF_INVITATION_ACCEPTED, member, actor=member, ip=ip)


def membership_granted(membership: Membership, *, by: User, ip: str | None = None) -> AuditEvent:
    return audit.record(
        MEMBERSHIP_GRANTED,
        membership.user,
        actor=by,
        clinic=membership.clinic_id,
        ip=ip,
        detail={"membership": membership.pk, "role": membership.role},
    )


def membership_role_changed(
    membership: Membership, *, by: User, old_role: str, ip: str | None = None
) -> AuditEvent:
    return audit.record(
        MEMBERSHIP_ROLE_CHANGED,
        membership.user,
        actor=by,
        clinic=membership.clinic_id,
        ip=ip,
        detail={"membership": membership.pk, "from": old_role, "to": membership.role},
    )


def membership_revoked(
    membership: Membership, *, by: User, membership_id: int, ip: str | None = None
) -> AuditEvent:
    """`membership` was deleted (its id, gone from the instance, is `membership_id`)."""
    return audit.record(
        MEMBERSHIP_REVOKED,
        membership.user,
        actor=by,
        clinic=membership.clinic_id,
        ip=ip,
        detail={"membership": membership_id, "role": membership.role},
    )


def staff_deactivated(member: User, *, by: User, ip: str | None = None) -> AuditEvent:
    """`member` can no longer sign in anywhere; their memberships are kept."""
    return audit.record(STAFF_DEACTIVATED, member, actor=by, ip=ip)


def staff_reactivated(member: User, *, by: User, ip: str | None = None) -> AuditEvent:
    return audit.record(STAFF_REACTIVATED, member, actor=by, ip=ip)


def organisation_role_set(
    member: User, *, by: User, old_role: str, ip: str | None = None
) -> AuditEvent:
    """`member`'s organisation-wide role (administrator, content editor or none) changed."""
    return audit.record(
        ORGANISATION_ROLE_CHANGED,
        member,
        actor=by,
        ip=ip,
        detail={"from": old_role, "to": member.organisation_role},
    )


def clinic_created(clinic: Clinic, *, by: User, ip: str | None = None) -> AuditEvent:
    return audit.record(
        CLINIC_CREATED,
        clinic,
        actor=by,
        clinic=clinic,
        ip=ip,
        detail={"slug": clinic.slug, "opening_hours": clinic.opening_hours.count()},
    )


def clinic_updated(
    clinic: Clinic, *, by: User, fields: list[str], ip: str | None = None
) -> AuditEvent:
    """`by` changed `fields` of `clinic` ("opening_hours" among them when the hours changed);
    the values are not recorded (a number or address may be a person's)."""
    return audit.record(
        CLINIC_UPDATED, clinic, actor=by, clinic=clinic, ip=ip, detail={"fields": fields}
    )


def clinic_deactivated(clinic: Clinic, *, by: User, ip: str | None = None) -> AuditEvent:
    """`clinic` left the enquiry form, and its memberships give no rights until it is
    reactivated."""
    return audit.record(CLINIC_DEACTIVATED, clinic, actor=by, clinic=clinic, ip=ip)


def clinic_reactivated(clinic: Clinic, *, by: User, ip: str | None = None) -> AuditEvent:
    return audit.record(CLINIC_REACTIVATED, clinic, actor=by, clinic=clinic, ip=ip)


def _credential_detail(credential: Credential) -> dict[str, object]:
    return {"credential": credential.pk, "kind": credential.kind}


def credential_added(credential: Credential, *, by: User, ip: str | None = None) -> AuditEvent:
    return audit.record(
        CREDENTIAL_ADDED,
        credential.user,
        actor=by,
        ip=ip,
        detail={
            **_credential_detail(credential),
            "evidence": bool(credential.evidence),
            "checked": credential.checked_by_id is not None,
        },
    )


def credential_withdrawn(credential: Credential, *, by: User, ip: str | None = None) -> AuditEvent:
    return audit.record(
        CREDENTIAL_WITHDRAWN,
        credential.user,
        actor=by,
        ip=ip,
        detail=_credential_detail(credential),
    )


def credential_checked(credential: Credential, *, by: User, ip: str | None = None) -> AuditEvent:
    """`by` checked the credential against its evidence: from now on it counts."""
    return audit.record(
        CREDENTIAL_CHECKED,
        credential.user,
        actor=by,
        ip=ip,
        detail=_credential_detail(credential),
    )


def credential_evidence_viewed(
    credential: Credential, *, by: User, ip: str | None = None
) -> AuditEvent:
    """`by` downloaded the credential's evidence file."""
    return audit.record(
        CREDENTIAL_EVIDENCE_VIEWED,
        credential.user,
        actor=by,
        ip=ip,
        detail=_credential_detail(credential),
    )


def access_refused(
    *,
    record_type: str,
    record_id: int,
    clinic_id: int,
    patient_id: int,
    by: User | None,
    ip: str | None,
    path: str,
) -> AuditEvent:
    """`by` asked for a clinical record that is not theirs to see and was answered 404.

    In the record's clinic's chain, naming its patient, so that the clinic's managers see
    it and "who looked at this patient's record" includes who tried to."""
    return audit.record_for_list(
        ACCESS_REFUSED,
        AuditEvent,
        actor=by,
        clinic=clinic_id,
        ip=ip,
        detail={"record_type": record_type, "record_id": record_id, "path": path},
        patient=patient_id,
    )


def audit_viewed(
    *,
    by: User,
    clinic: int | None,
    filters: dict[str, str],
    rows: int,
    ip: str | None,
    patient: int | None = None,
) -> AuditEvent:
    """`by` read a page of the audit trail, filtered by `filters` (ids and dates); the
    event names the patient when the trail was of one patient's record."""
    return audit.record_for_list(
        AUDIT_VIEWED,
        AuditEvent,
        actor=by,
        clinic=clinic,
        ip=ip,
        detail={"filters": filters, "rows": rows},
        patient=patient,
    )


def audit_exported(
    *,
    by: User,
    clinic: int | None,
    filters: dict[str, str],
    rows: int,
    ip: str | None,
    patient: int | None = None,
) -> AuditEvent:
    """`by` downloaded the audit trail as CSV, filtered by `filters`."""
    return audit.record_for_list(
        AUDIT_EXPORTED,
        AuditEvent,
        actor=by,
        clinic=clinic,
        ip=ip,
        detail={"filters": filters, "rows": rows},
        patient=patient,
    )
