"""Report pages. Thin: parse the request, ask reports.services / reports.selectors, respond.

Anything about an entity the user may not see is a 404, never a 403.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from entities.models import Entity, Snapshot
from reports.models import ReportRun, ReportView
from reports.pagecache import PAGES
from reports.registry import REGISTRY
from reports.responses import stored_document
from reports.selectors import (
    display_path,
    personas_held,
    report_entities,
    report_run_visible_get,
    snapshot_visible_get,
)
from reports.services import report_request, report_run_for

# Reports are an owner's own figures: neither a shared cache nor the browser's disk may keep a
# copy (a shared computer, a proxy). Report views only read: GET and HEAD, nothing else.
private = cache_control(private=True, no_store=True)


@require_safe
@private
@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """The personas and scopes this user may open: the portfolio, and each visible entity."""
    entities = report_entities(user=request.user)
    held = personas_held(user=request.user)
    rows = [(e, [(r, r.slug in held.get(e.id, ())) for r in REGISTRY.values()]) for e in entities]
    return render(
        request,
        "reports/index.html",
        {"reports": list(REGISTRY.values()), "entities": entities, "rows": rows},
    )


def _as_of(raw: str | None) -> tuple[dt.date | None, str]:
    """The date asked for, or None for the latest notes, with a notice when it was not usable."""
    if not raw:
        return None, ""
    try:
        as_of = dt.date.fromisoformat(raw)
    except ValueError:
        return None, f"“{raw[:20]}” is not a date (YYYY-MM-DD): these are the latest notes."
    if as_of >= timezone.localdate():
        return None, ""  # today or later is simply the latest notes
    return as_of, ""


def _period_options(periods: list[list[str]], selected: dt.date | None) -> list[dict[str, object]]:
    """Each period with a note, as the date the report stands on: a month's last day, so that
    month's note counts."""
    options = []
    today = timezone.localdate()
    for iso, label in periods:
        on = dt.date.fromisoformat(iso)
        if len(label) == 7:
            on = on.replace(day=calendar.monthrange(on.year, on.month)[1])
        if on >= today:
            continue  # that is what "latest" shows
        options.append({"value": on.isoformat(), "label": on, "selected": on == selected})
    return options


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
    page_key = None
    if view == ReportView.PAGE and request.session.session_key and not _has_messages(request):
        page_key = (request.session.session_key, request.user.pk, notice,
                    tuple(sorted(asked.key.items())))  # fmt: skip
        page = PAGES.get(page_key)
        if page is not None:
            return HttpResponse(page)
    run = report_run_for(asked, user=request.user)
    if view == ReportView.EXPORT:
        response = stored_document(run.html)
        day = (as_of or run.reference_date).isoformat()
        filename = f"quarterdeck-{persona}-{run.scope}-{day}.html"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    if view == ReportView.EMAIL:
        if request.GET.get("format") == "text":
            return HttpResponse(run.text, content_type="text/plain; charset=utf-8")
        return stored_document(run.html)
    entity = run.scope_entities[0] if entity_slug else None
    response = _around(
        request,
        "reports/base_report.html",
        run.html,
        {
            "run": run,
            "report": REGISTRY[persona],
            "entity": entity,
            "as_of": as_of,
            "notice": notice,
            "periods": _period_options(run.periods, as_of),
            "query": f"?as_of={as_of.isoformat()}&" if as_of else "?",
        },
    )
    if page_key is not None:
        PAGES.put(page_key, response.content)
    return response


def _has_messages(request: HttpRequest) -> bool:
    # A page that shows (and so consumes) a message is drawn afresh, never served from memory.
    return bool(getattr(request, "_messages", None) and len(request._messages))


_BODY = "<!--quarterdeck:report-body-->"


def _around(request: HttpRequest, template: str, body: str, context: dict) -> HttpResponse:
    """The page drawn around a stored report. The report (often 100-200 KB) is put in place
    after the page is rendered: through the template it would be copied at every level of
    the template's inheritance, which costs more than the rest of the page."""
    page = render_to_string(template, {**context, "html": mark_safe(_BODY)}, request=request)
    before, _, after = page.partition(_BODY)
    # The stored html was rendered by our own templates, note text cleaned by nh3.
    return HttpResponse(before + body + after)


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
    return _around(request, "reports/run.html", run.html, {"run": run,
                   "report": REGISTRY.get(run.persona)})  # fmt: skip


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
            "path": display_path(snapshot.source_path),
            "lines": [(n, text, problems.get(n, "")) for n, text in enumerate(lines, start=1)],
        },
    )
