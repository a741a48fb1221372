"""What a message says: its text lives in templates, one set per message and language.

A message with `template="follow_up"` is written from

    messaging/follow_up/<language>/subject.txt   the subject of an email
    messaging/follow_up/<language>/body.txt      the text of an email
    messaging/follow_up/<language>/short.txt     the text of an SMS or WhatsApp message

in the patient's preferred language when that translation exists, in English (`en`)
otherwise. Each app ships the messages it queues under its own
`templates/messaging/<template>/en/` (scheduling: `appointment_reminder`; treatment:
`follow_up`); a translation is one more folder beside `en`.

The templates are rendered as plain text (never HTML-escaped) with `translation.override`
in the chosen language, from this context:

- `patient_first_name`: the first word of the patient's name;
- `clinic`: `name`, `phone` (international format, as written for people) and `whatsapp`
  (the same, or "" when the clinic has none);
- `link_url`: the full address of the message's private link, when it has one
  (`context["link"]`, see `links.Link`);
- and every key of the message's own `context` (ids and plain values, never health detail).

Rendering happens when the message is sent, so a retry renders it again, identically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template import Context
from django.template.loader import select_template
from django.utils import translation

from .links import Link
from .models import Channel, Message

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    language: str


def context_for(message: Message) -> dict[str, Any]:
    clinic = message.clinic
    patient = message.patient
    values: dict[str, Any] = dict(message.context)
    values.update(
        patient_first_name=(patient.full_name.split() or [""])[0],
        clinic={
            "name": clinic.name,
            "phone": clinic.phone.as_international if clinic.phone else "",
            "whatsapp": clinic.whatsapp.as_international if clinic.whatsapp else "",
        },
    )
    if "link" in message.context:
        values["link_url"] = Link.from_context(message.context["link"]).url
    return values


def _render(message: Message, part: str, language: str, values: dict[str, Any]) -> tuple[str, str]:
    """The text of one part and the language it was found in."""
    names = [f"messaging/{message.template}/{language}/{part}"]
    if language != FALLBACK_LANGUAGE:
        names.append(f"messaging/{message.template}/{FALLBACK_LANGUAGE}/{part}")
    template = select_template(names)
    found = language if template.origin.template_name == names[0] else FALLBACK_LANGUAGE
    with translation.override(found):
        text = template.template.render(Context(values, autoescape=False))
    return text, found


def rendered(message: Message) -> Rendered:
    """The subject (emails only) and text of `message`, in the patient's language where a
    translation exists. Raises `TemplateDoesNotExist` when the message has no template."""
    language = message.patient.preferred_language or FALLBACK_LANGUAGE
    values = context_for(message)
    if message.channel == Channel.EMAIL:
        subject, found = _render(message, "subject.txt", language, values)
        text, _found = _render(message, "body.txt", found, values)
        return Rendered(subject=" ".join(subject.split()), text=text.strip(), language=found)
    text, found = _render(message, "short.txt", language, values)
    return Rendered(subject="", text=text.strip(), language=found)
