from django.urls import path

from . import views

app_name = "enquiries"
urlpatterns = [
    path("", views.enquire, name="enquire"),
    path("received/<str:reference>/", views.received, name="received"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("phone-check/", views.phone_check, name="phone_check"),
]
