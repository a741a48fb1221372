"""Filters for the staff inbox's templates."""

from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from fascia import phone_numbers
from fascia.enquiries import phone
from fascia.enquiries.models import CallOutcome, Enquiry, PhoneKind

register = template.Library()

PREVIEW_LENGTH = 80
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


@register.filter
def phone_display(number) -> str:
    """An Indian number as dialled within India (089510 47001), any other in full (+44 …)."""
    return phone.display(number) if number else ""


@register.filter
def own_site_url(url: str) -> str:
    """`url` if it leads to a page of this site, "" otherwise.

    The address an enquiry was sent from comes with the public form, so it is not trusted
    as a link: a `javascript:` address or another site's page is shown as text only.
    """
    allowed_hosts = {urlsplit(settings.FASCIA_BASE_URL).netloc, *settings.ALLOWED_HOSTS}
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=allowed_hosts):
        return url
    return ""


@register.filter
def preview(text: str, length: int = PREVIEW_LENGTH) -> str:
    """The start of `text` on one line, cut after a whole word with "…" if it is longer than
    `length` characters. Left to the template to escape."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[: length + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else flat[:length]
    return cut.rstrip(" ,.;:!?-") + ELLIPSIS


@register.filter
def whatsapp_href(enquiry: Enquiry, organisation: str = "") -> str:
    """A wa.me link to the person's mobile, with a short opening message naming the clinic
    (the `organisation` for "either clinic"); "" unless the number is a mobile's."""
    if not enquiry.phone or enquiry.phone_kind != PhoneKind.MOBILE:
        return ""
    clinic = enquiry.clinic.name if enquiry.clinic else organisation or _("the clinic")
    text = _(
        "Hello, this is %(clinic)s about your enquiry (reference %(reference)s). "
        "When would be a good time to call you?"
    ) % {"clinic": clinic, "reference": enquiry.reference}
    return phone_numbers.whatsapp_url(enquiry.phone, text)


@register.filter
def outcome_label(value: str) -> str:
    return CallOutcome(value).label if value in CallOutcome.values else ""


@register.simple_tag
def call_outcomes() -> list[tuple[str, str]]:
    """The outcomes a call may have, as (value, label), for the list's one-line call form."""
    return list(CallOutcome.choices)
