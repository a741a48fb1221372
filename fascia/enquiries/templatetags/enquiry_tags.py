from typing import Any

from django import template
from wagtail.models import Page

from .. import privacy
from ..forms import EnquiryForm

register = template.Library()


@register.inclusion_tag("enquiries/includes/section.html", takes_context=True)
def enquiry_section(context: template.Context, page: Page) -> dict[str, Any]:
    """The enquiry form at the end of a content page.

    Website templates do not load this library: a page that offers the form includes
    `enquiries/includes/page_section.html`, which does.
    """
    return {
        "form": EnquiryForm.for_page(page),
        "settings": context.get("settings"),
        "privacy": privacy,
    }
