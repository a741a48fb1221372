"""What happens on every sign-in page (/app/, /cms/, /django-admin/) at once, through Django's
sign-in signals: a session's clock starts, and a failed sign-in is recorded."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from . import events, sessions
from .audit import request_ip
from .models import User
from .throttle import SECOND_FACTOR, account_key


@receiver(user_logged_in, dispatch_uid="fascia.accounts.session_start")
def _session_start(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start(request, user)


@receiver(user_login_failed, dispatch_uid="fascia.accounts.signin_failed")
def _signin_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    account = account_key(request, credentials)
    member = User.objects.filter(username__iexact=account).first() if account else None
    ip = request_ip(request)
    with transaction.atomic():
        if credentials.get(SECOND_FACTOR) and member is not None:
            events.second_factor_failed(member, ip=ip)
        else:
            events.signin_failed(account, member=member, page=request.path, ip=ip)
