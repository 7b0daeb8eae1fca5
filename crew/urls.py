from django.urls import path

from crew import views

app_name = "crew"
urlpatterns = [
    path("", views.crew_index, name="index"),
    path("done/<str:token>/", views.item_done, name="item-done"),
    path("<slug:entity_slug>/<str:event_id>/", views.event_page, name="event"),
]
