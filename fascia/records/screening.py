"""Screening: private links for the patient, saving answers, and the engine's stored decision.

The engine (`fascia.pathways.triage`) decides; its decision is stored with the answers, the
rules that fired and the pathway version, once, when a screening is completed, and never
recomputed. A clinician's screening or review is a new `Screening`.

An emergency answer raises its alert as soon as it is saved, before the patient finishes:
the patient is told at once where to go, and the clinic hears of it the same minute.

A decision that needs a physiotherapist (clinician review, or a contraindication) waits for
their recorded judgement; the judgement, not the engine, moves the episode on. A decision
that clears needling (suitable, or with precautions) moves a screening episode on to its
assessment by itself.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.mail import EmailMessage
from django.db import models, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fascia.accounts.audit import target_type
from fascia.accounts.models import AuditEvent, User
from fascia.clinics.permissions import Capability, can
from fascia.pathways import (
    REGISTRY,
    AnswerValue,
    Pathway,
    Respondent,
    TriageDecision,
    TriageOutcome,
    answers_from_json,
    answers_to_json,
    triage,
)
from fascia.typed_text import has_control_characters

from . import data_rights, events
from .actions import ActionError, episode_set_status
from .models import (
    Alert,
    AlertKind,
    ClinicalJudgement,
    Episode,
    EpisodeStatus,
    Judgement,
    LinkKind,
    PatientLink,
    Screening,
    new_link_token,
    token_digest,
)
from .models import Respondent as StoredRespondent

log = logging.getLogger(__name__)

# How staff pages name each outcome (the screening, the episode, an enquiry's self-check).
OUTCOME_LABELS = {
    TriageOutcome.SUITABLE: gettext_lazy("Suitable for dry needling"),
    TriageOutcome.NEEDLING_WITH_PRECAUTIONS: gettext_lazy("Dry needling with precautions"),
    TriageOutcome.NOT_SUITABLE_FOR_NEEDLING: gettext_lazy(
        "Not suitable for dry needling (contraindication)"
    ),
    TriageOutcome.CLINICIAN_REVIEW: gettext_lazy(
        "Needs a physiotherapist's review before any needling"
    ),
    TriageOutcome.EMERGENCY_REFERRAL: gettext_lazy("Emergency: same-day referral"),
}

# Outcomes that raise an alert on the episode, and the alert they raise.
ALERTING = {
    TriageOutcome.EMERGENCY_REFERRAL: AlertKind.EMERGENCY,
    TriageOutcome.CLINICIAN_REVIEW: AlertKind.CLINICIAN_REVIEW,
}

# Outcomes that need a physiotherapist's recorded judgement before anything else happens:
# the pathway blocks needling or asks for a review (issue #13).
NEEDS_JUDGEMENT = frozenset(
    {TriageOutcome.CLINICIAN_REVIEW, TriageOutcome.NOT_SUITABLE_FOR_NEEDLING}
)

# Outcomes that clear the way to the assessment without a judgement.
CLEARED = frozenset({TriageOutcome.SUITABLE, TriageOutcome.NEEDLING_WITH_PRECAUTIONS})

# Where a judgement takes the episode. "Proceed" reopens a referred or not-suitable episode
# for its assessment, but never sends one already in treatment back to it.
JUDGED_STATUS = {
    Judgement.PROCEED: EpisodeStatus.ASSESSMENT,
    Judgement.PROCEED_WITH_PRECAUTIONS: EpisodeStatus.ASSESSMENT,
    Judgement.REFER: EpisodeStatus.REFERRED,
    Judgement.NOT_SUITABLE: EpisodeStatus.NOT_SUITABLE,
}
BEFORE_ASSESSMENT = frozenset(
    {EpisodeStatus.SCREENING, EpisodeStatus.REFERRED, EpisodeStatus.NOT_SUITABLE}
)

NOTE_MAX_LENGTH = 2000


def pathway_of(episode: Episode) -> Pathway:
    """The pathway the episode was opened under, checked against its stored hash."""
    return REGISTRY.get(episode.pathway_id, episode.pathway_version, sha256=episode.pathway_sha256)


def stored_answers(screening: Screening) -> dict[str, AnswerValue]:
    """A screening's answers as the engine reads them."""
    return answers_from_json(pathway_of(screening.episode).screening_questions, screening.answers)


