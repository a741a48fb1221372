"""Private links inside messages, such as a follow-up's `/f/<token>/`.

A message is rendered when it is sent, perhaps days after it was queued and perhaps more
than once (a retry), and must carry the same link each time; yet no token may be stored.
So a link is kept as a purpose and a random nonce, and its token is the HMAC of both under
the project's secret key: the database alone never yields a working link, and the record
the link opens stores only the SHA-256 of the token (`digest`), as every private link does.
Changing SECRET_KEY ends every link sent before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse


@dataclass(frozen=True)
class Link:
    purpose: str
    nonce: str
    url_name: str

    @classmethod
    def new(cls, purpose: str, url_name: str) -> Link:
        return cls(purpose=purpose, nonce=secrets.token_urlsafe(16), url_name=url_name)

    @property
    def token(self) -> str:
        mac = hmac.new(
            settings.SECRET_KEY.encode(),
            f"fascia.messaging.link:{self.purpose}:{self.nonce}".encode(),
            hashlib.sha256,
        )
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.token.encode()).hexdigest()

    @property
    def url(self) -> str:
        """The full address, for a message."""
        path = reverse(self.url_name, kwargs={"token": self.token})
        return f"{settings.FASCIA_BASE_URL}{path}"

    def as_context(self) -> dict[str, str]:
        return {"purpose": self.purpose, "nonce": self.nonce, "url_name": self.url_name}

    @classmethod
    def from_context(cls, value: dict[str, str]) -> Link:
        return cls(purpose=value["purpose"], nonce=value["nonce"], url_name=value["url_name"])
