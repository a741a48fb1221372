from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebsiteConfig(AppConfig):
    name = "fascia.website"
    label = "website"
    verbose_name = _("Public website")

    def ready(self) -> None:
        from fascia.website import cache

        cache.connect_invalidation()
