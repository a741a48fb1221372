"""Each person's start page (/app/): what waits for them, in their clinics only.

Read in a fixed number of queries whatever the number of rows: one per list (each shows its
first `LIST_LENGTH` rows) and one per count by clinic. Only the clinics where the person
has the capability are read: the front desk's lists need Capability.ENQUIRIES there, the
episodes and what alerts say Capability.CLINICAL.
"""

from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fascia.accounts.models import User
from fascia.clinics.credentials import (
    CredentialWarning,
    credential_warnings,
    credentials_to_check,
)
from fascia.clinics.models import Clinic, Credential, Membership, Role
from fascia.clinics.permissions import Capability, clinic_ids_for
from fascia.enquiries.models import Enquiry, Status
from fascia.enquiries.queries import overdue_filter, with_queue_facts
from fascia.messaging.attention import attention_count
from fascia.records.models import (
    CLOSED_STATUSES,
    Alert,
    Episode,
    EpisodeStatus,
    LinkKind,
    PatientLink,
)
from fascia.records.queries import open_alerts_for
from fascia.scheduling.models import Appointment, AppointmentStatus
from fascia.treatment.follow_ups import unanswered_follow_ups
from fascia.treatment.models import FollowUp
from fascia.treatment.outcomes import Outcomes, outcomes_for

from .steps import NextStep, Step, next_steps, state_of, with_state

LIST_LENGTH = 20
"""How many rows a start-page list shows; its count says how many there are in all."""


@dataclass(frozen=True)
class StartAlert:
    alert: Alert
    clinical: bool
    """Whether the person may read what it says (Capability.CLINICAL in its clinic)."""


@dataclass
class ClinicCounts:
    """How many of each thing waits in a clinic (`clinic`), or in all of them (None)."""

    clinic: Clinic | None
    new_enquiries: int = 0
    overdue: int = 0
    screenings_out: int = 0
    open_alerts: int = 0
    open_episodes: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class Waiting:
    episode: Episode
    step: NextStep


@dataclass(frozen=True)
class ForReview:
    """An open episode the engine flags for review (`fascia.pathways.progress`)."""

    episode: Episode
    outcomes: Outcomes


@dataclass
class StartPage:
    desk: bool
    """Front desk (or manager): new and overdue enquiries, screenings not yet returned."""
    clinical: bool
    """Physiotherapist (or manager): alerts with what they say, episodes, what waits."""
    managed: list[Clinic]
    new_enquiries: list[Enquiry] = field(default_factory=list)
    overdue: list[Enquiry] = field(default_factory=list)
    screenings_out: list[PatientLink] = field(default_factory=list)
    alerts: list[StartAlert] = field(default_factory=list)
    episodes: list[tuple[str, list[Episode]]] = field(default_factory=list)
    waiting: list[tuple[str, list[Waiting]]] = field(default_factory=list)
    for_review: list[ForReview] = field(default_factory=list)
    """Open episodes whose outcomes the engine flags for review, with its reasons."""
    unanswered_follow_ups: list[FollowUp] = field(default_factory=list)
    """Follow-ups after needling the patient did not answer (`follow_ups.unanswered_follow_ups`)."""
    totals: ClinicCounts | None = None
    per_clinic: list[ClinicCounts] = field(default_factory=list)
    credentials: list[CredentialWarning] = field(default_factory=list)
    """The person's own credentials that end soon or have ended, and their staff's."""
    to_check: list[Credential] = field(default_factory=list)
    """Their staff's credentials waiting for a manager to check them against the evidence."""
    messages_needing_attention: int | None = None
    appointment_requests: int = 0
    """Patients' appointment requests waiting for the front desk to confirm or decline."""
    """Messages to patients that failed or were not sent (None: not theirs to see)."""


def _clinics_by_role(user: User) -> dict[str, set[int]]:
    roles: dict[str, set[int]] = defaultdict(set)
    for clinic_id, role in Membership.objects.filter(user=user, clinic__active=True).values_list(
        "clinic_id", "role"
    ):
        roles[role].add(clinic_id)
    return roles


WAITING_TITLES = {
    Step.EMERGENCY: gettext_lazy("Emergency answers to act on"),
    Step.REVIEW_SCREENING: gettext_lazy("Screenings to review"),
    Step.RECORD_ASSESSMENT: gettext_lazy("Assessments to record"),
    Step.RECORD_CONSENT: gettext_lazy("Consents to record"),
}


