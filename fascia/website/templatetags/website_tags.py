import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

# The characters that could close a <script> element or start markup inside it.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data) -> str:
    """Render structured data as a JSON-LD script element that markup cannot escape from."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


@register.simple_tag
def live_clinics():
    """The clinics for the contact footer, which every public page shows."""
    from fascia.website.models import ClinicPage

    return (
        ClinicPage.objects.live()
        .public()
        .filter(clinic__active=True)
        .select_related("clinic")
        .order_by("title")
    )


@register.inclusion_tag("website/includes/page_actions.html", takes_context=True)
def page_actions(context, page):
    """Call, WhatsApp and the enquiry form, one tap each from the top of a page that ends with
    the form. The numbers are the organisation's main ones (the clinic details in the CMS
    settings, as in the header and footer): a condition or treatment is offered at every
    clinic, and the main line answers for all of them. Nothing in it depends on the visitor,
    so the page stays one page for everyone."""
    from fascia.website.models import ClinicSettings

    details = ClinicSettings.load(request_or_site=context.get("request"))
    message = _('Hello, I have a question about "%(topic)s".')
    return {
        "details": details,
        "whatsapp_href": details.whatsapp_url(message % {"topic": page.title}),
    }


@register.filter
def script_json(value: str) -> str:
    """A JSON string made safe to place inside a `<script type="application/json">` element."""
    return mark_safe(str(value).translate(_SCRIPT_ESCAPES))  # noqa: S308
