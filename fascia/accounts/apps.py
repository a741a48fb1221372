from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fascia.accounts"
    label = "accounts"
    verbose_name = _("Staff and audit")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (register the database check, signals)
