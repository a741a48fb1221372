"""The patient pages under /app/patients/: search, register, a patient's page, changing their
details and opening another episode.

Registering records the patient's consent to be contacted when they gave it; changing the
details asks why, and keeps what each changed field was (`data_rights`, `actions`).

Every page needs Capability.CONTACTS somewhere (`staff_required`); a patient is fetched with
`queries.access_patient`, so one the user may not see is a 404. The patient page shows, for
each episode, only whether its screening, assessment and consent were done; the episode
itself (`workspace:episode`) is linked for those with Capability.CLINICAL in its clinic.
Showing a patient and searching are audited (`queries.view_patient`, `queries.patient_search`).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fascia import phone_numbers
from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, clinic_ids_for, staff_required

from .. import data_rights, queries
from ..actions import ActionError, episode_open, patient_update
from ..forms.data_rights import PatientCorrectionForm
from ..forms.patients import EpisodeForm, NewPatientForm, PatientSearchForm

patients_view = staff_required(Capability.CONTACTS)


@require_GET
@patients_view
def patient_list(request):
    form = PatientSearchForm(request.GET)
    text = form.text()
    search = queries.patient_search(request.user, text, ip=request_ip(request)) if text else None
    return render(request, "records/patients/list.html", {"form": form, "search": search})


@require_http_methods(["GET", "POST"])
@patients_view
def patient_new(request):
    form = NewPatientForm(request.POST or None, **queries.episode_choices(request.user))
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = queries.possible_duplicates(request.user, **form.identity())
        if form.confirms(duplicates):
            try:
                episode = data_rights.patient_register_with_consent(
                    form.patient_details(),
                    physiotherapist=form.cleaned_data["physiotherapist"],
                    contact_consent=form.cleaned_data["contact_consent"],
                    by=request.user,
                    ip=request_ip(request),
                )
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("%(name)s is registered.") % {"name": episode.patient})
                return redirect("records:patient", patient_id=episode.patient_id)
    context = {
        "form": form,
        "duplicates": duplicates,
        "notice_version": data_rights.patient_notice_version(),
    }
    return render(request, "records/patients/new.html", context)


@require_GET
@patients_view
def patient_detail(request, patient_id):
    patient = queries.view_patient(request.user, patient_id, ip=request_ip(request))
    contact_consent = data_rights.active_contact_consent(patient)
    context = {
        "patient": patient,
        "contact_consent": contact_consent,
        "corrections": data_rights.amendments_for(patient),
        "whatsapp_href": phone_numbers.whatsapp_url(patient.mobile)
        if patient.mobile and contact_consent
        else "",
        "episodes": queries.patient_episodes(request.user, patient),
        "clinical_clinics": clinic_ids_for(request.user, Capability.CLINICAL),
    }
    return render(request, "records/patients/detail.html", context)


@require_http_methods(["GET", "POST"])
@patients_view
def patient_edit(request, patient_id):
    if request.method == "GET":
        patient = queries.view_patient(request.user, patient_id, ip=request_ip(request))
    else:
        patient = queries.access_patient(request.user, patient_id)
    form = PatientCorrectionForm(
        request.POST or None, initial=PatientCorrectionForm.initial_from(patient), patient=patient
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = patient_update(
                patient,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
                requested_by_patient=form.cleaned_data["requested_by_patient"],
                by=request.user,
                ip=request_ip(request),
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("The patient's details are saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("records:patient", patient_id=patient.pk)
    return render(request, "records/patients/edit.html", {"patient": patient, "form": form})


@require_http_methods(["GET", "POST"])
@patients_view
def episode_new(request, patient_id):
    patient = queries.access_patient(request.user, patient_id)
    form = EpisodeForm(request.POST or None, **queries.episode_choices(request.user))
    if request.method == "POST" and form.is_valid():
        episode_open(
            patient,
            clinic=form.cleaned_data["clinic"],
            physiotherapist=form.cleaned_data["physiotherapist"],
            by=request.user,
            ip=request_ip(request),
        )
        messages.success(
            request,
            _("A new episode is open at %(clinic)s.") % {"clinic": form.cleaned_data["clinic"]},
        )
        return redirect("records:patient", patient_id=patient.pk)
    return render(request, "records/patients/episode_new.html", {"patient": patient, "form": form})


urlpatterns = [
    path("patients/", patient_list, name="patient_list"),
    path("patients/new/", patient_new, name="patient_new"),
    path("patients/<int:patient_id>/", patient_detail, name="patient"),
    path("patients/<int:patient_id>/edit/", patient_edit, name="patient_edit"),
    path("patients/<int:patient_id>/episodes/new/", episode_new, name="episode_new"),
]
