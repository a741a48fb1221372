"""Limits on accepted enquiries per network address and per phone number.

Counters live in the default cache (Redis when configured, so every app server shares
them). Only enquiries that were stored count: a form sent back with errors does not.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

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


def exceeded(ip: str, phone_e164: str) -> bool:
    counts = cache.get_many([limit.key for limit in limits(ip, phone_e164)])
    return any(counts.get(limit.key, 0) >= limit.allowed for limit in limits(ip, phone_e164))


def count(ip: str, phone_e164: str) -> None:
    for limit in limits(ip, phone_e164):
        # add() starts the window; incr() never extends it.
        cache.add(limit.key, 0, timeout=limit.window)
        try:
            cache.incr(limit.key)
        except ValueError:
            cache.set(limit.key, 1, timeout=limit.window)


def client_ip(request) -> str:
    """The visitor's address, trusting X-Forwarded-For only as far as our own proxies."""
    hops = settings.FASCIA_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
