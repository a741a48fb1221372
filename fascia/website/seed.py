"""Load the site's starting content from the YAML files in `content/`.

The files are validated (pydantic) before anything is written. Only pages, symptoms and
settings that do not exist yet are created, so running the loader again changes nothing
and never overwrites what editors have changed in the CMS. See `content/README.md`.
"""

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from django.conf import settings
from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from wagtail.models import Page, Site

from fascia.clinics.models import Clinic
from fascia.clinics.models import OpeningHours as ClinicOpeningHours

from . import models

CONTENT_DIR = Path(__file__).resolve().parent / "content"
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(Strict):
    type: Literal["section"]
    heading: str
    anchor: Slug | None = None
    body: str


class Callout(Strict):
    type: Literal["callout"]
    tone: Literal["urgent", "note"]
    heading: str
    anchor: Slug | None = None
    body: str


class Step(Strict):
    title: str
    body: str


class Steps(Strict):
    type: Literal["steps"]
    heading: str
    anchor: Slug | None = None
    intro: str = ""
    steps: list[Step] = Field(min_length=1)


class Question(Strict):
    question: str
    answer: str


class FAQ(Strict):
    type: Literal["faq"]
    heading: str
    anchor: Slug | None = None
    items: list[Question] = Field(min_length=1)


Block = Annotated[Section | Callout | Steps | FAQ, Field(discriminator="type")]


class PageEntry(Strict):
    slug: Slug
    title: str
    seo_title: str = Field(default="", max_length=70)
    search_description: str = Field(default="", max_length=170)
    summary: str = Field(max_length=300)
    body: list[Block] = []


class Reviewed(PageEntry):
    last_reviewed: datetime.date | None = None
    reviewer: Slug | None = None


class Index(Strict):
    title: str
    summary: str
    seo_title: str = ""
    search_description: str = ""
    body: list[Block] = []


class Home(Index):
    hero_heading: str
    hero_text: str = ""
    featured_treatment: Slug | None = None


class SiteSettings(Strict):
    organisation_name: str
    phone: str
    whatsapp: str = ""
    email: str = ""
    emergency_number: str = "112"
    footer_note: str = ""


class SymptomEntry(Strict):
    slug: Slug
    name: str
    description: str = ""


Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAYS: tuple[str, ...] = Day.__args__  # type: ignore[attr-defined]


class OpeningHours(Strict):
    days: list[Day]
    opens: datetime.time
    closes: datetime.time


class ClinicEntry(PageEntry):
    """A clinic's record (`fascia.clinics.Clinic`) and its public page, in one entry."""

    name: str
    city: str
    street_address: str
    locality: str = ""
    region: str
    postal_code: str = ""
    address_is_placeholder: bool = False
    phone: str
    whatsapp: str = ""
    email: str = ""
    opening_hours: list[OpeningHours] = []


class ProfessionalEntry(PageEntry):
    role: str
    qualifications: str = ""
    dry_needling_training: str = ""
    clinics: list[Slug] = []
    therapies: list[Slug] = []


class RelatedCondition(Strict):
    slug: Slug
    note: str = ""


class ConditionEntry(Reviewed):
    also_known_as: str = ""
    icd10: str = ""
    symptoms: list[Slug] = []
    therapies: list[Slug] = []
    related_conditions: list[RelatedCondition] = []


class TreatmentEntry(Reviewed):
    condition: Slug
    therapy: Slug


class ArticleEntry(PageEntry):
    date: datetime.date
    author: Slug | None = None
    conditions: list[Slug] = []
    therapies: list[Slug] = []


INDEX_KINDS = ("conditions", "therapies", "treatments", "articles", "clinics", "professionals")


class Content(Strict):
    settings: SiteSettings
    home: Home
    indexes: dict[Literal[INDEX_KINDS], Index]  # type: ignore[valid-type]
    symptoms: list[SymptomEntry]
    clinics: list[ClinicEntry]
    professionals: list[ProfessionalEntry]
    conditions: list[ConditionEntry]
    therapies: list[Reviewed]
    treatments: list[TreatmentEntry]
    articles: list[ArticleEntry]


