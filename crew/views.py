from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from entities.selectors import entities_visible_to


@login_required
def crew_index(request: HttpRequest) -> HttpResponse:
    return render(request, "crew/index.html", {"entities": entities_visible_to(user=request.user)})
