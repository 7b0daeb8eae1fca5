"""gunicorn's master reads the report rows before it forks its workers (config/gunicorn.py),
so no worker builds a report from an empty cache."""

import datetime as dt
import gc
import runpy
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import ReportRun
from reports.registry import REGISTRY
from reports.rowcache import ROWS
from reports.services import report_render, report_rows_warm
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, item, kpi, mkt, note, rec

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 25)
ROW_TABLES = ("entities_metric", "entities_item", "entities_receivable")


def _portfolio():
    member = UserFactory()
    entities = [EntityFactory(slug=f"e{n}") for n in range(3)]
    for n, entity in enumerate(entities):
        MembershipFactory(user=member, entity=entity)
        for month in ("2026-09", "2026-10", "2026-11"):
            note(
                entity, month,
                fin("Revenue", str(100 + n)), kpi("Bookings", "7", target="8"),
                mkt("Leads", "30"), item("risk", f"Risk {n}", "high"),
                item("tech_debt", "MFA", "low"), item("tech_stack", "AWS S3"),
                item("next_step", "Ship"), rec("A", "50", dt.date(2026, 9, 1), "overdue"),
            )  # fmt: skip
    return member, entities


def _row_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if any(t in q["sql"] for t in ROW_TABLES)]


@pytest.mark.django_db
def test_after_the_warm_up_no_report_reads_a_snapshot_row_again():
    member, entities = _portfolio()
    assert report_rows_warm(today=TODAY) > 0
    for persona in REGISTRY:
        for entity in (None, entities[1].slug):
            with CaptureQueriesContext(connection) as seen:
                run = report_render(persona=persona, user=member, entity=entity, today=TODAY)
            assert run.html
            assert _row_queries(seen) == [], (persona, entity)


@pytest.mark.django_db
def test_without_the_warm_up_the_first_report_reads_the_rows():
    member, _ = _portfolio()
    with CaptureQueriesContext(connection) as seen:
        report_render(persona="ceo", user=member, today=TODAY)
    assert _row_queries(seen)  # the test above would pass for nothing otherwise


@pytest.mark.django_db
def test_a_warm_report_is_the_report_read_cold():
    member, _ = _portfolio()
    cold = {p: report_render(persona=p, user=member, today=TODAY).html for p in REGISTRY}
    ReportRun.objects.all().delete()  # rendered again, not reused
    ROWS.clear()
    report_rows_warm(today=TODAY)
    for persona in REGISTRY:
        with CaptureQueriesContext(connection) as seen:
            warm = report_render(persona=persona, user=member, today=TODAY)
        assert not _row_queries(seen)
        assert warm.html == cold[persona]


class _Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *args: object, **kwargs: object) -> None:
        self.lines.append(("info", message % args))

    def warning(self, message: str, *args: object, **kwargs: object) -> None:
        self.lines.append(("warning", message % args))


class _Arbiter:
    def __init__(self) -> None:
        self.log = _Log()


@pytest.fixture
def when_ready():
    yield runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["when_ready"]
    gc.unfreeze()  # the hook freezes what exists, as a server's master should; tests go on


@pytest.mark.django_db
def test_the_gunicorn_master_warms_the_rows_before_forking_and_says_so(when_ready):
    _portfolio()
    server = _Arbiter()
    when_ready(server)
    assert len(ROWS) > 0
    assert server.log.lines == [("info", f"report rows warmed: {len(ROWS)} parts")]
    assert gc.get_freeze_count() > 0


@pytest.mark.django_db
def test_a_failed_warm_up_is_logged_and_the_server_starts(monkeypatch, when_ready):
    def broken(**kwargs: object) -> int:
        raise RuntimeError("database is starting up")

    monkeypatch.setattr("reports.services.report_rows_warm", broken)
    server = _Arbiter()
    when_ready(server)
    assert server.log.lines == [("warning", "report rows not warmed")]
    assert len(ROWS) == 0


@pytest.mark.django_db
def test_the_warm_up_stops_when_the_cache_is_nearly_full(monkeypatch):
    _portfolio()
    report_rows_warm(today=TODAY)
    everything = len(ROWS)
    ROWS.clear()
    monkeypatch.setattr(ROWS, "max_parts", everything // 2)
    report_rows_warm(today=TODAY)
    assert 0 < len(ROWS) <= everything // 2
    assert ROWS.misses < everything  # it stopped, instead of reading rows only to drop them
