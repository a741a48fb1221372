"""Reads shared by the public pages: the related sections shown at the foot of each page.

A relation is stored once (see `models.pages`) and read here from either side, so a
therapy lists the conditions that name it and a clinic lists the professionals who
work there. Only live, public pages are shown, and a section with no items is left out.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from .models import (
    ArticlePage,
    ClinicPage,
    ConditionPage,
    ConditionRelation,
    HomePage,
    ProfessionalPage,
    TherapyPage,
    TreatmentPage,
)


@dataclass(frozen=True)
class RelatedItem:
    title: str
    url: str | None
    summary: str
    note: str = ""


@dataclass(frozen=True)
class RelatedSection:
    key: str
    heading: str
    items: list[RelatedItem]


def _items(pages, notes: dict[int, str] | None = None) -> list[RelatedItem]:
    notes = notes or {}
    return [
        RelatedItem(page.title, page.url, page.summary, notes.get(page.pk, "")) for page in pages
    ]


def _live(queryset):
    return queryset.live().public().order_by("title")


def related_conditions(condition: ConditionPage) -> list[RelatedItem]:
    """Conditions linked to this one, whichever page the link was made on."""
    links = ConditionRelation.objects.filter(page=condition).values_list("other_id", "note")
    reverse = ConditionRelation.objects.filter(other=condition).values_list("page_id", "note")
    notes = dict([*links, *reverse])
    pages = _live(ConditionPage.objects.filter(pk__in=notes).exclude(pk=condition.pk))
    return _items(pages, notes)


def _symptoms(condition: ConditionPage) -> RelatedSection:
    items = [RelatedItem(s.name, None, s.description) for s in condition.symptoms.all()]
    return RelatedSection("symptoms", _("Symptoms"), items)


def _sections_for_condition(page: ConditionPage) -> list[RelatedSection]:
    return [
        _symptoms(page),
        RelatedSection(
            "treatments",
            _("Treatments"),
            _items(_live(TreatmentPage.objects.filter(condition=page))),
        ),
        RelatedSection(
            "therapies",
            _("Therapies that help"),
            _items(_live(TherapyPage.objects.filter(conditions=page))),
        ),
        RelatedSection("conditions", _("Related conditions"), related_conditions(page)),
        RelatedSection(
            "articles", _("Articles"), _items(_live(ArticlePage.objects.filter(conditions=page)))
        ),
    ]


def _sections_for_therapy(page: TherapyPage) -> list[RelatedSection]:
    conditions = ConditionPage.objects.filter(therapies=page) | ConditionPage.objects.filter(
        treatments__therapy=page
    )
    return [
        RelatedSection(
            "treatments", _("Treatments"), _items(_live(TreatmentPage.objects.filter(therapy=page)))
        ),
        RelatedSection(
            "conditions", _("Conditions it helps"), _items(_live(conditions.distinct()))
        ),
        RelatedSection(
            "professionals",
            _("Professionals who offer it"),
            _items(_live(ProfessionalPage.objects.filter(therapies=page))),
        ),
        RelatedSection(
            "articles", _("Articles"), _items(_live(ArticlePage.objects.filter(therapies=page)))
        ),
    ]


def _sections_for_treatment(page: TreatmentPage) -> list[RelatedSection]:
    condition, therapy = page.condition, page.therapy
    professionals = _live(ProfessionalPage.objects.filter(therapies=therapy))
    clinics = _live(ClinicPage.objects.filter(professionals__in=professionals).distinct())
    articles = ArticlePage.objects.filter(conditions=condition) | ArticlePage.objects.filter(
        therapies=therapy
    )
    return [
        _symptoms(condition),
        RelatedSection(
            "conditions",
            _("About the condition"),
            _items(_live(ConditionPage.objects.filter(pk=condition.pk))),
        ),
        RelatedSection(
            "therapies",
            _("Other parts of the care plan"),
            _items(_live(TherapyPage.objects.filter(conditions=condition).exclude(pk=therapy.pk))),
        ),
        RelatedSection(
            "related-conditions",
            _("Conditions a physiotherapist rules out"),
            related_conditions(condition),
        ),
        RelatedSection("professionals", _("Professionals"), _items(professionals)),
        RelatedSection("clinics", _("Clinics"), _items(clinics)),
        RelatedSection("articles", _("Articles"), _items(_live(articles.distinct()))),
    ]


def _sections_for_article(page: ArticlePage) -> list[RelatedSection]:
    return [
        RelatedSection(
            "conditions",
            _("Conditions"),
            _items(_live(ConditionPage.objects.filter(articles=page))),
        ),
        RelatedSection(
            "therapies", _("Therapies"), _items(_live(TherapyPage.objects.filter(articles=page)))
        ),
    ]


def _sections_for_clinic(page: ClinicPage) -> list[RelatedSection]:
    return [
        RelatedSection(
            "professionals",
            _("Our professionals here"),
            _items(_live(ProfessionalPage.objects.filter(clinics=page))),
        ),
        RelatedSection("treatments", _("Treatments"), _items(_live(TreatmentPage.objects.all()))),
    ]


def _sections_for_professional(page: ProfessionalPage) -> list[RelatedSection]:
    return [
        RelatedSection(
            "clinics", _("Clinics"), _items(_live(ClinicPage.objects.filter(professionals=page)))
        ),
        RelatedSection(
            "therapies",
            _("Therapies offered"),
            _items(_live(TherapyPage.objects.filter(professionals=page))),
        ),
        RelatedSection(
            "articles",
            _("Articles written"),
            _items(_live(ArticlePage.objects.filter(author=page))),
        ),
    ]


def _sections_for_home(page: HomePage) -> list[RelatedSection]:
    return [
        RelatedSection("treatments", _("Treatments"), _items(_live(TreatmentPage.objects.all()))),
        RelatedSection(
            "conditions", _("Conditions we treat"), _items(_live(ConditionPage.objects.all()))
        ),
        RelatedSection("clinics", _("Our clinics"), _items(_live(ClinicPage.objects.all()))),
        RelatedSection(
            "articles",
            _("Latest articles"),
            _items(ArticlePage.objects.live().public().order_by("-date")[:3]),
        ),
    ]


SECTION_BUILDERS: dict[type[Page], Any] = {
    HomePage: _sections_for_home,
    ConditionPage: _sections_for_condition,
    TherapyPage: _sections_for_therapy,
    TreatmentPage: _sections_for_treatment,
    ArticlePage: _sections_for_article,
    ClinicPage: _sections_for_clinic,
    ProfessionalPage: _sections_for_professional,
}


def related_sections(page: Page) -> list[RelatedSection]:
    """The page's related sections that have at least one item, in display order."""
    builder = SECTION_BUILDERS.get(type(page))
    if builder is None:
        return []
    return [section for section in builder(page) if section.items]
