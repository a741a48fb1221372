"""A patient's data rights under /app/: their consent to be contacted, the requests they made
about their data, and corrections attached to clinical text.

Consent and requests are the front desk's work too (Capability.CONTACTS where the patient
may be seen, `queries.access_patient`); corrections to an assessment or a screening are
clinical (Capability.CLINICAL in the episode's clinic). Anyone else gets a 404. The copy of
everything and erasure, which reach other apps' records, are `fascia.workspace.data_views`.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, can, staff_required
from fascia.pathways import Respondent

from .. import data_rights, events
from ..actions import ActionError
from ..forms.data_rights import (
    AmendmentForm,
    ContactConsentForm,
    DataRequestCloseForm,
    DataRequestForm,
    ErasureForm,
    ScreeningAmendmentForm,
)
from ..forms.questions import answer_rows
from ..models import DataRequest, Patient
from ..queries import access_assessment, access_episode, access_patient, view_patient
from ..screening import episode_screening, pathway_of, stored_answers

contacts_view = staff_required(Capability.CONTACTS)
clinical_view = staff_required(Capability.CLINICAL)


def _may_export(user: object, patient: Patient) -> bool:
    clinics = {patient.clinic_id, *patient.episodes.values_list("clinic_id", flat=True)}
    return any(can(user, Capability.CLINICAL, clinic) for clinic in clinics)


def _data_page(
    request: HttpRequest,
    patient: Patient,
    *,
    request_form: DataRequestForm | None = None,
    consent_form: ContactConsentForm | None = None,
    erasure_form: ErasureForm | None = None,
) -> HttpResponse:
    context = {
        "patient": patient,
        "contact_consent": data_rights.active_contact_consent(patient),
        "consents": list(
            patient.contact_consents.select_related("recorded_by", "withdrawn_recorded_by")
        ),
        "consent_form": consent_form or ContactConsentForm(),
        "notice_version": data_rights.patient_notice_version(),
        "requests": list(patient.data_requests.select_related("recorded_by")),
        "request_form": request_form or DataRequestForm(),
        "close_form": DataRequestCloseForm(),
        "corrections": data_rights.amendments_for(patient),
        "clinical_record": data_rights.has_clinical_record(patient),
        "retention_reason": data_rights.CLINICAL_RETENTION_REASON,
        "erased": data_rights.is_erased(patient),
        "erasure_form": erasure_form or ErasureForm(),
        "may_export": _may_export(request.user, patient),
    }
    return render(request, "records/data_rights/patient.html", context)


@require_GET
@contacts_view
def patient_data(request, patient_id):
    patient = view_patient(request.user, patient_id, ip=request_ip(request))
    return _data_page(request, patient)


@require_POST
@contacts_view
def contact_consent_give(request, patient_id):
    patient = access_patient(request.user, patient_id)
    form = ContactConsentForm(request.POST)
    if not form.is_valid():
        return _data_page(request, patient, consent_form=form)
    try:
        data_rights.contact_consent_give(
            patient,
            notice_version=data_rights.patient_notice_version(),
            by=request.user,
            ip=request_ip(request),
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The patient's consent to be contacted is recorded."))
    return redirect("records:patient", patient_id=patient.pk)


@require_POST
@contacts_view
def contact_consent_withdraw(request, patient_id):
    patient = access_patient(request.user, patient_id)
    try:
        data_rights.contact_consent_withdraw(patient, by=request.user, ip=request_ip(request))
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Consent withdrawn: nothing more will be sent to %(name)s.")
            % {"name": patient.full_name},
        )
    return redirect("records:patient", patient_id=patient.pk)


@require_POST
@contacts_view
def data_request_new(request, patient_id):
    patient = access_patient(request.user, patient_id)
    form = DataRequestForm(request.POST)
    if not form.is_valid():
        return _data_page(request, patient, request_form=form)
    data_rights.data_request_record(
        patient,
        kind=form.cleaned_data["kind"],
        outcome=form.cleaned_data["outcome"],
        reason=form.cleaned_data["reason"],
        by=request.user,
        ip=request_ip(request),
    )
    messages.success(request, _("The request is recorded."))
    return redirect("records:patient_data", patient_id=patient.pk)


@require_POST
@contacts_view
def data_request_close(request, patient_id, request_id):
    patient = access_patient(request.user, patient_id)
    try:
        data_request = patient.data_requests.get(pk=request_id)
    except DataRequest.DoesNotExist:
        raise Http404 from None
    form = DataRequestCloseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("records:patient_data", patient_id=patient.pk)
    try:
        data_rights.data_request_close(
            data_request,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            by=request.user,
            ip=request_ip(request),
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request is settled."))
    return redirect("records:patient_data", patient_id=patient.pk)


# Corrections to clinical text: an amendment attached, the record never rewritten.


def _amendment_page(request, template: str, context: dict) -> HttpResponse:
    return render(request, f"records/data_rights/{template}", context)


@require_http_methods(["GET", "POST"])
@clinical_view
def assessment_amend(request, episode_id, assessment_id):
    assessment = access_assessment(request.user, episode_id, assessment_id)
    episode = assessment.episode
    ip = request_ip(request)
    form = AmendmentForm(
        request.POST if request.method == "POST" else None, original=assessment.findings
    )
    if request.method == "GET":
        events.viewed(events.ASSESSMENT_VIEWED, assessment, about=episode, by=request.user, ip=ip)
    elif form.is_valid():
        data_rights.amendment_record(
            assessment,
            data_rights.Correction(
                field="findings",
                original=assessment.findings,
                corrected=form.cleaned_data["corrected"],
                reason=form.cleaned_data["reason"],
                requested_by_patient=form.cleaned_data["requested_by_patient"],
            ),
            by=request.user,
            ip=ip,
        )
        messages.success(request, _("The correction is attached to the assessment."))
        return redirect("records:assessment", episode_id=episode.pk, assessment_id=assessment.pk)
    context = {
        "episode": episode,
        "patient": episode.patient,
        "assessment": assessment,
        "form": form,
        "amendments": data_rights.amendments_for(assessment),
    }
    return _amendment_page(request, "assessment_amend.html", context)


@require_http_methods(["GET", "POST"])
@clinical_view
def screening_amend(request, episode_id, screening_id):
    episode = access_episode(request.user, episode_id)
    screening = episode_screening(episode, screening_id)
    ip = request_ip(request)
    rows = answer_rows(
        pathway_of(episode).screening_questions,
        stored_answers(screening),
        Respondent(screening.respondent),
    )
    answers = {row.question.id: (row.text, row.answer) for row in rows if row.answer}
    form = ScreeningAmendmentForm(
        request.POST if request.method == "POST" else None, answers=answers
    )
    if request.method == "GET":
        events.viewed(events.SCREENING_VIEWED, screening, about=episode, by=request.user, ip=ip)
    elif form.is_valid():
        question = form.cleaned_data["question"]
        data_rights.amendment_record(
            screening,
            data_rights.Correction(
                field=f"answers.{question}",
                original=answers[question][1],
                corrected=form.cleaned_data["corrected"],
                reason=form.cleaned_data["reason"],
                requested_by_patient=form.cleaned_data["requested_by_patient"],
            ),
            by=request.user,
            ip=ip,
        )
        messages.success(request, _("The correction is attached to the screening."))
        return redirect("records:screening", episode_id=episode.pk)
    context = {
        "episode": episode,
        "patient": episode.patient,
        "screening": screening,
        "form": form,
        "amendments": data_rights.amendments_for(screening),
    }
    return _amendment_page(request, "screening_amend.html", context)


urlpatterns = [
    path("patients/<int:patient_id>/data/", patient_data, name="patient_data"),
    path(
        "patients/<int:patient_id>/data/contact-consent/",
        contact_consent_give,
        name="contact_consent_give",
    ),
    path(
        "patients/<int:patient_id>/data/contact-consent/withdraw/",
        contact_consent_withdraw,
        name="contact_consent_withdraw",
    ),
    path("patients/<int:patient_id>/data/requests/", data_request_new, name="data_request_new"),
    path(
        "patients/<int:patient_id>/data/requests/<int:request_id>/close/",
        data_request_close,
        name="data_request_close",
    ),
    path(
        "episodes/<int:episode_id>/assessment/<int:assessment_id>/correct/",
        assessment_amend,
        name="assessment_amend",
    ),
    path(
        "episodes/<int:episode_id>/screening/<int:screening_id>/correct/",
        screening_amend,
        name="screening_amend",
    ),
]
