"""The audit trail pages (/app/audit/): read, filter, export and check the chains.

Managers read their clinics' chains, administrators every chain (`audit_trail.scope_for`);
anyone else gets 404. Reading a page and exporting are audited themselves
(`audit.viewed`, `audit.exported`).
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fascia.accounts.audit import request_ip

from . import audit_trail
from .permissions import Capability, staff_required


@require_GET
@staff_required(Capability.AUDIT)
def audit_list(request):
    asked = audit_trail.reading(request.user, request.GET)
    page = audit_trail.view_page(
        asked, request.GET.get("page"), by=request.user, ip=request_ip(request)
    )
    context = {"form": asked.form, "page": page, "heads": audit_trail.heads(asked.scope)}
    status = 400 if asked.form.is_bound and not asked.form.is_valid() else 200
    return render(request, "clinics/audit/list.html", context, status=status)


@require_GET
@staff_required(Capability.AUDIT)
def audit_export(request):
    """The filtered events as CSV, every page of them."""
    asked = audit_trail.reading(request.user, request.GET)
    file_name, content = audit_trail.export(asked, by=request.user, ip=request_ip(request))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_GET
@staff_required(Capability.AUDIT)
def audit_verify(request):
    scope = audit_trail.scope_for(request.user)
    context = {"breaks": audit_trail.breaks_for(scope), "heads": audit_trail.heads(scope)}
    return render(request, "clinics/audit/verify.html", context)
