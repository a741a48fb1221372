"""Booking, patients' requests, schedules and appointment types: staff pages under /app/
(namespace `booking`)."""

from .views import booking, schedules

app_name = "booking"

urlpatterns = [*booking.urlpatterns, *schedules.urlpatterns]
