"""What an enquiry form's token means for the enquiry sent with it.

The token itself (signed, with a nonce and the time the form was rendered) and the
placeholder that keeps pages with the form cacheable live below the apps, in
`fascia.form_tokens`, because the website's page cache fills them in too. Here: the
enquiry's idempotency key (the token's nonce with what was submitted) and the spam verdict
(a missing or forged token, a form sent faster than a person can, a filled honeypot).
"""

import hashlib
import time
from collections.abc import Iterable

from django.conf import settings

from fascia.form_tokens import PLACEHOLDER, FormToken, issue, read

__all__ = ["PLACEHOLDER", "FormToken", "idempotency_key", "issue", "read", "spam_reason"]


def idempotency_key(form_token: str, content: Iterable[str]) -> str:
    """One key per rendered form and submitted content.

    The same form sent twice with the same content (double click, browser retry, back and
    resubmit) gives the same key; a form re-used for a different enquiry gives a new one,
    so a page cached by a proxy can never merge two people's enquiries.
    """
    token = read(form_token)
    nonce = token.nonce if token else f"unsigned:{form_token}"
    fingerprint = hashlib.sha256("\x1f".join(content).encode()).hexdigest()
    return hashlib.sha256(f"{nonce}\x1f{fingerprint}".encode()).hexdigest()


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
