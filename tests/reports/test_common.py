"""The shared maths, without a database."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.personas import cmo
from reports.personas.common import (
    Figure,
    aging_bucket,
    by_severity,
    delta,
    financials_of,
    is_open,
    item_changes,
    lower_is_better,
    metric_index,
    metric_lower_is_better,
    primary_currency,
    rollup,
    sum_by_currency,
    target_status,
)
from reports.personas.data import ItemData, MetricData, ReceivableData, SnapshotData


def usd(value: str | None) -> Figure:
    return Figure(None if value is None else Decimal(value), "USD")


def snapshot(*metrics: MetricData, currency: str = "USD") -> SnapshotData:
    return SnapshotData(
        id=1, entity_id=1, period=dt.date(2026, 11, 1), period_label="2026-11",
        currency=currency, path="2026-11/x.md", ingested_at=None, stale=False,
        metrics=list(metrics),
    )  # fmt: skip


def metric(name: str, value: str | None, unit: str = "USD", line: int = 10) -> MetricData:
    return MetricData("financials", name, None if value is None else Decimal(value), unit,
                      None, "", value or "", line)  # fmt: skip


def test_it_sums_only_like_currencies():
    totals = sum_by_currency(
        [usd("100"), usd("250.5"), Figure(Decimal("14500"), "EUR"), usd("-50")], primary="USD"
    )
    assert totals.main == Figure(Decimal("300.5"), "USD")
    assert totals.others == [Figure(Decimal("14500"), "EUR")]
    assert totals.counts == {"USD": 3, "EUR": 1}


def test_a_missing_value_is_counted_as_missing_not_as_zero():
    totals = sum_by_currency([usd(None), usd("10")], primary="USD")
    assert totals.main.value == Decimal(10)
    assert totals.missing == 1
    nothing = sum_by_currency([usd(None)], primary="USD")
    assert nothing.main.value is None


def test_a_line_in_another_unit_is_kept_apart_not_added_to_money():
    totals = sum_by_currency([usd("10"), Figure(Decimal("12"), "%")], primary="USD")
    assert totals.main.value == Decimal(10)
    assert totals.others == [Figure(Decimal("12"), "%")]


def test_the_report_currency_is_the_most_common_and_ties_go_to_usd():
    assert primary_currency(["EUR", "EUR", "USD"]) == "EUR"
    assert primary_currency(["EUR", "USD"]) == "USD"
    assert primary_currency(["GBP", "EUR"]) == "EUR"
    assert primary_currency([]) == "USD"


def test_a_change_has_a_direction_and_says_whether_it_is_good_news():
    up = delta(usd("110"), usd("100"))
    assert (up.change, up.direction, up.tone) == (Decimal(10), "up", "good")
    costs_up = delta(usd("110"), usd("100"), higher_is_better=False)
    assert (costs_up.direction, costs_up.tone) == ("up", "bad")
    loss_deeper = delta(usd("-900"), usd("-100"))
    assert (loss_deeper.change, loss_deeper.direction, loss_deeper.tone) == (
        Decimal(-800),
        "down",
        "bad",
    )
    flat = delta(usd("0"), usd("0"))
    assert (flat.change, flat.direction, flat.tone) == (Decimal(0), "flat", "neutral")


def test_no_change_is_computed_from_a_missing_value_or_across_currencies():
    assert delta(usd(None), usd("5")).change is None
    assert delta(usd("5"), usd(None)).reason == "a value is missing"
    across = delta(usd("5"), Figure(Decimal(5), "EUR"))
    assert across.change is None and "unit changed" in across.reason


def test_there_is_nothing_to_compare_without_a_previous_snapshot():
    first = delta(usd("5"), None)
    assert first.change is None and first.reason == "nothing to compare"


def test_a_rollup_sums_each_entitys_change_over_entities_with_both_notes():
    rolled = rollup([delta(usd("110"), usd("100")), delta(usd("50"), None), None], "USD",
                    higher_is_better=True)  # fmt: skip
    assert rolled.total.main.value == Decimal(160)
    assert rolled.change.value == Decimal(10)
    assert rolled.compared == 1


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"),
     (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")],
)  # fmt: skip
def test_aging_buckets_count_days_past_due_from_the_report_date(days, bucket):
    on = dt.date(2026, 11, 25)
    assert aging_bucket(on - dt.timedelta(days=days), on) == bucket


def test_a_receivable_without_a_due_date_cannot_be_aged():
    assert aging_bucket(None, dt.date(2026, 11, 25)) == "undated"


@pytest.mark.parametrize(
    ("status", "open_"),
    [("paid", False), ("Paid", False), ("written off", False), ("void", False),
     ("overdue", True), ("disputed", True), ("current", True), ("", True)],
)  # fmt: skip
def test_paid_and_written_off_receivables_are_closed_and_disputed_ones_open(status, open_):
    assert is_open(ReceivableData("C", "", Decimal(1), "USD", None, status, 1)) is open_


def test_items_are_ordered_critical_first_and_unrated_last():
    given = [("a", ""), ("b", "low"), ("c", "critical"), ("d", "high"), ("e", "high")]
    items = [ItemData("risk", text, severity, False, n) for n, (text, severity) in enumerate(given)]
    assert [i.text for i in by_severity(items)] == ["c", "d", "e", "b", "a"]


def test_item_changes_find_opened_resolved_and_dropped_items():
    before = [
        ItemData("tech_debt", "Shared admin password", "high", False, 1),
        ItemData("tech_debt", "No backups", "critical", False, 2),
        ItemData("tech_debt", "Old form", "low", True, 3),
    ]
    after = [
        ItemData("tech_debt", "shared  admin **password**", "high", True, 1),  # same, resolved
        ItemData("tech_debt", "No staging", "medium", False, 2),  # new
    ]
    changes = item_changes(before, after)
    assert [i.text for i in changes.opened] == ["No staging"]
    assert [i.text for i in changes.resolved] == ["shared  admin **password**"]
    assert [i.text for i in changes.dropped] == ["No backups"]
    assert item_changes(None, after).compared is False


def test_financial_lines_match_aliases_but_not_breakdowns():
    fins = financials_of(
        snapshot(
            metric("Total revenue", "27770"),
            metric("Revenue (EUR contracts)", "14500", "EUR", 11),
            metric("Operating expenses", "24150", line=12),
            metric("Net", "-1550", "", 13),
            metric("Net", "999", line=14),  # a duplicate: the first counts
        )
    )
    assert fins.revenue.value == Decimal("27770")
    assert fins.expenses.value == Decimal("24150")
    assert fins.net.unit == "USD"  # a bare amount in financials is in the note's currency
    assert fins.cash.value is None and fins.cash.unit == "USD"
    assert [m.name for m, _ in fins.other] == ["Revenue (EUR contracts)", "Net"]


def test_a_metric_index_keeps_the_first_of_duplicates_by_name():
    first, again = metric("**Bookings**", "12", "", 10), metric("bookings:", "99", "", 11)
    leads = metric("Leads", "3", "", 12)
    index = metric_index(snapshot(first, again, leads))
    assert index == {"bookings": first, "leads": leads}


def test_margin_is_net_over_revenue_only_within_one_currency():
    same = financials_of(snapshot(metric("Revenue", "200"), metric("Net", "-50", line=11)))
    assert same.margin == Decimal(-25)
    mixed = financials_of(snapshot(metric("Revenue", "200", "EUR"), metric("Net", "50", line=11)))
    assert mixed.margin is None
    no_revenue = financials_of(snapshot(metric("Revenue", "0"), metric("Net", "50", line=11)))
    assert no_revenue.margin is None


def test_kpis_about_costs_and_delays_are_better_lower():
    lower = [
        "DSO (days)",
        "Avg. turnaround (hours)",
        "Cost per lead",
        "Incidents",
        "Open maintenance requests",
        "Fuel cost per engine hour",
        "p95 API latency (ms)",
        "Loan balance",
        "Mortgage principal",
        "Accounts payable",
        "Total liabilities",
        "AR 31-60 days",
        "AR 61-90 days",
        "AR 90+ days",
        "AR 120+ days",
    ]
    for name in lower:
        assert lower_is_better(name), name
    for name in ["Bookings confirmed", "Occupancy", "Client NPS", "Leads", "AR 1-30 days"]:
        assert not lower_is_better(name), name
    for name in ["Waste", "Food waste (%)", "Scrap rate", "Shrinkage", "Spoilage"]:
        assert lower_is_better(name), name
    assert target_status(Decimal(21), Decimal(24), lower=True) == "met"
    assert target_status(Decimal(381), Decimal(390), lower=False) == "missed"
    assert target_status(None, Decimal(5), lower=False) is None


def test_a_metric_is_better_lower_as_its_target_says_else_as_its_name_says():
    def kpi(name: str, better: str = "") -> MetricData:
        return MetricData("kpis", name, Decimal(1), "", Decimal(1), "", "1", 1, better)

    assert metric_lower_is_better(kpi("Waste")) and not metric_lower_is_better(kpi("Leads"))
    assert not metric_lower_is_better(kpi("Waste", "higher"))
    assert metric_lower_is_better(kpi("Leads", "lower"))


def test_every_word_the_format_doc_says_is_better_lower_is_so():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "handoff-format.md").read_text()
    words = re.findall(r"`([^`]+)`", doc.split("\nWords: ", 1)[1].split("\n\n", 1)[0])
    assert "waste" in words and len(words) > 50
    assert [w for w in words if not lower_is_better(w)] == ["AR 1-30 days"]  # the exception


@given(st.from_regex(cmo._DEMAND, alphabet=st.characters(max_codepoint=127)))
def test_every_name_the_cmo_counts_as_demand_holds_one_of_the_words_the_database_reads_by(name):
    # The CMO's database read keeps KPIs whose name holds a word (ASCII, any case): a superset
    # of what its pattern picks, or a demand KPI would be missing from the report.
    assert cmo.is_demand(cmo.MetricData("kpis", name, None, "", None, "", "", 1))
    assert any(word in name.lower() for word in cmo.DEMAND_WORDS)
