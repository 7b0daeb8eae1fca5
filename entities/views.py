from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from entities.selectors import entities_visible_to


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    entities = entities_visible_to(user=request.user)
    return render(request, "entities/dashboard.html", {"entities": entities})
