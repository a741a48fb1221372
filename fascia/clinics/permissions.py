"""What each staff member may see and do: the one module every staff view and action asks.

A role is held per clinic (`Membership`); each role carries a set of capabilities. The
organisation-wide administrator manages staff and clinics everywhere but sees no clinical
content unless also a member of the clinic. Content editors work in the CMS only.

Fetch-and-check helpers (`access_clinic`, and the apps' own `access_*` built on `require`)
answer 404, never 403, for what a person may not see, so that ids cannot be probed.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from fascia.accounts.models import User

from .models import Clinic, Membership, Role

View = Callable[..., HttpResponse]


class Capability(StrEnum):
    ENQUIRIES = "enquiries"  # the enquiry inbox
    CONTACTS = "contacts"  # patients' names and contact details
    APPOINTMENTS = "appointments"
    CLINICAL = "clinical"  # screenings, assessments, sessions, outcomes
    STAFF = "staff"  # the clinic's staff and their memberships
    CLINIC_DETAILS = "clinic_details"  # the clinic's address, numbers and opening hours
    AUDIT = "audit"  # the clinic's audit trail: who read and changed what


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    # Front desk: never clinical content.
    Role.FRONT_DESK: frozenset(
        {Capability.ENQUIRIES, Capability.CONTACTS, Capability.APPOINTMENTS}
    ),
    # Physiotherapists also read the enquiries of their clinics: an enquiry is where their
    # patient's record starts.
    Role.PHYSIOTHERAPIST: frozenset(
        {Capability.ENQUIRIES, Capability.CONTACTS, Capability.APPOINTMENTS, Capability.CLINICAL}
    ),
    Role.CLINIC_MANAGER: frozenset(Capability),
}
ADMINISTRATOR_CAPABILITIES = frozenset({Capability.STAFF, Capability.AUDIT})


def _roles(user: User) -> dict[int, str]:
    """The user's role in each active clinic, by clinic id; read once per user object."""
    cached: dict[int, str] | None = getattr(user, "_fascia_roles", None)
    if cached is None:
        cached = dict(
            Membership.objects.filter(user=user, clinic__active=True).values_list(
                "clinic_id", "role"
            )
        )
        user._fascia_roles = cached  # type: ignore[attr-defined]
    return cached


def active_staff(user: object) -> User | None:
    """The user, if it is a signed-in, active account (not anonymous, not deactivated)."""
    return user if isinstance(user, User) and user.is_active else None


def can_use_app(user: object) -> bool:
    """Whether `user` may sign in to the staff area: a member of a clinic, or an administrator."""
    staff = active_staff(user)
    return staff is not None and (staff.is_administrator or bool(_roles(staff)))


def can(user: object, capability: Capability, clinic: Clinic | int) -> bool:
    """Whether `user` may use `capability` in `clinic` (a clinic or its id)."""
    staff = active_staff(user)
    if staff is None:
        return False
    if staff.is_administrator and capability in ADMINISTRATOR_CAPABILITIES:
        return True
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    role = _roles(staff).get(clinic_id)
    return role is not None and capability in ROLE_CAPABILITIES[role]


def clinic_ids_for(user: object, capability: Capability) -> set[int]:
    staff = active_staff(user)
    if staff is None:
        return set()
    if staff.is_administrator and capability in ADMINISTRATOR_CAPABILITIES:
        return set(Clinic.objects.filter(active=True).values_list("pk", flat=True))
    return {
        clinic_id
        for clinic_id, role in _roles(staff).items()
        if capability in ROLE_CAPABILITIES[role]
    }


def clinics_for(user: object, capability: Capability) -> QuerySet[Clinic]:
    """The active clinics in which `user` may use `capability`, by name."""
    return Clinic.objects.filter(pk__in=clinic_ids_for(user, capability), active=True)


def in_my_clinics(user: object, capability: Capability, field: str = "clinic") -> Q:
    """A filter for rows whose `field` is one of the user's clinics for `capability`.

    Rows that name no clinic ("either clinic") belong to everyone who has the capability
    somewhere; a user without it anywhere matches nothing.
    """
    ids = clinic_ids_for(user, capability)
    if not ids:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": ids}) | Q(**{f"{field}__isnull": True})


def require(user: object, capability: Capability, clinic: Clinic | int | None) -> None:
    """Raise 404 unless `user` may use `capability` in `clinic`.

    `clinic=None` is a record for "either clinic": anyone with the capability in some
    clinic may use it.
    """
    allowed = (
        bool(clinic_ids_for(user, capability)) if clinic is None else can(user, capability, clinic)
    )
    if not allowed:
        raise Http404


def access_clinic(user: object, clinic_id: int, capability: Capability) -> Clinic:
    """The active clinic if `user` may use `capability` there; 404 otherwise."""
    require(user, capability, clinic_id)
    try:
        return Clinic.objects.get(pk=clinic_id, active=True)
    except Clinic.DoesNotExist:
        raise Http404 from None


def can_manage_clinics(user: object) -> bool:
    """Administrators add, change and close clinics."""
    staff = active_staff(user)
    return staff is not None and staff.is_administrator


# What clinic managers may change about their own clinics (Capability.CLINIC_DETAILS): how
# patients find and reach them. Its name, short name, city and time zone, and whether it
# is open at all, are the administrators'.
CLINIC_CONTACT_FIELDS = frozenset(
    {
        "street_address",
        "locality",
        "region",
        "postal_code",
        "address_is_placeholder",
        "phone",
        "whatsapp",
        "email",
        "opening_hours",
    }
)
CLINIC_FIELDS = CLINIC_CONTACT_FIELDS | {"slug", "name", "city", "time_zone"}


def clinic_records_for(user: object) -> QuerySet[Clinic]:
    """The clinic records `user` may open in the staff area (/app/clinics/): every clinic,
    active or not, for an administrator; the active clinics where they hold
    CLINIC_DETAILS otherwise."""
    if can_manage_clinics(user):
        return Clinic.objects.all()
    return clinics_for(user, Capability.CLINIC_DETAILS)


def can_see_clinic_records(user: object) -> bool:
    return can_manage_clinics(user) or bool(clinic_ids_for(user, Capability.CLINIC_DETAILS))


def access_clinic_record(user: object, clinic_id: int) -> Clinic:
    """The clinic record `clinic_id` if `user` may open it (`clinic_records_for`); 404
    otherwise."""
    try:
        return clinic_records_for(user).get(pk=clinic_id)
    except Clinic.DoesNotExist:
        raise Http404 from None


def access_clinic_for_admin(user: object, clinic_id: int) -> Clinic:
    """The clinic `clinic_id`, active or not, for an administrator; 404 for anyone else."""
    if not can_manage_clinics(user):
        raise Http404
    try:
        return Clinic.objects.get(pk=clinic_id)
    except Clinic.DoesNotExist:
        raise Http404 from None


def clinic_fields_for(user: object, clinic: Clinic) -> frozenset[str]:
    """The fields of `clinic` (and "opening_hours") that `user` may change."""
    if can_manage_clinics(user):
        return CLINIC_FIELDS
    if clinic.active and can(user, Capability.CLINIC_DETAILS, clinic):
        return CLINIC_CONTACT_FIELDS
    return frozenset()


def staff_required(capability: Capability | None = None) -> Callable[[View], View]:
    """A staff view: sign-in first, then 404 unless the user may use the staff area and,
    when given, has `capability` in at least one clinic. Record-level checks stay with the
    view's `access_*` fetch."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not can_use_app(user) or (
                capability is not None and not clinic_ids_for(user, capability)
            ):
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorate
