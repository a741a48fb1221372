"""The clinic records at /app/clinics/: what the website's clinic pages and the enquiry form
show.

Administrators add clinics, change everything about them and deactivate or reactivate
them; clinic managers open their own active clinics and change how patients find and
reach them (address, numbers, email, opening hours). Anyone else gets 404. The rules are
in `permissions.py` (`access_clinic_record`, `clinic_fields_for`), the writes in
`actions.py`.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip

from .actions import (
    ActionError,
    clinic_create,
    clinic_deactivate,
    clinic_reactivate,
    clinic_update,
)
from .forms import ClinicForm, opening_hours_formset
from .models import Clinic
from .permissions import (
    CLINIC_FIELDS,
    access_clinic_for_admin,
    access_clinic_record,
    can_manage_clinics,
    can_see_clinic_records,
    clinic_fields_for,
    clinic_records_for,
    staff_required,
)


def clinics_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A clinic page: sign-in first, then 404 for anyone who may open no clinic record."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_see_clinic_records(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return staff_required()(wrapper)


@require_GET
@clinics_view
def clinic_list(request):
    context = {
        "clinics": clinic_records_for(request.user).order_by("-active", "name"),
        "can_add": can_manage_clinics(request.user),
    }
    return render(request, "clinics/staff/clinics/list.html", context)


@require_http_methods(["GET", "POST"])
@clinics_view
def clinic_add(request):
    if not can_manage_clinics(request.user):
        raise Http404
    form = ClinicForm(request.POST or None, editable=CLINIC_FIELDS)
    hours = opening_hours_formset(request.POST or None)
    # `&`, not `and`: both are checked, so every mistake is listed at once.
    if request.method == "POST" and form.is_valid() & hours.is_valid():
        try:
            clinic = clinic_create(
                details=form.cleaned_data,
                hours=hours.stretches(),
                by=request.user,
                ip=request_ip(request),
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s was added.") % {"name": clinic})
            return redirect("staff:clinic_detail", clinic_id=clinic.pk)
    return render(request, "clinics/staff/clinics/add.html", {"form": form, "hours": hours})


@require_http_methods(["GET", "POST"])
@clinics_view
def clinic_detail(request, clinic_id):
    clinic = access_clinic_record(request.user, clinic_id)
    editable = clinic_fields_for(request.user, clinic)
    data = request.POST if request.method == "POST" else None
    form = ClinicForm(data, editable=editable, instance=clinic)
    hours = opening_hours_formset(data, clinic=clinic)
    if data is not None and form.is_valid() & hours.is_valid():  # both checked, as above
        try:
            changed = clinic_update(
                clinic=clinic,
                details=form.cleaned_data,
                hours=hours.stretches(),
                by=request.user,
                ip=request_ip(request),
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("The clinic's details are saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("staff:clinic_detail", clinic_id=clinic.pk)
    context = {
        "clinic": clinic,
        "form": form,
        "hours": hours,
        "can_manage": can_manage_clinics(request.user),
        "read_only": [
            (Clinic._meta.get_field(name).verbose_name, value)
            for name, value in (
                ("name", clinic.name),
                ("slug", clinic.slug),
                ("city", clinic.city),
                ("time_zone", clinic.time_zone),
            )
            if name not in editable
        ],
    }
    return render(request, "clinics/staff/clinics/detail.html", context)


def _change_activity(request, clinic_id, act: Callable[[Clinic], str]):
    clinic = access_clinic_for_admin(request.user, clinic_id)
    try:
        messages.success(request, act(clinic))
    except ActionError as error:
        messages.error(request, str(error))
    return redirect("staff:clinic_detail", clinic_id=clinic.pk)


@require_POST
@clinics_view
def clinic_deactivate_view(request, clinic_id):
    def deactivate(clinic):
        clinic_deactivate(clinic=clinic, by=request.user, ip=request_ip(request))
        return _(
            "%(name)s is deactivated: it is no longer on the enquiry form, and its staff have "
            "no access there until it is reactivated."
        ) % {"name": clinic}

    return _change_activity(request, clinic_id, deactivate)


@require_POST
@clinics_view
def clinic_reactivate_view(request, clinic_id):
    def reactivate(clinic):
        clinic_reactivate(clinic=clinic, by=request.user, ip=request_ip(request))
        return _("%(name)s is active again.") % {"name": clinic}

    return _change_activity(request, clinic_id, reactivate)
