from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from fascia import phone_numbers


@register_snippet
class Symptom(index.Indexed, models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=600)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("symptom")
        verbose_name_plural = _("symptoms")

    def __str__(self) -> str:
        return self.name


@register_setting(icon="home")
class ClinicSettings(BaseGenericSetting):
    """The organisation's public details, editable in the CMS under Settings."""

    organisation_name = models.CharField(_("organisation name"), max_length=120)
    phone = models.CharField(
        _("main phone number"), max_length=30, help_text=_("As shown to patients")
    )
    whatsapp = models.CharField(_("WhatsApp number"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    emergency_number = models.CharField(
        _("emergency number"), max_length=10, default="112", help_text=_("India: 112")
    )
    footer_note = models.CharField(_("footer note"), max_length=250, blank=True)

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("phone"),
        FieldPanel("whatsapp"),
        FieldPanel("email"),
        FieldPanel("emergency_number"),
        FieldPanel("footer_note"),
    ]

    class Meta:
        verbose_name = _("clinic details")

    def __str__(self) -> str:
        return self.organisation_name

    @property
    def phone_href(self) -> str:
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")

    @property
    def whatsapp_href(self) -> str:
        return self.whatsapp_url()

    def whatsapp_url(self, text: str = "") -> str:
        """A wa.me link to the WhatsApp number with `text` filled in, or "" when there is no
        number or it cannot be read (the field is free text, typed in the CMS), so that the
        number is then shown without a link rather than with a broken one."""
        try:
            number = phone_numbers.parse_phone(self.whatsapp, required_message="")
        except ValidationError:
            return ""
        return phone_numbers.whatsapp_url(number, text)
