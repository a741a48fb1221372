"""Two-factor sign-in: who must use it, and its pages (enrol, verify, recovery codes, one's own
account, an administrator's reset of a colleague's second factor).

Required for everyone who can see clinical data (Capability.CLINICAL in some clinic), who
manages staff (Capability.STAFF: clinic managers and administrators) and for Django's staff
and superusers. The front desk, content editors and anyone else may enrol (/app/account/);
once they have, their sign-in asks for it too. `middleware.sign_in_gate` sends whoever needs
it and has not given it to these pages, on every page under /app/, /cms/ and /django-admin/.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from fascia.accounts import sessions, throttle
from fascia.accounts import two_factor as factors
from fascia.accounts.actions import (
    SignInError,
    password_reset_complete,
    recovery_codes_replace,
    second_factor_enrol,
    second_factor_reset,
    second_factor_verify,
    sign_out_everywhere,
)
from fascia.accounts.audit import request_ip
from fascia.accounts.models import User

from . import queries
from .forms import SecondFactorForm, SecondFactorSetupForm
from .permissions import Capability, active_staff, clinic_ids_for, staff_required

# The secret of an authenticator app being set up: kept in the session until confirmed.
SETUP_KEY = "fascia_totp_setup"


def second_factor_required(user: object) -> bool:
    """Whether `user` must sign in with a second factor (see the module's docstring)."""
    staff = active_staff(user)
    return staff is not None and (
        staff.is_superuser
        or staff.is_staff
        or staff.is_administrator
        or bool(clinic_ids_for(staff, Capability.CLINICAL))
        or bool(clinic_ids_for(staff, Capability.STAFF))
    )


def second_factor_needed(user: User) -> bool:
    """Required, or enrolled by choice: either way, asked for at sign-in."""
    return second_factor_required(user) or factors.has_second_factor(user)


def _next(request: HttpRequest) -> str:
    """Where to go once the second factor is given: `next` if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("staff:home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@require_http_methods(["GET", "POST"])
@login_required
def verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    user, next_url = request.user, _next(request)
    if user.is_verified():
        return redirect(next_url)
    if not factors.has_second_factor(user):
        return redirect(_with_next("staff:two_factor_setup", next_url))
    if throttle.second_factor_paused(request, user):
        return throttle.locked_out(request, credentials={"username": user.username})
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        result = second_factor_verify(
            user=user, code=form.cleaned_data["code"], ip=request_ip(request)
        )
        if result.device is not None:
            otp_login(request, result.device)
            request.session.cycle_key()
            return redirect(next_url)
        if result.wait_until is not None:
            seconds = max(1, int((result.wait_until - timezone.now()).total_seconds() + 0.999))
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes in a row. Wait %(seconds)d second, then try again.",
                    "Too many wrong codes in a row. Wait %(seconds)d seconds, then try again.",
                    seconds,
                )
                % {"seconds": seconds},
            )
        else:
            throttle.second_factor_failed(request, user)
            form.add_error(
                "code",
                _(
                    "That code is not right. Type the 6-digit code your app shows now, or one "
                    "of your recovery codes."
                ),
            )
    return render(request, "clinics/two_factor/verify.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
@login_required
def setup(request):
    """Set up an authenticator app: first sign-in, by choice, or to replace a lost one."""
    user, next_url = request.user, _next(request)
    if factors.has_second_factor(user) and not user.is_verified():
        return redirect(_with_next("staff:two_factor", next_url))
    secret = request.session.get(SETUP_KEY) or factors.new_secret()
    request.session[SETUP_KEY] = secret
    form = SecondFactorSetupForm(request.POST or None)
    if form.is_valid():
        try:
            codes = second_factor_enrol(
                user=user, secret=secret, code=form.cleaned_data["code"], ip=request_ip(request)
            )
        except SignInError as error:
            form.add_error("code", str(error))
        else:
            del request.session[SETUP_KEY]
            otp_login(request, factors.authenticator(user))
            sessions.keep(request, user)
            request.session.cycle_key()
            return _show_codes(request, codes, next_url, enrolled=True)
    url = factors.setup_url(user, secret)
    context = {
        "form": form,
        "next": next_url,
        "qr_code": factors.qr_code_svg(url),
        "secret": factors.secret_text(secret),
        "required": second_factor_required(user),
        "replacing": factors.has_second_factor(user),
    }
    return render(request, "clinics/two_factor/setup.html", context)


def _show_codes(request, codes: list[str], next_url: str, *, enrolled: bool):
    """The recovery codes, once: in the answer to the request that made them."""
    context = {"codes": codes, "next": next_url, "enrolled": enrolled}
    return render(request, "clinics/two_factor/recovery_codes.html", context)


@require_POST
@login_required
def recovery_codes(request):
    """New recovery codes; the old ones stop working."""
    if not request.user.is_verified():
        return redirect(_with_next("staff:two_factor", reverse("staff:account")))
    try:
        codes = recovery_codes_replace(user=request.user, ip=request_ip(request))
    except SignInError as error:
        messages.error(request, str(error))
        return redirect("staff:account")
    sessions.keep(request, request.user)
    return _show_codes(request, codes, reverse("staff:account"), enrolled=False)


@require_GET
@login_required
def account(request):
    """One's own sign-in: the second factor, recovery codes, signing out everywhere."""
    user = request.user
    context = {
        "has_second_factor": factors.has_second_factor(user),
        "required": second_factor_required(user),
        "codes_left": factors.recovery_codes_left(user),
        "idle_minutes": settings.FASCIA_STAFF_IDLE_MINUTES,
        "session_hours": settings.FASCIA_STAFF_SESSION_HOURS,
    }
    return render(request, "clinics/two_factor/account.html", context)


@require_POST
@login_required
def sign_out_everywhere_view(request):
    sign_out_everywhere(user=request.user, ip=request_ip(request))
    logout(request)
    messages.success(request, _("You are signed out everywhere, on every device."))
    return redirect("staff:login")


@require_POST
@staff_required(Capability.STAFF)
def staff_second_factor_reset(request, user_id):
    """An administrator removes a colleague's second factor (a lost phone, say)."""
    member = queries.access_staff_member(request.user, user_id)
    try:
        second_factor_reset(member=member, by=request.user, ip=request_ip(request))
    except SignInError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "%(name)s's second factor is reset and they are signed out everywhere. They "
                "set up an authenticator app again at their next sign-in."
            )
            % {"name": member},
        )
    return redirect("staff:detail", user_id=member.pk)


class PasswordResetView(PasswordResetConfirmView):
    """The link from a "Forgot your password?" email: a new password, then signing in with
    it and the second factor (a reset never signs anyone in)."""

    template_name = "clinics/password_reset/confirm.html"
    success_url = reverse_lazy("staff:login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        password_reset_complete(
            user=self.user,
            password=form.cleaned_data["new_password1"],
            ip=request_ip(self.request),
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("Your new password is set. Sign in with it."),
        )
        return HttpResponseRedirect(self.get_success_url())
