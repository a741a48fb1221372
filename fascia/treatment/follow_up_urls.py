from django.urls import path

app_name = "follow_up"

urlpatterns: list = []
