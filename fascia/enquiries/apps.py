from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class EnquiriesConfig(AppConfig):
    name = "fascia.enquiries"
    label = "enquiries"
    verbose_name = _("Enquiries")

    def ready(self) -> None:
        from .fallback import clinic_details_saved

        post_save.connect(
            clinic_details_saved,
            sender="website.ClinicSettings",
            dispatch_uid="enquiries-remember-clinic-phone",
        )
