"""Converting an enquiry into a patient and an episode: /app/enquiries/<reference>/convert/.

The form starts from what the enquiry says (name, mobile number, email, the clinic and its
city) and asks what it lacks (date of birth, sex, the responsible physiotherapist). Before a
new patient is created, the patients the user may see who may be the same person are shown;
the form is then sent again to create the patient anyway, or "Use this patient"
(`?patient=<id>`) opens the episode for one of them instead.

It needs Capability.CONTACTS in the enquiry's clinic, or, for an enquiry for either clinic,
in the clinic chosen (the form offers only the user's clinics); anyone else gets 404. An
enquiry that was converted shows whose episode it became; one erased or held as spam goes
back to its page with the reason.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, require, staff_required
from fascia.records import actions as records_actions
from fascia.records import queries as records
from fascia.records.forms.patients import EpisodeForm, ExistingPatientForm, NewPatientForm
from fascia.records.models import Patient

from . import queries
from .actions import ActionError
from .conversion import AlreadyConverted, conversion_refused, enquiry_convert
from .models import Enquiry

TEMPLATE = "enquiries/inbox/convert.html"


def _chosen_clinic(enquiry: Enquiry) -> dict[str, object]:
    """The enquiry's clinic as the form's starting choice; for either clinic, none (unless
    the user works in only one clinic, which the form then chooses)."""
    return {"clinic": enquiry.clinic} if enquiry.clinic is not None else {}


def _initial(enquiry: Enquiry) -> dict[str, object]:
    return {
        "full_name": enquiry.name,
        "mobile": enquiry.phone,
        "email": enquiry.email,
        "city": enquiry.clinic.city if enquiry.clinic is not None else "",
        **_chosen_clinic(enquiry),
    }


def _refusal(request, enquiry: Enquiry) -> HttpResponse | None:
    """The answer for an enquiry that cannot be converted (None if it can)."""
    if enquiry.episode_id is not None:
        context = {"enquiry": enquiry, "converted": enquiry.episode}
        return render(request, TEMPLATE, context)
    refused = conversion_refused(enquiry)
    if refused:
        messages.error(request, refused)
        return redirect("inbox:detail", reference=enquiry.reference)
    return None


def _convert(
    request, enquiry: Enquiry, form: EpisodeForm, patient: Patient | records_actions.PatientDetails
) -> HttpResponse | None:
    """Convert with what `form` cleaned; None, and the reason on the form, if refused."""
    try:
        episode = enquiry_convert(
            enquiry=enquiry,
            patient=patient,
            clinic=form.cleaned_data["clinic"],
            physiotherapist=form.cleaned_data["physiotherapist"],
            by=request.user,
            ip=request_ip(request),
        )
    except AlreadyConverted as converted:
        return render(request, TEMPLATE, {"enquiry": enquiry, "converted": converted.episode})
    except (ActionError, records_actions.ActionError) as error:
        form.add_error(None, str(error))
        return None
    messages.success(
        request,
        _("Enquiry %(reference)s is now an episode of care for %(name)s.")
        % {"reference": enquiry.reference, "name": episode.patient},
    )
    return redirect("records:patient", patient_id=episode.patient_id)


def _for_existing_patient(request, enquiry: Enquiry, patient_id: str) -> HttpResponse:
    """Open the episode for a patient already registered (`patient_id`, from the page)."""
    if not patient_id.isdigit():
        raise Http404
    ip = request_ip(request)
    if request.method == "GET":
        patient = records.view_patient(request.user, int(patient_id), ip=ip)
    else:
        patient = records.access_patient(request.user, int(patient_id))
    form = ExistingPatientForm(
        request.POST or None,
        initial={"patient": patient.pk, **_chosen_clinic(enquiry)},
        **records.episode_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        response = _convert(request, enquiry, form, patient)
        if response is not None:
            return response
    return render(request, TEMPLATE, {"enquiry": enquiry, "form": form, "existing": patient})


@require_http_methods(["GET", "POST"])
@staff_required(Capability.CONTACTS)
def enquiry_convert_view(request, reference):
    showing = request.method == "GET"
    enquiry = queries.access_enquiry(
        request.user, reference, record_view=showing, ip=request_ip(request)
    )
    require(request.user, Capability.CONTACTS, enquiry.clinic_id)
    refusal = _refusal(request, enquiry)
    if refusal is not None:
        return refusal
    patient_id = (request.GET if showing else request.POST).get("patient", "")
    if patient_id:
        return _for_existing_patient(request, enquiry, patient_id)
    form = NewPatientForm(
        request.POST or None, initial=_initial(enquiry), **records.episode_choices(request.user)
    )
    duplicates: list[Patient] = []
    if not showing and form.is_valid():
        duplicates = records.possible_duplicates(request.user, **form.identity())
        if form.confirms(duplicates):
            response = _convert(request, enquiry, form, form.patient_details())
            if response is not None:
                return response
    context = {"enquiry": enquiry, "form": form, "duplicates": duplicates}
    return render(request, TEMPLATE, context)
