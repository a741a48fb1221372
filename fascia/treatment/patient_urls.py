"""The patient's private exercise page, mounted under /p/ (namespace `exercises`)."""

from .views import patient

app_name = "exercises"

urlpatterns = patient.urlpatterns
