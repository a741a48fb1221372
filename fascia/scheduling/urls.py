from django.urls import path

app_name = "schedule"

urlpatterns: list = []
