"""The staff inbox: the list of enquiries, one enquiry, its status, notes and erasure.

Every view needs a signed-in staff member who handles enquiries in at least one clinic
(`staff_required(Capability.ENQUIRIES)`). A visitor who is not signed in is sent to the
login page, and back here afterwards. Anyone else gets 404, as if the page did not exist,
and so does an enquiry of a clinic the person does not work in, so that references cannot
be probed by trying them.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required

from . import export, queries
from .actions import (
    ActionError,
    ErasureReason,
    enquiry_add_note,
    enquiry_change_status,
    enquiry_erase,
)
from .inbox_forms import InboxFilterForm, NoteForm, StatusForm
from .models import Status

PER_PAGE = 25


inbox_view = staff_required(Capability.ENQUIRIES)


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@require_GET
@inbox_view
def enquiry_list(request):
    form = InboxFilterForm(request.GET, clinics=queries.inbox_clinics(request.user))
    enquiries = queries.inbox_enquiries(request.user, **form.filters())
    page = Paginator(enquiries, PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "counts": queries.status_counts(request.user)}
    return render(request, "enquiries/inbox/list.html", context)


@require_GET
@inbox_view
def enquiry_export(request):
    form = InboxFilterForm(request.GET, clinics=queries.inbox_clinics(request.user))
    filters = form.filters()
    file_name, content = export.enquiries_export(
        enquiries=queries.inbox_enquiries(request.user, **filters),
        filters=filters,
        by=request.user,
        ip=request_ip(request),
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_GET
@inbox_view
def enquiry_detail(request, reference):
    enquiry = queries.access_enquiry(request.user, reference, ip=request_ip(request))
    timeline = queries.enquiry_timeline(enquiry)
    context = {
        "enquiry": enquiry,
        "timeline": timeline,
        "erasure": queries.erasure(timeline),
        "status_form": StatusForm(offered=queries.next_statuses(enquiry)),
        "note_form": NoteForm(),
    }
    return render(request, "enquiries/inbox/detail.html", context)


def _act(request, reference, form_class, act):
    """Run one staff action on an enquiry from a posted form, then go back to the enquiry.

    `act(enquiry, cleaned_data)` calls the action and returns the success message; a form
    mistake or an ActionError is shown as an error instead.
    """
    enquiry = queries.access_enquiry(request.user, reference, record_view=False)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            messages.success(request, act(enquiry, form.cleaned_data))
        except ActionError as error:
            messages.error(request, str(error))
    return redirect("inbox:detail", reference=enquiry.reference)


@require_POST
@inbox_view
def enquiry_status(request, reference):
    def change(enquiry, data):
        enquiry_change_status(
            enquiry=enquiry, status=data["status"], by=request.user, ip=request_ip(request)
        )
        return _("Marked “%(status)s”.") % {"status": Status(data["status"]).label}

    return _act(request, reference, StatusForm, change)


@require_POST
@inbox_view
def enquiry_note(request, reference):
    def add(enquiry, data):
        enquiry_add_note(
            enquiry=enquiry, text=data["text"], by=request.user, ip=request_ip(request)
        )
        return _("Note added.")

    return _act(request, reference, NoteForm, add)


@require_http_methods(["GET", "POST"])
@inbox_view
def enquiry_erase_view(request, reference):
    showing = request.method == "GET"
    enquiry = queries.access_enquiry(
        request.user, reference, record_view=showing, ip=request_ip(request)
    )
    if showing:
        return render(request, "enquiries/inbox/erase.html", {"enquiry": enquiry})
    try:
        enquiry_erase(
            enquiry=enquiry, by=request.user, reason=ErasureReason.REQUEST, ip=request_ip(request)
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The person's details were erased."))
    return redirect("inbox:detail", reference=enquiry.reference)
