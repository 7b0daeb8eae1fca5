"""Rendering persona reports, and keeping exactly what was rendered.

`report_request` resolves what is asked — the persona, the entities the user may see (or the
one asked for), the day, the view, and a fingerprint of the notes and code it depends on, in
one query — and `report_render` returns its rendering: the stored run with that key, or a new
one rendered and stored (reports.models.ReportRun), the same for the page, the download and
the email.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import css_inline
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from entities.models import Entity
from entities.periods import period_end
from entities.selectors import snapshot_periods
from reports.models import ReportRun, ReportView
from reports.personas.common import coverage
from reports.personas.data import PORTFOLIO, EntityRef
from reports.plaintext import html_to_text
from reports.registry import PersonaReport, persona_report
from reports.selectors import (
    ReportScope,
    User,
    report_data_load,
    report_run_stored,
    report_scope_for,
)


def _email_inliner() -> css_inline.CSSInliner:
    """email.css goes into every element's style attribute, where every mail client reads it;
    the email's own <style> element (email-head.css: the cells' rules, dark mode) is kept as
    it is. css-inline parses the finished, sanitised HTML for real, so text inside an
    attribute stays text."""
    return css_inline.CSSInliner(
        inline_style_tags=False,
        keep_style_tags=True,
        load_remote_stylesheets=False,
        minify_css=True,
        extra_css=static_text("reports/email.css"),
    )


ROOT = Path(__file__).resolve().parent.parent


def renderer_version() -> str:
    """A fingerprint of the code and templates that draw reports: a deploy that changes how a
    report looks must not serve runs rendered by the old code. Computed once per process (it
    reads some fifty files, which every page would pay for, and the code a process runs does
    not change under it), except in development, where templates change under a running
    server."""
    if settings.DEBUG:
        _renderer_version.cache_clear()
    return _renderer_version()


@lru_cache(maxsize=1)
def _renderer_version() -> str:
    digest = hashlib.sha256()
    folders = [ROOT / "reports", ROOT / "templates" / "reports", ROOT / "templates" / "emails",
               ROOT / "static" / "reports"]  # fmt: skip
    # The shared stylesheets too: the download carries them inside.
    shared = [ROOT / "static" / "css" / "quarterdeck.css", ROOT / "static" / "css" / "print.css"]
    files = [p for folder in folders for p in sorted(folder.rglob("*"))] + shared
    for path in files:
        if path.is_file() and path.suffix in {".py", ".html", ".txt", ".css"}:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def static_text(name: str) -> str:
    path = finders.find(name)
    if not path:
        raise FileNotFoundError(f"static file {name} is missing")
    return Path(path).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A report asked for, resolved: what it covers, the day it speaks for, and its key."""

    report: PersonaReport
    scope: str  # PORTFOLIO or the entity's slug
    entities: tuple[EntityRef, ...]
    as_of: dt.date | None  # an earlier date picked; None for the latest notes
    day: dt.date  # the day it speaks for: aging and staleness count from it
    today: dt.date
    view: str
    source_key: str

    @property
    def is_current(self) -> bool:
        """A report of the latest notes: stored as a run. One for a date someone picked is
        drawn for them and kept a while in the shared cache, never stored: anyone may ask for
        any number of dates, and the runs table must not grow with what people type."""
        return self.as_of is None

    @property
    def key(self) -> dict[str, Any]:
        """ReportRun's unique key."""
        return {
            "persona": self.report.slug,
            "scope": self.scope,
            "as_of": self.day,
            "view": self.view,
            "source_key": self.source_key,
        }


def report_request(
    *,
    persona: str,
    user: User,
    entity: Entity | EntityRef | str | None = None,
    as_of: dt.date | None = None,
    view: str = ReportView.PAGE,
    today: dt.date | None = None,
) -> ReportRequest:
    """Resolve a report over the entities a user may see (the portfolio), or one of them:
    one query. Raises KeyError for an unknown persona, Entity.DoesNotExist for an entity the
    user may not see."""
    slug = entity if isinstance(entity, str) or entity is None else entity.slug
    scope = report_scope_for(user=user, slug=slug)
    if slug is not None and not scope.entities:
        # Not "forbidden": a stranger must not learn that the slug exists.
        raise Entity.DoesNotExist(slug)
    return report_request_for_scope(
        persona=persona, scope=scope, entity_slug=slug, as_of=as_of, view=view, today=today
    )


