"""The writes of a session, each in one transaction with its audit event."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts.models import User
from fascia.clinics.permissions import Capability, can
from fascia.pathways import NeedleCounts, TriageOutcome, answers_to_json, triage, validate_session
from fascia.pathways.examination import NPRS
from fascia.records import events as record_events
from fascia.records.actions import ActionError, episode_set_status
from fascia.records.models import Episode, EpisodeStatus, Measurement
from fascia.records.screening import current_screening, pathway_of, screening_record, stored_answers

from .. import events
from ..follow_ups import follow_ups_schedule
from ..models import (
    ComponentKind,
    NeedleIncident,
    NeedleInsertion,
    SessionAddendum,
    SessionComponent,
    TreatmentSession,
)
from .queries import start_check
from .rules import (
    SIDES,
    STOPS_NEEDLING,
    consent_in_force,
    gate_of,
    record_checklist,
    sign_problems,
    stopping_rules,
    ticked_steps,
)


def session_start(*, episode: Episode, by: User, ip: str | None) -> TreatmentSession:
    """Start the episode's next session, recorded by `by`; the episode moves to treatment."""
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        if not can(by, Capability.CLINICAL, episode.clinic_id):
            raise ActionError(_("Only a physiotherapist of this clinic can start a session."))
        check = start_check(
            episode, list(episode.treatment_sessions.all()), episode.assessments.exists()
        )
        if check.refusal:
            raise ActionError(check.refusal)
        session = TreatmentSession.objects.create(
            episode=episode,
            clinic_id=episode.clinic_id,
            number=check.number,
            physiotherapist=by,
            pathway_version=episode.pathway_version,
        )
        record_events.record(
            events.SESSION_STARTED,
            session,
            about=episode,
            by=by,
            ip=ip,
            detail={"number": check.number},
        )
        if episode.status == EpisodeStatus.ASSESSMENT:
            episode_set_status(
                episode, EpisodeStatus.TREATMENT, by=by, ip=ip, reason=f"session {check.number}"
            )
    return session


def check_editable(session: TreatmentSession, by: User) -> None:
    """ActionError unless the session is a draft that `by` is recording."""
    if session.is_signed:
        raise ActionError(
            _(
                "Session %(number)d was signed on %(when)s and cannot be changed. "
                "Write an addendum instead."
            )
            % {
                "number": session.number,
                "when": timezone.localtime(session.signed_at).strftime("%d %b %Y, %H:%M"),
            }
        )
    if session.physiotherapist_id != by.pk:
        raise ActionError(
            _("Only %(name)s, who is recording this session, can change it.")
            % {"name": session.physiotherapist.get_full_name()}
        )


def _locked(session: TreatmentSession, by: User) -> TreatmentSession:
    """The session locked for a change by `by`: a draft they are recording, else ActionError."""
    session = (
        TreatmentSession.objects.select_for_update()
        .select_related("episode__patient", "physiotherapist")
        .get(pk=session.pk)
    )
    check_editable(session, by)
    return session


def _updated(session: TreatmentSession, by: User, ip: str | None, part: str, **detail) -> None:
    record_events.record(
        events.SESSION_UPDATED,
        session,
        about=session.episode,
        by=by,
        ip=ip,
        detail={"part": part, **detail},
    )


def _fired_entry(rule, *, new: bool) -> dict:
    return {
        "id": rule.id,
        "outcome": rule.outcome,
        "staff_message": rule.staff_message.text,
        "sources": list(rule.sources),
        "new": new,
        "stops": new and TriageOutcome(rule.outcome) in STOPS_NEEDLING,
    }


def session_recheck(
    *, session: TreatmentSession, answers: Mapping[str, bool], by: User, ip: str | None
) -> TreatmentSession:
    """Record today's answers to the re-check questions, re-triaged with the episode's last
    screening. A rule firing for the first time that rules out needling stops it for this
    session; an emergency is recorded as a clinician's screening, which raises its alert and
    refers the episode (`records.screening`). A stopped re-check is never asked again in the
    same session."""
    pathway = pathway_of(session.episode)
    with transaction.atomic():
        session = _locked(session, by)
        if stopping_rules(session):
            raise ActionError(
                _("Today's re-check stopped needling in this session; it cannot be asked again.")
            )
        episode = session.episode
        previous = current_screening(episode)
        before = stored_answers(previous) if previous else {}
        known = {rule["id"] for rule in previous.fired} if previous else set()
        merged = {**before, **answers}
        decision = triage(pathway, merged)
        verdicts = {
            pathway.triage.when_nothing_fires.id,
            pathway.triage.when_incomplete.id,
            *([pathway.fit.when_not_fitting.id] if pathway.fit else []),
        }
        fired = [
            _fired_entry(rule, new=rule.id not in known)
            for rule in decision.fired
            if rule.id not in verdicts
        ]
        session.recheck_answers = answers_to_json(pathway.screening_questions, answers)
        session.recheck_outcome = str(decision.safety)
        session.recheck_fired = fired
        session.save(update_fields=["recheck_answers", "recheck_outcome", "recheck_fired"])
        stops = [rule for rule in fired if rule["stops"]]
        record_events.record(
            events.SESSION_SAFETY_STOPPED if stops else events.SESSION_SAFETY_CHECKED,
            session,
            about=episode,
            by=by,
            ip=ip,
            detail={"outcome": session.recheck_outcome, "fired": [rule["id"] for rule in fired]},
        )
        if any(rule["outcome"] == TriageOutcome.EMERGENCY_REFERRAL for rule in stops):
            screening_record(episode=episode, answers=merged, by=by, ip=ip)
    return session


