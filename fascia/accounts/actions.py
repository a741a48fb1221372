"""Every change to how a person signs in: one function each, one transaction, one audit event
(`events.py`). A refusal is a `SignInError` whose message is fit to show."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import events, sessions, two_factor
from .models import User


class SignInError(Exception):
    """A change the rules do not allow; the message is fit to show."""


@dataclass(frozen=True)
class Verification:
    """What became of a code: the device that accepted it, or when to try again if the
    device is pausing after wrong codes (django-otp's throttle: 1, 2, 4, 8… seconds)."""

    device: Device | None = None
    wait_until: datetime | None = None


def second_factor_enrol(*, user: User, secret: str, code: str, ip: str | None = None) -> list[str]:
    """Confirm the authenticator app holding `secret` with a `code` from it, and return the
    new recovery codes (shown once). Replaces any earlier app and codes, and ends every
    other session of the account (the caller keeps its own, `sessions.keep`)."""
    step = two_factor.step_matching(secret, two_factor.normalised(code))
    if step is None:
        raise SignInError(
            _(
                "That code does not match. Check the time on your phone is set automatically, "
                "then type the 6-digit code your app shows now."
            )
        )
    with transaction.atomic():
        replaced = _delete_devices(user) > 0
        TOTPDevice.objects.create(
            user=user, name=two_factor.APP_NAME, key=secret, confirmed=True, last_t=step
        )
        codes = _new_recovery_codes(user)
        sessions.end_all(user)
        events.second_factor_enrolled(user, replaced=replaced, ip=ip)
    return codes


def second_factor_verify(*, user: User, code: str, ip: str | None = None) -> Verification:
    """Check a code from the authenticator app or a recovery code (which then stops working).

    A wrong code counts against the device's throttle; the caller also counts it against the
    account and address (`throttle.second_factor_failed`), which records its event.
    """
    code = two_factor.normalised(code)
    with transaction.atomic():
        for device in two_factor.devices_to_try(user, code):
            allowed, why = device.verify_is_allowed()
            if not allowed:
                return Verification(wait_until=(why or {}).get("locked_until"))
            if device.verify_token(code):
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    events.recovery_code_used(user, left=left, ip=ip)
                return Verification(device=device)
    return Verification()


def recovery_codes_replace(*, user: User, ip: str | None = None) -> list[str]:
    """New recovery codes for `user`; the old ones stop working, and so do the account's
    other sessions (the caller keeps its own, `sessions.keep`)."""
    if not two_factor.has_second_factor(user):
        raise SignInError(_("Set up an authenticator app first."))
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        codes = _new_recovery_codes(user)
        sessions.end_all(user)
        events.recovery_codes_replaced(user, ip=ip)
    return codes


def second_factor_reset(*, member: User, by: User, ip: str | None = None) -> None:
    """Remove `member`'s authenticator app and recovery codes (they lost their phone) and end
    their sessions: they set up an app again at their next sign-in. Administrators only,
    never their own (another administrator does that)."""
    if not (by.is_active and by.is_administrator):
        raise SignInError(_("Only an administrator can reset a colleague's second factor."))
    if member.pk == by.pk:
        raise SignInError(_("Another administrator must reset your own second factor."))
    with transaction.atomic():
        _delete_devices(member)
        sessions.end_all(member)
        events.second_factor_reset(member, by=by, ip=ip)


def second_factor_reset_from_console(*, member: User) -> None:
    """The same reset, by someone with the server's shell (`manage.py reset_second_factor`):
    the way back in for a lone administrator who lost their phone and recovery codes."""
    with transaction.atomic():
        _delete_devices(member)
        sessions.end_all(member)
        events.second_factor_reset(member, by=None, via="manage.py")


def sign_out_everywhere(*, user: User, ip: str | None = None) -> None:
    """End every session of `user`, on every device, this one included."""
    with transaction.atomic():
        sessions.end_all(user)
        events.signed_out_everywhere(user, ip=ip)


def password_reset_complete(*, user: User, password: str, ip: str | None = None) -> None:
    """Set the password `user` chose from a reset link (the form validated it). Their other
    sessions end, as the password changed; the second factor stays, so signing in still asks
    for it."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        sessions.end_all(user)
        events.reset_link_used(user, ip=ip)


def _delete_devices(user: User) -> int:
    apps, _details = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return apps


def _new_recovery_codes(user: User) -> list[str]:
    device = StaticDevice.objects.create(user=user, name=two_factor.CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(two_factor.RECOVERY_CODES)]
    for code in codes:
        device.token_set.create(token=code)
    return codes
