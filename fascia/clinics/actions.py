"""Every change to staff accounts, memberships and clinics: one function each, one
transaction, one audit event (`events.py`). Who may do what is asked of `queries.py` and
`permissions.py`; a refusal is an `ActionError` whose message is fit to show to staff."""

import copy
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from fascia.accounts import sessions
from fascia.accounts.models import OrganisationRole, User

from . import events
from .hours import Stretch, overlaps
from .models import Clinic, Membership, OpeningHours, Role, Weekday
from .permissions import CLINIC_FIELDS, can_manage_clinics, clinic_fields_for
from .queries import (
    can_add_staff,
    can_change_account,
    can_change_memberships,
    can_set_organisation_role,
    existing_account,
)

logger = logging.getLogger(__name__)

# Wagtail's own groups (made by its migrations) that an organisation role puts a person in.
# Content editors publish (journey 11), so they join "Moderators", which may add, edit,
# publish and lock pages; Wagtail's "Editors" may only submit pages for moderation.
# Administrators manage staff and clinics, not the website, so they join neither.
CMS_GROUPS: dict[str, str] = {OrganisationRole.CONTENT_EDITOR: "Moderators"}
MANAGED_CMS_GROUPS = ("Editors", "Moderators")


class ActionError(Exception):
    """A request the rules do not allow; the message is fit to show to staff."""


def email_taken_message() -> str:
    return _(
        "This email address already belongs to a staff account. Give that person a role in "
        "the clinic instead of adding them again."
    )


@dataclass(frozen=True)
class Invitation:
    member: User
    sent: bool  # False when the email could not be handed to the mail server


def staff_invite(
    *,
    email: str,
    first_name: str,
    last_name: str,
    clinic: Clinic,
    role: str,
    by: User,
    ip: str | None = None,
) -> Invitation:
    """Add a staff member to `clinic` and email them a link to set their password.

    The account has no usable password until they follow the link; its username is the
    email address in lower case.
    """
    if not can_add_staff(by, clinic):
        raise ActionError(_("You cannot add staff to this clinic."))
    if role not in Role.values:
        raise ActionError(_("Choose a role."))
    email = User.objects.normalize_email(email.strip())
    if existing_account(email) is not None:
        raise ActionError(email_taken_message())
    try:
        with transaction.atomic():
            member = User(
                username=email.lower(), email=email, first_name=first_name, last_name=last_name
            )
            member.set_unusable_password()
            member.save()
            membership = Membership.objects.create(user=member, clinic=clinic, role=role)
            events.staff_invited(member, by=by, membership=membership, ip=ip)
    except IntegrityError:
        raise ActionError(email_taken_message()) from None
    return Invitation(member=member, sent=invitation_send(member=member, by=by, ip=ip))


def invitation_link(member: User) -> str:
    """The link that lets `member` set a password once, until PASSWORD_RESET_TIMEOUT passes
    (Django's password-reset tokens: using it changes the password, which ends the link)."""
    path = reverse(
        "staff:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
            "token": default_token_generator.make_token(member),
        },
    )
    return f"{settings.FASCIA_BASE_URL}{path}"


def invitation_send(*, member: User, by: User | None, ip: str | None = None) -> bool:
    """Email `member` the link to set their password; return whether the mail went out.

    Sent outside any transaction of the caller's: a mail server that fails leaves the
    account in place, and the invitation can be sent again from the staff member's page.
    """
    if not member.is_active or member.has_usable_password() or not member.email:
        raise ActionError(_("This person has already set a password."))
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    context = {
        "member": member,
        "by": by,
        "link": invitation_link(member),
        "login_url": f"{settings.FASCIA_BASE_URL}{reverse('staff:login')}",
        "days": hours // 24,
        "hours": hours,
    }
    subject = " ".join(render_to_string("clinics/email/invitation_subject.txt", context).split())
    body = render_to_string("clinics/email/invitation_body.txt", context)
    try:
        send_mail(subject, body, None, [member.email])
    except OSError:  # smtplib's errors included
        logger.exception("The invitation to staff member %s could not be sent", member.pk)
        sent = False
    else:
        sent = True
    with transaction.atomic():
        if sent:
            events.staff_invitation_sent(member, by=by, ip=ip)
        else:
            events.staff_invitation_failed(member, by=by, ip=ip)
    return sent


def staff_invitation_accept(*, member: User, password: str, ip: str | None = None) -> None:
    """Set the password of an invited staff member (the link's form validated it)."""
    with transaction.atomic():
        member.set_password(password)
        member.save(update_fields=["password"])
        events.staff_invitation_accepted(member, ip=ip)


