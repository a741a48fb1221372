"""One patient with a full clinical record at the Bangalore clinic, and everyone around it.

The access table (`access_table.py`), the strict-CSP walk and the front desk's field-level
tests share it: Kavya's enquiry with her self-check's answers, which became her episode,
and another still new; a private link, a screening whose answers raised an alert, a
judgement, an assessment with its findings and working diagnosis, and a consent. Made
through the same actions the pages use.
"""

from dataclasses import dataclass

import pytest
from wagtail.models import Site

from fascia.accounts.models import User
from fascia.clinics.models import Clinic, Membership
from fascia.enquiries import self_check_answers
from fascia.enquiries.models import Enquiry
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.pathways import ExaminationInput
from fascia.records.assessment import assessment_record
from fascia.records.consent import ConsentDetails, consent_record
from fascia.records.models import (
    Alert,
    Assessment,
    Consent,
    Episode,
    Judgement,
    LinkKind,
    Patient,
    PatientLink,
)
from fascia.records.screening import judgement_record, patient_link_create, screening_record
from fascia.records.tests.answers import CLEAR
from fascia.records.tests.factories import make_episode, make_patient

# Clinical text typed by clinicians, which only clinicians may ever see.
FINDINGS = "Marked tenderness over the left piriformis; reproduces the buttock ache."
JUDGEMENT_REASON = "Treated for breast cancer twelve years ago, discharged; no signs now."
ENQUIRY_MESSAGE = "Sciatic-type ache for three months, worse on long drives."


@dataclass
class FullRecord:
    clinic: Clinic
    priya: User
    arjun: User
    kiran: User
    meera: User
    farah: User
    neha: User
    asha: User
    vikram: User
    patient: Patient
    episode: Episode
    enquiry: Enquiry
    """Bangalore's enquiry that is still new (Kavya's own became her episode)."""
    link: PatientLink
    alert: Alert
    assessment: Assessment
    consent: Consent
    membership: Membership
    """Kiran's membership of the Bangalore clinic."""
    home_page_id: int

    def persona(self, name: str) -> User:
        user: User = getattr(self, name)
        return user


def build_full_record(
    *, bangalore: Clinic, priya, arjun, kiran, meera, farah, neha, asha, vikram
) -> FullRecord:
    patient = make_patient(
        bangalore, by=priya, name="Kavya Rao", email="kavya@example.in", mobile="+919845012345"
    )
    episode = make_episode(bangalore, by=priya, physiotherapist=arjun, patient=patient)
    EnquiryFactory(
        clinic=bangalore,
        episode=episode,
        name="Kavya Rao",
        message=ENQUIRY_MESSAGE,
        self_check=self_check_answers.new().with_answers({"saddle_numbness": False}).stored(),
    )
    enquiry = EnquiryFactory(clinic=bangalore, name="Sunil Menon", message=ENQUIRY_MESSAGE)
    link, _token = patient_link_create(episode=episode, kind=LinkKind.SCREENING, by=priya, ip=None)
    screening = screening_record(
        episode=episode, answers={**CLEAR, "cancer_history": True}, by=arjun, ip=None
    )
    judgement_record(
        screening=screening,
        judgement=Judgement.PROCEED,
        reason=JUDGEMENT_REASON,
        by=arjun,
        ip=None,
    )
    episode.refresh_from_db()
    assessment = assessment_record(
        episode=episode,
        examination=ExaminationInput(
            pain={"now": 6, "worst_week": 8, "least_week": 3},
            sitting_minutes=20,
            diagnosis_code="G57.0",
            diagnosis_side="left",
        ),
        history={},
        findings=FINDINGS,
        by=arjun,
        ip=None,
    )
    episode.refresh_from_db()
    consent = consent_record(episode=episode, details=ConsentDetails(True), by=arjun, ip=None)
    return FullRecord(
        clinic=bangalore,
        priya=priya,
        arjun=arjun,
        kiran=kiran,
        meera=meera,
        farah=farah,
        neha=neha,
        asha=asha,
        vikram=vikram,
        patient=patient,
        episode=episode,
        enquiry=enquiry,
        link=link,
        alert=screening.alerts.get(),
        assessment=assessment,
        consent=consent,
        membership=Membership.objects.get(user=kiran, clinic=bangalore),
        home_page_id=Site.objects.get(is_default_site=True).root_page_id,
    )


@pytest.fixture
def full_record(bangalore, priya, arjun, kiran, meera, farah, neha, asha, vikram) -> FullRecord:
    return build_full_record(
        bangalore=bangalore,
        priya=priya,
        arjun=arjun,
        kiran=kiran,
        meera=meera,
        farah=farah,
        neha=neha,
        asha=asha,
        vikram=vikram,
    )
