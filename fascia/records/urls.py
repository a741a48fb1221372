"""The clinical record's staff pages, mounted under /app/ (namespace `records`)."""

from .views import assessment, consent, data_rights, patients, screening

app_name = "records"

urlpatterns = [
    *patients.urlpatterns,
    *screening.urlpatterns,
    *assessment.urlpatterns,
    *consent.urlpatterns,
    *data_rights.urlpatterns,
]
