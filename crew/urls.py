from django.urls import path

from crew import views

app_name = "crew"
urlpatterns = [
    path("", views.crew_index, name="index"),
]
