"""Sign-in throttling with django-axes, on every sign-in page (/app/, /cms/, /django-admin/).

Failures are counted per account *and* address together (`AXES_LOCKOUT_PARAMETERS`), so a
stranger guessing a colleague's password from elsewhere never locks the colleague out; and
a lock always ends after the cool-off (`AXES_COOLOFF_TIME`), however many more tries come
in meanwhile, so no lock is permanent. An account is counted as one whatever spelling was
typed: its username or its email address, in any case.

A wrong code at the second factor counts as a failed sign-in too (`second_factor_failed`),
so five wrong passwords or codes, in any mix, pause the account at that address.
"""

from datetime import timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_login_failed
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .audit import request_ip
from .models import User


def client_ip(request: HttpRequest) -> str | None:
    """The address axes counts, read as the audit trail reads it (our own proxies only)."""
    return request_ip(request)


def account_key(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """One key per account however its name was typed; the typed text, folded, otherwise."""
    typed = str((credentials or {}).get("username") or "").strip()
    if not typed:
        return ""
    match = Q(username__iexact=typed)
    if "@" in typed:
        match |= Q(email__iexact=typed)
    username = User.objects.filter(match).values_list("username", flat=True).first()
    return (username or typed).casefold()


# Marks the credentials of a failed second factor (the audit event differs).
SECOND_FACTOR = "second_factor"


def second_factor_failed(request: HttpRequest, user: User) -> None:
    """Count a wrong code as a failed sign-in of `user` from this address, as a wrong
    password is counted (Django's `user_login_failed`, which django-axes and the audit
    trail hear)."""
    credentials = {"username": user.username, SECOND_FACTOR: True}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)


def second_factor_paused(request: HttpRequest, user: User) -> bool:
    """Whether signing in as `user` from this address is paused (`locked_out` says so)."""
    return AxesProxyHandler.is_locked(request, {"username": user.username})


def _retry_after(request: HttpRequest, username: str, cool_off: timedelta) -> int:
    """Seconds until the lock for this account and address ends."""
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
        .order_by("-attempt_time")
        .first()
    )
    ends = (attempt.attempt_time if attempt else timezone.now()) + cool_off
    return max(1, int((ends - timezone.now()).total_seconds()))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page for a paused sign-in: what happened, when to try again, what else to do."""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    seconds = _retry_after(request, account_key(request, credentials), cool_off)
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "minutes": max(1, -(-seconds // 60)),
            "until": timezone.localtime() + timedelta(seconds=seconds),
            # Back to the page that was used: the staff area's, the CMS's or the admin's.
            "sign_in_url": request.path,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
