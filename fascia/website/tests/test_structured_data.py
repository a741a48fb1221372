import json

import pytest
from bs4 import BeautifulSoup

from fascia.website.templatetags.website_tags import json_ld


def graph(client, url):
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    scripts = soup.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["@context"] == "https://schema.org"
    return {node["@type"]: node for node in data["@graph"]}


@pytest.mark.django_db
class TestJsonLd:
    def test_the_treatment_page_describes_condition_therapy_and_faq(self, client, site):
        nodes = graph(client, "/treatments/dry-needling-for-piriformis-syndrome/")
        assert {"MedicalWebPage", "BreadcrumbList", "MedicalCondition", "PhysicalTherapy"} <= set(
            nodes
        )
        page = nodes["MedicalWebPage"]
        assert page["lastReviewed"] == "2026-11-20"
        assert {"@id": nodes["MedicalCondition"]["@id"]} in page["about"]
        assert nodes["MedicalCondition"]["code"]["code"] == "G57.0"
        faq = nodes["FAQPage"]["mainEntity"]
        assert len(faq) >= 7
        assert all(q["acceptedAnswer"]["text"] for q in faq)
        crumbs = nodes["BreadcrumbList"]["itemListElement"]
        assert [c["position"] for c in crumbs] == list(range(1, len(crumbs) + 1))

    def test_the_condition_page_is_a_medical_condition(self, client, site):
        nodes = graph(client, "/conditions/piriformis-syndrome/")
        condition = nodes["MedicalCondition"]
        assert condition["name"] == "Piriformis syndrome"
        assert len(condition["signOrSymptom"]) >= 5
        assert condition["possibleTreatment"]

    def test_the_therapy_page_is_a_physical_therapy(self, client, site):
        assert graph(client, "/therapies/dry-needling/")["PhysicalTherapy"]["name"] == (
            "Dry needling"
        )

    def test_a_clinic_is_a_physiotherapy_with_address_and_telephone(self, client, site):
        clinic = graph(client, "/clinics/hyderabad/")["Physiotherapy"]
        assert clinic["telephone"] == "+91 89510 47001"
        assert clinic["address"]["addressRegion"] == "Telangana"
        # A placeholder street address is never published as if it were real.
        assert "streetAddress" not in clinic["address"]

    def test_a_professional_is_a_person(self, client, site):
        person = graph(client, "/professionals/meera-reddy/")["Person"]
        assert person["name"] == "Meera Reddy"
        assert person["worksFor"][0]["@type"] == "Physiotherapy"

    def test_the_home_page_lists_the_clinics(self, client, site):
        assert graph(client, "/")["Physiotherapy"]


def test_markup_in_data_cannot_close_the_script_element():
    rendered = json_ld({"name": "</script><script>alert(1)</script>"})
    assert rendered.count("</script>") == 1
    body = rendered.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert json.loads(body)["name"] == "</script><script>alert(1)</script>"