def current_screening(episode: Episode) -> Screening | None:
    """The episode's current decision: its latest completed screening."""
    return (
        episode.screenings.filter(completed_at__isnull=False)
        .select_related("recorded_by")
        .prefetch_related("judgements__recorded_by")
        .first()
    )


def latest_screening(episode: Episode) -> Screening | None:
    """The episode's latest screening, completed or still being answered by the patient."""
    return episode.screenings.order_by("-started_at", "-pk").first()


def episode_screening(episode: Episode, screening_id: int) -> Screening:
    """One of the episode's completed screenings; 404 if the episode has no such screening."""
    try:
        return episode.screenings.get(pk=screening_id, completed_at__isnull=False)
    except Screening.DoesNotExist:
        raise Http404 from None


def needs_judgement(screening: Screening) -> bool:
    """Whether the screening's outcome waits for a physiotherapist's judgement."""
    return screening.is_complete and screening.outcome in NEEDS_JUDGEMENT


# Private links


class LinkStatus(models.TextChoices):
    SENT = "sent", gettext_lazy("Sent, not opened yet")
    OPENED = "opened", gettext_lazy("Opened")
    RETURNED = "returned", gettext_lazy("Returned")
    EXPIRED = "expired", gettext_lazy("Expired")
    REVOKED = "revoked", gettext_lazy("Revoked")


@dataclass(frozen=True)
class LinkRow:
    link: PatientLink
    status: LinkStatus
    emailed_at: datetime | None
    """When the link was last emailed to the patient (None if it never was)."""

    @property
    def can_revoke(self) -> bool:
        return self.status in (LinkStatus.SENT, LinkStatus.OPENED)


def patient_link_create(
    *, episode: Episode, kind: LinkKind, by: User, ip: str | None
) -> tuple[PatientLink, str]:
    """A new private link for the episode's patient, and its token (shown once, never stored)."""
    if not episode.is_open:
        raise ActionError(_("This episode is closed: no new links can be sent for it."))
    token = new_link_token()
    with transaction.atomic():
        link = PatientLink.objects.create(
            episode=episode, kind=kind, token_sha256=token_digest(token), created_by=by
        )
        events.record(
            events.LINK_CREATED,
            link,
            about=episode,
            by=by,
            ip=ip,
            detail={"kind": str(kind), "expires": link.expires_at.isoformat()},
        )
    return link, token


def patient_link_find(token: str) -> PatientLink | None:
    """The link with this token, usable or not (the page says which); None if there is none."""
    return (
        PatientLink.objects.select_related("episode__patient", "episode__clinic", "screening")
        .filter(token_sha256=token_digest(token))
        .first()
    )


def episode_link(episode: Episode, link_id: int) -> PatientLink:
    """One of the episode's links; 404 if the episode has no such link."""
    try:
        return episode.links.select_related("episode__patient", "episode__clinic").get(pk=link_id)
    except PatientLink.DoesNotExist:
        raise Http404 from None


def episode_links(episode: Episode, *, now: datetime | None = None) -> list[LinkRow]:
    """The episode's links, newest first, each with where it stands (two queries)."""
    now = now or timezone.now()
    links = list(episode.links.select_related("created_by"))
    trail = AuditEvent.objects.filter(
        action__in=[events.LINK_OPENED, events.LINK_SENT],
        target_type=target_type(PatientLink),
        target_id__in=[str(link.pk) for link in links],
    ).values_list("action", "target_id", "at")
    opened: set[str] = set()
    emailed: dict[str, datetime] = {}
    for action, link_id, at in trail:
        if action == events.LINK_OPENED:
            opened.add(link_id)
        else:
            emailed[link_id] = at
    return [
        LinkRow(
            link,
            _link_status(link, str(link.pk) in opened, now),
            emailed.get(str(link.pk)),
        )
        for link in links
    ]


