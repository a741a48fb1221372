"""The audit events of signing in: one function per event, and the one place their names live.

A failed sign-in names the account it was for (`account`: the username for an account that
exists, the typed name folded otherwise; never the password) and the address it came from.
Every other event's record is the staff member it is about, so `audit.events_for(member)` is
their history; all are in the organisation's chain, as they concern no clinic.
"""

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent, User

SIGNIN_FAILED = "signin.failed"
SECOND_FACTOR_FAILED = "signin.second_factor_failed"
SECOND_FACTOR_ENROLLED = "signin.second_factor_enrolled"
RECOVERY_CODE_USED = "signin.recovery_code_used"
RECOVERY_CODES_REPLACED = "signin.recovery_codes_replaced"
SECOND_FACTOR_RESET = "signin.second_factor_reset"
SIGNED_OUT_EVERYWHERE = "signin.signed_out_everywhere"
RESET_LINK_USED = "signin.reset_link_used"


def signin_failed(
    account: str, *, member: User | None, page: str, ip: str | None = None
) -> AuditEvent:
    """A wrong password (or a paused account) on the sign-in page `page`."""
    detail = {"account": account, "page": page}
    if member is None:
        return audit.record_for_list(SIGNIN_FAILED, User, ip=ip, detail=detail)
    return audit.record(SIGNIN_FAILED, member, ip=ip, detail=detail)


def second_factor_failed(member: User, *, ip: str | None = None) -> AuditEvent:
    """The right password, then a wrong code from the app or a wrong recovery code."""
    return audit.record(
        SECOND_FACTOR_FAILED, member, actor=member, ip=ip, detail={"account": member.username}
    )


def second_factor_enrolled(member: User, *, replaced: bool, ip: str | None = None) -> AuditEvent:
    """`member` confirmed an authenticator app (replacing an earlier one when `replaced`)
    and was given new recovery codes."""
    return audit.record(
        SECOND_FACTOR_ENROLLED, member, actor=member, ip=ip, detail={"replaced": replaced}
    )


def recovery_code_used(member: User, *, left: int, ip: str | None = None) -> AuditEvent:
    return audit.record(RECOVERY_CODE_USED, member, actor=member, ip=ip, detail={"left": left})


def recovery_codes_replaced(member: User, *, ip: str | None = None) -> AuditEvent:
    return audit.record(RECOVERY_CODES_REPLACED, member, actor=member, ip=ip)


def second_factor_reset(
    member: User, *, by: User | None, ip: str | None = None, via: str = "staff_page"
) -> AuditEvent:
    """`by` removed `member`'s authenticator and recovery codes and ended their sessions
    (`by` is None and `via` "manage.py" when someone with the server's shell did it)."""
    return audit.record(SECOND_FACTOR_RESET, member, actor=by, ip=ip, detail={"via": via})


def signed_out_everywhere(member: User, *, ip: str | None = None) -> AuditEvent:
    return audit.record(SIGNED_OUT_EVERYWHERE, member, actor=member, ip=ip)


def reset_link_used(member: User, *, ip: str | None = None) -> AuditEvent:
    """`member` set a new password from a reset link; every session of theirs ended."""
    return audit.record(RESET_LINK_USED, member, ip=ip)
