from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from entities.selectors import entities_visible_to


@cache_control(private=True, no_store=True)  # an owner's figures: no cache keeps them
@login_required
def crew_index(request: HttpRequest) -> HttpResponse:
    return render(request, "crew/index.html", {"entities": entities_visible_to(user=request.user)})
