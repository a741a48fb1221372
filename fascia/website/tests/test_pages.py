import datetime

import pytest
from bs4 import BeautifulSoup

from fascia.website.models import (
    ArticlePage,
    ConditionIndexPage,
    ConditionPage,
    TherapyPage,
    TreatmentPage,
)

TREATMENT_URL = "/treatments/dry-needling-for-piriformis-syndrome/"


def get_soup(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def headings(soup, level="h2"):
    return [h.get_text(" ", strip=True) for h in soup.find_all(level)]


@pytest.mark.django_db
class TestTreatmentPage:
    def test_it_has_every_section_in_order(self, client, site):
        soup = get_soup(client, TREATMENT_URL)
        anchors = [el["id"] for el in soup.select("main [id]") if el.name in ("section",)]
        expected = [
            "understanding",
            "symptoms",
            "what-is-dry-needling",
            "how-it-works",
            "what-to-expect",
            "benefits",
            "whole-plan",
            "who-it-suits",
            "urgent-help",
            "faq",
            "get-in-touch",
        ]
        assert [a for a in anchors if a in expected] == expected

    def test_it_shows_the_urgent_help_box_with_the_red_flags(self, client, site):
        soup = get_soup(client, TREATMENT_URL)
        box = soup.select_one("#urgent-help")
        assert "callout--urgent" in box["class"]
        text = box.get_text(" ", strip=True).lower()
        assert "between your legs" in text or "between the legs" in text
        assert "urine" in text
        assert "bowel" in text
        assert "weak" in text

    def test_its_faq_answers_are_disclosure_widgets(self, client, site):
        soup = get_soup(client, TREATMENT_URL)
        questions = [s.get_text(strip=True) for s in soup.select("#faq details > summary")]
        assert len(questions) >= 7
        for wanted in ("painful", "sessions", "side effects", "acupuncture", "pregnant"):
            assert any(wanted in q.lower() for q in questions), wanted

    def test_it_names_when_and_by_whom_it_was_reviewed(self, client, site):
        soup = get_soup(client, TREATMENT_URL)
        reviewed = soup.select_one(".reviewed")
        assert reviewed.time["datetime"] == "2026-11-20"
        assert "Arjun Rao" in reviewed.get_text()

    def test_it_shows_the_clinic_phone_number_from_the_settings(self, client, site):
        soup = get_soup(client, TREATMENT_URL)
        assert soup.select_one('a[href="tel:+918951047001"]')

    def test_it_shows_its_related_sections(self, client, site):
        soup = get_soup(client, TREATMENT_URL)
        related = headings(soup)
        for heading in ("Symptoms", "Other parts of the care plan", "Professionals", "Clinics"):
            assert heading in related


@pytest.mark.django_db
class TestEveryPageType:
    @pytest.mark.parametrize(
        ("url", "h1"),
        [
            ("/", "Pain deep in your buttock or down your leg?"),
            ("/conditions/", "Conditions we treat"),
            ("/conditions/piriformis-syndrome/", "Piriformis syndrome"),
            ("/therapies/", "Therapies"),
            ("/therapies/dry-needling/", "Dry needling"),
            ("/treatments/", "Treatments"),
            (TREATMENT_URL, "Dry needling therapy for piriformis syndrome"),
            ("/articles/", "Articles"),
            ("/clinics/", "Our clinics"),
            ("/clinics/bangalore/", None),
            ("/professionals/", "Our physiotherapists"),
            ("/professionals/arjun-rao/", "Arjun Rao"),
        ],
    )
    def test_it_renders(self, client, site, url, h1):
        soup = get_soup(client, url)
        assert len(soup.find_all("h1")) == 1
        if h1:
            assert soup.h1.get_text(strip=True) == h1

    def test_an_article_renders_with_its_author(self, client, site):
        article = ArticlePage.objects.live().first()
        soup = get_soup(client, article.url)
        assert soup.select_one(".byline a")

    def test_the_condition_page_lists_symptoms_and_the_conditions_ruled_out(self, client, site):
        soup = get_soup(client, "/conditions/piriformis-syndrome/")
        assert "Deep buttock pain" in soup.get_text()
        assert "Related conditions" in headings(soup)

    def test_a_relation_made_on_one_page_shows_on_the_other(self, client, site):
        # The link to deep gluteal syndrome is edited on the piriformis page only.
        soup = get_soup(client, "/conditions/deep-gluteal-syndrome/")
        section = soup.find("h2", string="Related conditions").find_parent("section")
        assert "Piriformis syndrome" in section.get_text()
        # A professional names the therapies; the therapy page lists the professional.
        soup = get_soup(client, "/therapies/dry-needling/")
        assert "Arjun Rao" in soup.get_text()

    def test_the_clinic_page_marks_a_placeholder_address(self, client, site):
        soup = get_soup(client, "/clinics/bangalore/")
        assert soup.select_one("address .placeholder")


@pytest.mark.django_db
class TestEmptyRelatedSections:
    def test_a_page_with_no_relations_shows_no_related_sections(self, client, site):
        index = ConditionIndexPage.objects.get()
        lonely = ConditionPage(
            title="Gluteal tendinopathy",
            slug="gluteal-tendinopathy",
            summary="Pain on the outer hip.",
            last_reviewed=datetime.date(2026, 11, 1),
        )
        index.add_child(instance=lonely)
        lonely.save_revision().publish()
        response = client.get(lonely.url)
        assert response.status_code == 200
        soup = BeautifulSoup(response.content, "html.parser")
        assert not soup.select("section.related")
        assert b"No items found" not in response.content

    def test_an_unpublished_page_is_not_listed_as_related(self, client, site):
        therapy = TherapyPage.objects.get(slug="manual-therapy")
        therapy.unpublish()
        soup = get_soup(client, TREATMENT_URL)
        section = soup.find("h2", string="Other parts of the care plan").find_parent("section")
        titles = [card.get_text(strip=True) for card in section.select(".card__title")]
        assert "Manual therapy" not in titles
        assert "Stretching" in titles


@pytest.mark.django_db
def test_the_treatment_links_its_condition_and_therapy(site):
    treatment = TreatmentPage.objects.get()
    assert treatment.condition.slug == "piriformis-syndrome"
    assert treatment.therapy.slug == "dry-needling"


@pytest.mark.django_db
def test_the_emergency_number_is_one_tap_away_on_every_page(client, site):
    soup = get_soup(client, "/")
    assert soup.select_one('.emergency-line a[href="tel:112"]')
