"""Adverse events of treatment sessions: the rules, the changes, and the clinic's register.

The types of event (each with its usual severity) and the severities (each with what it
means) are the pathway's `adverse_events`. An event is recorded on a session, during it or
reported later, by a physiotherapist of the session's clinic, signed session or not: it is
not a change to the session's note. `adverse_event_draft` records one for the practitioner
to confirm or dismiss (a follow-up answer reporting one, issue #16).

A confirmed event whose severity is `significant` raises an alert (`AlertKind.ADVERSE_EVENT`)
on the episode, which the clinic's physiotherapists and manager see on their start pages and
on the episode until one of them acknowledges it with a note; `significant` is the pathway's
severity "needs medical care, or seriously affects the patient's daily life"
(brady-2014, boyce-2020), and an alert for it is clinic-policy.

The register lists a clinic's confirmed events and their rate per 100 needling sessions: a
needling session is a signed session with at least one needle insertion, and an event counts
when its session is one (clinic-policy: the published rates count events per treatment or
session in which needling was done, brady-2014, boyce-2020). The period is the sessions'
dates. The published rates are shown beside ours with their own denominators.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts import audit
from fascia.accounts.models import User
from fascia.clinics.models import Clinic
from fascia.clinics.permissions import Capability, can, clinic_ids_for
from fascia.pathways import REGISTRY, Pathway
from fascia.pathways.models import AdverseEventType, PublishedRate, Severity
from fascia.records import events as record_events
from fascia.records.actions import PIRIFORMIS, ActionError
from fascia.records.models import Alert, AlertKind
from fascia.records.screening import NOTE_MAX_LENGTH, pathway_of
from fascia.typed_text import has_control_characters

from . import events
from .models import AdverseEvent, AdverseEventStatus, NeedleInsertion, TreatmentSession
from .sessions import access_session

SIGNIFICANT = "significant"
"""The pathway's severity that raises an alert (brady-2014, boyce-2020; clinic-policy)."""

REGISTER_PAGE_SIZE = 50


def event_types(pathway: Pathway) -> dict[str, AdverseEventType]:
    return {kind.id: kind for kind in pathway.adverse_events.types}


def severities(pathway: Pathway) -> dict[str, Severity]:
    return {severity.id: severity for severity in pathway.adverse_events.severities}


@dataclass(frozen=True)
class AdverseEventDetails:
    kind: str
    description: str
    noticed_at: dt.datetime
    severity: str = ""
    """Empty: the type's usual severity (its `default_severity` in the pathway)."""
    during_session: bool = True
    action_taken: str = ""
    outcome: str = ""


def severity_for(pathway: Pathway, details: AdverseEventDetails) -> str:
    """The severity given, or the type's usual one."""
    if details.severity:
        return details.severity
    kind = event_types(pathway).get(details.kind)
    return kind.default_severity if kind else ""


def _text_problem(text: str, *, required: str | None) -> str | None:
    if not text.strip():
        return required
    if has_control_characters(text, line_breaks=True):
        return _("Remove the control characters from the text.")
    if len(text) > NOTE_MAX_LENGTH:
        return _("Keep it to %(max)d characters or fewer.") % {"max": NOTE_MAX_LENGTH}
    return None


def adverse_event_problems(
    pathway: Pathway, session: TreatmentSession, details: AdverseEventDetails, *, now: dt.datetime
) -> dict[str, str]:
    """What is wrong with `details` for an event of `session`, by field; empty when nothing."""
    problems: dict[str, str] = {}
    if details.kind not in event_types(pathway):
        problems["kind"] = _("Choose the type of adverse event from the list.")
    if details.severity and details.severity not in severities(pathway):
        problems["severity"] = _("Choose a severity from the list.")
    # The form gives the time to the minute: the minute the session started is within it.
    if details.noticed_at < session.started_at.replace(second=0, microsecond=0):
        problems["noticed_at"] = _(
            "It cannot have happened before the session started (%(start)s)."
        ) % {"start": timezone.localtime(session.started_at).strftime("%d %b %Y, %H:%M")}
    elif details.noticed_at > now:
        problems["noticed_at"] = _("It cannot be later than now.")
    for name, required in (
        ("description", _("Write what happened.")),
        ("action_taken", None),
        ("outcome", None),
    ):
        problem = _text_problem(getattr(details, name), required=required)
        if problem:
            problems[name] = problem
    return problems