def session_confirm_steps(
    *,
    session: TreatmentSession,
    confirmed: Collection[str],
    needles_in: int | None,
    by: User,
    ip: str | None,
) -> TreatmentSession:
    """Record which of the protocol's ticked steps were done, and the needles counted in."""
    steps = {s.id for s in ticked_steps(pathway_of(session.episode))}
    unknown = set(confirmed) - steps
    if unknown:
        raise ActionError(_("Unknown step: %(steps)s.") % {"steps": ", ".join(sorted(unknown))})
    with transaction.atomic():
        session = _locked(session, by)
        session.checklist = {step: step in confirmed for step in sorted(steps)}
        session.needles_in = needles_in
        session.save(update_fields=["checklist", "needles_in"])
        record_events.record(
            events.SESSION_SAFETY_CHECKED,
            session,
            about=session.episode,
            by=by,
            ip=ip,
            detail={"confirmed": sorted(confirmed)},
        )
    return session


@dataclass(frozen=True)
class Needling:
    muscle: str
    side: str
    needle_length_mm: int
    needle_gauge_mm: Decimal
    needles: int
    insertions: int
    technique: str
    twitch: str
    depth_note: str
    duration_minutes: int | None
    tolerance: str


def session_add_needling(
    *, session: TreatmentSession, needling: Needling, by: User, ip: str | None
) -> NeedleInsertion:
    """Record the needling of one muscle on one side; refused until the gate is open."""
    pathway = pathway_of(session.episode)
    if needling.muscle not in {m.id for m in pathway.session.muscles}:
        raise ActionError(_("Choose a muscle this pathway allows needling."))
    if needling.side not in SIDES:
        raise ActionError(_("Choose the left or the right side."))
    with transaction.atomic():
        session = _locked(session, by)
        gate = gate_of(session, pathway, consent_in_force(session.episode))
        if not gate.is_open:
            raise ActionError(" ".join(gate.refusals()))
        row = NeedleInsertion.objects.create(session=session, **vars(needling))
        record_events.record(
            events.SESSION_NEEDLING_RECORDED,
            session,
            about=session.episode,
            by=by,
            ip=ip,
            detail={"insertion": row.pk, "muscle": row.muscle, "side": row.side},
        )
    return row


def session_remove_needling(
    *, session: TreatmentSession, insertion_id: int, by: User, ip: str | None
) -> None:
    """Take back a needling row recorded by mistake, while the session is a draft."""
    with transaction.atomic():
        session = _locked(session, by)
        deleted, _rows = session.insertions.filter(pk=insertion_id).delete()
        if not deleted:
            raise ActionError(_("That needling row is not in this session."))
        _updated(session, by, ip, "needling", removed=insertion_id)


def session_count_out(
    *,
    session: TreatmentSession,
    needles_out: int,
    where_found: str,
    resolution: str,
    by: User,
    ip: str | None,
) -> TreatmentSession:
    """Record the needles counted out and disposed. A count that differs from the count in
    is saved only with its incident: where the needle was found (or the search made) and how
    it was resolved; the engine's message says what is wrong."""
    pathway = pathway_of(session.episode)
    with transaction.atomic():
        session = _locked(session, by)
        if session.needles_in is None:
            raise ActionError(_("Record the needles counted in before the needles counted out."))
        session.needles_out = needles_out
        check = validate_session(pathway, {}, NeedleCounts(session.needles_in, needles_out))
        mismatch = next((p for p in check.problems if p.code == "needle-count-mismatch"), None)
        if mismatch is not None and not (where_found and resolution):
            raise ActionError(
                _("%(problem)s Nothing was saved: record the incident below with the count.")
                % {"problem": mismatch.message}
            )
        session.save(update_fields=["needles_out"])
        _updated(session, by, ip, "needle_count")
        if mismatch is not None:
            incident, _created = NeedleIncident.objects.update_or_create(
                session=session,
                defaults={"where_found": where_found, "resolution": resolution, "recorded_by": by},
            )
            record_events.record(
                events.NEEDLE_INCIDENT_RECORDED,
                incident,
                about=session.episode,
                by=by,
                ip=ip,
            )
    return session


