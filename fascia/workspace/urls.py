"""The start page, the episode page, and a patient's copy and erasure, mounted under /app/
(namespace `workspace`).

Included before `fascia.clinics.urls`, so `/app/` is the start page here; `staff:home`
names the same address."""

from django.urls import path

from . import data_views, views

app_name = "workspace"

urlpatterns = [
    path("", views.start, name="start"),
    path("episodes/<int:episode_id>/", views.episode, name="episode"),
    path("patients/<int:patient_id>/copy/", data_views.patient_export, name="patient_export"),
    path("patients/<int:patient_id>/erase/", data_views.patient_erase, name="patient_erase"),
]
