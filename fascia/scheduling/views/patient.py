"""The patient's page for one appointment, /a/<token>/ (namespace `my_appointment`): no
account needed, the link comes in the reminder.

It shows the clinic, day, time, practitioner and type, with "I'll be there" and "Cancel
this appointment" (which asks once more first). Both are POST forms that work without
JavaScript (303 back to the page); sending either again changes nothing. Once the
appointment has begun, been cancelled or been dealt with, the page says so with the
clinic's number; a token that names no appointment is a 404. Every answer is
private (`private_page`: never stored, never indexed).
"""

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.records.actions import ActionError
from fascia.records.views.check import private_page

from ..appointments import (
    appointment_cancel_by_patient,
    appointment_confirm_by_patient,
    appointment_find,
    patient_may_change,
)
from ..models import Appointment, AppointmentStatus


def _closed(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    context = {
        "appointment": appointment,
        "clinic": appointment.clinic,
        "cancelled": appointment.status == AppointmentStatus.CANCELLED,
    }
    return render(request, "scheduling/patient/closed.html", context)


def _open(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view runs with the token's appointment while the patient may still change it;
    otherwise the answer is the unknown-link (404) or closed page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        appointment = appointment_find(token)
        if appointment is None:
            return render(request, "scheduling/patient/unknown.html", status=404)
        if not patient_may_change(appointment):
            return _closed(request, appointment)
        return view(request, token, appointment)

    return wrapped


def _page(
    request: HttpRequest, template: str, token: str, appointment: Appointment
) -> HttpResponse:
    context = {"appointment": appointment, "clinic": appointment.clinic, "token": token}
    return render(request, template, context)


def _back(token: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("my_appointment:manage", args=[token]), status=303)


@require_GET
@private_page
@_open
def manage(request, token, appointment):
    return _page(request, "scheduling/patient/manage.html", token, appointment)


@require_POST
@private_page
@_open
def confirm(request, token, appointment):
    try:
        appointment_confirm_by_patient(appointment)
    except ActionError:
        appointment.refresh_from_db()
        return _closed(request, appointment)
    return _back(token)


@require_http_methods(["GET", "POST"])
@private_page
@_open
def cancel(request, token, appointment):
    """GET asks "are you sure?"; POST cancels."""
    if request.method == "GET":
        return _page(request, "scheduling/patient/cancel.html", token, appointment)
    try:
        appointment_cancel_by_patient(appointment)
    except ActionError:
        appointment.refresh_from_db()
    return _back(token)
