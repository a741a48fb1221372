"""`{% patient_messages patient %}`: the patient's messages on their page, failures marked."""

from typing import Any

from django import template

from fascia.records.models import Patient

from ..attention import messages_of

register = template.Library()


@register.inclusion_tag("messaging/includes/patient_messages.html", takes_context=True)
def patient_messages(context: template.Context, patient: Patient) -> dict[str, Any]:
    return {"patient_messages": messages_of(context["user"], patient), "patient": patient}
