from django import template

from .. import privacy
from ..forms import EnquiryForm

register = template.Library()


@register.inclusion_tag("enquiries/includes/section.html", takes_context=True)
def enquiry_section(context, page):
    """The enquiry form for a content page, its message pre-filled with the page's subject."""
    form = EnquiryForm(initial={"source_page": page.pk, "message": page.title})
    return {"form": form, "settings": context.get("settings"), "privacy": privacy}
