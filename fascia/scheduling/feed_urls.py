from django.urls import path

app_name = "calendar_feed"

urlpatterns: list = []
