from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz
from config.signin import AdminSignInForm, SignInForm
from crew.api import api as crew_api
from entities.views import dashboard

admin.site.site_header = "Quarterdeck administration"
admin.site.site_title = "Quarterdeck"
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("reports/", include("reports.urls")),
    path("crew/", include("crew.urls")),
    path("delivery/", include("delivery.urls")),
    path("api/crew/", crew_api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