def _link_status(link: PatientLink, opened: bool, now: datetime) -> LinkStatus:
    if link.revoked_at:
        return LinkStatus.REVOKED
    if link.completed_at:
        return LinkStatus.RETURNED
    if now >= link.expires_at:
        return LinkStatus.EXPIRED
    if opened or link.screening_id or link.answers:
        return LinkStatus.OPENED
    return LinkStatus.SENT


def patient_link_email(*, link: PatientLink, url: str, by: User, ip: str | None) -> str:
    """Email the patient their private link; returns the address it went to.

    `url` holds the token: it goes into the email and nowhere else (the audit event names
    the channel only). A failure to send is an `ActionError` saying so.
    """
    episode = link.episode
    patient = episode.patient
    if not patient.email:
        raise ActionError(
            _(
                "There is no email address in %(name)s's details: add one, "
                "or send the link another way."
            )
            % {"name": patient.full_name}
        )
    if not link.is_usable():
        raise ActionError(_("This link can no longer be used: create a new one."))
    if not data_rights.may_contact(patient):
        raise ActionError(
            data_rights.contact_refused(patient, channel="email", about=episode, by=by, ip=ip)
        )
    context = {
        "patient": patient,
        "clinic": episode.clinic,
        "link": link,
        "url": url,
        "expires": timezone.localtime(link.expires_at),
    }
    email = EmailMessage(
        subject=render_to_string("records/screening/email/link_subject.txt", context).strip(),
        body=render_to_string("records/screening/email/link_body.txt", context),
        to=[patient.email],
        reply_to=[episode.clinic.email] if episode.clinic.email else None,
    )
    try:
        email.send()
    except OSError:
        log.exception("Patient link %s: the email could not be sent", link.pk)
        raise ActionError(
            _(
                "The email could not be sent just now. Try again in a few minutes, "
                "or copy the link and send it another way."
            )
        ) from None
    with transaction.atomic():
        events.record(
            events.LINK_SENT, link, about=episode, by=by, ip=ip, detail={"channel": "email"}
        )
    return patient.email


def patient_link_revoke(*, link: PatientLink, by: User, ip: str | None) -> PatientLink:
    """Stop a link from working. A returned or expired link has nothing left to stop."""
    with transaction.atomic():
        link = PatientLink.objects.select_for_update().select_related("episode").get(pk=link.pk)
        if link.revoked_at:
            raise ActionError(_("This link was already revoked."))
        if link.completed_at:
            raise ActionError(_("The patient has already returned this link."))
        if not link.is_usable():
            raise ActionError(_("This link has already expired."))
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        events.record(events.LINK_REVOKED, link, about=link.episode, by=by, ip=ip)
    return link


# Screening and its decision


def _decision_fields(decision: TriageDecision) -> dict[str, object]:
    return {
        "outcome": str(decision.outcome),
        "safety_outcome": str(decision.safety),
        "fit_status": str(decision.fit.status) if decision.fit else "",
        "fired": [
            {
                "id": f.id,
                "outcome": f.outcome,
                "patient_message": f.patient_message.text,
                "staff_message": f.staff_message.text,
                "sources": list(f.sources),
            }
            for f in decision.fired
        ],
        "unanswered": list(decision.unanswered),
    }


def _raise_alert(screening: Screening, decision: TriageDecision) -> Alert | None:
    """Raise the alert the decision calls for, once per screening and kind."""
    kind = ALERTING.get(decision.outcome)
    if kind is None or screening.alerts.filter(kind=kind).exists():
        return None
    episode = screening.episode
    staff = "; ".join(f.staff_message.text for f in decision.fired if f.outcome == decision.outcome)
    alert = Alert.objects.create(
        episode=episode, clinic_id=episode.clinic_id, kind=kind, message=staff, screening=screening
    )
    events.record(events.ALERT_RAISED, alert, about=episode, detail={"kind": str(kind)})
    if kind is AlertKind.EMERGENCY:
        episode_set_status(
            episode, EpisodeStatus.REFERRED, by=None, ip=None, reason="emergency screening answer"
        )
    return alert


