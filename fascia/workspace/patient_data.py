"""Everything about a patient, gathered once and given as a readable PDF or as JSON (the
right of access, DPDP Act 2023 s. 11), and the erasure of a person with no clinical record
(s. 12), which also erases the enquiries that became their episodes.

The workspace sits above records, treatment and enquiries, so it can gather them all. The
gathered structure (`PatientExport`) is one tree of `Record`s, each with every stored field
of its row by name, and both formats are made from it:

- **JSON** (`export_json`): `{"format": "fascia-patient-export/1", "generated_at", "generated_by",
  "complete", "episodes_elsewhere", "patient": {...}, "contact_consents": [...],
  "amendments": [...], "data_requests": [...], "episodes": [{..., "enquiries": [{...,
  "notes", "calls"}], "screenings": [{..., "judgements"}], "assessments": [{...,
  "trigger_points"}], "consents", "measurements", "alerts", "private_links",
  "treatment_sessions": [{..., "insertions", "components", "needle_incidents", "addenda",
  "adverse_events"}], "care_plans": [{..., "goals", "components"}], "exercise_programmes":
  [{..., "exercises": [{..., "done"}]}], "discharges"}]}`. Keys are the fields' names; staff
  are named, other rows referred to by id; times are ISO 8601 in UTC, dates ISO 8601,
  decimals strings. Secrets are left out (hashes of link tokens, the enquiry's keys).
- **PDF** (`export_pdf`, WeasyPrint): the same rows with the fields' labels, times in the
  clinic's time zone, choices in words. Nothing is fetched from outside (`local_only`).

Who may make a copy (`access_patient_export`): someone with Capability.CLINICAL in a clinic
where the patient is registered or has an episode; the front desk never does. The copy holds
the episodes of the clinics where the maker has Capability.CLINICAL; `complete` says whether
that is all of them and `episodes_elsewhere` how many are not. Making one is audited
(`patient.exported`) in the same transaction as, when the patient asked for it, the access
request recorded as done.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.staticfiles import finders
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.clinics.permissions import Capability, can, clinic_ids_for
from fascia.enquiries.actions import ErasureReason, enquiry_erase
from fascia.enquiries.models import CallAttempt, Enquiry, Note
from fascia.records import data_rights, events
from fascia.records.models import (
    Alert,
    Amendment,
    Assessment,
    ClinicalJudgement,
    Consent,
    ContactConsent,
    DataRequest,
    DataRequestKind,
    DataRequestOutcome,
    Measurement,
    Patient,
    PatientLink,
    Screening,
    TriggerPoint,
)
from fascia.records.queries import access_patient
from fascia.treatment.models import (
    AdverseEvent,
    CarePlan,
    CarePlanComponent,
    CarePlanGoal,
    Discharge,
    ExerciseDone,
    ExerciseProgramme,
    NeedleIncident,
    NeedleInsertion,
    ProgrammeExercise,
    SessionAddendum,
    SessionComponent,
    TreatmentSession,
)

FORMAT = "fascia-patient-export/1"
STYLESHEET = "css/patient-export.css"

# Fields never given out: hashes of private-link tokens, the enquiry form's keys.
SECRET_FIELDS = frozenset({"token_sha256", "idempotency_key", "form_key"})


@dataclass(frozen=True)
class Kind:
    """A kind of row in the copy: its key, its model, the field naming its parent row."""

    key: str
    model: type[models.Model]
    parent: str
    children: tuple["Kind", ...] = ()


EPISODE_KINDS = (
    Kind(
        "enquiries",
        Enquiry,
        "episode",
        (Kind("notes", Note, "enquiry"), Kind("calls", CallAttempt, "enquiry")),
    ),
    Kind("screenings", Screening, "episode", (Kind("judgements", ClinicalJudgement, "screening"),)),
    Kind(
        "assessments", Assessment, "episode", (Kind("trigger_points", TriggerPoint, "assessment"),)
    ),
    Kind("consents", Consent, "episode"),
    Kind("measurements", Measurement, "episode"),
    Kind("alerts", Alert, "episode"),
    Kind("private_links", PatientLink, "episode"),
    Kind(
        "treatment_sessions",
        TreatmentSession,
        "episode",
        (
            Kind("insertions", NeedleInsertion, "session"),
            Kind("components", SessionComponent, "session"),
            Kind("needle_incidents", NeedleIncident, "session"),
            Kind("addenda", SessionAddendum, "session"),
            Kind("adverse_events", AdverseEvent, "session"),
        ),
    ),
    Kind(
        "care_plans",
        CarePlan,
        "episode",
        (Kind("goals", CarePlanGoal, "plan"), Kind("components", CarePlanComponent, "plan")),
    ),
    Kind(
        "exercise_programmes",
        ExerciseProgramme,
        "episode",
        (
            Kind(
                "exercises",
                ProgrammeExercise,
                "programme",
                (Kind("done", ExerciseDone, "exercise"),),
            ),
        ),
    ),
    Kind("discharges", Discharge, "episode"),
)
PATIENT_KINDS = (
    Kind("contact_consents", ContactConsent, "patient"),
    Kind("amendments", Amendment, "patient"),
    Kind("data_requests", DataRequest, "patient"),
)


@dataclass
class Record:
    """One row: its fields by name (values as stored, staff by name, clinics by name, other
    rows by id), and its own rows by kind."""

    title: str
    values: dict[str, Any]
    labels: dict[str, str]
    words: dict[str, str]
    """Values that are choices, in words (the PDF shows these)."""
    children: dict[str, list["Record"]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.values,
            **{key: [row.as_json() for row in rows] for key, rows in self.children.items()},
        }

    def lines(self) -> list[tuple[str, str]]:
        """(label, value in words) for each field, for the PDF."""
        return [
            (self.labels[name], self.words.get(name) or _in_words(value))
            for name, value in self.values.items()
        ]

    def sections(self) -> list[tuple[str, list["Record"]]]:
        return [(_kind_title(key), rows) for key, rows in self.children.items()]


@dataclass
class PatientExport:
    patient: Record
    kinds: dict[str, list[Record]]
    episodes: list[Record]
    complete: bool
    episodes_elsewhere: int
    generated_at: datetime
    generated_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generated_at": self.generated_at,
            "generated_by": self.generated_by,
            "complete": self.complete,
            "episodes_elsewhere": self.episodes_elsewhere,
            "patient": self.patient.as_json(),
            **{key: [row.as_json() for row in rows] for key, rows in self.kinds.items()},
            "episodes": [row.as_json() for row in self.episodes],
        }


def _kind_title(key: str) -> str:
    return capfirst(key.replace("_", " "))


def _in_words(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, date):
        return date_format(value, "j M Y")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder) if value else "—"
    return str(value)


class _Names:
    """Staff and clinics by name, each looked up once."""

    def __init__(self) -> None:
        self.users: dict[int, str] = {}
        self.clinics: dict[int, str] = {}

    def user(self, pk: int) -> str:
        if pk not in self.users:
            user = User.objects.get(pk=pk)
            self.users[pk] = user.get_full_name() or user.get_username()
        return self.users[pk]

    def clinic(self, pk: int) -> str:
        if pk not in self.clinics:
            self.clinics[pk] = Clinic.objects.get(pk=pk).name
        return self.clinics[pk]


def _record(row: models.Model, names: _Names, *, leave_out: str = "") -> Record:
    values: dict[str, Any] = {}
    labels: dict[str, str] = {}
    words: dict[str, str] = {}
    for f in row._meta.concrete_fields:
        if f.name in SECRET_FIELDS or f.name == leave_out:
            continue
        value = getattr(row, f.attname)
        if f.is_relation and value is not None:
            if f.related_model is User:
                value = names.user(value)
            elif f.related_model is Clinic:
                value = names.clinic(value)
        elif f.choices and value:
            words[f.name] = str(dict(f.flatchoices).get(value, value))
        if hasattr(value, "as_e164"):
            value = value.as_e164
        values[f.name] = value
        labels[f.name] = capfirst(str(f.verbose_name))
    return Record(
        title=capfirst(str(row._meta.verbose_name)), values=values, labels=labels, words=words
    )


def _gather(kinds: Iterable[Kind], parents: list[tuple[int, Record]], names: _Names) -> None:
    """Attach to each parent record its rows of each kind: one query per kind."""
    ids = [pk for pk, _record_ in parents]
    for kind in kinds:
        rows: dict[int, list[tuple[int, Record]]] = defaultdict(list)
        parent_field = kind.model._meta.get_field(kind.parent)
        for row in kind.model.objects.filter(**{f"{kind.parent}__in": ids}).order_by("pk"):
            rows[getattr(row, parent_field.attname)].append(
                (row.pk, _record(row, names, leave_out=kind.parent))
            )
        for pk, parent in parents:
            parent.children[kind.key] = [record for _pk, record in rows[pk]]
        if kind.children:
            _gather(kind.children, [entry for entries in rows.values() for entry in entries], names)


def access_patient_export(user: object, patient_id: int) -> Patient:
    """The patient if `user` may make a copy of their record: Capability.CLINICAL in a clinic
    where they are registered or have an episode. 404 otherwise."""
    patient = access_patient(user, patient_id)
    clinics = {patient.clinic_id, *patient.episodes.values_list("clinic_id", flat=True)}
    if not any(can(user, Capability.CLINICAL, clinic) for clinic in clinics):
        raise Http404
    return patient


def gather(patient: Patient, *, user: User) -> PatientExport:
    """Everything about `patient` that `user` may see clinically, as one structure."""
    names = _Names()
    record = _record(patient, names)
    patient_kinds: list[tuple[int, Record]] = [(patient.pk, record)]
    _gather(PATIENT_KINDS, patient_kinds, names)
    kinds = record.children
    record.children = {}
    mine = clinic_ids_for(user, Capability.CLINICAL)
    episodes = list(patient.episodes.order_by("opened_on", "pk"))
    shown = [
        (e.pk, _record(e, names, leave_out="patient")) for e in episodes if e.clinic_id in mine
    ]
    _gather(EPISODE_KINDS, shown, names)
    return PatientExport(
        patient=record,
        kinds=kinds,
        episodes=[r for _pk, r in shown],
        complete=len(shown) == len(episodes),
        episodes_elsewhere=len(episodes) - len(shown),
        generated_at=timezone.now(),
        generated_by=user.get_full_name() or user.get_username(),
    )


def export_json(export: PatientExport) -> bytes:
    return json.dumps(
        export.as_json(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    ).encode()


def local_only(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: the copy fetches nothing, from anywhere."""
    raise ValueError(f"The patient's copy fetches nothing: {url!r} refused")