class ContentError(Exception):
    """The content files are not valid; the message names each problem."""


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1


def read_content(content_dir: Path = CONTENT_DIR) -> Content:
    """Parse and validate the content files, and check that every slug they refer to exists."""
    raw: dict[str, Any] = {}
    site = yaml.safe_load((content_dir / "site.yaml").read_text(encoding="utf-8"))
    raw.update(site)
    for kind in (
        "indexes",
        "symptoms",
        "clinics",
        "professionals",
        "conditions",
        "therapies",
        "treatments",
        "articles",
    ):
        raw[kind] = yaml.safe_load((content_dir / f"{kind}.yaml").read_text(encoding="utf-8"))
    try:
        content = Content.model_validate(raw)
    except ValidationError as error:
        raise ContentError(str(error)) from error
    problems = _reference_problems(content)
    if problems:
        raise ContentError("\n".join(problems))
    return content


def _reference_problems(content: Content) -> list[str]:
    known = {
        "symptom": {s.slug for s in content.symptoms},
        "clinic": {c.slug for c in content.clinics},
        "professional": {p.slug for p in content.professionals},
        "condition": {c.slug for c in content.conditions},
        "therapy": {t.slug for t in content.therapies},
        "treatment": {t.slug for t in content.treatments},
    }
    refs: list[tuple[str, str, str | None]] = []
    for p in content.professionals:
        refs += [(f"professionals/{p.slug}", "clinic", s) for s in p.clinics]
        refs += [(f"professionals/{p.slug}", "therapy", s) for s in p.therapies]
    for c in content.conditions:
        refs += [(f"conditions/{c.slug}", "symptom", s) for s in c.symptoms]
        refs += [(f"conditions/{c.slug}", "therapy", s) for s in c.therapies]
        refs += [(f"conditions/{c.slug}", "condition", r.slug) for r in c.related_conditions]
    for entry in [*content.conditions, *content.therapies, *content.treatments]:
        refs.append((entry.slug, "professional", entry.reviewer))
    for t in content.treatments:
        refs += [(f"treatments/{t.slug}", "condition", t.condition)]
        refs += [(f"treatments/{t.slug}", "therapy", t.therapy)]
    for a in content.articles:
        refs.append((f"articles/{a.slug}", "professional", a.author))
        refs += [(f"articles/{a.slug}", "condition", s) for s in a.conditions]
        refs += [(f"articles/{a.slug}", "therapy", s) for s in a.therapies]
    refs.append(("home", "treatment", content.home.featured_treatment))
    problems = [
        f"{where}: unknown {kind} '{slug}'"
        for where, kind, slug in refs
        if slug is not None and slug not in known[kind]
    ]
    for kind, entries in (
        ("symptom", content.symptoms),
        ("clinic", content.clinics),
        ("professional", content.professionals),
        ("condition", content.conditions),
        ("therapy", content.therapies),
        ("treatment", content.treatments),
    ):
        duplicates = [s for s, n in Counter(e.slug for e in entries).items() if n > 1]
        problems += [f"{kind} '{slug}' is defined more than once" for slug in duplicates]
    return problems


def stream(blocks: list[Block]) -> str:
    """The StreamField JSON for a list of content blocks."""
    raw = []
    for block in blocks:
        value = block.model_dump(exclude={"type"})
        value["anchor"] = value.get("anchor") or ""
        raw.append({"type": block.type, "value": value})
    return json.dumps(raw)


