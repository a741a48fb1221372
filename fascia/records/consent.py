"""Consent to dry needling: the text shown, recording the patient's consent, and withdrawing it.

The text is made from the episode's pathway (`fascia.pathways.consent_text`) and stored with
the consent, with its version and hash, exactly as the patient was shown it. Who may consent
is the pathway's rules (`fascia.pathways.consent_requirements`), read with the patient's age
(from their date of birth, or else their screening answer) and their screening answers: no
consent under the pathway's minimum age, a parent or guardian for a young person, an
interpreter when the patient asked for one. Consent recorded after the assessment moves the
episode on to treatment. A consent is never deleted: withdrawing it records when, by whom
and why; it does not move the episode back, and the episode page asks for consent again.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts.models import User
from fascia.clinics.permissions import Capability, can
from fascia.pathways import (
    AnswerValue,
    ConsentRequirements,
    ConsentRule,
    ConsentText,
    consent_requirements,
    consent_text,
)

from . import events
from .actions import ActionError, episode_set_status
from .models import Consent, Episode, EpisodeStatus, Patient
from .screening import latest_screening, pathway_of, stored_answers


def episode_consent_text(episode: Episode) -> ConsentText:
    """The consent text for the episode's pathway, naming its clinic and number to call."""
    clinic = episode.clinic
    contact = f"{clinic.name} on {clinic.phone.as_international}" if clinic.phone else clinic.name
    return consent_text(pathway_of(episode), contact=contact)


def age_on(birth: date, today: date) -> int:
    """Age in whole years on `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Who:
    """The patient's age (and where it comes from) and what the pathway requires for consent."""

    age: int | None
    age_from_birth_date: bool
    requirements: ConsentRequirements


def who_consents(episode: Episode) -> Who:
    """The consent requirements for the episode's patient: their age from the date of birth
    (or else the latest screening's answer), and the latest screening's answers."""
    screening = latest_screening(episode)
    answers: dict[str, AnswerValue] = stored_answers(screening) if screening else {}
    patient: Patient = episode.patient
    if patient.date_of_birth:
        age: int | None = age_on(patient.date_of_birth, timezone.localdate())
        answers["age"] = Decimal(age)
    else:
        answered = answers.get("age")
        age = int(answered) if isinstance(answered, Decimal) else None
    return Who(
        age=age,
        age_from_birth_date=patient.date_of_birth is not None,
        requirements=consent_requirements(pathway_of(episode), answers),
    )


def rule_reference(rule: ConsentRule) -> str:
    """How a message names the pathway rule it applies: "(rule-id; source, source)"."""
    return f"({rule.id}; {', '.join(rule.sources)})"


@dataclass(frozen=True)
class ConsentDetails:
    """What the consent form collects."""

    patient_confirmed: bool
    interpreter_name: str = ""
    interpreter_language: str = ""
    guardian_name: str = ""
    guardian_relationship: str = ""


def consent_problems(requirements: ConsentRequirements, details: ConsentDetails) -> dict[str, str]:
    """What stops this consent being recorded, by form field ("" for the consent as a whole)."""
    problems: dict[str, str] = {}
    if requirements.refused is not None:
        problems[""] = _("Consent to dry needling cannot be recorded: %(rule)s %(ref)s") % {
            "rule": requirements.refused.text,
            "ref": rule_reference(requirements.refused),
        }
    if not details.patient_confirmed:
        problems["patient_confirmed"] = _("Tick the box once the patient has confirmed.")
    _both_given(
        problems,
        details,
        why=_because(_("The patient asked for an interpreter"), requirements.interpreter),
        asks={
            "interpreter_name": _("Give the interpreter's name."),
            "interpreter_language": _("Give the language they interpreted."),
        },
    )
    _both_given(
        problems,
        details,
        why=_because(_("A parent or guardian consents too"), requirements.guardian),
        asks={
            "guardian_name": _("Give the parent's or guardian's name."),
            "guardian_relationship": _("Give their relationship to the patient."),
        },
    )
    return problems


