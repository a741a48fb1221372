"""A copy of everything about a patient, and erasing a person with no clinical record:
/app/patients/<id>/copy/ and /app/patients/<id>/erase/.

They reach other apps' records (enquiries, treatment), so they live here, above them
(`patient_data.py`). The copy needs Capability.CLINICAL where the patient is registered or
has an episode (`patient_data.access_patient_export`); erasure, like erasing an enquiry in
the inbox, Capability.CONTACTS (`records.queries.access_patient`). Anyone else gets a 404.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.records import events
from fascia.records.actions import ActionError
from fascia.records.forms.data_rights import ErasureForm, ExportForm
from fascia.records.models import DataRequestOutcome
from fascia.records.queries import access_patient

from . import patient_data


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(Capability.CLINICAL)
def patient_export(request, patient_id):
    patient = patient_data.access_patient_export(request.user, patient_id)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        copy = patient_data.patient_export(
            patient,
            user=request.user,
            fmt=form.cleaned_data["format"],
            requested_by_patient=form.cleaned_data["requested_by_patient"],
            ip=request_ip(request),
        )
        response = HttpResponse(copy.content, content_type=copy.content_type)
        response["Content-Disposition"] = f'attachment; filename="{copy.filename}"'
        return response
    if request.method == "GET":
        events.viewed(
            events.PATIENT_VIEWED,
            patient,
            about=patient,
            by=request.user,
            ip=request_ip(request),
            detail={"page": "copy"},
        )
    return render(request, "workspace/data/export.html", {"patient": patient, "form": form})


@require_POST
@staff_required(Capability.CONTACTS)
def patient_erase(request, patient_id):
    patient = access_patient(request.user, patient_id)
    form = ErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["confirmed"][0])
        return redirect("records:patient_data", patient_id=patient.pk)
    try:
        outcome = patient_data.patient_erase(patient, by=request.user, ip=request_ip(request))
    except ActionError as error:
        messages.error(request, str(error))
    else:
        if outcome.outcome == DataRequestOutcome.DONE:
            messages.success(request, _("The patient's personal details were erased."))
        else:
            messages.error(
                request,
                _("Erasure refused, and the request recorded: %(reason)s")
                % {"reason": outcome.reason},
            )
    return redirect("records:patient_data", patient_id=patient.pk)
