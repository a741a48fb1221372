"""The patient's page for one appointment, under /a/ (namespace `my_appointment`)."""

from django.urls import path

from .views import patient

app_name = "my_appointment"

urlpatterns = [
    path("<str:token>/", patient.manage, name="manage"),
    path("<str:token>/confirm/", patient.confirm, name="confirm"),
    path("<str:token>/cancel/", patient.cancel, name="cancel"),
]
