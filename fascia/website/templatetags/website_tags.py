import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


@register.filter
def script_json(value: str) -> str:
    """A JSON string made safe to place inside a `<script type="application/json">` element."""
    return mark_safe(str(value).translate(_SCRIPT_ESCAPES))  # noqa: S308
