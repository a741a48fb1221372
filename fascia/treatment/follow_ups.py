"""The checks after a needling session (about 24 h and 72 h): scheduled, answered, swept.

When a session with needling is signed, `follow_ups_schedule` makes one `FollowUp` per
check of the pathway's `follow_up.checks` (its `after_hours` after signing), in the signing
transaction, and queues the message that carries its private link (`/f/<token>/`, a
`messaging.links.Link`: only the SHA-256 of its token is stored). The messaging app says
when that message went out or never did (`messaging.signals.message_finished`, heard by
`message_finished`): the follow-up is then SENT or NOT_SENT.

The patient answers the check's questions (only those of the check, and only those the
muscles needled call for); `follow_up_answer` has the engine validate and decide them, keeps
answers, outcome and fired rules, and marks the follow-up ANSWERED, once. An outcome above
the pathway's least urgent raises a FOLLOW_UP alert on the episode (open until someone
acknowledges it with a note) and emails the practitioner and the clinic's managers that an
alert is waiting, without a health detail; each fired rule that names an `adverse_event`
drafts one on the session, once per kind.

`sweep` runs every minute (`manage.py housekeeping`): a follow-up sent and still unanswered
`FASCIA_FOLLOW_UP_RESEND_HOURS` after it was due is sent again once, with the same link; one
still unanswered when its link expires is UNANSWERED. Running it twice changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from fascia.accounts.models import User
from fascia.clinics.models import Role
from fascia.messaging.links import Link
from fascia.messaging.models import Message, MessageStatus
from fascia.messaging.outbox import queue
from fascia.pathways import (
    AnswerError,
    AnswerValue,
    Decision,
    Pathway,
    Question,
    Respondent,
    answers_from_json,
    answers_to_json,
    follow_up_outcome,
)
from fascia.pathways.models import FollowUpCheck
from fascia.records import events as record_events
from fascia.records.actions import ActionError
from fascia.records.forms.questions import AnswerRow, answer_rows
from fascia.records.models import CLOSED_STATUSES, Alert, AlertKind, token_digest
from fascia.records.screening import pathway_of

from . import events
from .models import FollowUp, FollowUpStatus, NeedleInsertion, TreatmentSession

log = logging.getLogger(__name__)

TEMPLATE = "follow_up"
"""The message template (`templates/messaging/follow_up/<language>/`)."""
LINK_PURPOSE = "follow-up"
URL_NAME = "follow_up:answer"

CALL_TODAY = "contact_today"
"""The pathway's outcome from which the patient is shown whom to call now."""
EMERGENCY = "emergency"
"""The pathway's outcome at which the patient is sent to an emergency department (112)."""

OUTCOME_LABELS = {
    "reassure": gettext_lazy("Normal recovery"),
    "contact_soon": gettext_lazy("Call within one working day"),
    "contact_today": gettext_lazy("Call today"),
    "emergency": gettext_lazy("Emergency"),
}

WAITING = (FollowUpStatus.SCHEDULED, FollowUpStatus.SENT, FollowUpStatus.NOT_SENT)
"""The follow-ups whose link still takes answers until it expires."""


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


# Scheduling


def follow_ups_schedule(
    session: TreatmentSession, pathway: Pathway, *, by: User | None
) -> list[FollowUp]:
    """The session's follow-ups, one per check of the pathway, made as it is signed (call
    inside the signing transaction). None without needling; none twice."""
    if session.signed_at is None or not NeedleInsertion.objects.filter(session=session).exists():
        return []
    if session.follow_ups.exists():
        return list(session.follow_ups.all())
    episode = session.episode
    answer_for = dt.timedelta(hours=settings.FASCIA_FOLLOW_UP_ANSWER_HOURS)
    made = []
    for check in pathway.follow_up.checks:
        link = Link.new(LINK_PURPOSE, URL_NAME)
        due = session.signed_at + dt.timedelta(hours=check.after_hours)
        follow_up = FollowUp.objects.create(
            session=session,
            clinic_id=session.clinic_id,
            check_id=check.id,
            pathway_version=pathway.version,
            due_at=due,
            expires_at=due + answer_for,
            token_sha256=link.digest,
        )
        follow_up.message = queue(
            patient=episode.patient,
            clinic=session.clinic,
            template=TEMPLATE,
            key=f"follow-up:{follow_up.pk}",
            context={"check_title": check.title},
            link=link,
            due_at=due,
            by=by,
        )
        follow_up.save(update_fields=["message"])
        record_events.record(
            events.FOLLOW_UP_SCHEDULED,
            follow_up,
            about=episode,
            by=by,
            detail={"check": check.id, "due_at": due.isoformat()},
        )
        made.append(follow_up)
    return made


# The patient's link


