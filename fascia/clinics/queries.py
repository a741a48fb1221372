"""Permission-checked reads of staff and their memberships, for the staff pages and actions.

Who may manage whom, built on `permissions.py`:

- administrators manage everyone; clinic managers manage the staff of the clinics they
  manage and see only their memberships there;
- only an account whose every membership is in clinics the manager manages, and that holds
  no organisation role, may be deactivated or reactivated by that manager;
- nobody changes their own account, memberships or organisation role here, so that nobody
  can lock themselves out or give themselves more access.
"""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from fascia.accounts.models import User

from .models import Clinic, Membership
from .permissions import Capability, active_staff, clinic_ids_for, clinics_for


def staff_clinic_ids(user: object) -> set[int]:
    """The clinics whose staff `user` manages."""
    return clinic_ids_for(user, Capability.STAFF)


def staff_clinics(user: object) -> QuerySet[Clinic]:
    """The clinics a new membership may name, by name."""
    return clinics_for(user, Capability.STAFF)


def _is_administrator(user: object) -> bool:
    staff = active_staff(user)
    return staff is not None and staff.is_administrator


def _shown_memberships(user: object) -> Prefetch:
    """Each staff member's memberships that `user` may see, as `shown_memberships`."""
    memberships = Membership.objects.select_related("clinic")
    if not _is_administrator(user):
        memberships = memberships.filter(clinic_id__in=staff_clinic_ids(user))
    return Prefetch("memberships", queryset=memberships, to_attr="shown_memberships")


def _visible_staff(user: object) -> QuerySet[User]:
    if _is_administrator(user):
        return User.objects.all()
    ids = staff_clinic_ids(user)
    if not ids:
        return User.objects.none()
    return User.objects.filter(
        pk__in=Membership.objects.filter(clinic_id__in=ids).values("user_id")
    )


def staff_list(user: object) -> QuerySet[User]:
    """The staff `user` manages, by name, each with `shown_memberships`."""
    return _visible_staff(user).prefetch_related(_shown_memberships(user))


def access_staff_member(user: object, user_id: int) -> User:
    """The staff member `user_id`, with `shown_memberships`, if `user` manages them; 404
    otherwise."""
    try:
        return staff_list(user).get(pk=user_id)
    except User.DoesNotExist:
        raise Http404 from None


def manages(user: object, member: User) -> bool:
    """Whether `member` is still one of the staff `user` manages (after a change, say)."""
    return _visible_staff(user).filter(pk=member.pk).exists()


def can_change_account(user: object, member: User) -> bool:
    """Whether `user` may deactivate or reactivate `member`'s account."""
    actor = active_staff(user)
    if actor is None or actor.pk == member.pk:
        return False
    if actor.is_administrator:
        return True
    if member.organisation_role:
        return False
    clinic_ids = set(Membership.objects.filter(user=member).values_list("clinic_id", flat=True))
    return bool(clinic_ids) and clinic_ids <= staff_clinic_ids(actor)


def can_add_staff(user: object, clinic: Clinic | int) -> bool:
    """Whether `user` may add a new staff member to `clinic`."""
    return (clinic if isinstance(clinic, int) else clinic.pk) in staff_clinic_ids(user)


def can_change_memberships(user: object, member: User, clinic: Clinic | int) -> bool:
    """Whether `user` may give `member` a membership of `clinic`, or take it away."""
    actor = active_staff(user)
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return actor is not None and actor.pk != member.pk and clinic_id in staff_clinic_ids(actor)


def can_set_organisation_role(user: object, member: User) -> bool:
    actor = active_staff(user)
    return actor is not None and actor.is_administrator and actor.pk != member.pk


def other_memberships_count(user: object, member: User) -> int:
    """How many of `member`'s memberships `user` does not see (in clinics they do not
    manage); the staff page says so without naming them."""
    if _is_administrator(user):
        return 0
    return (
        Membership.objects.filter(user=member).exclude(clinic_id__in=staff_clinic_ids(user)).count()
    )


def existing_account(email: str) -> User | None:
    """The account whose email address or username is `email`, whatever the case."""
    return (
        User.objects.filter(email__iexact=email).first()
        or User.objects.filter(username__iexact=email).first()
    )


def access_membership(user: object, member: User, membership_id: int) -> Membership:
    """`member`'s membership `membership_id`, if it is in a clinic `user` manages; 404
    otherwise."""
    try:
        return Membership.objects.select_related("clinic", "user").get(
            pk=membership_id, user=member, clinic_id__in=staff_clinic_ids(user)
        )
    except Membership.DoesNotExist:
        raise Http404 from None
