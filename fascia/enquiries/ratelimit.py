"""Limits on enquiries per network address and per phone number.

Counters live in the default cache (Redis when configured, so every app server shares
them; files under var/cache/ otherwise, shared by the processes of one server). Only
enquiries that were stored count: a form sent back with errors does not. Submissions
judged spam count against a limit of their own, per address, and never against the
limits of the phone number they name or of the people sharing their address: three
made-up posts must not stop the real owner of a number, nor a whole mobile network, from
getting through.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fascia.accounts.audit import request_ip

IP_WINDOW = 10 * 60
PHONE_WINDOW = 60 * 60


@dataclass(frozen=True)
class Limit:
    key: str
    allowed: int
    window: int
    kind: str
    """"address", "phone" or "spam": which limit, for the person told they hit it."""


@dataclass(frozen=True)
class Refusal:
    """A limit that was used up, and how many seconds until it has room again."""

    limit: Limit
    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        wait = ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
        if self.limit.kind == "phone":
            return _(
                "We have already received %(count)d enquiries for this mobile number in the "
                "last hour. Please try again %(wait)s, or call us."
            ) % {"count": self.limit.allowed, "wait": wait}
        return _(
            "We have received a lot of enquiries from your network in the last 10 minutes. "
            "Please try again %(wait)s, or call us."
        ) % {"wait": wait}


class Refused(Exception):
    """Raised to abandon storing an enquiry that a limit refused."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.limit.kind)
        self.refusal = refusal


def limits(ip: str, phone_e164: str, *, spam: bool) -> list[Limit]:
    if spam:
        return [
            Limit(f"enquiry-rate:spam:{ip}", settings.FASCIA_ENQUIRY_SPAM_LIMIT, IP_WINDOW, "spam")
        ]
    return [
        Limit(f"enquiry-rate:ip:{ip}", settings.FASCIA_ENQUIRY_IP_LIMIT, IP_WINDOW, "address"),
        Limit(
            f"enquiry-rate:phone:{phone_e164}",
            settings.FASCIA_ENQUIRY_PHONE_LIMIT,
            PHONE_WINDOW,
            "phone",
        ),
    ]


def _increment(limit: Limit, by: int) -> int:
    # add() starts the window (and notes when it ends); incr() and decr() never extend it.
    if cache.add(limit.key, 0, timeout=limit.window):
        cache.set(f"{limit.key}:ends", time.time() + limit.window, timeout=limit.window)
    try:
        return cache.incr(limit.key, by)
    except ValueError:
        cache.set(limit.key, max(by, 0), timeout=limit.window)
        return max(by, 0)


def _seconds_left(limit: Limit) -> int:
    ends = cache.get(f"{limit.key}:ends")
    if ends is None:
        return limit.window
    return max(1, round(float(ends) - time.time()))


def take(ip: str, phone_e164: str, *, spam: bool = False) -> Refusal | None:
    """Reserve one enquiry under its limits; a Refusal, reserving nothing, if one is used up.

    Counting first and checking after means two enquiries sent at the same moment cannot
    both slip under a limit (with Redis, whose increments are atomic).
    """
    taken = []
    for limit in limits(ip, phone_e164, spam=spam):
        taken.append(limit)
        if _increment(limit, 1) > limit.allowed:
            for reserved in taken:
                _increment(reserved, -1)
            return Refusal(limit, _seconds_left(limit))
    return None


def give_back(ip: str, phone_e164: str, *, spam: bool = False) -> None:
    """Return a reservation that did not become a new enquiry."""
    for limit in limits(ip, phone_e164, spam=spam):
        _increment(limit, -1)


def client_ip(request: HttpRequest) -> str:
    """The visitor's address as `audit.request_ip` reads it; empty when there is no valid
    one (all such requests then share one limit)."""
    return request_ip(request) or ""
