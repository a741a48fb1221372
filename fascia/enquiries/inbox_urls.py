"""The staff inbox, mounted at /app/enquiries/."""

from django.urls import path

from . import inbox

app_name = "inbox"

urlpatterns = [
    path("", inbox.enquiry_list, name="list"),
    path("export.csv", inbox.enquiry_export, name="export"),
    path("<str:reference>/", inbox.enquiry_detail, name="detail"),
    path("<str:reference>/status/", inbox.enquiry_status, name="status"),
    path("<str:reference>/notes/", inbox.enquiry_note, name="note"),
    path("<str:reference>/erase/", inbox.enquiry_erase_view, name="erase"),
]
