"""The staff inbox: the list of enquiries, one enquiry, its status, notes and erasure.

Every view needs a signed-in, active staff member (`staff_required`). A visitor who is
not signed in is sent to the login page, and back here afterwards. Someone signed in
without staff access gets 404, as if the page did not exist, so that enquiry references
cannot be probed by trying them.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not queries.can_use_inbox(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@require_GET
@staff_required
def enquiry_list(request):
    form = InboxFilterForm(request.GET, clinics=queries.inbox_clinics())
    enquiries = queries.inbox_enquiries(**form.filters())
    page = Paginator(enquiries, PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "counts": queries.status_counts()}
    return render(request, "enquiries/inbox/list.html", context)


@require_GET
@staff_required
def enquiry_export(request):
    form = InboxFilterForm(request.GET, clinics=queries.inbox_clinics())
    filters = form.filters()
    file_name, content = export.enquiries_export(
        enquiries=queries.inbox_enquiries(**filters), filters=filters, by=request.user
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_GET
@staff_required
def enquiry_detail(request, reference):
    enquiry = queries.access_enquiry(request.user, reference)
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
@staff_required
def enquiry_status(request, reference):
    def change(enquiry, data):
        enquiry_change_status(enquiry=enquiry, status=data["status"], by=request.user)
        return _("Marked “%(status)s”.") % {"status": Status(data["status"]).label}

    return _act(request, reference, StatusForm, change)


@require_POST
@staff_required
def enquiry_note(request, reference):
    def add(enquiry, data):
        enquiry_add_note(enquiry=enquiry, text=data["text"], by=request.user)
        return _("Note added.")

    return _act(request, reference, NoteForm, add)


@require_http_methods(["GET", "POST"])
@staff_required
def enquiry_erase_view(request, reference):
    showing = request.method == "GET"
    enquiry = queries.access_enquiry(request.user, reference, record_view=showing)
    if showing:
        return render(request, "enquiries/inbox/erase.html", {"enquiry": enquiry})
    try:
        enquiry_erase(enquiry=enquiry, by=request.user, reason=ErasureReason.REQUEST)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The person's details were erased."))
    return redirect("inbox:detail", reference=enquiry.reference)