def _checked(session: TreatmentSession, details: AdverseEventDetails) -> Pathway:
    pathway = pathway_of(session.episode)
    problems = adverse_event_problems(pathway, session, details, now=timezone.now())
    if problems:
        raise ActionError(next(iter(problems.values())))
    return pathway


def _alert_message(pathway: Pathway, event: AdverseEvent) -> str:
    kind = event_types(pathway)[event.kind]
    severity = severities(pathway)[event.severity]
    return _("Session %(number)d: %(kind)s. %(severity)s: %(meaning)s") % {
        "number": event.session.number,
        "kind": kind.name,
        "severity": severity.name,
        "meaning": severity.description,
    }


def _raise_alert_if_significant(pathway: Pathway, event: AdverseEvent) -> Alert | None:
    if event.severity != SIGNIFICANT or event.status != AdverseEventStatus.CONFIRMED:
        return None
    episode = event.session.episode
    alert = Alert.objects.create(
        episode=episode,
        clinic_id=event.clinic_id,
        kind=AlertKind.ADVERSE_EVENT,
        message=_alert_message(pathway, event),
    )
    record_events.record(
        record_events.ALERT_RAISED,
        alert,
        about=episode,
        detail={"kind": str(AlertKind.ADVERSE_EVENT), "adverse_event": event.pk},
    )
    return alert


def _detail(event: AdverseEvent) -> dict[str, object]:
    return {
        "session": event.session_id,
        "kind": event.kind,
        "severity": event.severity,
        "status": event.status,
    }


def adverse_event_record(
    *, session: TreatmentSession, details: AdverseEventDetails, by: User, ip: str | None
) -> AdverseEvent:
    """Record a confirmed adverse event of `session`; a significant one raises an alert."""
    if not can(by, Capability.CLINICAL, session.clinic_id):
        raise ActionError(_("Only a physiotherapist of this clinic can record an adverse event."))
    pathway = _checked(session, details)
    with transaction.atomic():
        event = AdverseEvent.objects.create(
            session=session,
            clinic_id=session.clinic_id,
            kind=details.kind,
            severity=severity_for(pathway, details),
            during_session=details.during_session,
            noticed_at=details.noticed_at,
            description=details.description.strip(),
            action_taken=details.action_taken.strip(),
            outcome=details.outcome.strip(),
            status=AdverseEventStatus.CONFIRMED,
            recorded_by=by,
        )
        record_events.record(
            events.ADVERSE_EVENT_RECORDED,
            event,
            about=session.episode,
            by=by,
            ip=ip,
            detail=_detail(event),
        )
        _raise_alert_if_significant(pathway, event)
    return event


def adverse_event_draft(
    session: TreatmentSession,
    kind: str,
    description: str,
    *,
    severity: str = "",
    noticed_at: dt.datetime | None = None,
    during_session: bool = False,
) -> AdverseEvent:
    """A draft event reported after `session` (by the patient, through a follow-up answer),
    recorded by nobody, for the practitioner to confirm or dismiss. No alert until then."""
    details = AdverseEventDetails(
        kind=kind,
        description=description,
        noticed_at=noticed_at or timezone.now(),
        severity=severity,
        during_session=during_session,
    )
    pathway = _checked(session, details)
    with transaction.atomic():
        event = AdverseEvent.objects.create(
            session=session,
            clinic_id=session.clinic_id,
            kind=kind,
            severity=severity_for(pathway, details),
            during_session=during_session,
            noticed_at=details.noticed_at,
            description=description.strip(),
            status=AdverseEventStatus.DRAFT,
            recorded_by=None,
        )
        record_events.record(
            events.ADVERSE_EVENT_RECORDED, event, about=session.episode, detail=_detail(event)
        )
    return event


