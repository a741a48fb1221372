"""Patients' requests for a first assessment, from the enquiry confirmation page.

The confirmation page (`enquiries/received.html`, only while it shows the sender's details:
its address carries the signed reference, `enquiries.confirmation`) includes
`scheduling/public/request_section.html`, which lists free slots of the enquiry's clinic for
the types patients may ask for. Choosing one posts here with the same signature: without it
(or with another reference's, or one more than an hour old) nothing is created. The request
holds the time until staff confirm or decline it (`booking.request_appointment`); it is not
a booking, and the page says the clinic will confirm. There is no CSRF cookie on the
public site: the signature, which only the sender's browser has, stands in for the token,
and a post naming another site as its origin is refused.
"""

import datetime as dt
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from fascia.enquiries import confirmation
from fascia.enquiries.models import Enquiry
from fascia.typed_text import refusal

from ..booking import BookingError, may_request, pending_request, request_appointment
from ..forms import RequestForm
from ..models import AppointmentType
from ..slots import by_day_and_practitioner, find_slot, slots_for

DAYS_PER_PAGE = 7


def signed_enquiry(reference: str, signature: str) -> Enquiry | None:
    """The enquiry whose confirmation signature this is, if the signature is ours, for this
    reference and less than an hour old."""
    try:
        signed = signing.TimestampSigner(salt=confirmation.SALT).unsign(
            signature, max_age=confirmation.MAX_AGE_SECONDS
        )
    except signing.BadSignature:
        return None
    if signed != reference:
        return None
    return Enquiry.objects.select_related("clinic").filter(reference=reference).first()


def request_types() -> list[AppointmentType]:
    return list(AppointmentType.objects.filter(active=True, bookable_by_patients=True))


def section_context(
    enquiry: Enquiry, signature: str, *, first_day: dt.date | None = None, problem: str = ""
) -> dict[str, Any]:
    """What the request section shows: the waiting request, or free slots from `first_day`
    for `FASCIA_PATIENT_REQUEST_DAYS_AHEAD` days, a week at a time."""
    context: dict[str, Any] = {
        "enquiry": enquiry,
        "signature": signature,
        "problem": problem,
        "offered": may_request(enquiry),
    }
    if not context["offered"] or enquiry.clinic is None:
        return context
    waiting = pending_request(enquiry)
    if waiting is not None:
        return {**context, "waiting": waiting}
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=settings.FASCIA_PATIENT_REQUEST_DAYS_AHEAD)
    start = min(max(first_day or today, today), horizon)
    days = min(DAYS_PER_PAGE, (horizon - start).days + 1)
    types = request_types()
    offers = []
    for appointment_type in types:
        slots = slots_for(enquiry.clinic, appointment_type, first_day=start, days=days)
        offers.append((appointment_type, by_day_and_practitioner(slots)))
    later = start + dt.timedelta(days=days)
    more = (
        reverse("appointment_request:request", kwargs={"reference": enquiry.reference})
        + "?"
        + urlencode({confirmation.PARAMETER: signature, "from": later.isoformat()})
        if later <= horizon
        else ""
    )
    return {**context, "offers": offers, "more_url": more, "clinic": enquiry.clinic}


def _same_origin(request) -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc == request.get_host()


def _refused(request, message: str, status: int) -> HttpResponse:
    return render(request, "scheduling/public/refused.html", {"message": message}, status=status)


def _page(request, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "scheduling/public/page.html", context, status=status)
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def request_page(request, reference: str):
    """GET: more free times (later days); POST: ask for one."""
    data = request.POST if request.method == "POST" else request.GET
    signature = data.get(confirmation.PARAMETER, "")
    if refusal(reference) or refusal(signature):
        return _refused(request, _("This address is not one we made. Nothing was sent."), 400)
    enquiry = signed_enquiry(reference, signature)
    if enquiry is None:
        raise Http404
    if request.method == "GET":
        first_day = None
        try:
            first_day = dt.date.fromisoformat(request.GET.get("from", ""))
        except ValueError:
            first_day = None
        return _page(request, section_context(enquiry, signature, first_day=first_day))
    if not _same_origin(request):
        return _refused(request, _("This form was sent from another site. Nothing was sent."), 403)
    form = RequestForm(request.POST)
    if not form.is_valid():
        problem = _("Choose one of the free times below.")
        return _page(request, section_context(enquiry, signature, problem=problem), status=400)
    appointment_type = next((t for t in request_types() if t.pk == form.cleaned_data["type"]), None)
    if appointment_type is None or enquiry.clinic is None or not may_request(enquiry):
        problem = _("That time cannot be asked for online. Please call us.")
        return _page(request, section_context(enquiry, signature, problem=problem), status=400)
    offered = slots_for(
        enquiry.clinic,
        appointment_type,
        first_day=timezone.localdate(),
        days=settings.FASCIA_PATIENT_REQUEST_DAYS_AHEAD + 1,
    )
    slot = find_slot(offered, form.cleaned_data["slot"])
    waiting = pending_request(enquiry)
    if slot is None and waiting is None:
        problem = _("Someone has just taken that time. Please choose another.")
        return _page(request, section_context(enquiry, signature, problem=problem), status=409)
    if slot is not None:
        try:
            request_appointment(
                enquiry=enquiry,
                appointment_type=appointment_type,
                practitioner=slot.practitioner,
                starts_at=slot.starts_at,
            )
        except BookingError as error:
            return _page(
                request, section_context(enquiry, signature, problem=str(error)), status=409
            )
    back = reverse("enquiries:received", kwargs={"reference": enquiry.reference})
    return HttpResponseRedirect(
        f"{back}?{urlencode({confirmation.PARAMETER: signature})}#appointment-request",
        status=303,
    )


urlpatterns = [
    path("<str:reference>/", request_page, name="request"),
]