def start_page(user: User) -> StartPage:
    """Each person's start page: the union of what their roles need, in their clinics only.

    The front desk (and a manager) sees new and overdue enquiries, screening links not yet
    returned and open alerts by name and kind; a physiotherapist their open alerts with what
    they say, their episodes by status and what waits for them; a manager the same for all
    the episodes of their clinics, with counts per clinic. Credentials ending within the
    warning days (or ended) are shown to their holder and to the managers of their clinics;
    those waiting to be checked against their evidence, to the managers.
    """
    roles = _clinics_by_role(user)
    desk = (roles[Role.FRONT_DESK] | roles[Role.CLINIC_MANAGER]) & clinic_ids_for(
        user, Capability.ENQUIRIES
    )
    clinical_ids = clinic_ids_for(user, Capability.CLINICAL)
    own = roles[Role.PHYSIOTHERAPIST] & clinical_ids
    managed = roles[Role.CLINIC_MANAGER] & clinical_ids
    clinics = {c.pk: c for c in Clinic.objects.filter(pk__in=desk | own | managed)}
    page = StartPage(
        desk=bool(desk),
        clinical=bool(own | managed),
        managed=sorted((clinics[c] for c in managed), key=lambda c: c.name),
    )
    # Enquiries for "either clinic" count under None: in the totals, in no clinic's line.
    counts: dict[int | None, ClinicCounts] = {None: ClinicCounts(None)}
    counts.update((pk, ClinicCounts(clinic)) for pk, clinic in clinics.items())
    if desk:
        _desk_lists(page, counts, desk)
    _alerts(page, counts, user, clinical_ids)
    if own or managed:
        _episodes(page, counts, user, own, managed)
        page.unanswered_follow_ups = list(unanswered_follow_ups(user, own, managed)[:LIST_LENGTH])
    staff_of = roles[Role.CLINIC_MANAGER] & clinic_ids_for(user, Capability.STAFF)
    today = timezone.localdate()
    page.credentials = credential_warnings(holder=user, clinic_ids=staff_of, today=today)
    page.to_check = credentials_to_check(by=user, clinic_ids=staff_of, today=today)
    page.messages_needing_attention = attention_count(user)
    totals = ClinicCounts(clinic=None)
    for line in counts.values():
        for number in fields(ClinicCounts)[1:]:
            setattr(totals, number.name, getattr(totals, number.name) + getattr(line, number.name))
    page.totals = totals
    page.per_clinic = [counts[c.pk] for c in page.managed]
    return page


def _count_by_clinic(
    rows: QuerySet, counts: dict[int | None, ClinicCounts], name: str, clinic_field: str
) -> None:
    for clinic_id, number in rows.order_by().values_list(clinic_field).annotate(n=Count("pk")):
        if clinic_id in counts:
            setattr(counts[clinic_id], name, number)


def _desk_lists(page: StartPage, counts: dict[int | None, ClinicCounts], desk: set[int]) -> None:
    ours = Q(clinic__in=desk) | Q(clinic__isnull=True)
    new = Enquiry.objects.filter(ours, status=Status.NEW, erased_at__isnull=True)
    overdue = Enquiry.objects.filter(ours, overdue_filter())
    page.new_enquiries = list(with_queue_facts(new).order_by("-created_at")[:LIST_LENGTH])
    page.overdue = list(with_queue_facts(overdue).order_by("callback_due_at")[:LIST_LENGTH])
    links = PatientLink.objects.filter(
        episode__clinic__in=desk,
        kind=LinkKind.SCREENING,
        completed_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    page.screenings_out = list(
        links.select_related("episode__patient", "episode__clinic", "created_by").order_by(
            "expires_at"
        )[:LIST_LENGTH]
    )
    _count_by_clinic(new, counts, "new_enquiries", "clinic")
    _count_by_clinic(overdue, counts, "overdue", "clinic")
    _count_by_clinic(links, counts, "screenings_out", "episode__clinic")
    page.appointment_requests = Appointment.objects.filter(
        clinic__in=desk, status=AppointmentStatus.REQUESTED
    ).count()


def _alerts(
    page: StartPage, counts: dict[int | None, ClinicCounts], user: User, clinical: set[int]
) -> None:
    """Open alerts in all the person's clinics; what they say only where they are clinical."""
    alerts = open_alerts_for(user)
    page.alerts = [StartAlert(alert, alert.clinic_id in clinical) for alert in alerts[:LIST_LENGTH]]
    _count_by_clinic(alerts, counts, "open_alerts", "clinic")


def _episodes(
    page: StartPage,
    counts: dict[int | None, ClinicCounts],
    user: User,
    own: set[int],
    managed: set[int],
) -> None:
    """Open episodes: the physiotherapist's own, and every one in the clinics they manage."""
    episodes = list(
        with_state(
            Episode.objects.filter(
                Q(clinic__in=own, physiotherapist=user) | Q(clinic__in=managed)
            ).exclude(status__in=CLOSED_STATUSES)
        )
        .select_related("patient", "clinic", "physiotherapist")
        .order_by("opened_on", "pk")
    )
    by_status: dict[str, list[Episode]] = defaultdict(list)
    waiting: dict[Step, list[Waiting]] = defaultdict(list)
    for episode in episodes:
        by_status[episode.status].append(episode)
        counts[episode.clinic_id].open_episodes += 1
        steps = next_steps(episode.pk, state_of(episode))
        if steps and steps[0].step in WAITING_TITLES:
            waiting[steps[0].step].append(Waiting(episode, steps[0]))
            counts[episode.clinic_id].waiting += 1
    page.episodes = [
        (status.label, by_status[status]) for status in EpisodeStatus if by_status[status]
    ]
    page.waiting = [
        (str(WAITING_TITLES[step]), waiting[step]) for step in WAITING_TITLES if waiting[step]
    ]
    outcomes = outcomes_for(episodes)
    page.for_review = [
        ForReview(episode, outcomes[episode.pk])
        for episode in episodes
        if outcomes[episode.pk].flagged
    ]
