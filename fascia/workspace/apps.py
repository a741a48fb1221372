from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """Each person's start page and the episode page: views over enquiries and records."""

    name = "fascia.workspace"
    label = "workspace"
    verbose_name = _("Clinician workspace")
