from django import template

from .. import privacy
from ..forms import EnquiryForm

register = template.Library()


@register.inclusion_tag("enquiries/includes/section.html", takes_context=True)
def enquiry_section(context, page):
    """The enquiry form at the end of a content page."""
    return {
        "form": EnquiryForm.for_page(page),
        "settings": context.get("settings"),
        "privacy": privacy,
    }
