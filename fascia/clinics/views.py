"""The staff area's front door: sign-in, the start page, and staff administration.

The staff pages need Capability.STAFF in at least one clinic (administrators have it in
every clinic, clinic managers in theirs); anyone else gets 404. Who may change what is in
`queries.py`, and every change goes through `actions.py`.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip

from . import queries
from .actions import (
    ActionError,
    invitation_send,
    membership_grant,
    membership_revoke,
    organisation_role_set,
    staff_deactivate,
    staff_invitation_accept,
    staff_invite,
    staff_reactivate,
)
from .credentials import credentials_of
from .forms import ExistingMemberForm, MembershipForm, OrganisationRoleForm, StaffAddForm
from .models import Role
from .permissions import Capability, clinic_ids_for, staff_required

staff_view = staff_required(Capability.STAFF)


@require_GET
@staff_required()
def home(request):
    """Each person's start page: the workspace's for anyone with a role in a clinic,
    otherwise the staff page."""
    if clinic_ids_for(request.user, Capability.ENQUIRIES):
        return redirect("workspace:start")
    return redirect("staff:list")


@require_GET
@staff_view
def staff_list(request):
    return render(request, "clinics/staff/list.html", {"staff": queries.staff_list(request.user)})


@require_http_methods(["GET", "POST"])
@staff_view
def staff_add(request):
    clinics = queries.staff_clinics(request.user)
    if request.method == "POST" and "existing" in request.POST:
        return _give_existing_member(request, clinics)
    form = StaffAddForm(request.POST or None, clinics=clinics)
    if request.method == "GET" and len(clinics) == 1:
        form.initial["clinic"] = clinics[0].pk
    if form.is_valid():
        try:
            invitation = staff_invite(**form.cleaned_data, by=request.user, ip=request_ip(request))
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            name = invitation.member
            if invitation.sent:
                messages.success(
                    request, _("%(name)s was added and invited by email.") % {"name": name}
                )
            else:
                messages.error(
                    request,
                    _(
                        "%(name)s was added, but the invitation email could not be sent. "
                        "Send it again from this page."
                    )
                    % {"name": name},
                )
            return redirect("staff:detail", user_id=invitation.member.pk)
    # The email belongs to someone already: offer them the role instead of a new account.
    offer = None
    if form.has_error("email", "taken") and {"clinic", "role"} <= form.cleaned_data.keys():
        offer = {"clinic": form.cleaned_data["clinic"], "role": Role(form.cleaned_data["role"])}
    return render(request, "clinics/staff/add.html", {"form": form, "offer": offer})


def _give_existing_member(request, clinics):
    form = ExistingMemberForm(request.POST, clinics=clinics)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("staff:add")
    try:
        membership_grant(
            member=form.member,
            by=request.user,
            clinic=form.cleaned_data["clinic"],
            role=form.cleaned_data["role"],
            ip=request_ip(request),
        )
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("staff:add")
    messages.success(request, _("%(name)s now has this role.") % {"name": form.member})
    return redirect("staff:detail", user_id=form.member.pk)


@require_GET
@staff_view
def staff_detail(request, user_id):
    member = queries.access_staff_member(request.user, user_id)
    user = request.user
    grant_clinics = queries.staff_clinics(user) if user.pk != member.pk else None
    context = {
        "member": member,
        "memberships": [
            (membership, queries.can_change_memberships(user, member, membership.clinic_id))
            for membership in member.shown_memberships
        ],
        "other_memberships": queries.other_memberships_count(user, member),
        "membership_form": MembershipForm(clinics=grant_clinics) if grant_clinics else None,
        "can_change_account": queries.can_change_account(user, member),
        "role_form": (
            OrganisationRoleForm(initial={"organisation_role": member.organisation_role})
            if queries.can_set_organisation_role(user, member)
            else None
        ),
        "invitation_pending": member.is_active and not member.has_usable_password(),
        "can_reset_second_factor": user.is_administrator and user.pk != member.pk,
        "credentials": credentials_of(member, timezone.localdate(), viewer=user),
    }
    return render(request, "clinics/staff/detail.html", context)


def _act(request, user_id, act):
    """Run one change to a staff member, then go back to their page (or to the list, when
    the change leaves them outside the user's clinics). `act(member)` calls the action and
    returns the success message; an ActionError is shown instead."""
    member = queries.access_staff_member(request.user, user_id)
    try:
        messages.success(request, act(member))
    except ActionError as error:
        messages.error(request, str(error))
    if not queries.manages(request.user, member):
        return redirect("staff:list")
    return redirect("staff:detail", user_id=member.pk)


def _form_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@require_POST
@staff_view
def staff_membership_grant(request, user_id):
    def grant(member):
        form = MembershipForm(request.POST, clinics=queries.staff_clinics(request.user))
        if not form.is_valid():
            raise ActionError(_form_error(form))
        membership = membership_grant(
            member=member, by=request.user, ip=request_ip(request), **form.cleaned_data
        )
        return _("%(name)s is now %(role)s at %(clinic)s.") % {
            "name": member,
            "role": Role(membership.role).label,
            "clinic": membership.clinic,
        }

    return _act(request, user_id, grant)


@require_POST
@staff_view
def staff_membership_revoke(request, user_id, membership_id):
    def revoke(member):
        membership = queries.access_membership(request.user, member, membership_id)
        membership_revoke(membership=membership, by=request.user, ip=request_ip(request))
        return _("%(name)s no longer has a role at %(clinic)s.") % {
            "name": member,
            "clinic": membership.clinic,
        }

    return _act(request, user_id, revoke)


@require_POST
@staff_view
def staff_deactivate_view(request, user_id):
    def deactivate(member):
        staff_deactivate(member=member, by=request.user, ip=request_ip(request))
        return _("%(name)s's account is deactivated: they can no longer sign in.") % {
            "name": member
        }

    return _act(request, user_id, deactivate)


@require_POST
@staff_view
def staff_reactivate_view(request, user_id):
    def reactivate(member):
        staff_reactivate(member=member, by=request.user, ip=request_ip(request))
        return _("%(name)s's account is active again.") % {"name": member}

    return _act(request, user_id, reactivate)


@require_POST
@staff_view
def staff_organisation_role(request, user_id):
    def set_role(member):
        form = OrganisationRoleForm(request.POST)
        if not form.is_valid():
            raise ActionError(_form_error(form))
        organisation_role_set(
            member=member,
            role=form.cleaned_data["organisation_role"],
            by=request.user,
            ip=request_ip(request),
        )
        return _("%(name)s's organisation role is now “%(role)s”.") % {
            "name": member,
            "role": member.get_organisation_role_display(),
        }

    return _act(request, user_id, set_role)


@require_POST
@staff_view
def staff_invitation_resend(request, user_id):
    def resend(member):
        if not invitation_send(member=member, by=request.user, ip=request_ip(request)):
            raise ActionError(_("The invitation email could not be sent. Try again later."))
        return _("The invitation was sent again to %(email)s.") % {"email": member.email}

    return _act(request, user_id, resend)


class InvitationView(auth_views.PasswordResetConfirmView):
    """The invitation link: a new staff member sets their password, once.

    Django's password-reset flow with our template and action. The token is made from the
    account's password, so it stops working once the password is set, and after
    PASSWORD_RESET_TIMEOUT; a deactivated account's link does not work either.
    """

    template_name = "clinics/invitation.html"
    success_url = reverse_lazy("staff:login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        staff_invitation_accept(
            member=self.user,
            password=form.cleaned_data["new_password1"],
            ip=request_ip(self.request),
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("Your password is set. Sign in with your email address and the new password."),
        )
        return HttpResponseRedirect(self.get_success_url())
