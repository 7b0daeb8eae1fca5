from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from entities.models import Persona
from entities.selectors import entities_visible_to


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """The personas and scopes this user may open: the portfolio, and each visible entity."""
    return render(
        request,
        "reports/index.html",
        {"personas": Persona.choices, "entities": entities_visible_to(user=request.user)},
    )
