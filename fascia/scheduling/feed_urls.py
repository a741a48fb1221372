"""Practitioners' private calendar feeds, under /calendar/ (namespace `calendar_feed`)."""

from django.urls import path

from .views import feed

app_name = "calendar_feed"

urlpatterns = [path("<str:token>.ics", feed.ics, name="ics")]
