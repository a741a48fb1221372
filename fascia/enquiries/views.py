"""The public enquiry form, its confirmation, the privacy notice and the live phone check."""

import logging
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from wagtail.models import Page

from fascia.cacheable import cacheable_page

from . import fallback, phone, privacy, ratelimit, tokens
from .actions import enquiry_submission, enquiry_submit
from .confirmation import confirmation_url, last_digits, shows_details
from .forms import FROM_SELF_CHECK, EnquiryForm
from .models import Enquiry

log = logging.getLogger(__name__)


def _same_origin(request) -> bool:
    """A browser names the page a form was sent from; refuse forms sent from other sites."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc == request.get_host()


def _blank_form(request) -> EnquiryForm:
    """A blank form; `?from=<page id>` names the page it was opened from."""
    page_id = request.GET.get("from", "")
    page = Page.objects.live().filter(pk=page_id).first() if page_id.isdigit() else None
    return EnquiryForm.for_page(page) if page else EnquiryForm()


def _form_page(request, form, *, problem: str = "", status: int = 200, **context):
    context.update(form=form, problem=problem, privacy=privacy)
    return render(request, "enquiries/enquire.html", context, status=status)


def _rate_limited(request, form, refusal: ratelimit.Refusal):
    response = _form_page(request, form, problem="rate_limited", status=429, refusal=refusal)
    response["Retry-After"] = str(refusal.retry_after)
    return response


# The form carries its own signed token instead of Django's CSRF cookie: anonymous visitors
# have no session to protect, pages with the form stay cacheable, and a browser that blocks
# cookies still gets its enquiry through. Cross-site posts are refused by their Origin.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@cacheable_page  # the blank form (GET) is the same for every visitor (`?from=` aside)
def enquire(request):
    if request.method != "POST":
        return _form_page(request, _blank_form(request))
    if not _same_origin(request):
        return HttpResponseForbidden(_("This form can only be sent from this website."))
    if request.POST.get(FROM_SELF_CHECK):
        # Opened from the self-check's last page, with its answers to send (never cached).
        return _form_page(request, EnquiryForm.after_self_check(request.POST.get("self_check", "")))
    try:
        return _submit(request)
    except DatabaseError:
        # Not even the form could be shown again: the database is out of reach.
        log.exception("Could not save an enquiry; the database is unavailable")
        context = {"data": request.POST, "phone": fallback.clinic_phone()}
        return render(request, "enquiries/not_saved.html", context, status=503)


def _submit(request):
    form = EnquiryForm(request.POST)
    fallback.remember_clinic_phone_once()
    if not form.is_valid():
        return _form_page(request, form, status=400)
    form_token = form.cleaned_data["form_token"]
    if tokens.expired(form_token):
        # A page left open for days: nothing is stored, everything typed comes back with a
        # fresh token, to be checked and sent again.
        return _form_page(request, form.with_fresh_token(), problem="expired", status=400)
    submission = enquiry_submission(
        form.submission(), form_token=form_token, honeypot=form.cleaned_data["website"]
    )
    ip = ratelimit.client_ip(request)
    e164 = submission["phone"].as_e164
    spam = bool(submission["spam_reason"])
    reserved: list[bool] = []

    def admit() -> None:
        """Count a new enquiry against its limits (only once, however many tries it takes)."""
        if not reserved:
            refusal = ratelimit.take(ip, e164, spam=spam)
            if refusal is not None:
                raise ratelimit.Refused(refusal)
            reserved.append(True)

    try:
        enquiry, created = enquiry_submit(**submission, admit=admit)
    except ratelimit.Refused as refused:
        return _rate_limited(request, form, refused.refusal)
    except DatabaseError:
        if reserved:
            ratelimit.give_back(ip, e164, spam=spam)
        log.exception("Could not save an enquiry")
        return _form_page(request, form, problem="not_saved", status=503)
    if reserved and not created:
        ratelimit.give_back(ip, e164, spam=spam)
    if enquiry.idempotency_key != submission["idempotency_key"]:
        # This form already sent an enquiry for this number, with other words: ask before
        # storing a second one (sending it again carries a fresh token).
        return _form_page(
            request,
            form.with_fresh_token(),
            problem="already_sent",
            status=409,
            already_sent=enquiry,
        )
    return HttpResponseRedirect(confirmation_url(enquiry), status=303)


@never_cache
@require_GET
def received(request, reference: str):
    """The confirmation: the number and clinic in full only with the signature the form's
    redirect carries (`confirmation.py`), so a guessed reference shows no one's number."""
    enquiry = Enquiry.objects.select_related("clinic").filter(reference=reference.upper()).first()
    if enquiry is None:
        raise Http404
    context = {"reference": enquiry.reference, "last_digits": last_digits(enquiry)}
    if shows_details(request, enquiry):
        number = phone.written(enquiry.phone) if enquiry.phone else ""
        context.update(details_shown=True, number=number, clinic=enquiry.clinic)
    return render(request, "enquiries/received.html", context)


@require_GET
@cacheable_page
def privacy_notice(request):
    return render(request, "enquiries/privacy.html", {"privacy": privacy})


@require_GET
def phone_check(request):
    """The live check beside the phone field (progressive enhancement of the form)."""
    raw = request.GET.get("phone", "")
    context = {"raw": raw.strip()}
    if raw.strip():
        try:
            number = phone.parse_phone(raw)
        except ValidationError as error:
            context["error"] = error.messages[0]
        else:
            context.update(number=phone.written(number), kind=phone.phone_kind(number))
    return render(request, "enquiries/includes/phone_check.html", context)
