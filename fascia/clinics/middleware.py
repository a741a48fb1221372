"""The sign-in gate: how long a session lasts, and the second factor before any staff page.

On every request of a signed-in person the session's clock and generation are checked
(`accounts.sessions`): an idle, too old or ended-everywhere session is signed out, and on a
staff page the person is sent to sign in again, told why. Then, under /app/, /cms/ and
/django-admin/, whoever needs a second factor (`two_factor.second_factor_needed`) and has not
given one in this session is sent to give it (or to set it up), and comes back afterwards.
Installed after django-otp's OTPMiddleware, which tells whether the session has.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from fascia.accounts import sessions
from fascia.middleware import STAFF_PREFIXES

from .two_factor import second_factor_needed

# The pages someone who has signed in with a password may open before the second factor.
OPEN_BEFORE_SECOND_FACTOR = (
    "staff:two_factor",
    "staff:two_factor_setup",
    "staff:logout",
    "wagtailadmin_logout",
    "admin:logout",
)


def _ended_message(reason: sessions.Ended) -> str:
    if reason == sessions.Ended.IDLE:
        return _(
            "You were signed out after %(minutes)d minutes without activity. Sign in again."
        ) % {"minutes": settings.FASCIA_STAFF_IDLE_MINUTES}
    if reason == sessions.Ended.TOO_OLD:
        return _("You were signed out after %(hours)d hours. Sign in again.") % {
            "hours": settings.FASCIA_STAFF_SESSION_HOURS
        }
    return _("Your session was ended. Sign in again.")


def sign_in_gate(get_response):
    open_paths: set[str] = set()

    def middleware(request):
        user = request.user
        if not user.is_authenticated:
            return get_response(request)
        reason = sessions.ended(request, user)
        if reason is not None:
            logout(request)
            if request.path.startswith(STAFF_PREFIXES):
                messages.info(request, _ended_message(reason))
                return redirect_to_login(request.get_full_path())
            return get_response(request)
        if not open_paths:
            open_paths.update(reverse(name) for name in OPEN_BEFORE_SECOND_FACTOR)
        if (
            request.path.startswith(STAFF_PREFIXES)
            and request.path not in open_paths
            and not user.is_verified()
            and second_factor_needed(user)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('staff:two_factor')}?{query}")
        return get_response(request)

    return middleware
