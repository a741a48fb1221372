"""How a message leaves: one backend per channel, named in `FASCIA_MESSAGE_BACKENDS`.

A backend has one method, `send(outgoing) -> provider id`, and raises `DeliveryError`
with a message staff can read when the message did not go. `Outgoing.idempotency_key` is
the same on every attempt at one message, so a gateway that saw an attempt whose answer
was lost (a timeout, a killed worker) does not deliver it twice.

- `EmailBackend`: Django's `EmailMessage` through the configured Django email backend
  (SMTP in production); its Message-ID is derived from the idempotency key, and it waits
  for the server no longer than `EMAIL_TIMEOUT` (or the gateways' timeout when unset).
- `FileBackend`: one JSON line per message in `VAR_DIR/messages/<channel>.jsonl`, the
  default for SMS and WhatsApp until a gateway is configured.
- `HttpGatewayBackend`: POSTs `{to, channel, text, reference}` as JSON to the channel's
  gateway (`FASCIA_SMS_GATEWAY_URL`, `FASCIA_WHATSAPP_GATEWAY_URL`) with a bearer token
  and an `Idempotency-Key` header; a 2xx answer's JSON `id` is the provider id.
"""

from __future__ import annotations

import json
import smtplib
import uuid
from dataclasses import asdict, dataclass
from typing import Protocol

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Channel

ERROR_EXCERPT = 300


class DeliveryError(Exception):
    """The message did not go; the text says why, for staff."""


@dataclass(frozen=True)
class Outgoing:
    channel: str
    to: str
    subject: str
    text: str
    reference: str
    idempotency_key: str


class Backend(Protocol):
    def send(self, outgoing: Outgoing) -> str: ...


def backend_for(channel: str) -> Backend:
    backend: Backend = import_string(settings.FASCIA_MESSAGE_BACKENDS[channel])()
    return backend


class EmailBackend:
    def send(self, outgoing: Outgoing) -> str:
        domain = settings.FASCIA_BASE_URL.split("://")[-1].split("/")[0].split(":")[0]
        message_id = f"<{outgoing.idempotency_key}@{domain or 'fascia'}>"
        email = EmailMessage(
            subject=outgoing.subject,
            body=outgoing.text,
            to=[outgoing.to],
            headers={"Message-ID": message_id},
            # An SMTP server that never answers must not hold the worker past its lease.
            connection=get_connection(
                timeout=settings.EMAIL_TIMEOUT or settings.FASCIA_GATEWAY_TIMEOUT_SECONDS
            ),
        )
        try:
            email.send()
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"The email server refused the message: {error}") from error
        return message_id


class FileBackend:
    def send(self, outgoing: Outgoing) -> str:
        folder = settings.VAR_DIR / "messages"
        folder.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{uuid.uuid4().hex}"
        line = {"id": provider_id, "at": timezone.now().isoformat(), **asdict(outgoing)}
        try:
            with (folder / f"{outgoing.channel}.jsonl").open("a", encoding="utf-8") as file:
                file.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as error:
            raise DeliveryError(f"The message could not be written to a file: {error}") from error
        return provider_id


GATEWAY_URLS = {
    Channel.SMS: "FASCIA_SMS_GATEWAY_URL",
    Channel.WHATSAPP: "FASCIA_WHATSAPP_GATEWAY_URL",
}


class HttpGatewayBackend:
    def send(self, outgoing: Outgoing) -> str:
        url = getattr(settings, GATEWAY_URLS[Channel(outgoing.channel)])
        if not url:
            raise DeliveryError(f"No gateway is configured for {outgoing.channel} messages.")
        timeout = settings.FASCIA_GATEWAY_TIMEOUT_SECONDS
        try:
            response = requests.post(
                url,
                json={
                    "to": outgoing.to,
                    "channel": outgoing.channel,
                    "text": outgoing.text,
                    "reference": outgoing.reference,
                },
                headers={
                    "Authorization": f"Bearer {settings.FASCIA_GATEWAY_TOKEN}",
                    "Idempotency-Key": outgoing.idempotency_key,
                },
                timeout=timeout,
            )
        except requests.Timeout as error:
            raise DeliveryError(
                f"The gateway did not answer within {timeout:g} seconds."
            ) from error
        except requests.RequestException as error:
            raise DeliveryError(f"The gateway could not be reached: {error}") from error
        if not 200 <= response.status_code < 300:
            raise DeliveryError(
                f"The gateway refused the message (HTTP {response.status_code}): "
                f"{response.text[:ERROR_EXCERPT]}"
            )
        try:
            provider_id = response.json()["id"]
        except (ValueError, KeyError, TypeError) as error:
            raise DeliveryError(
                f"The gateway's answer has no message id: {response.text[:ERROR_EXCERPT]}"
            ) from error
        return str(provider_id)