def report_request_for_scope(
    *,
    persona: str,
    scope: ReportScope,
    entity_slug: str | None = None,
    as_of: dt.date | None = None,
    view: str = ReportView.PAGE,
    today: dt.date | None = None,
) -> ReportRequest:
    """Resolve a report over a scope already read (reports.selectors.report_scope): the
    portfolio of its entities, or the one entity named by `entity_slug`."""
    report = persona_report(persona)
    if view not in ReportView.values:
        raise ValueError(f"unknown view {view!r}")
    today = today or timezone.localdate()
    if as_of is not None and as_of >= today:
        as_of = None  # today or later is simply the latest notes
    day = as_of or today
    sources = f"{scope.fingerprint}|{renderer_version()}"
    needs = report.needs_for(portfolio=entity_slug is None)
    if needs.crew_events and as_of is None:
        sources += f"|crew-as-of={_crew_readiness_slot()}"
    source_key = hashlib.sha256(sources.encode())
    return ReportRequest(
        report=report,
        scope=entity_slug or PORTFOLIO,
        entities=scope.entities,
        as_of=as_of,
        day=day,
        today=today,
        view=view,
        source_key=source_key.hexdigest(),
    )


#: How long a report showing charters' readiness is reused: who is behind changes as due
#: times pass, not only when a row is written, so such a run is drawn again every quarter of
#: an hour (ptb_nudge's cadence), however unchanged its notes and crew rows are.
CREW_READINESS_MINUTES = 15


def _crew_readiness_slot() -> str:
    now = timezone.now()
    return now.replace(minute=now.minute - now.minute % CREW_READINESS_MINUTES, second=0,
                       microsecond=0).isoformat()  # fmt: skip


def report_render(asked: ReportRequest, *, user: User | None = None) -> ReportRun:
    """The rendering of a resolved report.

    1. The latest notes: the stored run with the report's key, if there is one (a page under
       load is one indexed lookup); else rendered and stored. Two requests that miss at once
       both render, and the unique key keeps one run (get_or_create).
    2. An earlier date: the rendering kept in the shared cache (Django's cache framework, one
       for every process) for REPORT_PICKED_DATE_SECONDS, else rendered and kept there. It is
       returned as an unsaved run.
    """
    if asked.is_current:
        stored = report_run_stored(**asked.key)
        if stored is not None:
            return stored
        fields = _rendered_fields(asked)
        run, _ = ReportRun.objects.get_or_create(
            **asked.key,
            defaults={**fields, "created_by": user if getattr(user, "pk", None) else None},
        )
        return run
    cache_key = "report-run:" + hashlib.sha256(repr(sorted(asked.key.items())).encode()).hexdigest()
    fields = cache.get(cache_key)
    if fields is None:
        fields = {**_rendered_fields(asked), "created_at": timezone.now()}
        cache.set(cache_key, fields, settings.REPORT_PICKED_DATE_SECONDS)
    return ReportRun(**asked.key, **fields)


def _rendered_fields(asked: ReportRequest) -> dict[str, Any]:
    """Load the rows the persona needs (a fixed number of queries), build its context (plain
    data), render its template for the view: a run's fields but its key."""
    report = asked.report
    needs = report.needs_for(portfolio=asked.scope == PORTFOLIO)
    data = report_data_load(
        entities=asked.entities, scope=asked.scope, as_of=asked.as_of, today=asked.day,
        needs=needs,
    )  # fmt: skip
    context = report.build(data)
    cov = coverage(data)
    html, text = _render(report, view=asked.view, context=context, data=data, cov=cov)
    periods = ", ".join(f"{label} ({n})" if len(cov.periods) > 1 else label
                        for label, n in cov.periods)  # fmt: skip
    ids = sorted(e.id for e in asked.entities)
    options = _period_options(entity_ids=ids, today=asked.today)
    return {
        "entity_ids": ids,
        "period": periods[:200],
        "html": html,
        "bar": _bar(asked, periods=options) if asked.view == ReportView.PAGE else "",
        "text": text,
        "content_hash": hashlib.sha256(f"{html}\x00{text}".encode()).hexdigest(),
        "stale": [entity.name for entity, _ in cov.stale],
    }


def _period_options(*, entity_ids: list[int], today: dt.date) -> list[list[str]]:
    """The date selector's choices, [ISO date, label], newest first: the day each period with
    a note ends, from which its note stands (entities.selectors.snapshot_as_of_q), before
    today, which is what "latest" shows. Worked out once with the run (whose key holds the
    day), not on every page."""
    days = {period_end(period, label) for period, label in snapshot_periods(entity_ids=entity_ids)}
    return [[on.isoformat(), date_format(on, "j M Y")] for on in sorted(days, reverse=True)
            if on < today]  # fmt: skip


