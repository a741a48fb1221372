"""The signed token a public form carries: when the page holding the form was rendered.

A page with a form is shared by every anonymous visitor (a proxy and the page cache keep
one copy), so its token is the same for everyone who gets that copy: it names no visitor
and holds no secret. It proves that the form came from a page we rendered (a post without
one, or with a forged one, did not) and how old that page is, so a form left open for
longer than `FASCIA_ENQUIRY_FORM_MAX_AGE` can be sent back for a check instead of
trusted. What a token means for an enquiry (its idempotency key, the spam verdict, "one
token, one enquiry") stays in `fascia.enquiries`.

This module sits in the project package, below the apps, because more than one app's
public forms may carry it.
"""

import time
from dataclasses import dataclass

from django.core import signing

SALT = "fascia.enquiries.form-token"


@dataclass(frozen=True)
class FormToken:
    issued_at: float

    def age(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.issued_at


def issue(now: float | None = None) -> str:
    issued_at = round(now if now is not None else time.time(), 3)
    return signing.dumps({"t": issued_at}, salt=SALT)


def read(value: str) -> FormToken | None:
    """The token if we signed it, None if it is missing, damaged or forged."""
    try:
        data = signing.loads(value, salt=SALT)
        return FormToken(issued_at=float(data["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
