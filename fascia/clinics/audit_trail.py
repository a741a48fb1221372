"""The audit trail as clinic managers and administrators read it (/app/audit/).

A manager reads the chains of the clinics they manage (Capability.AUDIT comes with the
clinic manager's role); an administrator reads every chain, the organisation's (staff
accounts, sign-ins) included. Filters: who, what, when, which patient, which clinic. The
action names are shown in words (`ACTION_LABELS`, the one place they are worded).
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.accounts import audit
from fascia.accounts.models import ORGANISATION_CHAIN, AuditChain, AuditEvent, User

from . import events
from .models import Clinic, Membership
from .permissions import Capability, active_staff, clinic_ids_for

ACTION_LABELS = {
    "access.refused": _("Refused a record (not theirs to see)"),
    "audit.viewed": _("Read the audit trail"),
    "audit.exported": _("Exported the audit trail"),
    "patient.created": _("Registered a patient"),
    "patient.updated": _("Changed a patient's details"),
    "patient.viewed": _("Opened a patient's details"),
    "patient.searched": _("Searched for patients"),
    "patient.exported": _("Exported a patient's data"),
    "patient.erased": _("Erased a patient's data"),
    "patient.contact_refused": _("Message not sent: no consent to be contacted"),
    "contact_consent.given": _("Recorded consent to be contacted"),
    "contact_consent.withdrawn": _("Recorded a withdrawal of consent to be contacted"),
    "amendment.recorded": _("Attached a correction to a clinical record"),
    "data_request.recorded": _("Recorded a request about a patient's data"),
    "data_request.closed": _("Settled a request about a patient's data"),
    "episode.opened": _("Opened an episode"),
    "episode.viewed": _("Opened an episode page"),
    "episode.status_changed": _("Moved an episode on"),
    "episode.discharged": _("Discharged an episode"),
    "patient_link.created": _("Made a private link"),
    "patient_link.sent": _("Sent a private link"),
    "patient_link.opened": _("Patient opened a private link"),
    "patient_link.revoked": _("Revoked a private link"),
    "patient_link.answers_saved": _("Patient saved answers"),
    "patient_link.completed": _("Patient finished a private link"),
    "screening.saved": _("Saved a screening"),
    "screening.completed": _("Completed a screening"),
    "screening.viewed": _("Read a screening"),
    "screening.judgement_recorded": _("Recorded a clinical judgement"),
    "alert.raised": _("Alert raised"),
    "alert.acknowledged": _("Acknowledged an alert"),
    "assessment.recorded": _("Recorded an assessment"),
    "assessment.viewed": _("Read an assessment"),
    "measurement.recorded": _("Recorded a measure"),
    "consent.recorded": _("Recorded consent"),
    "consent.viewed": _("Read a consent"),
    "consent.withdrawn": _("Recorded a withdrawal of consent"),
    "enquiry.received": _("Enquiry received"),
    "enquiry.viewed": _("Opened an enquiry"),
    "enquiry.status_changed": _("Changed an enquiry's status"),
    "enquiry.note_added": _("Added a note to an enquiry"),
    "enquiry.exported": _("Exported enquiries"),
    "enquiry.erased": _("Erased an enquiry"),
    "enquiry.converted": _("Made an enquiry a patient's episode"),
    "signin.failed": _("Failed sign-in"),
    "staff.invited": _("Invited a staff member"),
    "staff.deactivated": _("Deactivated an account"),
    "staff.reactivated": _("Reactivated an account"),
    "staff.membership_granted": _("Gave a role"),
    "staff.membership_revoked": _("Took a role away"),
    "staff.organisation_role_changed": _("Changed an organisation role"),
    "clinic.updated": _("Changed a clinic's details"),
    "treatment_session.viewed": _("Opened a treatment session"),
    "treatment_session.signed": _("Signed a treatment session"),
}


def action_label(action: str) -> str:
    """The action in words; an action without a label of its own is read from its name
    ("care_plan.updated": "Care plan: updated")."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    kind, _dot, verb = action.partition(".")
    return f"{kind.replace('_', ' ').capitalize()}: {verb.replace('_', ' ')}"


def record_label(target_type: str) -> str:
    """The kind of record in words ("records.patient": "Patient")."""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name).capitalize()


PAGE_SIZE = 50


@dataclass(frozen=True)
class Scope:
    """The chains one reader may read."""

    clinics: list[Clinic]
    everything: bool
    """An administrator: every chain, the organisation's included."""

    def events(self) -> QuerySet[AuditEvent]:
        events = AuditEvent.objects.select_related("actor")
        if self.everything:
            return events
        return events.filter(clinic_id__in=[clinic.pk for clinic in self.clinics])

    def by_id(self) -> dict[int, Clinic]:
        return {clinic.pk: clinic for clinic in self.clinics}

    def chains(self) -> list[int]:
        ids = [clinic.pk for clinic in self.clinics]
        return [ORGANISATION_CHAIN, *ids] if self.everything else ids


def scope_for(user: object) -> Scope:
    staff = active_staff(user)
    everything = staff is not None and staff.is_administrator
    clinics = Clinic.objects.order_by("name")
    if not everything:
        clinics = clinics.filter(pk__in=clinic_ids_for(user, Capability.AUDIT))
    return Scope(clinics=list(clinics), everything=everything)


