"""Template questions for the staff area, answered by `permissions.py`."""

from django import template

from fascia.clinics.permissions import Capability, can, can_see_clinic_records, clinic_ids_for

register = template.Library()


@register.simple_tag
def can_anywhere(user, capability: str) -> bool:
    """Whether `user` has `capability` ("staff", "enquiries", ...) in at least one clinic:
    `{% can_anywhere user "staff" as show_staff %}`."""
    return bool(clinic_ids_for(user, Capability(capability)))


@register.simple_tag
def can_in(user, capability: str, clinic_id: int) -> bool:
    """Whether `user` has `capability` in the clinic `clinic_id`:
    `{% can_in user "audit" patient.clinic_id as show_trail %}`."""
    return can(user, Capability(capability), clinic_id)


@register.simple_tag
def can_see_clinics(user) -> bool:
    """Whether `user` may open the clinic records (administrators, and managers for their
    clinics): `{% can_see_clinics user as show_clinics %}`."""
    return can_see_clinic_records(user)
