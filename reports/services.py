"""Rendering persona reports, and keeping exactly what was rendered.

`report_render` is the one way a report is made, for the page, the download and the email:

1. Scope: the entities the user may see (or the one asked for, if visible; else DoesNotExist).
2. Key: persona, scope, those entities, the dates, the view, and a fingerprint of the stored
   notes (one cheap query) and of the code that draws reports. A stored run with the same key
   is returned as it is: under load the page is one lookup, not a rebuild; a new snapshot
   changes the key.
3. Otherwise: load the rows the persona needs (a fixed number of queries), build its context
   (plain data), render its template for the view, and store the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from entities.models import Entity
from reports import inline_css
from reports.models import ReportRun, ReportView
from reports.personas.common import coverage
from reports.personas.data import PORTFOLIO, EntityRef
from reports.plaintext import html_to_text
from reports.registry import REGISTRY, PersonaReport, persona_report
from reports.rowcache import ROWS
from reports.selectors import (
    User,
    report_data_load,
    report_entities,
    report_periods,
    report_run_cached,
    report_source_key,
    visible_entity_ids,
)

ROOT = Path(__file__).resolve().parent.parent


def renderer_version() -> str:
    """A fingerprint of the code and templates that draw reports: a deploy that changes how a
    report looks must not serve runs rendered by the old code. Computed once per process,
    except in development, where templates change under a running server."""
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


@lru_cache(maxsize=8)
def _static_text(name: str) -> str:
    path = finders.find(name)
    if not path:
        raise FileNotFoundError(f"static file {name} is missing")
    return Path(path).read_text(encoding="utf-8")


def static_text(name: str) -> str:
    # Re-read in development, so that a stylesheet being edited shows on the next render.
    if settings.DEBUG:
        _static_text.cache_clear()
    return _static_text(name)


def entity_key(ids: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A report asked for, resolved: which entities it covers and the key of its rendering."""

    report: PersonaReport
    scope: str
    entities: tuple[EntityRef, ...] | None  # known for one entity; loaded later for a portfolio
    ids: tuple[int, ...]
    as_of: dt.date | None
    today: dt.date
    view: str
    source_key: str

    @property
    def key(self) -> dict[str, Any]:
        """What a stored run must match to be shown instead of rendering anew."""
        return {
            "persona": self.report.slug,
            "scope": self.scope,
            "entity_key": entity_key(list(self.ids)),
            "as_of": self.as_of,
            "today": self.today,
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
    """Resolve a report: two queries (the visible entities' ids, the notes' fingerprint).
    Raises KeyError for an unknown persona, Entity.DoesNotExist for an entity the user may
    not see."""
    report = persona_report(persona)
    if view not in ReportView.values:
        raise ValueError(f"unknown view {view!r}")
    slug = entity if isinstance(entity, str) or entity is None else entity.slug
    if slug is None:
        scope, scoped = PORTFOLIO, None
        ids = visible_entity_ids(user=user)
    else:
        found = report_entities(user=user, slug=slug)
        if not found:
            # Not "forbidden": a stranger must not learn that the slug exists.
            raise Entity.DoesNotExist(slug)
        scope, scoped, ids = slug, tuple(found), [found[0].id]
    source_key = hashlib.sha256(f"{report_source_key()}|{renderer_version()}".encode())
    return ReportRequest(
        report=report,
        scope=scope,
        entities=scoped,
        ids=tuple(ids),
        as_of=as_of,
        today=as_of or today or timezone.localdate(),
        view=view,
        source_key=source_key.hexdigest(),
    )


def report_render(
    *,
    persona: str,
    user: User,
    entity: Entity | EntityRef | str | None = None,
    as_of: dt.date | None = None,
    view: str = ReportView.PAGE,
    today: dt.date | None = None,
) -> ReportRun:
    """The run for this report — one entity, or the portfolio of every entity the user may
    see — stored or freshly rendered. Raises KeyError for an unknown persona and
    Entity.DoesNotExist for an entity the user may not see. The run's `scope_entities` (not
    stored) are the entities it covers when the entity is one (for the page around it)."""
    asked = report_request(
        persona=persona, user=user, entity=entity, as_of=as_of, view=view, today=today
    )
    return report_run_for(asked, user=user)


def report_run_for(asked: ReportRequest, *, user: User) -> ReportRun:
    """The stored run for a resolved report, or a new one rendered and stored."""
    key = asked.key
    cached = report_run_cached(**key)
    if cached is not None:
        cached.scope_entities = asked.entities or ()
        return cached
    report, scope, ids = asked.report, asked.scope, list(asked.ids)
    entities = list(asked.entities) if asked.entities is not None else report_entities(user=user)
    needs = report.needs_for(portfolio=scope == PORTFOLIO)
    data = report_data_load(
        entities=entities, scope=scope, as_of=asked.as_of, today=asked.today, needs=needs
    )
    context = report.build(data)
    cov = coverage(data)
    html, text = _render(report, view=asked.view, context=context, data=data, cov=cov)
    periods = ", ".join(f"{label} ({n})" if len(cov.periods) > 1 else label
                        for label, n in cov.periods)  # fmt: skip
    run = ReportRun(
        persona=report.slug,
        scope=scope,
        entity_ids=ids,
        entity_key=key["entity_key"],
        as_of=asked.as_of,
        reference_date=asked.today,
        period=periods[:200],
        periods=[[p.isoformat(), label] for p, label in report_periods(entity_ids=ids)],
        view=asked.view,
        html=html,
        text=text,
        content_hash=hashlib.sha256(f"{html}\x00{text}".encode()).hexdigest(),
        source_key=key["source_key"],
        created_by=user if getattr(user, "pk", None) else None,
    )
    run.save()
    run.scope_entities = asked.entities or ()
    return run


def report_rows_warm(*, today: dt.date | None = None) -> int:
    """Read into this process's row cache (reports.rowcache) the rows every persona's reports
    need, for every entity, and return how many parts it holds. gunicorn's master does this
    before it forks the web workers (config/gunicorn.py), so that a worker's first report is
    built as fast as the ones after it: only notes that arrive later are read from the
    database. Entities are read
    whole here, but a report still reaches only the rows of the entities its viewer may see
    (rows are found by snapshot id, from those entities only)."""
    entities = [EntityRef(*row) for row in Entity.objects.values_list("id", "slug", "name", "kind")]
    today = today or timezone.localdate()
    for report in REGISTRY.values():
        for needs in (report.needs, report.entity_needs):
            if needs is None:
                continue
            if ROWS.nearly_full:  # a portfolio larger than the cache: warm only what fits
                return len(ROWS)
            report_data_load(
                entities=entities, scope=PORTFOLIO, as_of=None, today=today, needs=needs
            )
    return len(ROWS)


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
    css = static_text("reports/email.css")
    sheet = inline_css.parse(css)
    open_url = settings.SITE_URL + reverse(
        "reports:entity" if entity else "reports:portfolio",
        args=[report.slug, entity.slug] if entity else [report.slug],
    ) + base["query"]  # fmt: skip
    email = render_to_string(
        "emails/report.html",
        {**base, "body": mark_safe(body), "kept_styles": mark_safe(sheet.kept),
         "open_url": open_url},
    )  # fmt: skip
    html = inline_css.inline(email, css)
    text = render_to_string(
        "emails/report.txt", {**base, "body_text": html_to_text(body), "open_url": open_url}
    )
    return html, text
