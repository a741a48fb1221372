"""The appointment-request section of the enquiry confirmation page.

Enquiry templates do not load this library: the confirmation page includes
`scheduling/public/request_section.html`, which does (the layer rule: `enquiries` names a
scheduling template, never its Python).
"""

from typing import Any

from django import template

from fascia.enquiries import confirmation

from ..views.public import section_context, signed_enquiry

register = template.Library()


@register.inclusion_tag("scheduling/public/includes/section.html", takes_context=True)
def appointment_request(context: template.Context) -> dict[str, Any]:
    """Free first-assessment slots for the enquiry whose signed confirmation this page is;
    nothing without the signature."""
    request = context.get("request")
    reference = context.get("reference", "")
    signature = request.GET.get(confirmation.PARAMETER, "") if request is not None else ""
    enquiry = signed_enquiry(reference, signature) if reference and signature else None
    if enquiry is None:
        return {"offered": False}
    return section_context(enquiry, signature)