def _bar(asked: ReportRequest, *, periods: list[list[str]]) -> str:
    """A page's report bar: what it shows is the run's own (persona, scope, day, periods), so
    it is drawn here once rather than on every page."""
    return render_to_string(
        "reports/report_bar.html",
        {
            "report": asked.report,
            "entity": asked.entities[0] if asked.scope != PORTFOLIO else None,
            "as_of": asked.as_of,
            "periods": periods,
            "selected": asked.as_of.isoformat() if asked.as_of else "",
            # A day picked in the date field, which no period ends on: shown as the choice.
            "picked": asked.as_of is not None
            and asked.as_of.isoformat() not in {value for value, _ in periods},
            "query": f"?as_of={asked.as_of.isoformat()}&" if asked.as_of else "?",
        },
    )


def report_runs_prune(*, now: dt.datetime | None = None) -> int:
    """Delete runs older than REPORT_RUNS_KEEP_DAYS that nothing refers to, and say how many.

    A run something points at — an email delivered from it holds it with on_delete=PROTECT —
    is kept, whatever its age: every relation to ReportRun is left out here, so a new one
    needs no change to this function."""
    now = now or timezone.now()
    old = ReportRun.objects.filter(
        created_at__lt=now - dt.timedelta(days=settings.REPORT_RUNS_KEEP_DAYS)
    )
    for relation in ReportRun._meta.related_objects:
        old = old.filter(**{f"{relation.name}__isnull": True})
    deleted, _ = ReportRun.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
    return deleted


def _links(report: PersonaReport, view: str, as_of: dt.date | None) -> dict[str, Any]:
    """Where figures and entity names link to: the app on the page and in the email (absolute
    there), nowhere in the download, which must stand alone."""
    if view == ReportView.EXPORT:
        return {"source_prefix": "", "entity_prefix": "", "query": ""}
    source = reverse("reports:source", args=[0])[: -len("0/")]
    entity = reverse("reports:portfolio", args=[report.slug])
    if view == ReportView.EMAIL:
        source, entity = settings.SITE_URL + source, settings.SITE_URL + entity
    query = "?" + urlencode({"as_of": as_of.isoformat()}) if as_of else ""
    return {"source_prefix": source, "entity_prefix": entity, "query": query}


def _render(
    report: PersonaReport, *, view: str, context: Any, data: Any, cov: Any
) -> tuple[str, str]:
    entity = data.entities[0] if not data.is_portfolio and data.entities else None
    previous = data.previous(entity.id) if entity else None
    medium = {"page": "page", "export": "export", "email": "email"}[view]
    base = {
        "report": report,
        "r": context,
        "cov": cov,
        "entity": entity,
        "scope_name": entity.name if entity else "Portfolio",
        "question": report.question_for(portfolio=entity is None),
        # Note files that made no snapshot (read for the CAO): said even when no note stands.
        "failed_files": data.source_files,
        # One entity compares with one earlier note: say which ("vs Oct 2026").
        "since": previous.label if previous else "",
        "as_of": data.as_of,
        "today": data.today,
        "medium": medium,
        **_links(report, view, data.as_of),
    }
    body = render_to_string("reports/report_body.html", base)
    if view == ReportView.PAGE:
        return body, ""
    if view == ReportView.EXPORT:
        styles = "\n".join(
            [
                static_text("css/quarterdeck.css"),
                static_text("reports/report.css"),
                "@media print {\n" + static_text("css/print.css") + "\n}",
            ]
        )
        html = render_to_string(
            "reports/export.html", {**base, "body": mark_safe(body), "styles": mark_safe(styles)}
        )
        return html, ""
    open_url = settings.SITE_URL + reverse(
        "reports:entity" if entity else "reports:portfolio",
        args=[report.slug, entity.slug] if entity else [report.slug],
    ) + base["query"]  # fmt: skip
    email = render_to_string(
        "emails/report.html",
        {**base, "body": mark_safe(body), "open_url": open_url,
         "styles": mark_safe(static_text("reports/email-head.css"))},
    )  # fmt: skip
    html = _email_inliner().inline(email)
    text = render_to_string(
        "emails/report.txt", {**base, "body_text": html_to_text(body), "open_url": open_url}
    )
    return html, text
