"""Report pages. Thin: parse the request, ask reports.services / reports.selectors, respond.

Anything about an entity the user may not see is a 404, never a 403.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from delivery.documents import stored_document
from entities.models import Entity, Snapshot
from entities.selectors import personas_held, snapshot_visible_get
from reports.models import Recipient, ReportRun, ReportView
from reports.registry import REGISTRY
from reports.selectors import report_run_visible_get, report_scope_for
from reports.sending import recipient_from_token, recipient_unsubscribe
from reports.services import report_render, report_request

# Reports are an owner's own figures: neither a shared cache nor the browser's disk may keep a
# copy (a shared computer, a proxy). Report views only read: GET and HEAD, nothing else.
private = cache_control(private=True, no_store=True)


@require_safe
@private
@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """The personas and scopes this user may open: the portfolio, and each visible entity."""
    entities = report_scope_for(user=request.user).entities
    held = personas_held(user=request.user)
    rows = [(e, [(r, r.slug in held.get(e.id, ())) for r in REGISTRY.values()]) for e in entities]
    return render(
        request,
        "reports/index.html",
        {"reports": list(REGISTRY.values()), "entities": entities, "rows": rows},
    )


EARLIEST_AS_OF = dt.date(1900, 1, 1)
LATEST_AS_OF = dt.date(2999, 12, 31)


def _as_of(raw: str | None) -> tuple[dt.date | None, str]:
    """The date asked for, or None for the latest notes, with a notice when it was not usable."""
    if not raw:
        return None, ""
    try:
        as_of = dt.date.fromisoformat(raw)
    except ValueError:
        return None, f"“{raw[:20]}” is not a date (YYYY-MM-DD): these are the latest notes."
    if not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        # Year 1 or 9999 is a date, but not one any note stood on, and the month arithmetic
        # of "as of" would step outside the calendar there.
        span = f"{EARLIEST_AS_OF.year} to {LATEST_AS_OF.year}"
        return None, f"{as_of.isoformat()} is outside {span}: these are the latest notes."
    return as_of, ""


def _report(request: HttpRequest, persona: str, entity_slug: str | None) -> HttpResponse:
    if persona not in REGISTRY:
        raise Http404("No such report.")
    # The list of periods sends as_of; the free date field sends on (and wins when filled).
    as_of, notice = _as_of(request.GET.get("on") or request.GET.get("as_of"))
    view = ReportView.EXPORT if request.GET.get("download") else request.GET.get("view", "page")
    if view not in ReportView.values:
        view = ReportView.PAGE
    try:
        asked = report_request(
            persona=persona, user=request.user, entity=entity_slug, as_of=as_of, view=view
        )
    except Entity.DoesNotExist:
        raise Http404("No such entity.") from None
    run = report_render(asked, user=request.user)
    if view == ReportView.EXPORT:
        response = stored_document(run.html)
        filename = f"quarterdeck-{persona}-{run.scope}-{run.as_of.isoformat()}.html"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    if view == ReportView.EMAIL:
        if request.GET.get("format") == "text":
            return HttpResponse(run.text, content_type="text/plain; charset=utf-8")
        return stored_document(run.html)
    return render(
        request,
        "reports/base_report.html",
        {
            "run": run,
            # The stored html was rendered by our own templates, note text cleaned by nh3.
            "html": mark_safe(run.html),
            "bar": mark_safe(run.bar),
            "report": REGISTRY[persona],
            "entity": asked.entities[0] if entity_slug else None,
            "notice": notice,
        },
    )


@require_safe
@private
@login_required
def report_portfolio(request: HttpRequest, persona: str) -> HttpResponse:
    return _report(request, persona, None)


@require_safe
@private
@login_required
def report_entity(request: HttpRequest, persona: str, entity_slug: str) -> HttpResponse:
    return _report(request, persona, entity_slug)


@require_safe
@private
@login_required
def report_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored run shown again exactly as it was rendered (an email as it was sent)."""
    try:
        run = report_run_visible_get(user=request.user, pk=pk)
    except ReportRun.DoesNotExist:
        raise Http404("No such report run.") from None
    if run.view != ReportView.PAGE:
        if request.GET.get("format") == "text" and run.text:
            return HttpResponse(run.text, content_type="text/plain; charset=utf-8")
        return stored_document(run.html)
    return render(
        request,
        "reports/run.html",
        {"run": run, "html": mark_safe(run.html), "report": REGISTRY.get(run.persona)},
    )


@require_safe
@private
@login_required
def report_source(request: HttpRequest, pk: int) -> HttpResponse:
    """A note as it was read, line by line, so a figure's line can be opened and checked."""
    try:
        snapshot = snapshot_visible_get(user=request.user, pk=pk)
    except Snapshot.DoesNotExist:
        raise Http404("No such note.") from None
    lines = snapshot.raw_text.splitlines()
    problems = {p.get("line"): p.get("message", "") for p in snapshot.problems or []}
    return render(
        request,
        "reports/source.html",
        {
            "snapshot": snapshot,
            "path": snapshot.display_path,
            "lines": [(n, text, problems.get(n, "")) for n, text in enumerate(lines, start=1)],
        },
    )


@csrf_exempt  # the signed link is the authority; RFC 8058 one-click POSTs carry no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def report_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """An email's unsubscribe link, without signing in. Mail scanners open links, so a GET
    only asks; the POST (the button, or a mail client's one-click) unsubscribes, once."""
    try:
        recipient = recipient_from_token(token)
    except Recipient.DoesNotExist:
        return render(request, "reports/unsubscribe.html", {"recipient": None}, status=404)
    context: dict[str, object] = {"recipient": recipient}
    if request.method == "POST":
        done = recipient_unsubscribe(recipient=recipient)
        context.update(done=done, already=not done)
    elif recipient.unsubscribed_at is not None:
        context["already"] = True  # opened again after the button: nothing left to ask
    return render(request, "reports/unsubscribe.html", context)
