"""Staff pages: one appointment, its status, and the session recorded in it.

`/app/appointments/<id>/` (Capability.APPOINTMENTS in its clinic; anyone else gets a 404)
shows the appointment with a button for each change of status it allows now; a refused
change goes back to the page with why, and changes nothing. A physiotherapist
(Capability.CLINICAL) starts the session from a booked assessment or treatment of a
patient with an open episode; the front desk sees the appointment but no clinical button.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, can, staff_required
from fascia.records.actions import ActionError

from ..appointment_forms import StatusForm
from ..appointments import (
    access_appointment,
    allowed_changes,
    appointment_set_status,
    appointment_start_session,
    can_start_session,
)
from ..models import Appointment, AppointmentStatus

appointments_view = staff_required(Capability.APPOINTMENTS)


def _render(request, appointment: Appointment, *, form: StatusForm | None = None, status=200):
    clinical = can(request.user, Capability.CLINICAL, appointment.clinic_id)
    labels = dict(AppointmentStatus.choices)
    allowed = allowed_changes(appointment)
    context = {
        "appointment": appointment,
        "clinic": appointment.clinic,
        "changes": [(s, labels[s]) for s in allowed if s != AppointmentStatus.CANCELLED],
        "may_cancel": AppointmentStatus.CANCELLED in allowed,
        "form": form or StatusForm(),
        "clinical": clinical,
        "may_start_session": clinical and can_start_session(appointment),
        "contacts": can(request.user, Capability.CONTACTS, appointment.clinic_id),
    }
    return render(request, "scheduling/appointment/detail.html", context, status=status)


@require_GET
@appointments_view
def appointment_page(request, appointment_id):
    return _render(request, access_appointment(request.user, appointment_id))


@require_POST
@appointments_view
def appointment_status(request, appointment_id):
    appointment = access_appointment(request.user, appointment_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _render(request, appointment, form=form, status=400)
    try:
        appointment_set_status(
            appointment,
            form.cleaned_data["status"],
            by=request.user,
            ip=request_ip(request),
            reason=form.cleaned_data["reason"],
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        status = appointment.get_status_display()
        messages.success(request, _("The appointment is now “%(status)s”.") % {"status": status})
    return redirect("schedule:appointment", appointment_id=appointment.pk)


@require_POST
@appointments_view
def appointment_session(request, appointment_id):
    """Start the session of this appointment, or open the one already recorded in it."""
    appointment = access_appointment(request.user, appointment_id)
    if not can(request.user, Capability.CLINICAL, appointment.clinic_id):
        messages.error(request, _("Only a physiotherapist of this clinic can start a session."))
        return redirect("schedule:appointment", appointment_id=appointment.pk)
    if appointment.session_id is not None:
        return redirect("treatment:session", session_id=appointment.session_id)
    try:
        session = appointment_start_session(appointment, by=request.user, ip=request_ip(request))
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("schedule:appointment", appointment_id=appointment.pk)
    return redirect("treatment:session", session_id=session.pk)
