"""The token each rendered enquiry form carries.

A token says when the form was rendered (signed, so it cannot be forged) and holds a
random nonce. Pages keep a placeholder where the token goes, so that the page cache can
store one copy of a page while every visitor still gets a fresh token: the
`fresh_form_tokens` middleware fills it in on the way out. The nonce, together with what
was submitted, is the idempotency key of the enquiry.
"""

import hashlib
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


def idempotency_key(token: FormToken | None, raw_token: str, fingerprint: str) -> str:
    """One key per rendered form and submitted content.

    The same form sent twice with the same content (double click, browser retry, back and
    resubmit) gives the same key; a form re-used for a different enquiry gives a new one,
    so a page cached by a proxy can never merge two people's enquiries.
    """
    nonce = token.nonce if token else f"unsigned:{raw_token}"
    return hashlib.sha256(f"{nonce}\x1f{fingerprint}".encode()).hexdigest()


def fill(content: bytes) -> bytes:
    """Replace every placeholder with a freshly issued token."""
    marker = PLACEHOLDER.encode()
    parts = content.split(marker)
    filled = [parts[0]]
    for part in parts[1:]:
        filled.extend((issue().encode(), part))
    return b"".join(filled)