@dataclass(frozen=True)
class Saved:
    screening: Screening
    decision: TriageDecision
    """The engine's reading of the answers so far (the patient's questions only)."""


def screening_save(*, link: PatientLink, answers: Mapping[str, object]) -> Saved:
    """Save the patient's answers so far (merged over earlier ones) through their link.

    Answers are validated by the engine (`AnswerError` for one that does not fit). An
    emergency reached by the answers so far raises its alert now.
    """
    if link.kind != LinkKind.SCREENING or not link.is_usable():
        raise ValueError("this link cannot take screening answers")
    pathway = pathway_of(link.episode)
    with transaction.atomic():
        link = PatientLink.objects.select_for_update().select_related("episode").get(pk=link.pk)
        screening = link.screening or Screening(
            episode=link.episode,
            respondent=StoredRespondent.PATIENT,
            pathway_id=link.episode.pathway_id,
            pathway_version=link.episode.pathway_version,
            pathway_sha256=link.episode.pathway_sha256,
        )
        merged = {**answers_from_json(pathway.screening_questions, screening.answers), **answers}
        decision = triage(pathway, merged, respondent=Respondent.PATIENT)
        screening.answers = answers_to_json(pathway.screening_questions, merged)
        screening.save()
        if link.screening_id is None:
            link.screening = screening
            link.save(update_fields=["screening"])
        events.record(
            events.SCREENING_SAVED,
            screening,
            about=link.episode,
            detail={"answered": sorted(screening.answers)},
        )
        if decision.outcome is TriageOutcome.EMERGENCY_REFERRAL:
            _raise_alert(screening, decision)
    return Saved(screening, decision)


def screening_complete(*, link: PatientLink) -> Screening:
    """Finish the patient's screening: decide once, store the decision, close the link.

    A cleared decision (suitable, or with precautions) moves a screening episode on to
    its assessment.
    """
    pathway = pathway_of(link.episode)
    with transaction.atomic():
        link = PatientLink.objects.select_for_update().select_related("episode").get(pk=link.pk)
        screening = link.screening
        if screening is None or not link.is_usable():
            raise ValueError("this link has no screening to complete")
        decision = triage(pathway, stored_answers(screening), respondent=Respondent.PATIENT)
        _store_decision(screening, decision, by=None, ip=None)
        link.completed_at = screening.completed_at
        link.save(update_fields=["completed_at"])
    return screening


def screening_record(
    *, episode: Episode, answers: Mapping[str, object], by: User, ip: str | None
) -> Screening:
    """A clinician's screening or review of the episode: the answers decided and stored.

    The episode's earlier screenings stay as they were. A cleared decision moves a
    screening episode on to its assessment.
    """
    pathway = pathway_of(episode)
    decision = triage(pathway, answers, respondent=Respondent.CLINICIAN)
    with transaction.atomic():
        screening = Screening(
            episode=episode,
            respondent=StoredRespondent.CLINICIAN,
            answers=answers_to_json(pathway.screening_questions, answers),
            pathway_id=episode.pathway_id,
            pathway_version=episode.pathway_version,
            pathway_sha256=episode.pathway_sha256,
            recorded_by=by,
        )
        _store_decision(screening, decision, by=by, ip=ip)
    return screening


def _store_decision(
    screening: Screening, decision: TriageDecision, *, by: User | None, ip: str | None
) -> None:
    for field, value in _decision_fields(decision).items():
        setattr(screening, field, value)
    screening.completed_at = timezone.now()
    screening.save()
    episode = screening.episode
    events.record(
        events.SCREENING_COMPLETED,
        screening,
        about=episode,
        by=by,
        ip=ip,
        detail={"outcome": screening.outcome, "fired": [f["id"] for f in screening.fired]},
    )
    _raise_alert(screening, decision)
    if decision.outcome in CLEARED and episode.status == EpisodeStatus.SCREENING:
        screening.episode = episode_set_status(
            episode, EpisodeStatus.ASSESSMENT, by=by, ip=ip, reason=f"screening {decision.outcome}"
        )


