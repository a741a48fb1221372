"""Field level: the front desk sees contact details, never clinical content, wherever they look.

Kavya's full record (`full_record.py`) holds her self-check's answers sent with her
enquiry, screening answers that raised an alert, a clinician's judgement, an assessment
with findings and a working diagnosis, and a signed consent. Priya, at the front desk of
the same clinic, opens every page and file she may open about Kavya and finds none of it;
Arjun, her physiotherapist, finds it where it lives (so the check looks for text that is
really there).
"""

import pytest

from fascia.tests.full_record import FINDINGS, JUDGEMENT_REASON
from fascia.tests.personas import signed_in


def clinical_text(record) -> dict[str, str]:
    """Clinical text from Kavya's record, each with what it is."""
    consent_line = max(record.consent.text.splitlines(), key=len).strip()
    return {
        "assessment findings": FINDINGS,
        "judgement reason": JUDGEMENT_REASON,
        "alert message": record.alert.message,
        "working diagnosis": "G57.0",
        "screening answer": "History of cancer",
        "self-check answer": "Saddle anaesthesia",
        "consent text": consent_line[:80],
    }


def leaks(content: str, record) -> list[str]:
    return [what for what, text in clinical_text(record).items() if text in content]


def front_desk_places(record) -> dict[str, str]:
    """Every place Priya may open that concerns Kavya: pages, search results and exports."""
    episode = record.episode
    kavya_enquiry = episode.enquiries.get()
    return {
        "start page": "/app/",
        "patient search": "/app/patients/?q=Kavya",
        "patient page": f"/app/patients/{record.patient.pk}/",
        "patient edit page": f"/app/patients/{record.patient.pk}/edit/",
        "patient's data and requests": f"/app/patients/{record.patient.pk}/data/",
        "new episode page": f"/app/patients/{record.patient.pk}/episodes/new/",
        "links page": f"/app/episodes/{episode.pk}/links/",
        "inbox": "/app/enquiries/",
        "inbox export": "/app/enquiries/export.csv",
        "inbox enquiry": f"/app/enquiries/{kavya_enquiry.reference}/",
    }


@pytest.mark.django_db
class TestTheFrontDesk:
    def test_it_finds_no_clinical_text_where_it_works(self, client, full_record):
        signed_in(client, full_record.priya)
        found = {}
        for place, url in front_desk_places(full_record).items():
            response = client.get(url)
            assert response.status_code == 200, (place, response.status_code)
            if leaked := leaks(response.content.decode(), full_record):
                found[place] = leaked
        assert not found, f"clinical text shown to the front desk: {found}"

    def test_it_sees_the_contact_details_there(self, client, full_record):
        signed_in(client, full_record.priya)
        page = client.get(f"/app/patients/{full_record.patient.pk}/").content.decode()
        assert "Kavya Rao" in page
        assert "kavya@example.in" in page
        assert "Kavya Rao" in client.get("/app/patients/?q=Kavya").content.decode()

    def test_the_open_alert_shows_whose_it_is_but_not_what_it_says(self, client, full_record):
        signed_in(client, full_record.priya)
        for url in ("/app/", "/app/enquiries/"):
            content = client.get(url).content.decode()
            assert "Kavya Rao" in content
            assert full_record.alert.message not in content


@pytest.mark.django_db
class TestTheCheckFindsWhatIsThere:
    """The same text is on the clinical pages, for those who may read them."""

    def test_the_physiotherapist_reads_it(self, client, full_record):
        signed_in(client, full_record.arjun)
        episode = full_record.episode
        pages = "".join(
            client.get(url).content.decode()
            for url in (
                f"/app/episodes/{episode.pk}/",
                f"/app/episodes/{episode.pk}/screening/",
                f"/app/episodes/{episode.pk}/assessment/{full_record.assessment.pk}/",
                f"/app/episodes/{episode.pk}/consent/",
                f"/app/enquiries/{episode.enquiries.get().reference}/",
            )
        )
        assert sorted(leaks(pages, full_record)) == sorted(clinical_text(full_record))
