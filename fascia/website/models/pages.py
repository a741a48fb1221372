"""The public site's page types.

Relations are edited once, on one side (a condition lists its symptoms and therapies, a
professional lists their clinics and therapies, an article lists what it is about), and
`fascia.website.queries` reads them from both sides for display.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from fascia.website.blocks import RICH_TEXT_FEATURES, ContentStreamBlock

from .snippets import Symptom

REVIEW_PANELS = [
    MultiFieldPanel(
        [FieldPanel("last_reviewed"), FieldPanel("reviewer")], heading=_("Clinical review")
    )
]


class SitePage(Page):
    """Fields every public page has: a short summary and a body of content blocks."""

    summary = models.TextField(
        _("summary"),
        max_length=300,
        help_text=_("One or two plain sentences, shown on cards and when the page is shared."),
    )
    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("body"))

    og_type = "website"
    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        from fascia.website import jsonld, queries

        context = super().get_context(request, *args, **kwargs)
        context["related_sections"] = queries.related_sections(self)
        context["structured_data"] = jsonld.for_page(self, request)
        context["contents"] = self.contents()
        return context

    def contents(self) -> list[tuple[str, str]]:
        """The in-page links ("On this page") for a long page: its blocks that have an anchor."""
        anchored = [
            (block.value["anchor"], block.value["heading"])
            for block in self.body
            if block.value.get("anchor")
        ]
        return anchored if len(anchored) >= 4 else []


class ReviewedPage(SitePage):
    """A page with clinical content, which names when and by whom it was last reviewed.

    Conditions, therapies and treatments end with the enquiry form.
    """

    offers_enquiry = True

    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    reviewer = models.ForeignKey(
        "website.ProfessionalPage",
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    settings_panels = [*Page.settings_panels, *REVIEW_PANELS]

    class Meta:
        abstract = True


class IndexPage(SitePage):
    """A listing of the live pages of one type below it."""

    max_count = 1
    parent_page_types = ["website.HomePage"]

    class Meta:
        abstract = True

    def get_template(self, request, *args, **kwargs):
        return "website/index_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = self.get_children().live().public().specific().order_by("title")
        return context


class HomePage(SitePage):
    hero_heading = models.CharField(_("hero heading"), max_length=120)
    hero_text = RichTextField(_("hero text"), features=RICH_TEXT_FEATURES, blank=True)
    featured_treatment = models.ForeignKey(
        "website.TreatmentPage",
        verbose_name=_("featured treatment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "website.ConditionIndexPage",
        "website.TherapyIndexPage",
        "website.TreatmentIndexPage",
        "website.ArticleIndexPage",
        "website.ClinicIndexPage",
        "website.ProfessionalIndexPage",
    ]
    content_panels = [
        *Page.content_panels,
        FieldPanel("hero_heading"),
        FieldPanel("hero_text"),
        FieldPanel("featured_treatment"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("home page")


class ConditionIndexPage(IndexPage):
    subpage_types = ["website.ConditionPage"]

    class Meta:
        verbose_name = _("conditions index")


class TherapyIndexPage(IndexPage):
    subpage_types = ["website.TherapyPage"]

    class Meta:
        verbose_name = _("therapies index")


class TreatmentIndexPage(IndexPage):
    subpage_types = ["website.TreatmentPage"]

    class Meta:
        verbose_name = _("treatments index")


class ArticleIndexPage(IndexPage):
    subpage_types = ["website.ArticlePage"]

    class Meta:
        verbose_name = _("articles index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = context["items"].order_by("-articlepage__date", "title")
        return context


class ClinicIndexPage(IndexPage):
    subpage_types = ["website.ClinicPage"]

    class Meta:
        verbose_name = _("clinics index")


class ProfessionalIndexPage(IndexPage):
    subpage_types = ["website.ProfessionalPage"]

    class Meta:
        verbose_name = _("professionals index")


class ConditionPage(ReviewedPage):
    also_known_as = models.CharField(_("also known as"), max_length=200, blank=True)
    icd10 = models.CharField(
        _("ICD-10 code"), max_length=10, blank=True, help_text=_("For example G57.0")
    )
    symptoms = ParentalManyToManyField(Symptom, blank=True, related_name="conditions")
    therapies = ParentalManyToManyField(
        "website.TherapyPage",
        blank=True,
        related_name="conditions",
        help_text=_("Therapies that are part of the care for this condition"),
    )

    parent_page_types = ["website.ConditionIndexPage"]
    subpage_types: list[str] = []
    content_panels = [
        *SitePage.content_panels,
        MultiFieldPanel(
            [FieldPanel("also_known_as"), FieldPanel("icd10")], heading=_("Names and codes")
        ),
        FieldPanel("symptoms"),
        FieldPanel("therapies"),
        InlinePanel("related_condition_links", label=_("Related conditions")),
    ]

    class Meta:
        verbose_name = _("condition page")


class ConditionRelation(Orderable):
    """Two conditions worth knowing about together (shown on both pages)."""

    page = ParentalKey(
        ConditionPage, on_delete=models.CASCADE, related_name="related_condition_links"
    )
    other = models.ForeignKey(
        ConditionPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("condition")
    )
    note = models.CharField(
        _("note"),
        max_length=250,
        blank=True,
        help_text=_("Why they are related, e.g. 'A physiotherapist rules this out first'"),
    )

    panels = [FieldPanel("other"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("related condition")


class TherapyPage(ReviewedPage):
    parent_page_types = ["website.TherapyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("therapy page")


class TreatmentPage(ReviewedPage):
    """One therapy for one condition, such as dry needling for piriformis syndrome."""

    condition = models.ForeignKey(
        ConditionPage,
        verbose_name=_("condition"),
        on_delete=models.PROTECT,
        related_name="treatments",
    )
    therapy = models.ForeignKey(
        TherapyPage, verbose_name=_("therapy"), on_delete=models.PROTECT, related_name="treatments"
    )

    parent_page_types = ["website.TreatmentIndexPage"]
    subpage_types: list[str] = []
    content_panels = [
        *Page.content_panels,
        FieldPanel("condition"),
        FieldPanel("therapy"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("treatment page")


class ClinicPage(SitePage):
    """The public page of one clinic. The clinic's details are the clinic record's
    (`fascia.clinics.Clinic`): the page shows them and never owns them, so unpublishing or
    deleting the page leaves the clinic, its enquiries and its staff as they are."""

    clinic = models.OneToOneField(
        "clinics.Clinic",
        verbose_name=_("clinic"),
        on_delete=models.PROTECT,
        related_name="page",
        help_text=_("Address, phone numbers and opening hours come from the clinic's record"),
    )

    parent_page_types = ["website.ClinicIndexPage"]
    subpage_types: list[str] = []
    content_panels = [*SitePage.content_panels, FieldPanel("clinic")]

    class Meta:
        verbose_name = _("clinic page")


class ProfessionalPage(SitePage):
    role = models.CharField(_("role"), max_length=120)
    qualifications = models.CharField(_("qualifications"), max_length=200, blank=True)
    dry_needling_training = models.TextField(_("dry-needling training"), blank=True, max_length=600)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clinics = ParentalManyToManyField(ClinicPage, blank=True, related_name="professionals")
    therapies = ParentalManyToManyField(TherapyPage, blank=True, related_name="professionals")

    parent_page_types = ["website.ProfessionalIndexPage"]
    subpage_types: list[str] = []
    content_panels = [
        *SitePage.content_panels,
        FieldPanel("role"),
        FieldPanel("qualifications"),
        FieldPanel("dry_needling_training"),
        FieldPanel("photo"),
        FieldPanel("clinics"),
        FieldPanel("therapies"),
    ]

    class Meta:
        verbose_name = _("professional page")


class ArticlePage(SitePage):
    og_type = "article"
    date = models.DateField(_("date"))
    author = models.ForeignKey(
        ProfessionalPage,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    conditions = ParentalManyToManyField(ConditionPage, blank=True, related_name="articles")
    therapies = ParentalManyToManyField(TherapyPage, blank=True, related_name="articles")

    parent_page_types = ["website.ArticleIndexPage"]
    subpage_types: list[str] = []
    content_panels = [
        *SitePage.content_panels,
        FieldPanel("date"),
        FieldPanel("author"),
        FieldPanel("conditions"),
        FieldPanel("therapies"),
    ]

    class Meta:
        verbose_name = _("article page")
