"""Staff pages: booking an appointment for a patient or an enquiry, and patients' requests.

Capability.APPOINTMENTS (front desk, physiotherapists, managers) in the clinic booked;
the patient or enquiry is fetched through its own app's access check (404 across clinics).
The page works without JavaScript (a GET form to show free times, a POST form to book);
with HTMX, changing the clinic, type or day refreshes only the list of free times.
"""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, clinics_for, require, staff_required
from fascia.enquiries.queries import access_enquiry
from fascia.records.queries import access_patient

from ..booking import (
    BookingError,
    access_request,
    book,
    patient_of,
    request_confirm,
    request_decline,
    requests_for,
)
from ..forms import ChooseForm, DeclineForm, SlotForm
from ..slots import by_day_and_practitioner, local_time, slots_for

appointments_view = staff_required(Capability.APPOINTMENTS)
DAYS_SHOWN = 7


def appointment_url(appointment) -> str:
    """The appointment's page, or the day view while that page does not exist."""
    try:
        return reverse("schedule:appointment", kwargs={"appointment_id": appointment.pk})
    except NoReverseMatch:
        return reverse("schedule:day")


def _subject(request):
    """The patient and the enquiry named in the query (either may be None)."""
    patient = enquiry = None
    ip = request_ip(request)
    if request.GET.get("enquiry"):
        enquiry = access_enquiry(
            request.user, request.GET["enquiry"].strip().upper()[:12], record_view=False, ip=ip
        )
        patient = patient_of(enquiry)
    if request.GET.get("patient") and patient is None:
        try:
            patient_id = int(request.GET["patient"])
        except ValueError:
            patient_id = 0
        patient = access_patient(request.user, patient_id)
    return patient, enquiry


@require_http_methods(["GET", "POST"])
@appointments_view
def book_view(request):
    patient, enquiry = _subject(request)
    clinics = clinics_for(request.user, Capability.APPOINTMENTS)
    preferred = (enquiry.clinic_id if enquiry else None) or (patient.clinic_id if patient else None)
    initial_clinic = clinics.filter(pk=preferred).first() or clinics.first()
    today = timezone.localdate()
    choose = ChooseForm(
        request.GET if "clinic" in request.GET else None,
        clinics=clinics,
        initial={"clinic": initial_clinic, "day": today},
    )
    chosen = None
    if choose.is_bound and choose.is_valid():
        chosen = choose.cleaned_data
    elif not choose.is_bound and initial_clinic is not None:
        first_type = choose.fields["type"].queryset.first()
        if first_type is not None:
            chosen = {"clinic": initial_clinic, "type": first_type, "day": today}
    slots = []
    if chosen is not None:
        require(request.user, Capability.APPOINTMENTS, chosen["clinic"])
        first_day = max(chosen.get("day") or today, today)
        slots = slots_for(chosen["clinic"], chosen["type"], first_day=first_day, days=DAYS_SHOWN)
        chosen = {**chosen, "day": first_day}
    slot_form = SlotForm(request.POST if request.method == "POST" else None, slots=slots)
    status = 200
    if request.method == "POST":
        if (patient is None and enquiry is None) or chosen is None:
            status = 400
            slot_form.add_error(None, _("Choose a patient or an enquiry, a clinic and a type."))
        elif slot_form.is_valid():
            slot = slot_form.chosen()
            try:
                appointment = book(
                    clinic=chosen["clinic"],
                    appointment_type=chosen["type"],
                    practitioner=slot.practitioner,
                    starts_at=slot.starts_at,
                    patient=patient,
                    enquiry=enquiry,
                    by=request.user,
                    ip=request_ip(request),
                    note=slot_form.cleaned_data["note"],
                )
            except BookingError as error:
                slot_form.add_error(None, str(error))
                status = 409
            else:
                when = local_time(appointment.starts_at, appointment.clinic)
                messages.success(
                    request,
                    _("Booked: %(type)s with %(name)s on %(when)s.")
                    % {
                        "type": appointment.type.name,
                        "name": slot.practitioner.get_full_name(),
                        "when": when.strftime("%d %b %Y, %H:%M"),
                    },
                )
                return redirect(appointment_url(appointment))
        else:
            status = 400
        if status != 200:
            slots = (
                slots_for(
                    chosen["clinic"], chosen["type"], first_day=chosen["day"], days=DAYS_SHOWN
                )
                if chosen
                else []
            )
            slot_form.slots = slots
    context = {
        "patient": patient,
        "enquiry": enquiry,
        "choose": choose,
        "chosen": chosen,
        "slot_form": slot_form,
        "grouped": by_day_and_practitioner(slot_form.slots),
        "next_day": (chosen["day"] + dt.timedelta(days=DAYS_SHOWN)) if chosen else None,
        "subject_query": _subject_query(patient, enquiry),
    }
    template = (
        "scheduling/booking/includes/slots.html"
        if request.headers.get("HX-Request") and request.method == "GET"
        else "scheduling/booking/book.html"
    )
    return render(request, template, context, status=status)


def _subject_query(patient, enquiry) -> str:
    if enquiry is not None:
        return f"enquiry={enquiry.reference}"
    if patient is not None:
        return f"patient={patient.pk}"
    return ""


@require_http_methods(["GET"])
@appointments_view
def requests_list(request):
    context = {"requests": list(requests_for(request.user)), "decline_form": DeclineForm()}
    return render(request, "scheduling/booking/requests.html", context)


@require_POST
@appointments_view
def request_confirm_view(request, appointment_id):
    appointment = access_request(request.user, appointment_id)
    try:
        request_confirm(appointment, by=request.user, ip=request_ip(request))
    except BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request was confirmed: it is booked."))
    return redirect("booking:requests")


@require_POST
@appointments_view
def request_decline_view(request, appointment_id):
    appointment = access_request(request.user, appointment_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        context = {
            "requests": list(requests_for(request.user)),
            "decline_form": DeclineForm(),
            "failed": appointment.pk,
            "failed_form": form,
        }
        return render(request, "scheduling/booking/requests.html", context, status=400)
    try:
        request_decline(
            appointment, reason=form.cleaned_data["reason"], by=request.user, ip=request_ip(request)
        )
    except BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request was declined. Call the patient to tell them."))
    return redirect("booking:requests")


urlpatterns = [
    path("appointments/book/", book_view, name="book"),
    path("appointments/requests/", requests_list, name="requests"),
    path(
        "appointments/requests/<int:appointment_id>/confirm/",
        request_confirm_view,
        name="request_confirm",
    ),
    path(
        "appointments/requests/<int:appointment_id>/decline/",
        request_decline_view,
        name="request_decline",
    ),
]
