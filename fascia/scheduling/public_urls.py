"""Patients' appointment requests from the enquiry confirmation page, under
/appointment-request/ (namespace `appointment_request`)."""

from .views import public

app_name = "appointment_request"

urlpatterns = public.urlpatterns
