"""The inbox list as a CSV file that is safe to open in a spreadsheet.

Spreadsheet programs treat a cell that begins with =, +, - or @ (and, in some, a tab or a
carriage return) as a formula: a name typed on the public form as `=HYPERLINK(...)` would
become a live link, or worse, on a colleague's computer. Every such cell is written with a
leading apostrophe, which spreadsheets show as plain text. That includes every phone
number, since they are stored in E.164 form and begin with "+": +918951047001 is written
as '+918951047001. Anyone reading the file with a program rather than a spreadsheet
removes that one leading apostrophe to get the number back.

The file is UTF-8 with a byte-order mark, so that Excel shows names written in Indian
scripts correctly. The message is left out on purpose: it is health data, and like the
staff email (see `tasks.py`) the file leaves it in Fascia.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import events
from .models import Enquiry

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """The cell text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _header() -> list[str]:
    return [
        _("Reference"),
        _("Received"),
        _("Status"),
        _("Name"),
        _("Phone"),
        _("Kind of number"),
        _("Email"),
        _("Clinic"),
        _("Preferred time to call"),
        _("Sent from"),
        _("Why it was judged spam"),
        _("Erased"),
    ]


def _row(enquiry: Enquiry) -> list[str]:
    return [
        enquiry.reference,
        _local(enquiry.created_at),
        enquiry.get_status_display(),
        _("(erased)") if enquiry.is_erased else enquiry.name,
        enquiry.phone.as_e164 if enquiry.phone else "",
        enquiry.get_phone_kind_display(),
        enquiry.email,
        enquiry.clinic.name if enquiry.clinic else _("Either clinic"),
        enquiry.get_preferred_time_display(),
        enquiry.source_title,
        enquiry.spam_reason,
        _local(enquiry.erased_at),
    ]


def _csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([neutralise(str(cell)) for cell in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def _filters_for_the_record(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters, fit for the audit trail: dates as text, and whether there was a search.

    The search text is replaced by True or False: it may be a person's name or number, and
    the audit trail holds no personal data. The references of the exported rows say exactly
    what was exported.
    """
    recorded = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in filters.items()
        if value
    }
    return recorded | {"search": bool(filters.get("search"))}


def enquiries_export(
    *, enquiries: QuerySet[Enquiry], filters: Mapping[str, Any], by, ip: str | None = None
) -> tuple[str, str]:
    """The CSV file of `enquiries` as (file name, content), with the export recorded.

    The audit event says who exported, with which filters, how many rows and which ones;
    it is in the audit chain of the clinic the list was filtered to, if it was.
    """
    rows = list(enquiries)
    clinic = str(filters.get("clinic") or "")
    events.enquiries_exported(
        by=by,
        references=[enquiry.reference for enquiry in rows],
        filters=_filters_for_the_record(filters),
        clinic=int(clinic) if clinic.isdigit() else None,
        ip=ip,
    )
    file_name = f"enquiries-{timezone.localdate():%Y-%m-%d}.csv"
    return file_name, _csv([_header(), *(_row(enquiry) for enquiry in rows)])