def _locked_draft(event: AdverseEvent, by: User) -> AdverseEvent:
    event = (
        AdverseEvent.objects.select_for_update().select_related("session__episode").get(pk=event.pk)
    )
    if not can(by, Capability.CLINICAL, event.clinic_id):
        raise ActionError(_("Only a physiotherapist of this clinic can confirm an adverse event."))
    if event.status != AdverseEventStatus.DRAFT:
        raise ActionError(
            _("This adverse event was already %(status)s.")
            % {"status": event.get_status_display().lower()}
        )
    return event


def adverse_event_confirm(
    *, event: AdverseEvent, details: AdverseEventDetails, by: User, ip: str | None
) -> AdverseEvent:
    """Confirm a draft event as `details` say (the practitioner may correct it): it joins
    the register, and a significant one raises its alert now. `by` is recorded as its
    recorder."""
    pathway = _checked(event.session, details)
    with transaction.atomic():
        event = _locked_draft(event, by)
        event.kind = details.kind
        event.severity = severity_for(pathway, details)
        event.during_session = details.during_session
        event.noticed_at = details.noticed_at
        event.description = details.description.strip()
        event.action_taken = details.action_taken.strip()
        event.outcome = details.outcome.strip()
        event.status = AdverseEventStatus.CONFIRMED
        event.recorded_by = by
        event.save()
        record_events.record(
            events.ADVERSE_EVENT_CONFIRMED,
            event,
            about=event.session.episode,
            by=by,
            ip=ip,
            detail=_detail(event),
        )
        _raise_alert_if_significant(pathway, event)
    return event


def adverse_event_dismiss(
    *, event: AdverseEvent, reason: str, by: User, ip: str | None
) -> AdverseEvent:
    """Dismiss a draft event (it was not an adverse event), saying why. The reason is kept
    as the event's outcome: the model has no field of its own for it."""
    problem = _text_problem(reason, required=_("Say why this is not an adverse event."))
    if problem:
        raise ActionError(problem)
    with transaction.atomic():
        event = _locked_draft(event, by)
        event.status = AdverseEventStatus.DISMISSED
        event.outcome = reason.strip()
        event.recorded_by = by
        event.save(update_fields=["status", "outcome", "recorded_by"])
        record_events.record(
            events.ADVERSE_EVENT_DISMISSED,
            event,
            about=event.session.episode,
            by=by,
            ip=ip,
            detail=_detail(event),
        )
    return event


# Reads.


def access_adverse_event(user: object, event_id: int) -> AdverseEvent:
    """The event if `user` has Capability.CLINICAL in its clinic; 404 otherwise."""
    try:
        event = AdverseEvent.objects.select_related(
            "session__episode__patient", "session__episode__clinic", "recorded_by"
        ).get(pk=event_id)
    except AdverseEvent.DoesNotExist:
        raise Http404 from None
    if not can(user, Capability.CLINICAL, event.clinic_id):
        raise Http404
    return event


def view_adverse_event(user: User, event_id: int, *, ip: str | None) -> AdverseEvent:
    event = access_adverse_event(user, event_id)
    record_events.viewed(
        events.ADVERSE_EVENT_VIEWED, event, about=event.session.episode, by=user, ip=ip
    )
    return event


def session_for_adverse_event(user: User, session_id: int, *, ip: str | None) -> TreatmentSession:
    """The session an event is being recorded on, if `user` has Capability.CLINICAL in its
    clinic (404 otherwise); the page shows whose it is, so it is recorded as viewed."""
    session = access_session(user, session_id)
    record_events.viewed(events.SESSION_VIEWED, session, about=session.episode, by=user, ip=ip)
    return session


def session_adverse_events(session: TreatmentSession) -> list[AdverseEvent]:
    """The session's events, dismissed ones included, the latest first."""
    return list(session.adverse_events.select_related("recorded_by"))


@dataclass(frozen=True)
class NamedEvent:
    event: AdverseEvent
    kind: str
    severity: str


