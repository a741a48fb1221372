"""Call, WhatsApp and the enquiry form, one tap each from the top of the pages that end with the
form; WhatsApp numbers as links wherever the public site shows them."""

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from fascia.website.models import ClinicSettings

PAGES_WITH_THE_FORM = {
    "condition": ("/conditions/piriformis-syndrome/", "Piriformis syndrome"),
    "therapy": ("/therapies/dry-needling/", "Dry needling"),
    "treatment": (
        "/treatments/dry-needling-for-piriformis-syndrome/",
        "Dry needling therapy for piriformis syndrome",
    ),
}
MAIN_NUMBER = "918951047001"  # the organisation's main and WhatsApp number in site.yaml


def soup_of(client, url) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def whatsapp_message(href: str) -> str:
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", f"/{MAIN_NUMBER}")
    return parse_qs(parts.query)["text"][0]


@pytest.mark.django_db
class TestTheActionsAtTheTop:
    @pytest.mark.parametrize("kind", list(PAGES_WITH_THE_FORM))
    def test_they_follow_the_heading_and_each_reaches_the_clinic_in_one_tap(
        self, client, site, kind
    ):
        url, title = PAGES_WITH_THE_FORM[kind]
        soup = soup_of(client, url)
        actions = soup.h1.find_next_sibling()
        assert actions.name == "ul"
        assert "page-actions" in actions["class"]
        call, whatsapp, enquire = (a["href"] for a in actions.select("a"))
        assert call == f"tel:+{MAIN_NUMBER}"
        assert title in whatsapp_message(whatsapp)
        assert enquire == "#enquire"
        assert soup.select_one("main #enquire form")

    def test_they_name_the_numbers_for_screen_readers(self, client, site):
        soup = soup_of(client, PAGES_WITH_THE_FORM["treatment"][0])
        names = [a.get_text(" ", strip=True) for a in soup.select(".page-actions a")]
        assert names == [
            "Call us on +91 89510 47001",
            "WhatsApp us on +91 89510 47001",
            "Ask online with the form on this page",
        ]

    def test_pages_without_the_form_have_none(self, client, site):
        for url in ("/", "/clinics/bangalore/", "/articles/sitting-and-buttock-pain/"):
            assert not soup_of(client, url).select(".page-actions"), url

    def test_without_a_readable_whatsapp_number_they_offer_calling_and_the_form(self, client, site):
        details = ClinicSettings.load()
        details.whatsapp = "ask at the desk"
        details.save()
        soup = soup_of(client, PAGES_WITH_THE_FORM["treatment"][0])
        hrefs = [a["href"] for a in soup.select(".page-actions a")]
        assert hrefs == [f"tel:+{MAIN_NUMBER}", "#enquire"]
        assert not soup.select("a[href^='https://wa.me/']")
        assert "on WhatsApp at ask at the desk" in soup.footer.get_text(" ", strip=True)


@pytest.mark.django_db
class TestWhatsAppNumbersAreLinks:
    def test_the_footer_links_the_whatsapp_number_on_every_page(self, client, site):
        for url in ("/", "/enquire/", PAGES_WITH_THE_FORM["condition"][0]):
            link = soup_of(client, url).footer.select_one("a[href^='https://wa.me/']")
            assert link["href"] == f"https://wa.me/{MAIN_NUMBER}", url
            assert link.get_text(strip=True) == "+91 89510 47001"

    def test_a_clinic_page_links_its_whatsapp_number(self, client, site):
        details = soup_of(client, "/clinics/hyderabad/").select_one(".clinic-details")
        assert details.select_one(f"a[href='https://wa.me/{MAIN_NUMBER}']")