def _because(what: str, rule: ConsentRule | None) -> str:
    """What a rule that holds requires, naming the rule; "" when it does not hold."""
    return f"{what} {rule_reference(rule)}." if rule else ""


def _both_given(
    problems: dict[str, str], details: ConsentDetails, *, why: str, asks: dict[str, str]
) -> None:
    """A pair of fields (a name and a language, a name and a relationship) is required when
    a rule says so (`why`) and, once either is given, so is the other."""
    given = {field: getattr(details, field) for field in asks}
    if not why and not any(given.values()):
        return
    for field, ask in asks.items():
        if not given[field]:
            problems[field] = f"{why} {ask}".strip()


def consent_record(
    *, episode: Episode, details: ConsentDetails, by: User, ip: str | None
) -> Consent:
    """Record the patient's consent to the episode's consent text, explained by `by`.

    Refused (ActionError) on a closed episode, while a consent is in force, and when the
    pathway's rules are not met (`consent_problems`).
    """
    if not can(by, Capability.CLINICAL, episode.clinic_id):
        raise ActionError(_("Only a physiotherapist of this clinic can record consent."))
    if not episode.is_open:
        raise ActionError(_("This episode is closed: no consent can be recorded."))
    problems = consent_problems(who_consents(episode).requirements, details)
    if problems:
        raise ActionError(" ".join(problems.values()))
    text = episode_consent_text(episode)
    with transaction.atomic():
        # One consent in force at a time: two clinicians recording at once take turns.
        Episode.objects.select_for_update().get(pk=episode.pk)
        if episode.consents.filter(withdrawn_at__isnull=True).exists():
            raise ActionError(
                _("Consent is already recorded for this episode. Withdraw it to record another.")
            )
        consent = Consent.objects.create(
            episode=episode,
            text_version=text.version,
            text_sha256=text.sha256,
            text=text.text,
            explained_by=by,
            patient_confirmed=True,
            interpreter_name=details.interpreter_name,
            interpreter_language=details.interpreter_language,
            guardian_name=details.guardian_name,
            guardian_relationship=details.guardian_relationship,
        )
        events.record(
            events.CONSENT_RECORDED,
            consent,
            about=episode,
            by=by,
            ip=ip,
            detail={
                "version": text.version,
                "sha256": text.sha256,
                "interpreter": bool(details.interpreter_name),
                "guardian": bool(details.guardian_name),
            },
        )
        if episode.status == EpisodeStatus.ASSESSMENT and episode.assessments.exists():
            episode_set_status(
                episode, EpisodeStatus.TREATMENT, by=by, ip=ip, reason="consent recorded"
            )
    return consent


def consent_withdraw(*, consent: Consent, reason: str, by: User, ip: str | None) -> Consent:
    """Record that the patient withdrew their consent, and why. The consent stays."""
    reason = reason.strip()
    if not reason:
        raise ActionError(_("Give the reason the patient gave, or that none was given."))
    with transaction.atomic():
        consent = Consent.objects.select_for_update().select_related("episode").get(pk=consent.pk)
        if not can(by, Capability.CLINICAL, consent.episode.clinic_id):
            raise ActionError(_("Only a physiotherapist of this clinic can record a withdrawal."))
        if consent.withdrawn_at is not None:
            raise ActionError(_("This consent has already been withdrawn."))
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_recorded_by = by
        consent.withdrawal_reason = reason
        consent.save(update_fields=["withdrawn_at", "withdrawn_recorded_by", "withdrawal_reason"])
        events.record(events.CONSENT_WITHDRAWN, consent, about=consent.episode, by=by, ip=ip)
    return consent


def episode_consent(episode: Episode, consent_id: int) -> Consent:
    """One of the episode's consents; 404 for any other id."""
    try:
        return episode.consents.select_related("explained_by").get(pk=consent_id)
    except Consent.DoesNotExist:
        raise Http404 from None