class Loader:
    def __init__(self, content: Content) -> None:
        self.content = content
        self.report = LoadReport()
        self.pages: dict[tuple[str, str], Page] = {}
        self.created: list[Page] = []

    def run(self) -> LoadReport:
        home = self.home()
        self.site(home)
        self.settings()
        symptoms = self.symptoms()
        indexes = {kind: self.index(home, kind) for kind in INDEX_KINDS}
        c = self.content
        self.clinics = {entry.slug: self.clinic(entry) for entry in c.clinics}
        for entry in c.clinics:
            self.page(indexes["clinics"], models.ClinicPage, "clinics", entry, self.clinic_fields)
        # Professionals before the pages they review; their clinics and therapies are
        # related once every page exists (see `relate`).
        for entry in c.professionals:
            self.page(
                indexes["professionals"],
                models.ProfessionalPage,
                "professionals",
                entry,
                self.professional_fields,
            )
        for entry in c.therapies:
            self.page(indexes["therapies"], models.TherapyPage, "therapies", entry, self.reviewed)
        for entry in c.conditions:
            self.page(
                indexes["conditions"],
                models.ConditionPage,
                "conditions",
                entry,
                lambda e: {**self.reviewed(e), "also_known_as": e.also_known_as, "icd10": e.icd10},
            )
        for entry in c.treatments:
            self.page(
                indexes["treatments"],
                models.TreatmentPage,
                "treatments",
                entry,
                lambda e: {
                    **self.reviewed(e),
                    "condition": self.pages["conditions", e.condition],
                    "therapy": self.pages["therapies", e.therapy],
                },
            )
        for entry in c.articles:
            self.page(
                indexes["articles"],
                models.ArticlePage,
                "articles",
                entry,
                lambda e: {"date": e.date, "author": self.pages.get(("professionals", e.author))},
            )
        self.relate(symptoms)
        if home in self.created and c.home.featured_treatment:
            home.featured_treatment = self.pages["treatments", c.home.featured_treatment]
        for page in self.created:
            page.save_revision().publish()
        return self.report

    def home(self) -> models.HomePage:
        root = Page.get_first_root_node()
        existing = models.HomePage.objects.first()
        if existing:
            self.report.count("pages", created=False)
            return existing
        h = self.content.home
        home = models.HomePage(
            title=h.title,
            slug="home",
            seo_title=h.seo_title,
            search_description=h.search_description,
            summary=h.summary,
            hero_heading=h.hero_heading,
            hero_text=h.hero_text,
            body=stream(h.body),
            live=False,
        )
        # Wagtail's own "Welcome" page holds the slug `home` on a fresh database.
        Page.objects.filter(depth=2, content_type__model="page", slug="home").delete()
        root.add_child(instance=home)
        self.created.append(home)
        self.report.count("pages", created=True)
        return home

    def site(self, home: Page) -> None:
        """The default site, at FASCIA_BASE_URL's host and port. Wagtail makes every full
        address (canonical links, the sitemap, structured data) from this record, so it moves
        with the server: served on another port, the links name that port."""
        base = urlsplit(settings.FASCIA_BASE_URL)
        port = base.port or (443 if base.scheme == "https" else 80)
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname=base.hostname, port=port, root_page=home, is_default_site=True
            )
            return
        if site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = self.content.settings.organisation_name
        elif (site.hostname, site.port) == (base.hostname, port):
            return
        site.hostname, site.port = base.hostname, port
        site.save()

    def settings(self) -> None:
        details = models.ClinicSettings.load()
        created = not details.organisation_name
        if created:
            for name, value in self.content.settings.model_dump().items():
                setattr(details, name, value)
            details.save()
        self.report.count("settings", created)

    def symptoms(self) -> dict[str, models.Symptom]:
        symptoms = {}
        for entry in self.content.symptoms:
            symptom, created = models.Symptom.objects.get_or_create(
                slug=entry.slug, defaults={"name": entry.name, "description": entry.description}
            )
            symptoms[entry.slug] = symptom
            self.report.count("symptoms", created)
        return symptoms

    def index(self, home: Page, kind: str) -> Page:
        entry = self.content.indexes[kind]
        index_class = {
            "conditions": models.ConditionIndexPage,
            "therapies": models.TherapyIndexPage,
            "treatments": models.TreatmentIndexPage,
            "articles": models.ArticleIndexPage,
            "clinics": models.ClinicIndexPage,
            "professionals": models.ProfessionalIndexPage,
        }[kind]
        existing = index_class.objects.first()
        if existing:
            self.report.count("pages", created=False)
            return existing
        page = index_class(
            title=entry.title,
            slug=kind,
            summary=entry.summary,
            seo_title=entry.seo_title,
            search_description=entry.search_description,
            body=stream(entry.body),
            live=False,
        )
        home.add_child(instance=page)
        self.created.append(page)
        self.report.count("pages", created=True)
        return page

    def page(self, parent: Page, page_class, kind: str, entry: PageEntry, extra) -> None:
        existing = page_class.objects.child_of(parent).filter(slug=entry.slug).first()
        if existing:
            self.pages[kind, entry.slug] = existing
            self.report.count("pages", created=False)
            return
        page = page_class(
            title=entry.title,
            slug=entry.slug,
            seo_title=entry.seo_title,
            search_description=entry.search_description,
            summary=entry.summary,
            body=stream(entry.body),
            live=False,
            **extra(entry),
        )
        parent.add_child(instance=page)
        self.pages[kind, entry.slug] = page
        self.created.append(page)
        self.report.count("pages", created=True)

    def reviewed(self, entry: Reviewed) -> dict[str, Any]:
        return {
            "last_reviewed": entry.last_reviewed,
            "reviewer": self.pages.get(("professionals", entry.reviewer)),
        }

    def clinic(self, e: ClinicEntry) -> Clinic:
        """The clinic's record, created with its opening hours if missing.

        Clinics are records whether or not their page exists: a page deleted in the CMS is
        not a clinic closed.
        """
        clinic, created = Clinic.objects.get_or_create(
            slug=e.slug,
            defaults={
                "name": e.name,
                "city": e.city,
                "street_address": e.street_address,
                "locality": e.locality,
                "region": e.region,
                "postal_code": e.postal_code,
                "address_is_placeholder": e.address_is_placeholder,
                "phone": e.phone,
                "whatsapp": e.whatsapp,
                "email": e.email,
            },
        )
        self.report.count("clinics", created=created)
        if created:
            clinic.opening_hours.bulk_create(
                ClinicOpeningHours(
                    clinic=clinic, weekday=DAYS.index(day), opens=h.opens, closes=h.closes
                )
                for h in e.opening_hours
                for day in h.days
            )
        return clinic

    def clinic_fields(self, e: ClinicEntry) -> dict[str, Any]:
        return {"clinic": self.clinics[e.slug]}

    def professional_fields(self, e: ProfessionalEntry) -> dict[str, Any]:
        return {
            "role": e.role,
            "qualifications": e.qualifications,
            "dry_needling_training": e.dry_needling_training,
        }

    def relate(self, symptoms: dict[str, models.Symptom]) -> None:
        """Set relations on the pages created in this run (never on existing ones)."""
        created = {page.pk for page in self.created}
        c = self.content

        def fresh(kind: str, slug: str) -> Page | None:
            page = self.pages[kind, slug]
            return page if page.pk in created else None

        for e in c.professionals:
            if page := fresh("professionals", e.slug):
                page.clinics.set([self.pages["clinics", s] for s in e.clinics])
                page.therapies.set([self.pages["therapies", s] for s in e.therapies])
        for e in c.conditions:
            if page := fresh("conditions", e.slug):
                page.symptoms.set([symptoms[s] for s in e.symptoms])
                page.therapies.set([self.pages["therapies", s] for s in e.therapies])
                page.related_condition_links.set(
                    [
                        models.ConditionRelation(
                            other=self.pages["conditions", r.slug], note=r.note
                        )
                        for r in e.related_conditions
                    ]
                )
        for e in c.articles:
            if page := fresh("articles", e.slug):
                page.conditions.set([self.pages["conditions", s] for s in e.conditions])
                page.therapies.set([self.pages["therapies", s] for s in e.therapies])


def load_site_content(content_dir: Path = CONTENT_DIR) -> LoadReport:
    """Create whatever part of the starting content is missing, in one transaction."""
    content = read_content(content_dir)
    with transaction.atomic():
        return Loader(content).run()
