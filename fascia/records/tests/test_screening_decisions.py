"""The stored decision is the engine's, for every red flag, and alerts follow it."""

import pytest

from fascia.pathways import Respondent, TriageOutcome, triage
from fascia.records.models import AlertKind, EpisodeStatus, LinkKind
from fascia.records.screening import (
    patient_link_create,
    patient_link_find,
    screening_complete,
    screening_record,
    screening_save,
)
from fascia.records.tests.answers import CLEAR, PATHWAY

RED_FLAGS = [q.id for g in PATHWAY.screening if g.kind == "red_flags" for q in g.questions]


def test_a_clear_self_screening_is_stored_as_the_engine_decides_it(kavya_episode, priya):
    link, token = patient_link_create(
        episode=kavya_episode, kind=LinkKind.SCREENING, by=priya, ip=None
    )
    assert patient_link_find(token) == link
    screening_save(link=link, answers=CLEAR)
    screening = screening_complete(link=link)
    expected = triage(PATHWAY, CLEAR, respondent=Respondent.PATIENT)
    assert screening.outcome == expected.outcome == TriageOutcome.SUITABLE
    assert [f["id"] for f in screening.fired] == [f.id for f in expected.fired]
    assert not screening.alerts.exists()
    link.refresh_from_db()
    assert not link.is_usable()


@pytest.mark.parametrize("flag", RED_FLAGS)
def test_every_red_flag_is_stored_as_the_engine_decides_and_alerts(kavya_episode, arjun, flag):
    answers = {**CLEAR, flag: True}
    if flag == "new_pain":
        answers["age"] = 55
    screening = screening_record(episode=kavya_episode, answers=answers, by=arjun, ip=None)
    expected = triage(PATHWAY, answers)
    assert (screening.outcome, [f["id"] for f in screening.fired]) == (
        expected.outcome,
        [f.id for f in expected.fired],
    )
    assert screening.outcome in {TriageOutcome.EMERGENCY_REFERRAL, TriageOutcome.CLINICIAN_REVIEW}
    assert list(screening.alerts.values_list("kind", flat=True)) == [
        AlertKind.EMERGENCY
        if screening.outcome == TriageOutcome.EMERGENCY_REFERRAL
        else AlertKind.CLINICIAN_REVIEW
    ]


def test_an_emergency_answer_alerts_and_refers_before_the_patient_finishes(kavya_episode, priya):
    link, _ = patient_link_create(episode=kavya_episode, kind=LinkKind.SCREENING, by=priya, ip=None)
    saved = screening_save(link=link, answers={"saddle_numbness": True})
    assert saved.decision.outcome is TriageOutcome.EMERGENCY_REFERRAL
    assert saved.screening.completed_at is None
    assert list(saved.screening.alerts.values_list("kind", flat=True)) == [AlertKind.EMERGENCY]
    kavya_episode.refresh_from_db()
    assert kavya_episode.status == EpisodeStatus.REFERRED
    screening_save(link=link, answers={"bladder_bowel_change": True})
    assert saved.screening.alerts.count() == 1
