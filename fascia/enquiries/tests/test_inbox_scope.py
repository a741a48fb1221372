"""Who sees which enquiries: staff see their clinics' and those for "either clinic"."""

import pytest
from bs4 import BeautifulSoup

from fascia.tests.personas import signed_in
from fascia.website.models import ClinicPage

from .factories import EnquiryFactory
from .test_inbox import listed_references

LIST_URL = "/app/enquiries/"


def listed(client, query=""):
    return set(listed_references(client, query))


@pytest.fixture
def enquiries(bangalore, hyderabad):
    return {
        "bangalore": EnquiryFactory(clinic=bangalore),
        "hyderabad": EnquiryFactory(clinic=hyderabad),
        "either": EnquiryFactory(clinic=None),
    }


@pytest.mark.django_db
class TestInboxScope:
    def test_the_hyderabad_physiotherapist_gets_404_for_a_bangalore_enquiry(
        self, client, meera, enquiries
    ):
        signed_in(client, meera)
        bangalore = enquiries["bangalore"].reference
        assert client.get(f"{LIST_URL}{bangalore}/").status_code == 404
        assert client.get(f"{LIST_URL}{enquiries['hyderabad'].reference}/").status_code == 200

    def test_bangalore_front_desk_sees_bangalore_and_either_clinic_not_hyderabad(
        self, client, priya, enquiries
    ):
        signed_in(client, priya)
        assert listed(client) == {enquiries["bangalore"].reference, enquiries["either"].reference}
        # Hyderabad is not offered as a filter; asking for it anyway shows nothing of it.
        assert enquiries["hyderabad"].reference not in listed(
            client, f"?clinic={enquiries['hyderabad'].clinic_id}"
        )
        hyderabad = enquiries["hyderabad"].reference
        assert client.get(f"{LIST_URL}{hyderabad}/").status_code == 404
        assert client.post(f"{LIST_URL}{hyderabad}/note/", {"text": "hi"}).status_code == 404
        assert enquiries["hyderabad"].notes.count() == 0

    def test_the_counts_and_export_hold_only_what_the_person_may_see(
        self, client, priya, enquiries
    ):
        signed_in(client, priya)
        export = client.get(f"{LIST_URL}export.csv").content.decode()
        assert enquiries["bangalore"].reference in export
        assert enquiries["hyderabad"].reference not in export

    def test_the_manager_of_both_clinics_sees_every_enquiry(self, client, farah, enquiries):
        signed_in(client, farah)
        assert listed(client) == {e.reference for e in enquiries.values()}

    def test_the_content_editor_cannot_open_the_inbox(self, client, neha, enquiries):
        signed_in(client, neha)
        assert client.get(LIST_URL).status_code == 404
        assert client.get(f"{LIST_URL}{enquiries['either'].reference}/").status_code == 404

    def test_an_administrator_without_a_clinic_role_reads_no_enquiries(
        self, client, asha, enquiries
    ):
        signed_in(client, asha)
        assert client.get(LIST_URL).status_code == 404

    def test_unpublishing_a_clinic_page_leaves_its_enquiries_and_the_filter_as_they_were(
        self, client, farah, bangalore, enquiries
    ):
        signed_in(client, farah)
        before = listed(client, f"?clinic={bangalore.pk}")
        ClinicPage.objects.get(clinic=bangalore).unpublish()
        soup = BeautifulSoup(client.get(LIST_URL).content, "html.parser")
        assert bangalore.name in [o.get_text() for o in soup.select("select[name=clinic] option")]
        assert (
            listed(client, f"?clinic={bangalore.pk}")
            == before
            == {enquiries["bangalore"].reference}
        )
