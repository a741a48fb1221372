"""The patient's follow-up after needling, mounted under /f/ (namespace `follow_up`)."""

from .views import follow_up

app_name = "follow_up"

urlpatterns = follow_up.urlpatterns
