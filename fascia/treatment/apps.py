from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentConfig(AppConfig):
    name = "fascia.treatment"
    label = "treatment"
    verbose_name = _("Treatment")

    def ready(self) -> None:
        from fascia.messaging.signals import message_finished

        from .follow_ups import message_finished as follow_up_message_finished

        message_finished.connect(
            follow_up_message_finished, dispatch_uid="treatment.follow_up_message_finished"
        )
