"""Staff pages: outcomes."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
