"""Treatment records' staff pages, mounted under /app/ (namespace `treatment`)."""

from .views import adverse_events, care_plan, outcomes, sessions

app_name = "treatment"

urlpatterns = [
    *sessions.urlpatterns,
    *care_plan.urlpatterns,
    *outcomes.urlpatterns,
    *adverse_events.urlpatterns,
]