class AuditFilterForm(forms.Form):
    who = forms.ModelChoiceField(
        label=_("Who"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    action = forms.ChoiceField(label=_("What"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    patient = forms.IntegerField(label=_("Patient number"), required=False, min_value=1)
    clinic = forms.ModelChoiceField(
        label=_("Clinic"), queryset=Clinic.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(clinic__in=scope.clinics).values("user_id")
        people = User.objects.all() if scope.everything else User.objects.filter(pk__in=members)
        self.fields["who"].queryset = people
        self.fields["clinic"].queryset = Clinic.objects.filter(
            pk__in=[clinic.pk for clinic in scope.clinics]
        ).order_by("name")
        actions = sorted(ACTION_LABELS.items(), key=lambda item: str(item[1]))
        self.fields["action"].choices = [("", _("Anything")), *actions]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("“To” must be on or after “From”."))
        return data

    def filters(self) -> dict[str, str]:
        """What the trail was filtered by, as ids and dates (for the audit event)."""
        return {
            name: str(value.pk if hasattr(value, "pk") else value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(scope: Scope, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """The events `scope` may read, narrowed by `form` (valid, or unbound for no filter),
    newest first."""
    data = form.cleaned_data if form.is_bound else {}
    conditions = Q()
    if data.get("who"):
        conditions &= Q(actor=data["who"])
    if data.get("action"):
        conditions &= Q(action=data["action"])
    if data.get("since"):
        conditions &= Q(at__gte=_start_of(data["since"]))
    if data.get("until"):
        conditions &= Q(at__lt=_start_of(data["until"] + timedelta(days=1)))
    if data.get("patient"):
        conditions &= Q(patient_id=data["patient"])
    if data.get("clinic"):
        conditions &= Q(clinic_id=data["clinic"].pk)
    return scope.events().filter(conditions).order_by("-at", "-pk")


def heads(scope: Scope) -> list[tuple[AuditChain, Clinic | None]]:
    """The head of each chain in `scope` (its last sequence number and hash), with its
    clinic (None for the organisation's chain)."""
    clinics = scope.by_id()
    chains = AuditChain.objects.filter(chain__in=scope.chains()).order_by("chain")
    return [(head, clinics.get(head.chain)) for head in chains]


@dataclass(frozen=True)
class Reading:
    """What one reader asked for: the chains they may read, the filters they sent (unbound
    when none were) and the events these give (none while the filters have errors)."""

    scope: Scope
    form: AuditFilterForm
    events: QuerySet[AuditEvent]

    @property
    def filters(self) -> dict[str, str]:
        return self.form.filters() if self.form.is_valid() else {}

    @property
    def patient(self) -> int | None:
        """The patient whose record's trail was asked for, if one was."""
        return self.form.cleaned_data.get("patient") if self.form.is_valid() else None

    @property
    def chain(self) -> int | None:
        """The clinic whose chain records the reading: the one filtered by, or the
        reader's only clinic; otherwise the organisation's chain."""
        chosen = self.form.cleaned_data.get("clinic") if self.form.is_valid() else None
        if chosen is not None:
            return int(chosen.pk)
        if len(self.scope.clinics) == 1 and not self.scope.everything:
            return int(self.scope.clinics[0].pk)
        return None


def reading(user: object, query: QueryDict) -> Reading:
    scope = scope_for(user)
    sent = query.keys() - {"page"}
    form = AuditFilterForm(query if sent else None, scope=scope)
    rows = filtered(scope, form) if form.is_valid() or not sent else AuditEvent.objects.none()
    return Reading(scope, form, rows)


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    action: str
    record: str
    clinic: Clinic | None


def view_page(asked: Reading, number: str | None, *, by: User, ip: str | None) -> Page:
    """One page of the events asked for, each an `Entry`, recorded as read (`audit.viewed`):
    one query for the page and one for the count."""
    page = Paginator(asked.events, PAGE_SIZE).get_page(number)
    clinics = asked.scope.by_id()
    page.object_list = [
        Entry(
            event,
            action_label(event.action),
            record_label(event.target_type),
            clinics.get(event.clinic_id),
        )
        for event in page.object_list
    ]
    with transaction.atomic():
        events.audit_viewed(
            by=by,
            clinic=asked.chain,
            filters=asked.filters,
            rows=len(page.object_list),
            ip=ip,
            patient=asked.patient,
        )
    return page


CSV_COLUMNS = (
    _("when"),
    _("who"),
    _("action"),
    _("in words"),
    _("record type"),
    _("record id"),
    _("clinic"),
    _("patient"),
    _("address"),
    _("detail"),
)
# A spreadsheet runs a cell that begins with one of these as a formula (see
# fascia/enquiries/export.py): such cells get a leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def export(asked: Reading, *, by: User, ip: str | None) -> tuple[str, str]:
    """(file name, CSV text) of every event asked for, recorded as `audit.exported`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(str(column) for column in CSV_COLUMNS)
    count = 0
    for event in asked.events.iterator(chunk_size=2000):
        count += 1
        writer.writerow(
            _cell(value)
            for value in (
                timezone.localtime(event.at).isoformat(),
                event.actor.username if event.actor else "",
                event.action,
                action_label(event.action),
                event.target_type,
                event.target_id,
                event.clinic_id or "",
                event.patient_id or "",
                event.ip or "",
                json.dumps(event.detail, sort_keys=True, ensure_ascii=False),
            )
        )
    with transaction.atomic():
        events.audit_exported(
            by=by,
            clinic=asked.chain,
            filters=asked.filters,
            rows=count,
            ip=ip,
            patient=asked.patient,
        )
    return f"audit-trail-{timezone.localtime():%Y%m%d-%H%M}.csv", out.getvalue()


def breaks_for(scope: Scope) -> list[tuple[audit.Break, Clinic | None]]:
    """Check every chain now (`manage.py audit verify`); the first break of each chain
    `scope` may read, with its clinic."""
    clinics = scope.by_id()
    mine = set(scope.chains())
    return [(item, clinics.get(item.chain)) for item in audit.verify().breaks if item.chain in mine]