def membership_grant(
    *, member: User, clinic: Clinic, role: str, by: User, ip: str | None = None
) -> Membership:
    """Give `member` `role` in `clinic`, or change the role they hold there."""
    if not can_change_memberships(by, member, clinic):
        raise ActionError(_("You cannot change this person's roles in this clinic."))
    if role not in Role.values:
        raise ActionError(_("Choose a role."))
    try:
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update().filter(user=member, clinic=clinic).first()
            )
            if membership is None:
                membership = Membership.objects.create(user=member, clinic=clinic, role=role)
                events.membership_granted(membership, by=by, ip=ip)
            elif membership.role == role:
                raise ActionError(
                    _("%(name)s is already %(role)s at %(clinic)s.")
                    % {"name": member, "role": Role(role).label, "clinic": clinic}
                )
            else:
                old_role = membership.role
                membership.role = role
                membership.save(update_fields=["role"])
                events.membership_role_changed(membership, by=by, old_role=old_role, ip=ip)
    except IntegrityError:
        raise ActionError(
            _("Someone changed this person's roles at the same time; try again.")
        ) from None
    return membership


def membership_revoke(*, membership: Membership, by: User, ip: str | None = None) -> None:
    """Take away a staff member's role in one clinic; their account stays."""
    if not can_change_memberships(by, membership.user, membership.clinic_id):
        raise ActionError(_("You cannot change this person's roles in this clinic."))
    with transaction.atomic():
        membership_id = membership.pk
        membership.delete()
        events.membership_revoked(membership, by=by, membership_id=membership_id, ip=ip)


def staff_deactivate(*, member: User, by: User, ip: str | None = None) -> None:
    """Stop `member` signing in, everywhere, and end their sessions; their records and
    memberships stay."""
    if not can_change_account(by, member):
        raise ActionError(_("You cannot deactivate this account."))
    if not member.is_active:
        raise ActionError(_("This account is already deactivated."))
    with transaction.atomic():
        member.is_active = False
        member.save(update_fields=["is_active"])
        sessions.end_all(member)
        events.staff_deactivated(member, by=by, ip=ip)


def staff_reactivate(*, member: User, by: User, ip: str | None = None) -> None:
    if not can_change_account(by, member):
        raise ActionError(_("You cannot reactivate this account."))
    if member.is_active:
        raise ActionError(_("This account is already active."))
    with transaction.atomic():
        member.is_active = True
        member.save(update_fields=["is_active"])
        events.staff_reactivated(member, by=by, ip=ip)


def organisation_role_set(*, member: User, role: str, by: User, ip: str | None = None) -> None:
    """Make `member` an administrator, a content editor, or neither (administrators only),
    and put them in the Wagtail group that role uses (`CMS_GROUPS`)."""
    if not can_set_organisation_role(by, member):
        raise ActionError(_("Only an administrator can change another person's organisation role."))
    if role not in OrganisationRole.values:
        raise ActionError(_("Choose an organisation role."))
    if member.organisation_role == role:
        raise ActionError(_("This person already has that organisation role."))
    with transaction.atomic():
        old_role = member.organisation_role
        member.organisation_role = role
        member.save(update_fields=["organisation_role"])
        _put_in_cms_groups(member)
        events.organisation_role_set(member, by=by, old_role=old_role, ip=ip)


def _put_in_cms_groups(member: User) -> None:
    wanted = CMS_GROUPS.get(member.organisation_role)
    member.groups.remove(*Group.objects.filter(name__in=MANAGED_CMS_GROUPS).exclude(name=wanted))
    if wanted:
        try:
            member.groups.add(Group.objects.get(name=wanted))
        except Group.DoesNotExist:
            raise ActionError(
                _("The website's “%(group)s” group is missing; run the migrations.")
                % {"group": wanted}
            ) from None


# Clinics. `details` maps Clinic field names to values as a form cleans them; "active"
# changes only through clinic_deactivate and clinic_reactivate, and the opening hours are
# `hours`, the whole week at once.


def clinic_create(
    *,
    details: Mapping[str, object],
    hours: Sequence[Stretch],
    by: User,
    ip: str | None = None,
) -> Clinic:
    """Add a clinic, active, with its opening hours (administrators only)."""
    if not can_manage_clinics(by):
        raise ActionError(_("Only an administrator can add a clinic."))
    _check_fields(details, CLINIC_FIELDS)
    _check_hours(hours)
    clinic = Clinic(**details)
    _validate(clinic)
    try:
        with transaction.atomic():
            clinic.save()
            _set_hours(clinic, hours)
            events.clinic_created(clinic, by=by, ip=ip)
    except IntegrityError:
        raise ActionError(_slug_taken_message()) from None
    return clinic


