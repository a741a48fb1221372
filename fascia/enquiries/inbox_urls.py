"""The staff inbox, mounted at /app/enquiries/."""

from django.urls import path

from . import inbox, inbox_convert

app_name = "inbox"

urlpatterns = [
    path("", inbox.enquiry_list, name="list"),
    path("export.csv", inbox.enquiry_export, name="export"),
    path("<str:reference>/", inbox.enquiry_detail, name="detail"),
    path("<str:reference>/status/", inbox.enquiry_status, name="status"),
    path("<str:reference>/notes/", inbox.enquiry_note, name="note"),
    path("<str:reference>/assign/", inbox.enquiry_assign_view, name="assign"),
    path("<str:reference>/call-back/", inbox.enquiry_callback_due, name="callback_due"),
    path("<str:reference>/calls/", inbox.enquiry_call, name="call"),
    path("<str:reference>/erase/", inbox.enquiry_erase_view, name="erase"),
    path("<str:reference>/convert/", inbox_convert.enquiry_convert_view, name="convert"),
]
