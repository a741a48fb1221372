"""The start page and the episode page, mounted under /app/ (namespace `workspace`)."""

from django.urls import URLPattern

app_name = "workspace"

urlpatterns: list[URLPattern] = []