def follow_up_find(token: str) -> FollowUp | None:
    """The follow-up the token opens, usable or not (the page says which); None if none."""
    return (
        FollowUp.objects.select_related("session__episode__patient", "clinic")
        .filter(token_sha256=token_digest(token))
        .first()
    )


def is_expired(follow_up: FollowUp, now: dt.datetime | None = None) -> bool:
    """Whether the link no longer takes answers (answered ones are not expired: used)."""
    if follow_up.answered_at is not None:
        return False
    return follow_up.status not in WAITING or (now or timezone.now()) >= follow_up.expires_at


def check_of(pathway: Pathway, follow_up: FollowUp) -> FollowUpCheck:
    return next(c for c in pathway.follow_up.checks if c.id == follow_up.check_id)


def needled_muscles(session: TreatmentSession) -> list[str]:
    return sorted(
        set(NeedleInsertion.objects.filter(session=session).values_list("muscle", flat=True))
    )


@dataclass(frozen=True)
class Asked:
    """What a follow-up asks: its pathway, its check and its questions, in the file's order."""

    pathway: Pathway
    check: FollowUpCheck
    questions: tuple[Question, ...]
    muscles: tuple[str, ...]

    def decide(self, answers: Mapping[str, object]) -> Decision:
        return follow_up_outcome(
            self.pathway, answers, check=self.check.id, needled_muscles=self.muscles
        )


def asked(follow_up: FollowUp) -> Asked:
    """The check's questions the patient is asked after the muscles needled this time.

    The engine says which: it takes an answer (even a blank one) only to a question it asks.
    """
    pathway = pathway_of(follow_up.session.episode)
    check = check_of(pathway, follow_up)
    muscles = tuple(needled_muscles(follow_up.session))
    questions = []
    for question in pathway.follow_up.questions:
        if question.id not in check.questions or question.answered_by is not Respondent.PATIENT:
            continue
        try:
            follow_up_outcome(pathway, {question.id: None}, check=check.id, needled_muscles=muscles)
        except AnswerError:
            continue
        questions.append(question)
    return Asked(pathway, check, tuple(questions), muscles)


def follow_up_opened(follow_up: FollowUp) -> None:
    """The patient opened the link: recorded each time; `opened_at` is the first."""
    with transaction.atomic():
        if follow_up.opened_at is None:
            follow_up.opened_at = timezone.now()
            FollowUp.objects.filter(pk=follow_up.pk, opened_at__isnull=True).update(
                opened_at=follow_up.opened_at
            )
        record_events.record(
            events.FOLLOW_UP_OPENED_BY_PATIENT,
            follow_up,
            about=follow_up.session.episode,
            detail={"check": follow_up.check_id},
        )


def follow_up_answer(*, follow_up: FollowUp, answers: Mapping[str, AnswerValue | None]) -> FollowUp:
    """Keep the patient's answers with the engine's decision, once.

    `AnswerError` for an answer the engine refuses (nothing is kept); `ActionError` when the
    link was already answered or has expired. An outcome above the least urgent raises the
    follow-up alert and tells the staff; answers that report an adverse event draft it.
    """
    # Imported here: adverse_events reads sessions, whose signing schedules follow-ups.
    from .adverse_events import adverse_event_draft

    what = asked(follow_up)
    given = {k: v for k, v in answers.items() if v is not None}
    decision = what.decide(given)
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("session__episode", "clinic")
            .get(pk=follow_up.pk)
        )
        if follow_up.answered_at is not None:
            raise ActionError(_("These questions were already answered."))
        if is_expired(follow_up):
            raise ActionError(_("This link has expired."))
        now = timezone.now()
        episode = follow_up.session.episode
        rules = {rule.id: rule for rule in what.pathway.follow_up.rules}
        follow_up.answers = answers_to_json(what.questions, given)
        follow_up.outcome = decision.outcome
        follow_up.fired = [
            {
                "id": fired.id,
                "outcome": fired.outcome,
                "patient_message": fired.patient_message.text,
                "staff_message": fired.staff_message.text,
                "adverse_event": rules[fired.id].adverse_event if fired.id in rules else None,
                "sources": list(fired.sources),
            }
            for fired in decision.fired
        ]
        follow_up.answered_at = now
        follow_up.status = FollowUpStatus.ANSWERED
        follow_up.save(update_fields=["answers", "outcome", "fired", "answered_at", "status"])
        record_events.record(
            events.FOLLOW_UP_ANSWERED,
            follow_up,
            about=episode,
            detail={
                "check": follow_up.check_id,
                "outcome": decision.outcome,
                "fired": [f.id for f in decision.fired],
                "unanswered": list(decision.unanswered),
            },
        )
        if what.pathway.follow_up.outcomes.index(decision.outcome) > 0:
            _raise_alert(follow_up)
        drafted: set[str] = set()
        for fired in follow_up.fired:
            kind = fired["adverse_event"]
            if kind and kind not in drafted:
                drafted.add(kind)
                adverse_event_draft(
                    follow_up.session, kind, description=fired["staff_message"], noticed_at=now
                )
    return follow_up


