"""The public self-check, mounted at /self-check/ (namespace `self_check`)."""

from django.urls import path

from . import self_check

app_name = "self_check"
urlpatterns = [
    path("", self_check.start, name="start"),
    path("questions/", self_check.questions, name="questions"),
]
