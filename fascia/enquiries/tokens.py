"""What an enquiry form's token means for the enquiry sent with it.

The token (`fascia.form_tokens`) says only when the page holding the form was rendered,
and every visitor who got that copy of the page shares it. From it and what was sent come:

- the **idempotency key**: the token with the whole submitted content. The same form sent
  twice (a double click, a browser retry, eight identical posts at once) is one enquiry;
- the **form key**: the token with the phone number. One token sends one enquiry per
  number, so a form reused with other words (back, edit, send) is sent back to be
  confirmed instead of quietly making a second enquiry, and a replayed token cannot send
  enquiry after enquiry for one person; two people who got the same copy of a page have
  different numbers and never meet;
- the **spam verdict**: a missing or forged token, a form sent faster than a person can
  fill it in, a filled honeypot;
- **expiry**: a form rendered more than `FASCIA_ENQUIRY_FORM_MAX_AGE` ago is sent back,
  with what was typed, to be sent again.
"""

import hashlib
import time
from collections.abc import Iterable

from django.conf import settings

from fascia.form_tokens import FormToken, issue, read

__all__ = [
    "FormToken",
    "expired",
    "form_key",
    "idempotency_key",
    "issue",
    "read",
    "spam_reason",
]


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def idempotency_key(form_token: str, content: Iterable[str]) -> str:
    """One key per form token and submitted content (a forged token counts as its text)."""
    return _hash("content", form_token, *content)


def form_key(form_token: str, phone_e164: str) -> str | None:
    """One key per valid token and phone number; None for a post without a valid token."""
    if read(form_token) is None:
        return None
    return _hash("form", form_token, phone_e164)


def expired(form_token: str, now: float | None = None) -> bool:
    """True for a valid token whose page was rendered longer ago than the form may be open."""
    token = read(form_token)
    return token is not None and token.age(now) > settings.FASCIA_ENQUIRY_FORM_MAX_AGE


def spam_reason(form_token: str, *, honeypot: str, now: float | None = None) -> str:
    """Why a submission looks automated, or "" when it looks like a person."""
    if honeypot:
        return "honeypot"
    token = read(form_token)
    if token is None:
        return "no valid form token"
    if token.age(now if now is not None else time.time()) < settings.FASCIA_ENQUIRY_MIN_SECONDS:
        return "sent too fast"
    return ""
