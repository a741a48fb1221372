"""Limits on accepted enquiries per network address and per phone number.

Counters live in the default cache (Redis when configured, so every app server shares
them; files under var/cache/ otherwise, shared by the processes of one server). Only
enquiries that were stored count: a form sent back with errors does not.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from fascia.accounts.audit import request_ip

IP_WINDOW = 10 * 60
PHONE_WINDOW = 60 * 60


@dataclass(frozen=True)
class Limit:
    key: str
    allowed: int
    window: int


def limits(ip: str, phone_e164: str) -> list[Limit]:
    return [
        Limit(f"enquiry-rate:ip:{ip}", settings.FASCIA_ENQUIRY_IP_LIMIT, IP_WINDOW),
        Limit(
            f"enquiry-rate:phone:{phone_e164}", settings.FASCIA_ENQUIRY_PHONE_LIMIT, PHONE_WINDOW
        ),
    ]


def _increment(limit: Limit, by: int) -> int:
    # add() starts the window; incr() and decr() never extend it.
    cache.add(limit.key, 0, timeout=limit.window)
    try:
        return cache.incr(limit.key, by)
    except ValueError:
        cache.set(limit.key, max(by, 0), timeout=limit.window)
        return max(by, 0)


def take(ip: str, phone_e164: str) -> bool:
    """Reserve one enquiry under both limits; False, reserving nothing, if either is used up.

    Counting first and checking after means two enquiries sent at the same moment cannot
    both slip under a limit (with Redis, whose increments are atomic).
    """
    taken = []
    for limit in limits(ip, phone_e164):
        taken.append(limit)
        if _increment(limit, 1) > limit.allowed:
            for reserved in taken:
                _increment(reserved, -1)
            return False
    return True


def give_back(ip: str, phone_e164: str) -> None:
    """Return a reservation that did not become a new enquiry."""
    for limit in limits(ip, phone_e164):
        _increment(limit, -1)


def client_ip(request: HttpRequest) -> str:
    """The visitor's address as `audit.request_ip` reads it; empty when there is no valid
    one (all such requests then share one limit)."""
    return request_ip(request) or ""
