"""The staff pages of appointments, under /app/ (namespace `schedule`)."""

from django.urls import path

from .views import appointments, calendar, feed

app_name = "schedule"

urlpatterns = [
    path("appointments/", calendar.day_view, name="day"),
    path("appointments/week/", calendar.week_view, name="week"),
    path("appointments/<int:appointment_id>/", appointments.appointment_page, name="appointment"),
    path(
        "appointments/<int:appointment_id>/status/",
        appointments.appointment_status,
        name="appointment_status",
    ),
    path(
        "appointments/<int:appointment_id>/session/",
        appointments.appointment_session,
        name="appointment_session",
    ),
    path("calendar-feed/", feed.feed_page, name="feed"),
    path("calendar-feed/new/", feed.feed_new, name="feed_new"),
    path("calendar-feed/off/", feed.feed_off, name="feed_off"),
]
