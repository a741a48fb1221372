"""Staff pages: adverse events of treatment sessions, and the clinic's register.

Clinical pages (Capability.CLINICAL in the session's clinic, or somewhere for the register;
anyone else gets a 404). Viewing an event and the register are audited; the changes are
audited by their actions (`fascia.treatment.adverse_events`).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.records.actions import ActionError
from fascia.records.screening import pathway_of

from ..adverse_events import (
    RegisterFilters,
    access_adverse_event,
    adverse_event_confirm,
    adverse_event_dismiss,
    adverse_event_record,
    adverse_event_register,
    default_period,
    event_types,
    register_clinics,
    register_pathway,
    session_for_adverse_event,
    severities,
    view_adverse_event,
)
from ..forms.adverse_events import AdverseEventForm, DismissForm, RegisterFilterForm
from ..models import AdverseEventStatus

clinical_view = staff_required(Capability.CLINICAL)


@require_http_methods(["GET", "POST"])
@clinical_view
def adverse_event_new(request, session_id):
    session = session_for_adverse_event(request.user, session_id, ip=request_ip(request))
    pathway = pathway_of(session.episode)
    form = AdverseEventForm(request.POST or None, pathway=pathway, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            adverse_event_record(
                session=session, details=form.details(), by=request.user, ip=request_ip(request)
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The adverse event was recorded."))
            return redirect("treatment:session", session_id=session.pk)
    context = {
        "session": session,
        "episode": session.episode,
        "patient": session.episode.patient,
        "form": form,
        "kinds": event_types(pathway),
    }
    return render(request, "treatment/adverse_events/new.html", context)


def _event_page(request, event_id, *, form=None, dismiss_form=None, status=200):
    """The event (its view audited), with a posted form in place of its blank one."""
    event = view_adverse_event(request.user, event_id, ip=request_ip(request))
    pathway = pathway_of(event.session.episode)
    is_draft = event.status == AdverseEventStatus.DRAFT
    context = {
        "event": event,
        "session": event.session,
        "episode": event.session.episode,
        "patient": event.session.episode.patient,
        "kind": event_types(pathway).get(event.kind),
        "severity": severities(pathway).get(event.severity),
        "form": form
        or (
            AdverseEventForm(
                initial=AdverseEventForm.initial_of(event), pathway=pathway, session=event.session
            )
            if is_draft
            else None
        ),
        "dismiss_form": dismiss_form or (DismissForm() if is_draft else None),
    }
    return render(request, "treatment/adverse_events/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@clinical_view
def adverse_event_detail(request, event_id):
    """The event; a draft is confirmed (and may be corrected) by posting its form here."""
    if request.method == "GET":
        return _event_page(request, event_id)
    event = access_adverse_event(request.user, event_id)
    form = AdverseEventForm(
        request.POST, pathway=pathway_of(event.session.episode), session=event.session
    )
    if form.is_valid():
        try:
            adverse_event_confirm(
                event=event, details=form.details(), by=request.user, ip=request_ip(request)
            )
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The adverse event was confirmed."))
        return redirect("treatment:adverse_event", event_id=event.pk)
    return _event_page(request, event.pk, form=form, status=400)


@require_POST
@clinical_view
def adverse_event_dismiss_view(request, event_id):
    event = access_adverse_event(request.user, event_id)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return _event_page(request, event.pk, dismiss_form=form, status=400)
    try:
        adverse_event_dismiss(
            event=event, reason=form.cleaned_data["reason"], by=request.user, ip=request_ip(request)
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The draft was dismissed: it is not an adverse event."))
    return redirect("treatment:adverse_event", event_id=event.pk)


@require_GET
@clinical_view
def register(request):
    pathway = register_pathway()
    clinics = register_clinics(request.user)
    start, end = default_period(timezone.localdate())
    filtered = set(request.GET) - {"page"}
    form = RegisterFilterForm(
        request.GET if filtered else None,
        initial={"start": start, "end": end},
        pathway=pathway,
        clinics=clinics,
    )
    shown = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {"start": start, "end": end}
        chosen = data.get("clinic")
        filters = RegisterFilters(
            clinics=(chosen,) if chosen else tuple(clinics),
            start=data["start"],
            end=data["end"],
            kind=data.get("kind", ""),
            severity=data.get("severity", ""),
        )
        shown = adverse_event_register(
            request.user, filters, page=request.GET.get("page", 1), ip=request_ip(request)
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "register": shown, "query": query.urlencode()}
    return render(
        request, "treatment/adverse_events/register.html", context, status=200 if shown else 400
    )


urlpatterns = [
    path("adverse-events/", register, name="adverse_events"),
    path("adverse-events/<int:event_id>/", adverse_event_detail, name="adverse_event"),
    path(
        "adverse-events/<int:event_id>/dismiss/",
        adverse_event_dismiss_view,
        name="adverse_event_dismiss",
    ),
    path(
        "sessions/<int:session_id>/adverse-events/new/",
        adverse_event_new,
        name="adverse_event_new",
    ),
]
