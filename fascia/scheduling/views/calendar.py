"""Staff pages: a clinic's appointments by day and by week (Capability.APPOINTMENTS).

`/app/appointments/?clinic=&day=YYYY-MM-DD&practitioner=` and `/app/appointments/week/`
with the same parameters. The previous, next and today links are plain links; with HTMX
they fetch the calendar's body alone (`HX-Request`) and put its address in the history.
A clinic that is not the user's is a 404. The front desk sees who comes and how to reach
them, never clinical content.
"""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from fascia.clinics.models import Clinic, Membership, Role
from fascia.clinics.permissions import Capability, access_clinic, clinics_for, staff_required

from ..calendar import calendar_days, clinic_today, monday_of

appointments_view = staff_required(Capability.APPOINTMENTS)
PRACTITIONER_ROLES = (Role.PHYSIOTHERAPIST, Role.CLINIC_MANAGER)


def _number(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def _choices(request: HttpRequest) -> tuple[Clinic, dt.date, int | None, list[Clinic]]:
    """The clinic, day and practitioner asked for, and the user's clinics to choose from."""
    mine = list(clinics_for(request.user, Capability.APPOINTMENTS))
    clinic_id = _number(request, "clinic")
    if clinic_id is None:
        if not mine:
            raise Http404
        clinic = mine[0]
    else:
        clinic = access_clinic(request.user, clinic_id, Capability.APPOINTMENTS)
    try:
        day = dt.date.fromisoformat(request.GET["day"])
    except (KeyError, ValueError):
        day = clinic_today(clinic)
    return clinic, day, _number(request, "practitioner"), mine


def _address(name: str, clinic: Clinic, day: dt.date, practitioner_id: int | None) -> str:
    query = {"clinic": clinic.pk, "day": day.isoformat()}
    if practitioner_id:
        query["practitioner"] = practitioner_id
    return f"{reverse(name)}?{urlencode(query)}"


def _page(request: HttpRequest, *, week: bool) -> HttpResponse:
    clinic, day, practitioner_id, mine = _choices(request)
    name = "schedule:week" if week else "schedule:day"
    first = monday_of(day) if week else day
    step = dt.timedelta(days=7 if week else 1)
    today = clinic_today(clinic)
    context = {
        "clinic": clinic,
        "clinics": mine,
        "day": day,
        "first": first,
        "last": first + step - dt.timedelta(days=1),
        "week": week,
        "today": today,
        "days": calendar_days(clinic, first, 7 if week else 1, practitioner_id=practitioner_id),
        "practitioner_id": practitioner_id,
        "practitioners": Membership.objects.filter(clinic=clinic, role__in=PRACTITIONER_ROLES)
        .select_related("user")
        .order_by("user__first_name", "user__last_name"),
        "previous_url": _address(name, clinic, first - step, practitioner_id),
        "next_url": _address(name, clinic, first + step, practitioner_id),
        "today_url": _address(name, clinic, today, practitioner_id),
        "day_url": _address("schedule:day", clinic, day, practitioner_id),
        "week_url": _address("schedule:week", clinic, day, practitioner_id),
    }
    if request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    ):
        return render(request, "scheduling/calendar/includes/body.html", context)
    return render(request, "scheduling/calendar/calendar.html", context)


@require_GET
@appointments_view
def day_view(request):
    return _page(request, week=False)


@require_GET
@appointments_view
def week_view(request):
    return _page(request, week=True)