# The physiotherapist's judgement, and alerts


def _checked_note(text: str, *, missing: str) -> str:
    text = text.strip()
    if not text:
        raise ActionError(missing)
    if has_control_characters(text, line_breaks=True):
        raise ActionError(_("Remove the control characters from the text."))
    if len(text) > NOTE_MAX_LENGTH:
        raise ActionError(_("Keep it to %(max)d characters or fewer.") % {"max": NOTE_MAX_LENGTH})
    return text


def judgement_record(
    *, screening: Screening, judgement: Judgement, reason: str, by: User, ip: str | None
) -> ClinicalJudgement:
    """A physiotherapist's judgement on the episode's current screening, with the reason.

    Only a screening whose outcome needs one takes a judgement, once; a later change of mind
    is a review (a new screening) judged in its turn. The judgement moves the episode:
    proceeding to its assessment, referring or not suitable closing it.
    """
    reason = _checked_note(reason, missing=_("Give the reason for your judgement."))
    judgement = Judgement(judgement)
    with transaction.atomic():
        screening = (
            Screening.objects.select_for_update().select_related("episode").get(pk=screening.pk)
        )
        episode = screening.episode
        if not can(by, Capability.CLINICAL, episode.clinic_id):
            raise ActionError(_("Only a physiotherapist of this clinic can record a judgement."))
        if not needs_judgement(screening):
            raise ActionError(_("This screening's outcome does not need a judgement."))
        current = current_screening(episode)
        if current is None or current.pk != screening.pk:
            raise ActionError(_("A newer screening has been recorded: judge that one."))
        if screening.judgements.exists():
            raise ActionError(
                _(
                    "A judgement is already recorded for this screening. "
                    "Review the screening to record a new one."
                )
            )
        record = ClinicalJudgement.objects.create(
            screening=screening, judgement=judgement, reason=reason, recorded_by=by
        )
        events.record(
            events.JUDGEMENT_RECORDED,
            record,
            about=episode,
            by=by,
            ip=ip,
            detail={
                "screening": screening.pk,
                "outcome": screening.outcome,
                "judgement": str(judgement),
            },
        )
        status = JUDGED_STATUS[judgement]
        if status != EpisodeStatus.ASSESSMENT or episode.status in BEFORE_ASSESSMENT:
            episode_set_status(episode, status, by=by, ip=ip, reason=f"judgement: {judgement}")
    return record


def access_alert(user: object, alert_id: int) -> Alert:
    """The alert if `user` has Capability.CLINICAL in its clinic; 404 otherwise."""
    try:
        alert = Alert.objects.select_related("episode__patient").get(pk=alert_id)
    except Alert.DoesNotExist:
        raise Http404 from None
    if not can(user, Capability.CLINICAL, alert.clinic_id):
        raise Http404
    return alert


def alert_acknowledge(*, alert: Alert, note: str, by: User, ip: str | None) -> Alert:
    """Close an open alert with a note saying what was done about it."""
    note = _checked_note(note, missing=_("Write what was done about the alert."))
    with transaction.atomic():
        alert = Alert.objects.select_for_update().select_related("episode").get(pk=alert.pk)
        if not can(by, Capability.CLINICAL, alert.clinic_id):
            raise ActionError(_("Only a physiotherapist of this clinic can acknowledge an alert."))
        if not alert.is_open:
            raise ActionError(_("This alert was already acknowledged."))
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = by
        alert.acknowledgement = note
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
        events.record(
            events.ALERT_ACKNOWLEDGED,
            alert,
            about=alert.episode,
            by=by,
            ip=ip,
            detail={"kind": alert.kind},
        )
    return alert
