import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import PageViewRestriction

from fascia.clinics.models import Clinic, OpeningHours
from fascia.website.models import ClinicSettings, TreatmentPage

URL = "/treatments/dry-needling-for-piriformis-syndrome/"
FORM_TOKEN = re.compile(rb'(name="form_token" value=")[^"]+"')


def without_form_tokens(content: bytes) -> bytes:
    """The page with its enquiry form tokens blanked: those are fresh on every response."""
    return FORM_TOKEN.sub(rb'\1"', content)


@pytest.mark.django_db
class TestPageCache:
    def test_an_anonymous_visit_is_stored_and_then_served_from_the_cache(self, client, site):
        first = client.get(URL)
        second = client.get(URL)
        assert first["X-Page-Cache"] == "miss"
        assert second["X-Page-Cache"] == "hit"
        assert without_form_tokens(second.content) == without_form_tokens(first.content)

    def test_the_browser_revalidates_with_an_etag(self, client, site):
        first = client.get(URL)
        assert "max-age=0" in first["Cache-Control"]
        again = client.get(URL, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304

    def test_publishing_a_change_is_seen_on_the_next_visit(self, client, site):
        client.get(URL)
        page = TreatmentPage.objects.get()
        page.summary = "A freshly published summary."
        page.save_revision().publish()
        response = client.get(URL)
        assert response["X-Page-Cache"] == "miss"
        assert b"A freshly published summary." in response.content

    def test_saving_a_draft_changes_nothing_for_visitors(self, client, site):
        before = client.get(URL).content
        page = TreatmentPage.objects.get()
        page.summary = "Only a draft."
        page.save_revision()
        response = client.get(URL)
        assert response["X-Page-Cache"] == "hit"
        assert without_form_tokens(response.content) == without_form_tokens(before)

    def test_changing_the_clinic_phone_number_empties_the_cache(self, client, site):
        client.get(URL)
        details = ClinicSettings.load()
        details.phone = "+91 80 1234 5678"
        details.save()
        response = client.get(URL)
        assert response["X-Page-Cache"] == "miss"
        assert b"+91 80 1234 5678" in response.content

    def test_a_clinic_record_changed_is_seen_on_its_page_at_the_next_request(self, client, site):
        clinic_page = "/clinics/bangalore/"
        client.get(clinic_page)
        assert client.get(clinic_page)["X-Page-Cache"] == "hit"
        clinic = Clinic.objects.get(slug="bangalore")
        clinic.phone = "+918045678901"
        clinic.save()
        response = client.get(clinic_page)
        assert response["X-Page-Cache"] == "miss"
        assert b"+91 80 4567 8901" in response.content

        client.get(clinic_page)
        clinic.opening_hours.filter(weekday=6).delete()
        OpeningHours.objects.create(
            clinic=clinic, weekday=6, opens=datetime.time(7), closes=datetime.time(8, 30)
        )
        response = client.get(clinic_page)
        assert response["X-Page-Cache"] == "miss"
        assert "07:00\N{EN DASH}08:30".encode() in response.content

    def test_a_signed_in_user_is_never_served_from_or_stored_in_the_cache(self, client, site):
        user = get_user_model().objects.create_user("neha", password="x")
        client.force_login(user)
        assert "X-Page-Cache" not in client.get(URL)
        assert "X-Page-Cache" not in client.get(URL)

    def test_a_page_made_private_is_no_longer_answered_from_the_cache(self, client, site):
        client.get(URL)
        PageViewRestriction.objects.create(
            page=TreatmentPage.objects.get(),
            restriction_type=PageViewRestriction.PASSWORD,
            password="only-for-staff",
        )
        for _ in range(2):
            response = client.get(URL)
            assert b'name="password"' in response.content
            assert b"form_token" not in response.content
            assert "X-Page-Cache" not in response

    def test_a_missing_page_is_not_cached(self, client, site):
        assert client.get("/no-such-page/").status_code == 404
        assert "X-Page-Cache" not in client.get("/no-such-page/")


@pytest.mark.django_db
def test_staff_pages_are_never_stored(client, site):
    response = client.get("/cms/login/")
    assert response["Cache-Control"] == "private, no-store"
    assert "X-Page-Cache" not in response
