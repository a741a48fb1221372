"""How long a staff session lasts, and ending every session of one person at once.

A session remembers when it started, when it was last used and the account's session
generation at sign-in (`start`, on every sign-in page through Django's `user_logged_in`).
`ended` says why a session is over: idle longer than FASCIA_STAFF_IDLE_MINUTES, older than
FASCIA_STAFF_SESSION_HOURS, or started under an earlier generation. `end_all` raises the
account's generation, so every session of theirs ends at its next request, with database,
cache or Redis sessions alike.
"""

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest

from .models import User

STARTED = "fascia_started"
SEEN = "fascia_seen"
GENERATION = "fascia_generation"
# A session's last use is written at most this often: less writing, the same 15 minutes.
SEEN_RESOLUTION = timedelta(seconds=30)


class Ended(StrEnum):
    IDLE = "idle"
    TOO_OLD = "too_old"
    EVERYWHERE = "everywhere"


def now() -> datetime:
    """The clock every session rule reads: its own, so that a test which moves Django's
    (`timezone.now`) for other reasons does not end its sessions; the session tests move
    this one."""
    return datetime.now(tz=UTC)


def start(request: HttpRequest, user: User) -> None:
    moment = now().timestamp()
    request.session[STARTED] = request.session[SEEN] = moment
    # Read afresh: the instance signing in may predate an `end_all`.
    user.refresh_from_db(fields=["session_generation"])
    request.session[GENERATION] = user.session_generation


def ended(request: HttpRequest, user: User) -> Ended | None:
    """Why this signed-in session is over, or None (and its use is noted)."""
    session = request.session
    if session.get(GENERATION) != user.session_generation:
        return Ended.EVERYWHERE
    moment = now()
    started = datetime.fromtimestamp(session.get(STARTED, 0), tz=moment.tzinfo)
    seen = datetime.fromtimestamp(session.get(SEEN, 0), tz=moment.tzinfo)
    if moment - started >= timedelta(hours=settings.FASCIA_STAFF_SESSION_HOURS):
        return Ended.TOO_OLD
    if moment - seen >= timedelta(minutes=settings.FASCIA_STAFF_IDLE_MINUTES):
        return Ended.IDLE
    if moment - seen >= SEEN_RESOLUTION:
        session[SEEN] = moment.timestamp()
    return None


def end_all(user: User) -> None:
    """End every session of `user` at its next request (call inside the change's transaction)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def keep(request: HttpRequest, user: User) -> None:
    """Let this session outlive `end_all`: the person who made the change stays signed in."""
    request.session[GENERATION] = user.session_generation
