from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest
from django.urls import include, path

from config.health import healthz
from config.signin import AdminSignInForm, SignInForm
from crew.api import api as crew_api
from entities.views import dashboard

admin.site.site_header = "Quarterdeck administration"
admin.site.site_title = "Quarterdeck"
admin.site.login_form = AdminSignInForm


def _admin_permitted(request: HttpRequest) -> bool:
    """Only superusers use the admin. Every model in it holds some entity's figures, emails or
    crew (the ledger shows each email as sent), and the admin cannot narrow its lists to the
    entities a member may see; a superuser sees every entity anyway. A staff member who is
    not one is sent to the admin's sign-in page, which says the account may not use it."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _admin_permitted

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
