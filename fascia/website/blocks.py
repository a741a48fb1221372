"""StreamField blocks for the public content pages."""

from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "ol", "ul", "link"]


class AnchorBlock(blocks.CharBlock):
    """An optional id for in-page links, such as #faq."""

    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            max_length=60,
            help_text=_("Optional id for links to this part of the page, e.g. faq"),
            validators=[validate_slug],
            **kwargs,
        )


class SectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    anchor = AnchorBlock()
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "doc-full"
        label = _("Section")
        template = "website/blocks/section.html"


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("urgent", _("Urgent: when to get help")), ("note", _("Note"))],
        default="note",
    )
    heading = blocks.CharBlock(max_length=120)
    anchor = AnchorBlock()
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "website/blocks/callout.html"


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)


class StepsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    anchor = AnchorBlock()
    intro = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, required=False)
    steps = blocks.ListBlock(StepBlock(), min_num=1)

    class Meta:
        icon = "list-ol"
        label = _("Steps")
        template = "website/blocks/steps.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=200)
    answer = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)


class FAQBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default=_("Frequently asked questions"))
    anchor = AnchorBlock()
    items = blocks.ListBlock(QuestionBlock(), min_num=1)

    class Meta:
        icon = "help"
        label = _("Questions and answers")
        template = "website/blocks/faq.html"


class ContentStreamBlock(blocks.StreamBlock):
    section = SectionBlock()
    callout = CalloutBlock()
    steps = StepsBlock()
    faq = FAQBlock()
