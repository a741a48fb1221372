"""Credentials on the staff pages: "My credentials", adding one (to oneself, or to a staff
member one manages), checking one against its evidence, withdrawing one, and downloading
its evidence.

Who may do what is `credentials.access_holder` and `credentials.access_credential` (404 for
anyone else); the changes and the evidence downloads are audited by `credentials.py`.
"""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.accounts.audit import request_ip

from .credential_forms import CredentialForm
from .credentials import (
    CredentialError,
    access_credential,
    access_holder,
    credential_add,
    credential_check,
    credential_evidence_open,
    credential_withdraw,
    credentials_of,
)
from .permissions import Capability, staff_required


def _holder_page(user, holder) -> str:
    if holder.pk == user.pk:
        return reverse("staff:my_credentials")
    return reverse("staff:detail", kwargs={"user_id": holder.pk})


@require_GET
@staff_required()
def my_credentials(request):
    context = {
        "credentials": credentials_of(request.user, timezone.localdate()),
    }
    return render(request, "clinics/credentials/mine.html", context)


def _add(request, holder):
    form = CredentialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            credential_add(
                holder=holder,
                details=form.details(),
                evidence=form.cleaned_data["evidence"],
                by=request.user,
                ip=request_ip(request),
            )
        except CredentialError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The credential was added."))
            return redirect(_holder_page(request.user, holder))
    context = {"form": form, "holder": holder, "back": _holder_page(request.user, holder)}
    return render(request, "clinics/credentials/add.html", context)


@require_http_methods(["GET", "POST"])
@staff_required()
def my_credential_add(request):
    return _add(request, request.user)


@require_http_methods(["GET", "POST"])
@staff_required(Capability.STAFF)
def staff_credential_add(request, user_id):
    return _add(request, access_holder(request.user, user_id))


@require_POST
@staff_required()
def credential_withdraw_view(request, user_id, credential_id):
    credential = access_credential(request.user, credential_id, holder_id=user_id)
    try:
        credential_withdraw(credential=credential, by=request.user, ip=request_ip(request))
    except CredentialError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("“%(title)s” is withdrawn and no longer counts.") % {"title": credential.title},
        )
    return redirect(_holder_page(request.user, credential.user))


@require_POST
@staff_required()
def credential_check_view(request, user_id, credential_id):
    """Someone who manages the holder records that they checked the credential against its
    evidence; the holder, who sees it but may not check it, is told why (409) and nothing
    changes; anyone else gets a 404."""
    credential = access_credential(request.user, credential_id, holder_id=user_id)
    back = _holder_page(request.user, credential.user)
    try:
        credential_check(credential=credential, by=request.user, ip=request_ip(request))
    except CredentialError as error:
        context = {"credential": credential, "refusal": str(error), "back": back}
        return render(request, "clinics/credentials/refused.html", context, status=409)
    messages.success(
        request, _("“%(title)s” is checked and now counts.") % {"title": credential.title}
    )
    return redirect(back)


@require_GET
@staff_required()
def credential_evidence(request, credential_id):
    credential = access_credential(request.user, credential_id)
    evidence = credential_evidence_open(
        credential=credential, by=request.user, ip=request_ip(request)
    )
    response = FileResponse(
        evidence.file,
        as_attachment=True,
        filename=evidence.filename,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
