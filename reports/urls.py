from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("runs/<int:pk>/", views.report_run_detail, name="run"),
    path("source/<int:pk>/", views.report_source, name="source"),
    path("unsubscribe/<str:token>/", views.report_unsubscribe, name="unsubscribe"),
    # Any registered persona (reports.personas.REGISTRY); "runs", "source" and "unsubscribe"
    # are taken above.
    path("<slug:persona>/", views.report_portfolio, name="portfolio"),
    path("<slug:persona>/<slug:entity_slug>/", views.report_entity, name="entity"),
]
