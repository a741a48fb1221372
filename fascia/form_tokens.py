"""Signed form tokens, and the placeholder that lets a page carrying one be cached.

A token says when a form was rendered (signed, so it cannot be forged) and holds a random
nonce. A page is rendered, and cached, with `PLACEHOLDER` where each token goes; whatever
answers a visitor (the enquiries app's `fresh_form_tokens` middleware after Django, or
`website.served_pages` in front of it) puts a freshly issued token in each placeholder.
So one cached copy of a page serves every visitor, and each still gets a token of their own.

This module sits in the project package, below the apps: the website's page cache and the
enquiry form both need it, and neither app may import the other for it. What a token means
for an enquiry (its idempotency key, the spam verdict) stays in `fascia.enquiries`.
"""

import secrets
import time
from dataclasses import dataclass

from django.core import signing

PLACEHOLDER = "fascia-enquiry-form-token"
SALT = "fascia.enquiries.form-token"


@dataclass(frozen=True)
class FormToken:
    nonce: str
    issued_at: float

    def age(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.issued_at


def issue(now: float | None = None) -> str:
    issued_at = round(now if now is not None else time.time(), 3)
    return signing.dumps({"n": secrets.token_urlsafe(12), "t": issued_at}, salt=SALT)


def read(value: str) -> FormToken | None:
    """The token if we signed it, None if it is missing, damaged or forged."""
    try:
        data = signing.loads(value, salt=SALT)
        return FormToken(nonce=str(data["n"]), issued_at=float(data["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def fill(content: bytes) -> bytes:
    """Replace every placeholder with a freshly issued token."""
    parts = content.split(PLACEHOLDER.encode())
    filled = [parts[0]]
    for part in parts[1:]:
        filled.extend((issue().encode(), part))
    return b"".join(filled)