def named_events(pathway: Pathway, rows: Iterable[AdverseEvent]) -> list[NamedEvent]:
    """Each event with its type and severity as `pathway` names them (an id the pathway
    does not know is shown as it is)."""
    kinds, levels = event_types(pathway), severities(pathway)
    return [
        NamedEvent(
            event,
            kinds[event.kind].name if event.kind in kinds else event.kind,
            levels[event.severity].name if event.severity in levels else event.severity,
        )
        for event in rows
    ]


# The register.


def register_pathway() -> Pathway:
    """The pathway whose types, severities and published rates the register shows: the
    newest released dry-needling pathway."""
    entry = REGISTRY.released_entry(PIRIFORMIS)
    return REGISTRY.get(entry.id, entry.version, sha256=entry.sha256)


def register_clinics(user: object) -> QuerySet[Clinic]:
    return Clinic.objects.filter(pk__in=clinic_ids_for(user, Capability.CLINICAL), active=True)


@dataclass(frozen=True)
class RegisterFilters:
    clinics: tuple[Clinic, ...]
    start: dt.date
    end: dt.date
    kind: str = ""
    severity: str = ""


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months, today included."""
    return today - dt.timedelta(days=364), today


@dataclass(frozen=True)
class Rate:
    events: int
    sessions: int

    @property
    def per_100(self) -> Decimal | None:
        """Events per 100 needling sessions, to one decimal place; None without sessions."""
        if not self.sessions:
            return None
        return (Decimal(self.events) * 100 / self.sessions).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class Published:
    """A published figure: per 100 of the source's own unit (treatments, sessions)."""

    percent: Decimal
    at_most: bool = False
    count: int | None = None


@dataclass(frozen=True)
class RateRow:
    key: str
    name: str
    sources: tuple[str, ...]
    ours: Rate
    published: tuple[Published | None, ...]
    """One per published study, in the pathway's order."""


@dataclass(frozen=True)
class Study:
    source: str
    citation: str
    link: str
    denominator: int
    unit: str
    note: str


@dataclass
class Register:
    filters: RegisterFilters
    events: Page
    needling_sessions: int
    overall: RateRow
    by_type: list[RateRow]
    by_severity: list[RateRow]
    studies: list[Study]
    rows: list[NamedEvent]
    """The events of the page, named."""
    drafts: list[NamedEvent]


def _published_for_severity(rate: PublishedRate, severity: str) -> Published | None:
    # The studies report mild events and significant ones (an upper bound); the pathway's
    # severities of the same ids are theirs (brady-2014, boyce-2020).
    if severity == "mild":
        return Published(rate.mild_percent)
    if severity == SIGNIFICANT and rate.significant_percent_at_most is not None:
        return Published(
            rate.significant_percent_at_most, at_most=True, count=rate.significant_count
        )
    return None


def _studies(pathway: Pathway) -> list[Study]:
    sources = {source.id: source for source in pathway.sources}
    return [
        Study(
            source=rate.source,
            citation=sources[rate.source].citation,
            link=sources[rate.source].link or "",
            denominator=rate.denominator,
            unit=rate.denominator_unit,
            note=rate.note,
        )
        for rate in pathway.adverse_events.published_rates
    ]


