from django.urls import path

app_name = "my_appointment"

urlpatterns: list = []
