from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from entities.selectors import entity_overviews, source_files_failed_unowned


@cache_control(private=True, no_store=True)  # an owner's figures: no cache keeps them
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request, "entities/dashboard.html",
        {
            "overviews": entity_overviews(user=request.user),
            "unowned_failures": list(source_files_failed_unowned(user=request.user)[:100]),
            "stale_after_days": settings.HANDOFF_STALE_AFTER_DAYS,
        },
    )