def session_set_components(
    *,
    session: TreatmentSession,
    components: Mapping[str, tuple[str, int | None]],
    by: User,
    ip: str | None,
) -> TreatmentSession:
    """Record the other components done (kind → what was done, minutes), replacing any
    recorded before in this draft."""
    unknown = set(components) - set(ComponentKind.values)
    if unknown:
        raise ActionError(
            _("Unknown component: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        session = _locked(session, by)
        session.components.all().delete()
        SessionComponent.objects.bulk_create(
            SessionComponent(session=session, kind=kind, detail=detail, minutes=minutes)
            for kind, (detail, minutes) in components.items()
        )
        _updated(session, by, ip, "components", kinds=sorted(components))
    return session


def _pain_row(session: TreatmentSession, qualifier: str, value: int | None, by: User) -> None:
    rows = Measurement.objects.filter(
        episode=session.episode, measure=NPRS, qualifier=qualifier, session_number=session.number
    )
    if value is None:
        rows.delete()
        return
    row = rows.first() or Measurement(
        episode=session.episode, measure=NPRS, qualifier=qualifier, session_number=session.number
    )
    row.value = Decimal(value)
    row.recorded_by = by
    row.taken_at = timezone.now()
    row.save()
    record_events.record(
        record_events.MEASUREMENT_RECORDED,
        row,
        about=session.episode,
        by=by,
        detail={"measure": NPRS, "qualifier": qualifier, "session": session.number},
    )


def session_record_pain(
    *,
    session: TreatmentSession,
    before: int | None,
    after: int | None,
    by: User,
    ip: str | None,
) -> TreatmentSession:
    """Record the NPRS before and after, also as the episode's measurements (NPRS "now" and
    "after_session", with the session's number)."""
    with transaction.atomic():
        session = _locked(session, by)
        session.nprs_before = None if before is None else Decimal(before)
        session.nprs_after = None if after is None else Decimal(after)
        session.save(update_fields=["nprs_before", "nprs_after"])
        _pain_row(session, "now", before, by)
        _pain_row(session, "after_session", after, by)
        _updated(session, by, ip, "pain")
    return session


def session_give_aftercare(
    *, session: TreatmentSession, advice: Collection[str], by: User, ip: str | None
) -> TreatmentSession:
    """Record the pathway's aftercare advice given, and when."""
    known = [a.id for a in pathway_of(session.episode).follow_up.aftercare]
    if not advice:
        raise ActionError(_("Tick the advice you gave."))
    if set(advice) - set(known):
        raise ActionError(_("Choose advice from the pathway's aftercare."))
    with transaction.atomic():
        session = _locked(session, by)
        session.aftercare = [a for a in known if a in advice]
        session.aftercare_given_at = timezone.now()
        session.save(update_fields=["aftercare", "aftercare_given_at"])
        _updated(session, by, ip, "aftercare", advice=session.aftercare)
    return session


def session_sign(*, session: TreatmentSession, by: User, ip: str | None) -> TreatmentSession:
    """Sign the session, which locks it: refused with every problem the gate, the engine's
    session check and the needle counts find."""
    pathway = pathway_of(session.episode)
    with transaction.atomic():
        session = _locked(session, by)
        insertions = list(session.insertions.all())
        consent = consent_in_force(session.episode)
        has_incident = NeedleIncident.objects.filter(session=session).exists()
        problems = sign_problems(
            session, pathway, consent=consent, insertions=insertions, has_incident=has_incident
        )
        if problems:
            raise ActionError(" ".join([_("The session was not signed."), *problems]))
        if insertions or session.needles_in is not None:
            session.checklist = record_checklist(session, consent, bool(insertions))
        session.signed_at = timezone.now()
        session.signed_by = by
        session.save(update_fields=["checklist", "signed_at", "signed_by"])
        record_events.record(
            events.SESSION_SIGNED,
            session,
            about=session.episode,
            by=by,
            ip=ip,
            detail={"insertions": len(insertions), "incident": has_incident},
        )
        follow_ups_schedule(session, pathway, by=by)
    return session


def session_add_addendum(
    *, session: TreatmentSession, text: str, reason: str, by: User, ip: str | None
) -> SessionAddendum:
    """A correction or addition to a signed session, by any clinician of its clinic."""
    with transaction.atomic():
        session = (
            TreatmentSession.objects.select_for_update()
            .select_related("episode")
            .get(pk=session.pk)
        )
        if not session.is_signed:
            raise ActionError(_("The session is not signed yet: change it directly."))
        if not can(by, Capability.CLINICAL, session.episode.clinic_id):
            raise ActionError(_("Only a clinician of this clinic can add to the session."))
        addendum = SessionAddendum.objects.create(
            session=session, text=text, reason=reason, written_by=by
        )
        record_events.record(events.SESSION_ADDENDUM, addendum, about=session.episode, by=by, ip=ip)
    return addendum
