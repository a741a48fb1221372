"""When an enquiry is due for its call back: the front desk's rule (clinic-policy).

The person chose a time of day to be called (`PreferredTime`): morning 9:00 to 12:00,
afternoon 12:00 to 16:00, evening 16:00 to 20:00, read in the clinic's time zone
(`Clinic.time_zone`; an enquiry for "either clinic" uses settings.TIME_ZONE). The call back
is due by **the end of the next stretch of that preferred time in which the clinic is open
and which still leaves at least `LEAD` (30 minutes) to call after the enquiry arrived**:

- received Tuesday 17:45 asking for evenings → due Tuesday 20:00;
- received Tuesday 19:40 asking for evenings → due Wednesday 20:00 (20 minutes is too short);
- received Saturday 21:00 asking for mornings, the clinic closed on Sundays → Monday 12:00;
- the clinic closes at 18:00 and the person asked for evenings → due 18:00 that day.

A day with two opening stretches in the preferred time (a lunch break) counts the time left
in both, and is due at the end of the later one. Where the clinic's opening hours never meet
the preferred time in a whole week, the call is due by the end of the next opening stretch
that leaves time to call; a clinic with no opening hours recorded, and "either clinic",
count every day as open.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from fascia.clinics.models import Clinic

from .models import PreferredTime

# clinic-policy: the windows the enquiry form offers, and the least time worth calling in.
WINDOWS: dict[str, tuple[time, time]] = {
    PreferredTime.MORNING: (time(9), time(12)),
    PreferredTime.AFTERNOON: (time(12), time(16)),
    PreferredTime.EVENING: (time(16), time(20)),
}
LEAD = timedelta(minutes=30)
WEEK = 7

Hours = Sequence[tuple[int, time, time]]  # (weekday, opens, closes), Monday = 0


def _overlap(a: tuple[time, time], b: tuple[time, time]) -> tuple[time, time] | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start < end else None


def _stretches(
    day: date, window: tuple[time, time] | None, hours: Hours
) -> list[tuple[time, time]]:
    """The times on `day` in which to call: the window within the opening hours (or either
    of them alone when the other is None or empty)."""
    if not hours:
        return [window] if window else []
    opening = sorted(
        (opens, closes) for weekday, opens, closes in hours if weekday == day.weekday()
    )
    if window is None:
        return opening
    return [both for stretch in opening if (both := _overlap(window, stretch))]


def _due_on(
    day: date, stretches: Iterable[tuple[time, time]], received_at: datetime, zone: ZoneInfo
) -> datetime | None:
    """The end of the day's last stretch, if the stretches leave LEAD to call after receipt."""
    left, end = timedelta(0), None
    for start_time, end_time in stretches:
        start = max(datetime.combine(day, start_time, tzinfo=zone), received_at)
        end = datetime.combine(day, end_time, tzinfo=zone)
        left += max(end - start, timedelta(0))
    return end if end is not None and left >= LEAD else None


def _first_due(
    window: tuple[time, time] | None, hours: Hours, received_at: datetime, zone: ZoneInfo
) -> datetime | None:
    """The due time on the first day, of a week from receipt, that leaves time to call."""
    first_day = received_at.astimezone(zone).date()
    for offset in range(WEEK + 1):
        day = first_day + timedelta(days=offset)
        due = _due_on(day, _stretches(day, window, hours), received_at, zone)
        if due is not None:
            return due
    return None


def _window_due(window: tuple[time, time], received_at: datetime, zone: ZoneInfo) -> datetime:
    """The end of the preferred time today if it leaves time to call, tomorrow's otherwise."""
    today = received_at.astimezone(zone).date()
    return _due_on(today, [window], received_at, zone) or datetime.combine(
        today + timedelta(days=1), window[1], tzinfo=zone
    )


def callback_due(
    preferred_time: str, *, received_at: datetime, zone: ZoneInfo, hours: Hours = ()
) -> datetime:
    """When an enquiry received at `received_at` is due for its call back (see the module)."""
    window = WINDOWS[preferred_time]
    return (
        _first_due(window, hours, received_at, zone)
        or _first_due(None, hours, received_at, zone)
        # Opening stretches too short to call in, all week: the preferred time alone.
        or _window_due(window, received_at, zone)
    )


def callback_due_for(clinic: Clinic | None, preferred_time: str, received_at: datetime) -> datetime:
    """`callback_due` in the time zone and opening hours of `clinic` (None: either clinic)."""
    if clinic is None:
        return callback_due(
            preferred_time, received_at=received_at, zone=ZoneInfo(settings.TIME_ZONE)
        )
    hours = list(clinic.opening_hours.values_list("weekday", "opens", "closes"))
    return callback_due(
        preferred_time, received_at=received_at, zone=ZoneInfo(clinic.time_zone), hours=hours
    )
