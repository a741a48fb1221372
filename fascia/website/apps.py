from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebsiteConfig(AppConfig):
    name = "fascia.website"
    label = "website"
    verbose_name = _("Public website")

    def ready(self) -> None:
        from fascia.website import cache, front_cache

        cache.connect_invalidation()
        # After the page cache's receivers: its on-commit invalidation runs before the purge.
        front_cache.connect()
