"""Staff pages: care_plan."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
