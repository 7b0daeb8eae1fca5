"""The outbox (what was sent, as its recipient sees it), the SES account page, and SES events."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_ses.views import SESEventWebhookView

from delivery.documents import framed_document
from delivery.models import Delivery
from delivery.selectors import outbox_list, ses_account_current, ses_account_report
from delivery.services import ses_account_check
from delivery.ses import SesUnavailable

ses_events = csrf_exempt(SESEventWebhookView.as_view())


def superuser_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@superuser_required
def outbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(outbox_list(), 50).get_page(request.GET.get("page"))
    return render(request, "delivery/outbox.html", {"page": page})


@require_GET
@superuser_required
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    return render(request, "delivery/outbox_message.html", {"delivery": delivery})


@require_GET
@superuser_required
def outbox_message_html(request: HttpRequest, pk: int) -> HttpResponse:
    # In a sandboxed iframe of the outbox page, with nothing of it allowed to run or fetch.
    return framed_document(get_object_or_404(Delivery, pk=pk).body_html)


@require_http_methods(["GET", "POST"])
@superuser_required
def ses_account(request: HttpRequest) -> HttpResponse:
    """GET shows what was read last; POST reads SES again (a GET changes nothing)."""
    if request.method == "POST":
        try:
            ses_account_check()
        except SesUnavailable as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Read the SES account again.")
        return redirect("delivery:ses_account")
    account = ses_account_current()
    addresses = [a for a in request.GET.get("addresses", "").replace(",", " ").split() if a]
    report = ses_account_report(account=account, addresses=addresses) if account else None
    return render(
        request, "delivery/ses_account.html", {"account": account, "report": report,
                                               "addresses": " ".join(addresses)}
    )
