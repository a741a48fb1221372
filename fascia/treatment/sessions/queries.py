"""Reading sessions: the permission-checked fetch, what the session page shows, and the rows
the episode page lists."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from fascia.clinics.permissions import Capability, can
from fascia.pathways import Pathway
from fascia.pathways.models import SessionStep
from fascia.records.models import Consent, Episode
from fascia.records.screening import pathway_of

from ..models import (
    NeedleIncident,
    NeedleInsertion,
    SessionAddendum,
    SessionComponent,
    TreatmentSession,
)
from .rules import Gate, consent_in_force, gate_of, sign_problems, ticked_steps


def access_session(user: object, session_id: int) -> TreatmentSession:
    """The session if `user` has Capability.CLINICAL in its episode's clinic; 404 otherwise."""
    try:
        session = TreatmentSession.objects.select_related(
            "episode__patient", "episode__clinic", "physiotherapist", "signed_by"
        ).get(pk=session_id)
    except TreatmentSession.DoesNotExist:
        raise Http404 from None
    if not can(user, Capability.CLINICAL, session.episode.clinic_id):
        raise Http404
    return session


def needled_label(row: NeedleInsertion, names: Mapping[str, str]) -> str:
    """ "Left piriformis": the side and the pathway's name of the muscle."""
    side = {"left": _("Left"), "right": _("Right")}.get(row.side, row.side)
    return f"{side} {names.get(row.muscle, row.muscle).lower()}"


@dataclass(frozen=True)
class SessionRow:
    session: TreatmentSession
    muscles: list[str]


def session_rows(episode: Episode, pathway: Pathway) -> list[SessionRow]:
    """The episode's sessions with who recorded them and the muscles needled (two queries)."""
    names = {m.id: m.name for m in pathway.session.muscles}
    found = episode.treatment_sessions.select_related(
        "physiotherapist", "signed_by"
    ).prefetch_related(Prefetch("insertions", queryset=NeedleInsertion.objects.order_by("pk")))
    return [
        SessionRow(session, [needled_label(row, names) for row in session.insertions.all()])
        for session in found
    ]


@dataclass(frozen=True)
class StartCheck:
    number: int
    refusal: str = ""


def start_check(
    episode: Episode, sessions: Collection[TreatmentSession], has_assessment: bool
) -> StartCheck:
    """The number the next session would have, or why one cannot be started now."""
    number = max((s.number for s in sessions), default=0) + 1
    if not episode.is_open:
        return StartCheck(number, _("This episode is closed: no session can be started."))
    if not has_assessment:
        return StartCheck(number, _("Record the assessment before the first session."))
    draft = next((s for s in sessions if not s.is_signed), None)
    if draft is not None:
        return StartCheck(
            number,
            _("Session %(number)d is not signed yet: finish and sign it first.")
            % {"number": draft.number},
        )
    return StartCheck(number)


@dataclass(frozen=True)
class SessionPage:
    """What the session page shows of the record, read once."""

    pathway: Pathway
    consent: Consent | None
    gate: Gate
    insertions: list[tuple[NeedleInsertion, str]]
    """Each needling row with its label ("Left piriformis")."""
    incident: NeedleIncident | None
    components: list[SessionComponent]
    addenda: list[SessionAddendum]
    checked_steps: list[tuple[SessionStep, bool]]
    sign_problems: list[str]


def session_page(session: TreatmentSession) -> SessionPage:
    pathway = pathway_of(session.episode)
    names = {m.id: m.name for m in pathway.session.muscles}
    insertions = list(session.insertions.all())
    consent = consent_in_force(session.episode)
    incident = NeedleIncident.objects.filter(session=session).select_related("recorded_by").first()
    return SessionPage(
        pathway=pathway,
        consent=consent,
        gate=gate_of(session, pathway, consent),
        insertions=[(row, needled_label(row, names)) for row in insertions],
        incident=incident,
        components=list(session.components.all()),
        addenda=list(session.addenda.select_related("written_by")),
        checked_steps=[
            (step, session.checklist.get(step.id) is True) for step in ticked_steps(pathway)
        ],
        sign_problems=[]
        if session.is_signed
        else sign_problems(
            session,
            pathway,
            consent=consent,
            insertions=insertions,
            has_incident=incident is not None,
        ),
    )
