"""schema.org structured data (JSON-LD) for each public page.

Each page gets one `@graph`: the `MedicalWebPage` itself (with what it is `about` and
when it was last reviewed), a `BreadcrumbList`, the things the page describes
(`MedicalCondition`, `PhysicalTherapy`, `Physiotherapy` clinics, `Person`) and, where the
page has questions and answers, an `FAQPage`.
"""

from typing import Any

from django.utils.html import strip_tags

from .models import (
    ArticlePage,
    ClinicPage,
    ClinicSettings,
    ConditionPage,
    HomePage,
    ProfessionalPage,
    TherapyPage,
    TreatmentPage,
)

CONTEXT = "https://schema.org"
Node = dict[str, Any]


def _ref(node: Node) -> Node:
    return {"@id": node["@id"]}


def _url(page, request) -> str:
    return page.get_full_url(request)


def condition_node(page: ConditionPage, request) -> Node:
    node: Node = {
        "@type": "MedicalCondition",
        "@id": _url(page, request) + "#condition",
        "name": page.title,
        "url": _url(page, request),
        "description": page.summary,
    }
    if page.also_known_as:
        node["alternateName"] = page.also_known_as
    if page.icd10:
        node["code"] = {"@type": "MedicalCode", "code": page.icd10, "codingSystem": "ICD-10"}
    symptoms = list(page.symptoms.all())
    if symptoms:
        node["signOrSymptom"] = [
            {"@type": "MedicalSignOrSymptom", "name": s.name, "description": s.description}
            for s in symptoms
        ]
    therapies = TherapyPage.objects.live().public().filter(conditions=page)
    if therapies:
        node["possibleTreatment"] = [therapy_node(t, request) for t in therapies]
    return node


def therapy_node(page: TherapyPage, request) -> Node:
    return {
        "@type": "PhysicalTherapy",
        "@id": _url(page, request) + "#therapy",
        "name": page.title,
        "url": _url(page, request),
        "description": page.summary,
    }


def clinic_node(page: ClinicPage, request) -> Node:
    clinic = page.clinic
    address = {
        "@type": "PostalAddress",
        "addressLocality": clinic.city,
        "addressRegion": clinic.region,
        "addressCountry": "IN",
    }
    if not clinic.address_is_placeholder:
        address["streetAddress"] = ", ".join(filter(None, [clinic.street_address, clinic.locality]))
    if clinic.postal_code:
        address["postalCode"] = clinic.postal_code
    node: Node = {
        "@type": "Physiotherapy",
        "@id": _url(page, request) + "#clinic",
        "name": page.title,
        "url": _url(page, request),
        "telephone": clinic.phone.as_international,
        "address": address,
    }
    if clinic.email:
        node["email"] = clinic.email
    return node


def person_node(page: ProfessionalPage, request) -> Node:
    node: Node = {
        "@type": "Person",
        "@id": _url(page, request) + "#person",
        "name": page.title,
        "jobTitle": page.role,
        "url": _url(page, request),
    }
    if page.qualifications:
        node["hasCredential"] = page.qualifications
    clinics = ClinicPage.objects.live().public().filter(professionals=page).select_related("clinic")
    if clinics:
        node["worksFor"] = [
            {"@type": "Physiotherapy", "name": c.title, "url": _url(c, request)} for c in clinics
        ]
    return node


def faq_node(page, request) -> Node | None:
    questions = [
        {
            "@type": "Question",
            "name": item["question"],
            "acceptedAnswer": {"@type": "Answer", "text": strip_tags(item["answer"].source)},
        }
        for block in page.body
        if block.block_type == "faq"
        for item in block.value["items"]
    ]
    if not questions:
        return None
    return {"@type": "FAQPage", "@id": _url(page, request) + "#faq", "mainEntity": questions}


def breadcrumb_node(page, request) -> Node:
    trail = [p for p in page.get_ancestors(inclusive=True).specific() if p.depth > 1]
    return {
        "@type": "BreadcrumbList",
        "@id": _url(page, request) + "#breadcrumb",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": p.title, "item": _url(p, request)}
            for i, p in enumerate(trail, start=1)
        ],
    }


def _about(page, request) -> list[Node]:
    if isinstance(page, ConditionPage):
        return [condition_node(page, request)]
    if isinstance(page, TherapyPage):
        return [therapy_node(page, request)]
    if isinstance(page, TreatmentPage):
        return [condition_node(page.condition, request), therapy_node(page.therapy, request)]
    if isinstance(page, ClinicPage):
        return [clinic_node(page, request)]
    if isinstance(page, ProfessionalPage):
        return [person_node(page, request)]
    if isinstance(page, ArticlePage):
        return [condition_node(c, request) for c in page.conditions.live().public()]
    if isinstance(page, HomePage):
        return [
            clinic_node(c, request)
            for c in ClinicPage.objects.live().public().select_related("clinic")
        ]
    return []


def for_page(page, request) -> Node:
    about = _about(page, request)
    web_page: Node = {
        "@type": "MedicalWebPage",
        "@id": _url(page, request) + "#webpage",
        "url": _url(page, request),
        "name": page.seo_title or page.title,
        "description": page.search_description or page.summary,
        "breadcrumb": {"@id": _url(page, request) + "#breadcrumb"},
        "inLanguage": "en-IN",
    }
    if about:
        web_page["about"] = [_ref(node) for node in about]
    if getattr(page, "last_reviewed", None):
        web_page["lastReviewed"] = page.last_reviewed.isoformat()
    if getattr(page, "reviewer", None):
        web_page["reviewedBy"] = {"@type": "Person", "name": page.reviewer.title}
    settings = ClinicSettings.load(request_or_site=request)
    if settings.organisation_name:
        web_page["publisher"] = {
            "@type": "MedicalOrganization",
            "name": settings.organisation_name,
            "telephone": settings.phone,
        }
    graph = [web_page, breadcrumb_node(page, request), *about]
    if faq := faq_node(page, request):
        graph.append(faq)
    return {"@context": CONTEXT, "@graph": graph}