def _between(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of `start` to the end of `end`, in the current time zone."""
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return first, last


def needling_sessions(clinic_ids: Iterable[int], start: dt.date, end: dt.date) -> QuerySet:
    """Signed sessions with at least one needle insertion, held in the period."""
    first, last = _between(start, end)
    return TreatmentSession.objects.filter(
        Exists(NeedleInsertion.objects.filter(session=OuterRef("pk"))),
        clinic__in=list(clinic_ids),
        signed_at__isnull=False,
        started_at__gte=first,
        started_at__lt=last,
    )


def _register_events(filters: RegisterFilters) -> QuerySet[AdverseEvent]:
    first, last = _between(filters.start, filters.end)
    rows = AdverseEvent.objects.filter(
        clinic__in=[c.pk for c in filters.clinics],
        status=AdverseEventStatus.CONFIRMED,
        session__started_at__gte=first,
        session__started_at__lt=last,
    )
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    return rows


def adverse_event_register(
    user: User, filters: RegisterFilters, *, page: int | str = 1, ip: str | None
) -> Register:
    """The register for `filters`, read in the same few queries whatever the number of rows,
    and recorded as viewed in each clinic's audit chain with the events it listed."""
    pathway = register_pathway()
    clinic_ids = [c.pk for c in filters.clinics]
    sessions = needling_sessions(clinic_ids, filters.start, filters.end)
    listed = (
        _register_events(filters)
        .annotate(
            needled=Exists(NeedleInsertion.objects.filter(session=OuterRef("session"))),
        )
        .select_related("session__episode__patient", "clinic", "recorded_by")
        .order_by("-noticed_at", "-pk")
    )
    events_page = Paginator(listed, REGISTER_PAGE_SIZE).get_page(page)
    counted = Counter(
        (row["kind"], row["severity"])
        for row in AdverseEvent.objects.filter(
            clinic__in=clinic_ids,
            status=AdverseEventStatus.CONFIRMED,
            session__in=sessions.values("pk"),
        ).values("kind", "severity")
    )
    total_sessions = sessions.count()
    rates = pathway.adverse_events.published_rates
    by_kind: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    for (kind, severity), number in counted.items():
        by_kind[kind] += number
        by_severity[severity] += number
    types, levels = event_types(pathway), severities(pathway)
    register = Register(
        filters=filters,
        events=events_page,
        needling_sessions=total_sessions,
        overall=RateRow(
            "all",
            _("All adverse events"),
            (),
            Rate(sum(counted.values()), total_sessions),
            tuple(None for _rate in rates),
        ),
        by_type=[
            RateRow(
                kind.id,
                kind.name,
                kind.sources,
                Rate(by_kind[kind.id], total_sessions),
                tuple(
                    Published(rate.by_type_percent[kind.id])
                    if kind.id in rate.by_type_percent
                    else None
                    for rate in rates
                ),
            )
            for kind in types.values()
        ],
        by_severity=[
            RateRow(
                level.id,
                level.name,
                level.sources,
                Rate(by_severity[level.id], total_sessions),
                tuple(_published_for_severity(rate, level.id) for rate in rates),
            )
            for level in levels.values()
        ],
        studies=_studies(pathway),
        rows=named_events(pathway, events_page),
        drafts=named_events(
            pathway,
            AdverseEvent.objects.filter(clinic__in=clinic_ids, status=AdverseEventStatus.DRAFT)
            .select_related("session__episode__patient", "clinic")
            .order_by("noticed_at", "pk")[:REGISTER_PAGE_SIZE],
        ),
    )
    _record_register_viewed(user, filters, list(events_page), ip=ip)
    return register


def _record_register_viewed(
    user: User, filters: RegisterFilters, listed: list[AdverseEvent], *, ip: str | None
) -> None:
    """One event in each clinic's chain, naming the events listed there; the chains are
    taken in the order of their ids, so two readers never wait on each other crosswise."""
    shown: dict[int, list[int]] = {clinic.pk: [] for clinic in filters.clinics}
    for event in listed:
        shown[event.clinic_id].append(event.pk)
    with transaction.atomic(savepoint=False):
        for clinic_id in sorted(shown):
            audit.record_for_list(
                events.ADVERSE_EVENT_REGISTER_VIEWED,
                AdverseEvent,
                actor=user,
                clinic=clinic_id,
                ip=ip,
                detail={
                    "from": filters.start.isoformat(),
                    "to": filters.end.isoformat(),
                    "kind": filters.kind,
                    "severity": filters.severity,
                    "events": shown[clinic_id],
                },
            )


def filters_problems(
    pathway: Pathway, *, kind: str, severity: str, start: dt.date, end: dt.date
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if kind and kind not in event_types(pathway):
        problems["kind"] = _("Choose a type from the list.")
    if severity and severity not in severities(pathway):
        problems["severity"] = _("Choose a severity from the list.")
    if end < start:
        problems["end"] = _("The end of the period must be on or after its start.")
    return problems