def _raise_alert(follow_up: FollowUp) -> None:
    episode = follow_up.session.episode
    staff = "; ".join(
        dict.fromkeys(f["staff_message"] for f in follow_up.fired if f["staff_message"])
    )
    alert = Alert.objects.create(
        episode=episode, clinic_id=episode.clinic_id, kind=AlertKind.FOLLOW_UP, message=staff
    )
    follow_up.alert = alert
    follow_up.save(update_fields=["alert"])
    record_events.record(
        record_events.ALERT_RAISED,
        alert,
        about=episode,
        detail={"kind": str(AlertKind.FOLLOW_UP), "follow_up": follow_up.pk},
    )
    # The task is a row written in this transaction: kept with the alert, or neither.
    notify_staff.enqueue(follow_up.pk)


@dataclass(frozen=True)
class Advice:
    """What the patient reads once they have answered, from the pathway's own words."""

    outcome: str
    messages: list[str]
    """The fired rules' messages to the patient, most urgent first, each once."""
    call_now: bool
    """Whether to show whom to call now (the clinic's phone, prominently)."""
    emergency: bool


def advice(follow_up: FollowUp) -> Advice:
    pathway = pathway_of(follow_up.session.episode)
    order = list(pathway.follow_up.outcomes)
    outcome = follow_up.outcome
    rank = order.index(outcome) if outcome in order else len(order) - 1
    today = order.index(CALL_TODAY) if CALL_TODAY in order else len(order) - 1
    return Advice(
        outcome=outcome,
        messages=list(
            dict.fromkeys(f["patient_message"] for f in follow_up.fired if f["patient_message"])
        ),
        call_now=rank >= today,
        emergency=outcome == EMERGENCY,
    )


# What staff read


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    title: str
    outcome: str
    """The outcome in words ("" until answered)."""
    answers: list[AnswerRow]
    """The questions asked with the answers, in the clinician's words (once answered)."""
    staff_messages: list[str]


def follow_up_rows(pathway: Pathway, follow_ups: Sequence[FollowUp]) -> list[FollowUpRow]:
    """Each follow-up as the session page and the episode's timeline show it."""
    titles = {c.id: c.title for c in pathway.follow_up.checks}
    questions = {q.id: q for q in pathway.follow_up.questions}
    rows = []
    for follow_up in follow_ups:
        check = next((c for c in pathway.follow_up.checks if c.id == follow_up.check_id), None)
        answered: list[AnswerRow] = []
        if follow_up.answered_at is not None and check is not None:
            known = [questions[q] for q in check.questions if q in questions]
            values = answers_from_json(known, follow_up.answers)
            answered = answer_rows(
                [q for q in known if q.id in values], values, Respondent.CLINICIAN
            )
        rows.append(
            FollowUpRow(
                follow_up=follow_up,
                title=titles.get(follow_up.check_id, follow_up.check_id),
                outcome=outcome_label(follow_up.outcome) if follow_up.outcome else "",
                answers=answered,
                staff_messages=[f["staff_message"] for f in follow_up.fired if f["staff_message"]],
            )
        )
    return rows


def session_follow_ups(session: TreatmentSession, pathway: Pathway) -> list[FollowUpRow]:
    """The session's follow-ups with their answers (one query)."""
    return follow_up_rows(
        pathway, list(session.follow_ups.select_related("alert__acknowledged_by"))
    )


def unanswered_follow_ups(user: User, own: set[int], managed: set[int]) -> QuerySet[FollowUp]:
    """Follow-ups the patient left unanswered: of the physiotherapist's own episodes in
    `own` clinics, and of every episode in the `managed` ones; newest first. Each is listed
    until the patient is seen again (a later session) or the episode closes."""
    seen_since = TreatmentSession.objects.filter(
        episode=OuterRef("session__episode"), started_at__gt=OuterRef("expires_at")
    )
    return (
        FollowUp.objects.filter(
            Q(clinic__in=own, session__episode__physiotherapist=user) | Q(clinic__in=managed),
            status=FollowUpStatus.UNANSWERED,
        )
        .exclude(session__episode__status__in=CLOSED_STATUSES)
        .exclude(Exists(seen_since))
        .select_related("session__episode__patient")
        .order_by("-due_at", "-pk")
    )


# Messages going out, and the sweep


