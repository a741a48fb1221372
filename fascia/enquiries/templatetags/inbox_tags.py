"""Filters for the staff inbox's templates."""

from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from fascia.enquiries import phone

register = template.Library()


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
