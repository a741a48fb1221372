from django.urls import path

app_name = "appointment_request"

urlpatterns: list = []
