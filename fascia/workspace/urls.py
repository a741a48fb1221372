"""The start page and the episode page, mounted under /app/ (namespace `workspace`).

Included before `fascia.clinics.urls`, so `/app/` is the start page here; `staff:home`
names the same address."""

from django.urls import path

from . import views

app_name = "workspace"

urlpatterns = [
    path("", views.start, name="start"),
    path("episodes/<int:episode_id>/", views.episode, name="episode"),
]
