"""The self-check sent with an enquiry, on the enquiry's staff page.

Its answers are health information: a user with clinical access in the enquiry's clinic
(any clinic, for an enquiry for either clinic) reads them in the clinician's wording with
the engine's decision, its reasons and their sources; anyone else reads only that one was
sent.
"""

from datetime import datetime

from django import template

from fascia.clinics.permissions import Capability, can, clinic_ids_for
from fascia.pathways import REGISTRY, Pathway, Respondent, TriageOutcome, answers_from_json
from fascia.pathways.models import TriageVerdict
from fascia.records.forms.questions import Steps, answer_rows
from fascia.records.screening import OUTCOME_LABELS

register = template.Library()


def _verdicts(pathway: Pathway) -> dict[str, TriageVerdict]:
    """Every verdict the triage of this pathway can give, by id."""
    found: list[TriageVerdict] = [
        *pathway.triage.rules,
        pathway.triage.when_nothing_fires,
        pathway.triage.when_incomplete,
    ]
    if pathway.fit is not None:
        found.append(pathway.fit.when_not_fitting)
    return {verdict.id: verdict for verdict in found}


def _may_read_answers(user, enquiry) -> bool:
    if enquiry.clinic_id is None:
        return bool(clinic_ids_for(user, Capability.CLINICAL))
    return can(user, Capability.CLINICAL, enquiry.clinic_id)


@register.inclusion_tag("enquiries/inbox/includes/self_check.html", takes_context=True)
def self_check_panel(context, enquiry):
    sent = enquiry.self_check
    result = {"sent": bool(sent), "clinical": False}
    if not sent or not _may_read_answers(context["request"].user, enquiry):
        return result
    pathway = REGISTRY.get(sent["pathway"], sent["version"], sha256=sent["sha256"])
    answers = answers_from_json(pathway.screening_questions, sent["answers"])
    steps = Steps(pathway, answers, Respondent.PATIENT)
    verdicts = _verdicts(pathway)
    result.update(
        clinical=True,
        pathway=pathway,
        outcome=OUTCOME_LABELS[TriageOutcome(sent["outcome"])],
        emergency=sent["outcome"] == TriageOutcome.EMERGENCY_REFERRAL,
        reasons=[verdicts[rule_id] for rule_id in sent["fired"] if rule_id in verdicts],
        sections=[
            (group, answer_rows(steps.shown_in(group), steps.answers, Respondent.CLINICIAN))
            for group in steps.groups
        ],
        decided_at=datetime.fromisoformat(sent["decided_at"]),
    )
    return result
