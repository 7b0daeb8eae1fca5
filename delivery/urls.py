from django.urls import path

from delivery import views

app_name = "delivery"
urlpatterns = [
    path("ses/events/", views.ses_events, name="ses_events"),
    path("ses/account/", views.ses_account, name="ses_account"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/html/", views.outbox_message_html, name="outbox_message_html"),
]
