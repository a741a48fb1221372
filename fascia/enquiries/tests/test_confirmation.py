"""The confirmation page: the sender sees the number we will call and the clinic; a stranger
who guesses a reference sees neither."""

import time
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core import signing

from fascia.enquiries.confirmation import MAX_AGE_SECONDS, PARAMETER, confirmation_url
from fascia.enquiries.models import PhoneKind

from .factories import EnquiryFactory

pytestmark = pytest.mark.django_db


def page_soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def page_text(response) -> str:
    """The page's own text (the footer lists every clinic on every page)."""
    return page_soup(response).main.get_text(" ", strip=True)


def url_signed_ago(enquiry, seconds: int, monkeypatch) -> str:
    """The confirmation address as the form would have given it `seconds` ago."""
    then = time.time() - seconds
    with monkeypatch.context() as clock:
        clock.setattr(signing.time, "time", lambda: then)
        return confirmation_url(enquiry)


def bare_url(enquiry) -> str:
    return urlsplit(confirmation_url(enquiry)).path


class TestWithTheSignature:
    def test_it_repeats_the_number_as_the_person_writes_it_and_the_clinic(self, client, bangalore):
        enquiry = EnquiryFactory(phone="+919876543210", clinic=bangalore)
        text = page_text(client.get(confirmation_url(enquiry)))
        assert enquiry.reference in text
        assert "We will call 98765 43210" in text
        assert "098765" not in text
        assert f"Clinic {bangalore.name}" in text

    def test_it_says_either_clinic_when_none_was_chosen(self, client):
        text = page_text(client.get(confirmation_url(EnquiryFactory(clinic=None))))
        assert "Clinic Either clinic" in text

    def test_a_landline_keeps_its_std_code_and_a_foreign_number_its_country_code(self, client):
        landline = EnquiryFactory(phone="+918023456789", phone_kind=PhoneKind.LANDLINE)
        foreign = EnquiryFactory(phone="+442079460958", phone_kind=PhoneKind.OTHER)
        assert "We will call 080 2345 6789" in page_text(client.get(confirmation_url(landline)))
        assert "We will call +44 20 7946 0958" in page_text(client.get(confirmation_url(foreign)))

    def test_it_still_shows_the_details_just_before_the_hour_is_up(self, client, monkeypatch):
        enquiry = EnquiryFactory(phone="+919876543210")
        url = url_signed_ago(enquiry, MAX_AGE_SECONDS - 60, monkeypatch)
        assert "We will call 98765 43210" in page_text(client.get(url))

    def test_the_page_is_never_kept_by_a_cache(self, client):
        response = client.get(confirmation_url(EnquiryFactory()))
        assert "private" in response["Cache-Control"]
        assert "no-store" in response["Cache-Control"]


class TestWithoutTheSignature:
    def assert_masked(self, response, enquiry, clinic_name=""):
        soup = page_soup(response)
        text = soup.main.get_text(" ", strip=True)
        assert enquiry.reference in text
        assert "We will call you on the number ending in 210" in text
        national = enquiry.phone.as_e164.removeprefix("+91")
        assert national[:-3] not in text.replace(" ", "")
        assert not soup.select("main dl")
        if clinic_name:
            assert clinic_name not in text

    def test_a_guessed_reference_shows_only_the_last_three_digits(self, client, bangalore):
        enquiry = EnquiryFactory(phone="+919876543210", clinic=bangalore)
        response = client.get(bare_url(enquiry))
        self.assert_masked(response, enquiry, clinic_name=bangalore.name)
        assert "private" in response["Cache-Control"]

    def test_after_an_hour_the_number_is_masked_again(self, client, monkeypatch):
        enquiry = EnquiryFactory(phone="+919876543210")
        url = url_signed_ago(enquiry, MAX_AGE_SECONDS + 60, monkeypatch)
        self.assert_masked(client.get(url), enquiry)

    def test_another_enquirys_signature_does_not_open_this_one(self, client):
        enquiry = EnquiryFactory(phone="+919876543210")
        other = EnquiryFactory()
        query = urlsplit(confirmation_url(other)).query
        self.assert_masked(client.get(f"{bare_url(enquiry)}?{query}"), enquiry)

    def test_a_signature_made_with_another_salt_is_refused(self, client):
        enquiry = EnquiryFactory(phone="+919876543210")
        forged = signing.TimestampSigner(salt="something else").sign(enquiry.reference)
        response = client.get(bare_url(enquiry), {PARAMETER: forged})
        self.assert_masked(response, enquiry)

    def test_an_erased_enquiry_shows_its_reference_and_no_number(self, client):
        enquiry = EnquiryFactory(phone="")
        text = page_text(client.get(confirmation_url(enquiry)))
        assert enquiry.reference in text
        assert "We will call" not in text

    def test_an_unknown_reference_is_not_found(self, client):
        assert client.get("/enquire/received/ZZZZZZ/").status_code == 404
