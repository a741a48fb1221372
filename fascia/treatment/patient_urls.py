"""The patient's private exercise page, mounted under /p/ (namespace `exercises`)."""

from django.urls import URLPattern

app_name = "exercises"

urlpatterns: list[URLPattern] = []