def export_pdf(export: PatientExport) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(
        "workspace/data/export_pdf.html",
        {
            "export": export,
            "sections": [(_kind_title(key), rows) for key, rows in export.kinds.items()],
        },
    )
    stylesheet = CSS(filename=finders.find(STYLESHEET), url_fetcher=local_only)
    return HTML(string=html, url_fetcher=local_only).write_pdf(stylesheets=[stylesheet])


@dataclass(frozen=True)
class Copy:
    content: bytes
    content_type: str
    filename: str


FORMATS = {
    "pdf": (export_pdf, "application/pdf"),
    "json": (export_json, "application/json"),
}


def patient_export(
    patient: Patient, *, user: User, fmt: str, requested_by_patient: bool, ip: str | None
) -> Copy:
    """Make the copy of everything in `fmt` ("pdf" or "json"), audited as an export; when the
    patient asked for it, their access request is recorded as done with it."""
    make, content_type = FORMATS[fmt]
    with transaction.atomic():
        if requested_by_patient:
            data_rights.data_request_record(
                patient,
                kind=DataRequestKind.ACCESS,
                outcome=DataRequestOutcome.DONE,
                reason=_("A copy of everything was made (%(format)s).") % {"format": fmt.upper()},
                by=user,
                ip=ip,
            )
        export = gather(patient, user=user)
        events.record(
            events.PATIENT_EXPORTED,
            patient,
            about=patient,
            by=user,
            ip=ip,
            detail={
                "format": fmt,
                "episodes": [row.values["id"] for row in export.episodes],
                "complete": export.complete,
            },
        )
    stamp = timezone.localtime(export.generated_at).strftime("%Y%m%d-%H%M")
    name = slugify(patient.full_name) or "patient"
    return Copy(make(export), content_type, f"{name}-{patient.pk}-{stamp}.{fmt}")


def patient_erase(patient: Patient, *, by: User, ip: str | None) -> DataRequest:
    """Erase a person who has no clinical record, and the enquiries that became their
    episodes; or, if they have one, record the refused request (`data_rights`)."""
    with transaction.atomic():
        request = data_rights.patient_anonymise(patient, by=by, ip=ip)
        if request.outcome == DataRequestOutcome.DONE:
            for enquiry in Enquiry.objects.filter(episode__patient=patient, erased_at__isnull=True):
                enquiry_erase(enquiry=enquiry, by=by, reason=ErasureReason.REQUEST, ip=ip)
    return request
