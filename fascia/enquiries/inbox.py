"""The staff inbox, a work queue: the list of enquiries with the open alerts above it, one
enquiry, its status, who it is assigned to, when to call back, the calls made, notes and
erasure.

Every view needs a signed-in staff member who handles enquiries in at least one clinic
(`staff_required(Capability.ENQUIRIES)`). A visitor who is not signed in is sent to the
login page, and back here afterwards. Anyone else gets 404, as if the page did not exist,
and so does an enquiry of a clinic the person does not work in, so that references cannot
be probed by trying them.

A call can be logged from a row of the list: without JavaScript the form comes back to the
list; with htmx the row alone is sent back, showing the call.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required

from . import export, queries
from .actions import (
    ActionError,
    ErasureReason,
    assignable_staff,
    enquiry_add_note,
    enquiry_assign,
    enquiry_change_status,
    enquiry_erase,
    enquiry_log_call,
    enquiry_set_callback_due,
)
from .inbox_forms import (
    AssignForm,
    CallbackDueForm,
    CallForm,
    InboxFilterForm,
    NoteForm,
    StatusForm,
)
from .models import CallOutcome, Status

PER_PAGE = 25
FOLDED_FILTERS = ("clinic", "received_from", "received_to", "search")


inbox_view = staff_required(Capability.ENQUIRIES)


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@require_GET
@inbox_view
def enquiry_list(request):
    form = InboxFilterForm(request.GET, clinics=queries.inbox_clinics(request.user))
    filters = form.filters()
    enquiries = queries.inbox_enquiries(request.user, **filters)
    page = Paginator(enquiries, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        # The filters stay folded away unless one the links above the list cannot set is used.
        "filtering": bool(form.errors) or any(filters.get(name) for name in FOLDED_FILTERS),
        "page": page,
        "counts": queries.status_counts(request.user),
        "queue": queries.queue_counts(request.user),
        "alerts": queries.inbox_alerts(request.user),
        "back_to": request.get_full_path(),
    }
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
    colleagues = assignable_staff(enquiry, by=request.user)
    context = {
        "enquiry": enquiry,
        "timeline": timeline,
        "erasure": queries.erasure(timeline),
        "overdue": queries.is_overdue(enquiry),
        "last_outcome": queries.last_outcome(enquiry),
        "status_form": StatusForm(offered=queries.next_statuses(enquiry)),
        "note_form": NoteForm(),
        "call_form": CallForm(),
        "assign_form": AssignForm(
            colleagues=colleagues, initial={"assignee": enquiry.assigned_to_id}
        ),
        "may_take_it": enquiry.assigned_to_id != request.user.pk
        and colleagues.filter(pk=request.user.pk).exists(),
        "callback_form": CallbackDueForm(initial={"callback_due_at": enquiry.callback_due_at}),
    }
    return render(request, "enquiries/inbox/detail.html", context)


def _back(request, enquiry) -> str:
    """Where to go after an action: the inbox list the form was sent from (`next`, when it
    is one), or the enquiry."""
    back = request.POST.get("next", "")
    if back.startswith(reverse("inbox:list")) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back
    return reverse("inbox:detail", args=[enquiry.reference])


def _run(form, act) -> tuple[bool, str]:
    """Validate `form`, then `act(cleaned_data)`: (whether it worked, the message to show)."""
    if not form.is_valid():
        return False, _first_error(form)
    try:
        return True, act(form.cleaned_data)
    except ActionError as error:
        return False, str(error)


def _act(request, reference, form_for, act):
    """Run one staff action on an enquiry from a posted form, then go back (`_back`).

    `form_for(enquiry)` is the bound form; `act(enquiry, cleaned_data)` calls the action
    and returns the success message. A form mistake or an ActionError is shown as an error.
    """
    enquiry = queries.access_enquiry(request.user, reference, record_view=False)
    done, message = _run(form_for(enquiry), lambda data: act(enquiry, data))
    (messages.success if done else messages.error)(request, message)
    return redirect(_back(request, enquiry))


@require_POST
@inbox_view
def enquiry_status(request, reference):
    def change(enquiry, data):
        enquiry_change_status(
            enquiry=enquiry, status=data["status"], by=request.user, ip=request_ip(request)
        )
        return _("Marked “%(status)s”.") % {"status": Status(data["status"]).label}

    return _act(request, reference, lambda enquiry: StatusForm(request.POST), change)


@require_POST
@inbox_view
def enquiry_note(request, reference):
    def add(enquiry, data):
        enquiry_add_note(
            enquiry=enquiry, text=data["text"], by=request.user, ip=request_ip(request)
        )
        return _("Note added.")

    return _act(request, reference, lambda enquiry: NoteForm(request.POST), add)


@require_POST
@inbox_view
def enquiry_assign_view(request, reference):
    def assign(enquiry, data):
        to = data["assignee"]
        enquiry_assign(enquiry=enquiry, to=to, by=request.user, ip=request_ip(request))
        if to is None:
            return _("No one is assigned now.")
        return _("Assigned to %(name)s.") % {"name": queries.display_name(to)}

    def form_for(enquiry):
        return AssignForm(request.POST, colleagues=assignable_staff(enquiry, by=request.user))

    return _act(request, reference, form_for, assign)


@require_POST
@inbox_view
def enquiry_callback_due(request, reference):
    def move(enquiry, data):
        enquiry_set_callback_due(
            enquiry=enquiry,
            due_at=data["callback_due_at"],
            by=request.user,
            ip=request_ip(request),
        )
        return _("The call back time is changed.")

    return _act(request, reference, lambda enquiry: CallbackDueForm(request.POST), move)


@require_POST
@inbox_view
def enquiry_call(request, reference):
    """Log a call; from a row of the list with htmx, answer with that row alone."""
    enquiry = queries.access_enquiry(request.user, reference, record_view=False)

    def log(data):
        enquiry_log_call(enquiry=enquiry, by=request.user, ip=request_ip(request), **data)
        return _("Call logged: “%(outcome)s”.") % {"outcome": CallOutcome(data["outcome"]).label}

    done, message = _run(CallForm(request.POST), log)
    if request.headers.get("HX-Request") == "true":
        context = {
            "enquiry": queries.queue_row(request.user, enquiry),
            "back_to": _back(request, enquiry),
            "row_message": message,
            "row_error": not done,
        }
        return render(request, "enquiries/inbox/includes/row.html", context)
    (messages.success if done else messages.error)(request, message)
    return redirect(_back(request, enquiry))


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