def message_finished(sender: object, message: Message, **kwargs: object) -> None:
    """A follow-up's first message went out (SENT) or did not (NOT_SENT; SENT if a later
    try succeeds). Its message sent again changes nothing: the follow-up was sent already."""
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("session__episode")
            .filter(message=message, status__in=(FollowUpStatus.SCHEDULED, FollowUpStatus.NOT_SENT))
            .first()
        )
        sent = message.status == MessageStatus.SENT
        if follow_up is None or (not sent and follow_up.status == FollowUpStatus.NOT_SENT):
            return
        follow_up.status = FollowUpStatus.SENT if sent else FollowUpStatus.NOT_SENT
        follow_up.save(update_fields=["status"])
        record_events.record(
            events.FOLLOW_UP_SENT if sent else events.FOLLOW_UP_NOT_SENT,
            follow_up,
            about=follow_up.session.episode,
            detail={"check": follow_up.check_id, "message": message.pk},
        )


def sweep(now: dt.datetime | None = None) -> int:
    """Send again the follow-ups unanswered long enough (once, when configured) and mark
    unanswered those whose link expired. How many follow-ups it changed."""
    now = now or timezone.now()
    changed = 0
    hours = settings.FASCIA_FOLLOW_UP_RESEND_HOURS
    if hours > 0:
        resend = FollowUp.objects.filter(
            status=FollowUpStatus.SENT,
            resent_message__isnull=True,
            due_at__lte=now - dt.timedelta(hours=hours),
            expires_at__gt=now,
        )
        for pk in resend.values_list("pk", flat=True):
            changed += _resend(pk, now, hours)
    expired = FollowUp.objects.filter(
        status__in=(FollowUpStatus.SCHEDULED, FollowUpStatus.SENT), expires_at__lte=now
    )
    for pk in expired.values_list("pk", flat=True):
        changed += _unanswered(pk, now)
    return changed


def _resend(pk: int, now: dt.datetime, hours: int) -> int:
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("session__episode__patient", "session__clinic", "message")
            .filter(
                pk=pk,
                status=FollowUpStatus.SENT,
                resent_message__isnull=True,
                due_at__lte=now - dt.timedelta(hours=hours),
                expires_at__gt=now,
            )
            .first()
        )
        if follow_up is None or follow_up.message is None:
            return 0
        session = follow_up.session
        follow_up.resent_message = queue(
            patient=session.episode.patient,
            clinic=session.clinic,
            template=TEMPLATE,
            key=f"follow-up:{follow_up.pk}:again",
            context=follow_up.message.context | {"again": True},
            link=Link.from_context(follow_up.message.context["link"]),
            due_at=now,
        )
        follow_up.save(update_fields=["resent_message"])
        record_events.record(
            events.FOLLOW_UP_RESENT,
            follow_up,
            about=session.episode,
            detail={"check": follow_up.check_id, "message": follow_up.resent_message.pk},
        )
    return 1


def _unanswered(pk: int, now: dt.datetime) -> int:
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("session__episode")
            .filter(
                pk=pk,
                status__in=(FollowUpStatus.SCHEDULED, FollowUpStatus.SENT),
                expires_at__lte=now,
            )
            .first()
        )
        if follow_up is None:
            return 0
        follow_up.status = FollowUpStatus.UNANSWERED
        follow_up.save(update_fields=["status"])
        record_events.record(
            events.FOLLOW_UP_UNANSWERED,
            follow_up,
            about=follow_up.session.episode,
            detail={"check": follow_up.check_id},
        )
    return 1


# Telling the staff


def staff_to_tell(follow_up: FollowUp) -> list[str]:
    """The practitioner's address and those of the clinic's managers."""
    managers = User.objects.filter(
        is_active=True,
        memberships__clinic_id=follow_up.clinic_id,
        memberships__role=Role.CLINIC_MANAGER,
    )
    people = [follow_up.session.physiotherapist, *managers]
    return list(dict.fromkeys(p.email for p in people if p.is_active and p.email))


@task(backend="database")
def notify_staff(follow_up_id: int) -> str:
    """Email the practitioner and the managers that a follow-up answer needs them: only a
    link to the session, never what the patient answered."""
    follow_up = FollowUp.objects.select_related("session__physiotherapist", "clinic").get(
        pk=follow_up_id
    )
    recipients = staff_to_tell(follow_up)
    if not recipients:
        log.warning("Follow-up %s: nobody to email about its alert", follow_up.pk)
        return "no recipients"
    path = reverse("treatment:session", args=[follow_up.session_id])
    context = {
        "clinic": follow_up.clinic,
        "url": f"{settings.FASCIA_BASE_URL}{path}#follow-ups",
    }
    send_mail(
        subject=render_to_string("treatment/follow_up/email/alert_subject.txt", context).strip(),
        message=render_to_string("treatment/follow_up/email/alert_body.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return "sent"