def clinic_update(
    *,
    clinic: Clinic,
    details: Mapping[str, object],
    hours: Sequence[Stretch] | None = None,
    by: User,
    ip: str | None = None,
) -> list[str]:
    """Change `clinic`'s `details` and, unless None, replace its opening hours with `hours`.

    Administrators may change every field; clinic managers only their clinics' address,
    numbers, email and hours (`permissions.clinic_fields_for`). Returns the names of the
    fields that changed ("opening_hours" for the hours); with none, nothing is written.
    """
    allowed = clinic_fields_for(by, clinic)
    _check_fields(details, allowed)
    if hours is not None and "opening_hours" not in allowed:
        raise ActionError(_("You cannot change this clinic's opening hours."))
    changed = [name for name, value in details.items() if _differs(getattr(clinic, name), value)]
    candidate = copy.copy(clinic)
    for name in changed:
        setattr(candidate, name, details[name])
    _validate(candidate, only=changed)
    if hours is not None:
        _check_hours(hours)
        if sorted(hours) != _hours_of(clinic):
            changed.append("opening_hours")
    if not changed:
        return []
    fields = [name for name in changed if name != "opening_hours"]
    try:
        with transaction.atomic():
            if fields:
                candidate.save(update_fields=fields)
            if hours is not None and "opening_hours" in changed:
                _set_hours(candidate, hours)
            events.clinic_updated(candidate, by=by, fields=changed, ip=ip)
    except IntegrityError:
        raise ActionError(_slug_taken_message()) from None
    for name in fields:
        setattr(clinic, name, getattr(candidate, name))
    return changed


def clinic_deactivate(*, clinic: Clinic, by: User, ip: str | None = None) -> None:
    """Close `clinic`: it leaves the enquiry form, and its memberships give no rights (its
    enquiries included) until it is reactivated. Nothing is deleted."""
    if not can_manage_clinics(by):
        raise ActionError(_("Only an administrator can deactivate a clinic."))
    if not clinic.active:
        raise ActionError(_("This clinic is already deactivated."))
    with transaction.atomic():
        clinic.active = False
        clinic.save(update_fields=["active"])
        events.clinic_deactivated(clinic, by=by, ip=ip)


def clinic_reactivate(*, clinic: Clinic, by: User, ip: str | None = None) -> None:
    if not can_manage_clinics(by):
        raise ActionError(_("Only an administrator can reactivate a clinic."))
    if clinic.active:
        raise ActionError(_("This clinic is already active."))
    with transaction.atomic():
        clinic.active = True
        clinic.save(update_fields=["active"])
        events.clinic_reactivated(clinic, by=by, ip=ip)


def _slug_taken_message() -> str:
    return _("Another clinic already has this short name.")


def _check_fields(details: Mapping[str, object], allowed: frozenset[str]) -> None:
    if not set(details) <= allowed - {"opening_hours"}:
        raise ActionError(_("You cannot change these details of this clinic."))


def _differs(old: object, new: object) -> bool:
    if isinstance(old, PhoneNumber) or isinstance(new, PhoneNumber):
        # Phone numbers compare by their E.164 text; an empty one may be "" or None.
        return str(old or "") != str(new or "")
    return old != new


def _validate(clinic: Clinic, *, only: Iterable[str] | None = None) -> None:
    """The model's own rules (required fields, lengths, a known time zone, a valid number,
    a unique short name), for every field or `only` those; the rest are as stored."""
    exclude = None
    if only is not None:
        names = set(only)
        exclude = [field.name for field in Clinic._meta.fields if field.name not in names]
    try:
        clinic.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ActionError(" ".join(error.messages)) from None


def _check_hours(hours: Sequence[Stretch]) -> None:
    for stretch in hours:
        if stretch.weekday not in Weekday.values:
            raise ActionError(_("Choose a day for each stretch of opening hours."))
        if stretch.closes <= stretch.opens:
            raise ActionError(_("%(stretch)s closes before it opens.") % {"stretch": stretch})
    found = overlaps(hours)
    if found:
        earlier, later = found[0]
        raise ActionError(
            _("%(later)s overlaps %(earlier)s.")
            % {"later": hours[later], "earlier": hours[earlier]}
        )


def _hours_of(clinic: Clinic) -> list[Stretch]:
    return sorted(
        Stretch(weekday=row.weekday, opens=row.opens, closes=row.closes)
        for row in OpeningHours.objects.filter(clinic=clinic)
    )


def _set_hours(clinic: Clinic, hours: Sequence[Stretch]) -> None:
    """Replace the clinic's opening hours. Row by row, not in bulk, so that each change
    sends the signals the website's page cache listens for."""
    OpeningHours.objects.filter(clinic=clinic).delete()
    for stretch in sorted(hours):
        OpeningHours.objects.create(
            clinic=clinic, weekday=stretch.weekday, opens=stretch.opens, closes=stretch.closes
        )
