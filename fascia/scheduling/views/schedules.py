"""Staff pages: practitioners' schedules (working hours, breaks, leave) and appointment types.

Who sees and changes what is `schedules.py`: 404 for anyone else. A refused change shows
the page again with the reasons (400) and changes nothing.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import staff_required

from ..forms import AppointmentTypeForm, LeaveForm, hours_formset
from ..models import AppointmentType, Leave
from ..schedules import (
    PIRIFORMIS,
    access_schedule,
    access_type,
    appointment_type_save,
    hours_of,
    leave_add,
    leave_of,
    leave_remove,
    may_edit,
    may_manage_types,
    schedule_clinics,
    visible_practitioners,
    working_hours_set,
)

staff_view = staff_required()


@require_GET
@staff_view
def schedule_list(request):
    clinics = list(schedule_clinics(request.user))
    if not clinics:
        raise Http404
    shown = []
    for clinic in clinics:
        people = visible_practitioners(request.user, clinic)
        shown.append((clinic, [(person, hours_of(person, clinic)) for person in people]))
    return render(request, "scheduling/schedules/list.html", {"clinics": shown})


def _schedule_page(request, clinic, person, *, formset=None, leave_form=None, status=200):
    editable = may_edit(request.user, clinic)
    context = {
        "clinic": clinic,
        "person": person,
        "editable": editable,
        "hours": hours_of(person, clinic),
        "leave": leave_of(person, clinic, since=timezone.localdate()),
        "formset": formset
        or (hours_formset(current=hours_of(person, clinic)) if editable else None),
        "leave_form": leave_form or (LeaveForm() if editable else None),
    }
    return render(request, "scheduling/schedules/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_view
def schedule_detail(request, clinic_id, user_id):
    clinic, person = access_schedule(request.user, clinic_id, user_id)
    if request.method == "GET":
        return _schedule_page(request, clinic, person)
    if not may_edit(request.user, clinic):
        raise Http404
    formset = hours_formset(request.POST, current=hours_of(person, clinic))
    if not formset.is_valid():
        return _schedule_page(request, clinic, person, formset=formset, status=400)
    changed = working_hours_set(
        practitioner=person,
        clinic=clinic,
        week=formset.week(),
        by=request.user,
        ip=request_ip(request),
    )
    if changed:
        messages.success(request, _("The working hours were saved."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("booking:schedule", clinic_id=clinic.pk, user_id=person.pk)


@require_POST
@staff_view
def leave_new(request, clinic_id, user_id):
    clinic, person = access_schedule(request.user, clinic_id, user_id)
    if not may_edit(request.user, clinic):
        raise Http404
    form = LeaveForm(request.POST)
    if not form.is_valid():
        return _schedule_page(request, clinic, person, leave_form=form, status=400)
    data = form.cleaned_data
    leave_add(
        practitioner=person,
        clinic=None if data["every_clinic"] else clinic,
        first_day=data["first_day"],
        last_day=data["last_day"],
        reason=data["reason"],
        by=request.user,
        ip=request_ip(request),
        audit_clinic=clinic,
    )
    messages.success(request, _("The leave was added."))
    return redirect("booking:schedule", clinic_id=clinic.pk, user_id=person.pk)


@require_POST
@staff_view
def leave_delete(request, clinic_id, user_id, leave_id):
    clinic, person = access_schedule(request.user, clinic_id, user_id)
    if not may_edit(request.user, clinic):
        raise Http404
    leave = get_object_or_404(Leave, pk=leave_id, practitioner=person)
    if leave.clinic_id not in (None, clinic.pk):
        raise Http404
    leave_remove(leave=leave, by=request.user, ip=request_ip(request), audit_clinic=clinic)
    messages.success(request, _("The leave was removed."))
    return redirect("booking:schedule", clinic_id=clinic.pk, user_id=person.pk)


# Appointment types.


@require_GET
@staff_view
def type_list(request):
    if not may_manage_types(request.user):
        raise Http404
    types = AppointmentType.objects.all()
    return render(request, "scheduling/schedules/types.html", {"types": types})


def _changed(form) -> list[str]:
    return [name for name in form.changed_data if name in form.fields]


@require_http_methods(["GET", "POST"])
@staff_view
def type_new(request):
    if not may_manage_types(request.user):
        raise Http404
    form = AppointmentTypeForm(
        request.POST or None, instance=AppointmentType(pathway_id=PIRIFORMIS)
    )
    if request.method == "POST" and form.is_valid():
        appointment_type_save(
            form.save(commit=False), changed=_changed(form), by=request.user, ip=request_ip(request)
        )
        messages.success(request, _("The appointment type was added."))
        return redirect("booking:types")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "scheduling/schedules/type_form.html", {"form": form, "new": True}, status=status
    )


@require_http_methods(["GET", "POST"])
@staff_view
def type_edit(request, type_id):
    appointment_type = access_type(request.user, type_id)
    form = AppointmentTypeForm(request.POST or None, instance=appointment_type)
    if request.method == "POST" and form.is_valid():
        changed = _changed(form)
        if changed:
            appointment_type_save(
                form.save(commit=False), changed=changed, by=request.user, ip=request_ip(request)
            )
            messages.success(request, _("The appointment type was saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("booking:types")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "new": False, "type": appointment_type}
    return render(request, "scheduling/schedules/type_form.html", context, status=status)


urlpatterns = [
    path("schedules/", schedule_list, name="schedules"),
    path("schedules/<int:clinic_id>/<int:user_id>/", schedule_detail, name="schedule"),
    path("schedules/<int:clinic_id>/<int:user_id>/leave/", leave_new, name="leave_new"),
    path(
        "schedules/<int:clinic_id>/<int:user_id>/leave/<int:leave_id>/remove/",
        leave_delete,
        name="leave_remove",
    ),
    path("appointment-types/", type_list, name="types"),
    path("appointment-types/new/", type_new, name="type_new"),
    path("appointment-types/<int:type_id>/", type_edit, name="type_edit"),
]
