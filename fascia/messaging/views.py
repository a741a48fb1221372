"""Staff pages: messages needing attention, one message, and what is done about it.

Contact work (Capability.CONTACTS in the message's clinic; anyone else gets a 404): see
`fascia.messaging.attention`, whose actions write the audit events.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fascia.accounts.audit import request_ip
from fascia.clinics.permissions import Capability, staff_required
from fascia.records.actions import ActionError

from .attention import (
    access_message,
    message_resolve,
    message_retry,
    needing_attention,
    view_message,
)
from .forms import ResolveForm

contacts_view = staff_required(Capability.CONTACTS)
LIST_LENGTH = 200


@require_GET
@contacts_view
def attention(request):
    waiting = needing_attention(request.user)
    context = {"messages_shown": list(waiting[:LIST_LENGTH]), "count": waiting.count()}
    return render(request, "messaging/attention.html", context)


def _message_page(request, message, *, form=None, status=200):
    context = {"message": message, "patient": message.patient, "form": form or ResolveForm()}
    return render(request, "messaging/detail.html", context, status=status)


@require_GET
@contacts_view
def message_detail(request, message_id):
    return _message_page(request, view_message(request.user, message_id, ip=request_ip(request)))


@require_POST
@contacts_view
def retry(request, message_id):
    message = access_message(request.user, message_id)
    try:
        message_retry(message, by=request.user, ip=request_ip(request))
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The message will be sent again in a moment."))
    return redirect("outbox:message", message_id=message.pk)


@require_POST
@contacts_view
def resolve(request, message_id):
    message = access_message(request.user, message_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _message_page(request, message, form=form, status=400)
    try:
        message_resolve(
            message, note=form.cleaned_data["note"], by=request.user, ip=request_ip(request)
        )
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("outbox:message", message_id=message.pk)
    messages.success(request, _("The message is marked as dealt with."))
    return redirect("outbox:attention")


urlpatterns = [
    path("messages/", attention, name="attention"),
    path("messages/<int:message_id>/", message_detail, name="message"),
    path("messages/<int:message_id>/retry/", retry, name="retry"),
    path("messages/<int:message_id>/resolve/", resolve, name="resolve"),
]
