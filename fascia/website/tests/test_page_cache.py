import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import PageViewRestriction

from fascia.clinics.models import Clinic, OpeningHours
from fascia.website.models import ClinicSettings, TreatmentPage

URL = "/treatments/dry-needling-for-piriformis-syndrome/"


@pytest.mark.django_db
class TestPageCache:
    def test_an_anonymous_visit_is_stored_and_then_served_from_the_cache(self, client, site):
        first = client.get(URL)
        second = client.get(URL)
        assert first["X-Page-Cache"] == "miss"
        assert second["X-Page-Cache"] == "hit"

    def test_two_anonymous_visitors_get_byte_identical_pages(self, client, site):
        first = client.get(URL)
        second = Client().get(URL, headers={"accept-encoding": "identity"})
        assert b'name="form_token"' in first.content
        assert second.content == first.content

    def test_shared_caches_may_keep_it_and_browsers_revalidate_with_an_etag(
        self, client, site, settings
    ):
        settings.FASCIA_SHARED_CACHE_SECONDS = 300
        first = client.get(URL)
        directives = {part.strip() for part in first["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=0", "s-maxage=300"}
        again = client.get(URL, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304

    def test_query_strings_a_page_does_not_read_make_no_new_entries(self, client, site):
        client.get(URL)
        for number in range(20):
            response = client.get(f"{URL}?utm_source=x{number}&from=&page={number}")
            assert response["X-Page-Cache"] == "hit"

    def test_the_query_string_the_enquiry_form_reads_is_kept_apart(self, client, site):
        treatment = TreatmentPage.objects.get()
        assert client.get("/enquire/")["X-Page-Cache"] == "miss"
        opened = client.get(f"/enquire/?from={treatment.pk}")
        assert opened["X-Page-Cache"] == "miss"
        assert treatment.title.encode() in opened.content
        assert client.get(f"/enquire/?from={treatment.pk}&ref=ad")["X-Page-Cache"] == "hit"

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
        assert response.content == before

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
        for _ in range(2):
            response = client.get(URL)
            assert "X-Page-Cache" not in response
            assert "private" in response["Cache-Control"]
            assert "public" not in response["Cache-Control"]

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
