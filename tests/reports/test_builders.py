"""Each persona's builder on snapshots with known numbers."""

import datetime as dt
from decimal import Decimal

import pytest

from entities.models import Entity
from entities.services import handoffs_ingest
from reports.personas.common import CARDS_UP_TO
from reports.personas.data import PORTFOLIO, EntityRef
from reports.registry import REGISTRY
from reports.selectors import report_data_load
from tests.factories import EntityFactory
from tests.reports.factories import fin, item, kpi, mkt, note, rec

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


def build(persona, *entities, scope=PORTFOLIO, as_of=None, today=TODAY):
    report = REGISTRY[persona]
    refs = [EntityRef(e.id, e.slug, e.name, e.kind) for e in entities]
    data = report_data_load(
        entities=refs, scope=scope, as_of=as_of, today=today,
        needs=report.needs_for(portfolio=scope == PORTFOLIO),
    )  # fmt: skip
    return report.build(data)


def D(value):
    return Decimal(value)


# --- CEO --------------------------------------------------------------------------------------


def test_ceo_totals_revenue_expenses_and_net_and_sums_each_entitys_change():
    a, b = EntityFactory(slug="a"), EntityFactory(slug="b")
    note(a, "2026-10", fin("Revenue", "1000"), fin("Expenses", "800"), fin("Net", "200"))
    note(a, "2026-11", fin("Revenue", "1500"), fin("Expenses", "900"), fin("Net", "600"))
    note(b, "2026-11", fin("Revenue", "300"), fin("Expenses", "400"), fin("Net", "-100"))

    report = build("ceo", a, b)

    assert report.revenue.total.main.value == D(1800)
    assert report.expenses.total.main.value == D(1300)
    assert report.net.total.main.value == D(500)
    # Only a has an earlier note: the change is a's alone, and says so.
    assert (report.net.change.value, report.net.compared) == (D(400), 1)
    assert report.net.direction == "up" and report.net.tone == "good"
    assert report.expenses.tone == "bad"


def test_ceo_counts_kpis_on_target_knowing_that_some_are_better_lower():
    a = EntityFactory()
    note(
        a, "2026-11",
        kpi("Jobs completed", "381", target="390"),
        kpi("Avg. turnaround (hours)", "21", target="24"),
        kpi("DSO (days)", "47", target="35"),
        kpi("Repeat customers", None, target="150", raw="lots"),
        kpi("Loan balance", "389853"),
    )  # fmt: skip

    block = build("ceo", a).entities[0]

    status = {k.name: k.status for k in block.kpis}
    assert status == {
        "Jobs completed": "missed",
        "Avg. turnaround (hours)": "met",
        "DSO (days)": "missed",
        "Repeat customers": None,  # no value: neither met nor missed
        "Loan balance": None,  # no target
    }
    assert (block.kpis_met, block.kpis_targeted) == (1, 3)
    repeat = next(k for k in block.kpis if k.name == "Repeat customers")
    assert repeat.figure.value is None and repeat.figure.raw == "lots"


def test_ceo_takes_which_way_is_better_from_a_target_with_a_comparison_over_the_name():
    a = EntityFactory()
    note(a, "2026-10", kpi("Returns", "2"), kpi("Incidents", "5"), kpi("Waste", "5"))
    note(
        a, "2026-11",
        kpi("Returns", "3", target="2", better="lower"),  # "≤ 2": the name alone says higher
        kpi("Incidents", "4", target="3", better="higher"),  # "≥ 3": the name alone says lower
        kpi("Waste", "6.5", target="5"),  # no comparison: the name says lower
    )  # fmt: skip

    block = build("ceo", a, scope=a.slug).entities[0]

    lines = {k.name: (k.status, k.lower_is_better, k.change.tone) for k in block.kpis}
    assert lines == {
        "Returns": ("missed", True, "bad"),  # up, and lower is better
        "Incidents": ("met", False, "bad"),  # down, and higher is better
        "Waste": ("missed", True, "bad"),
    }
    assert (block.kpis_met, block.kpis_targeted) == (1, 3)


def test_ceo_portfolio_table_counts_kpis_on_target_by_the_comparison_too():
    entities = [EntityFactory(slug=f"e{n:02}") for n in range(CARDS_UP_TO + 1)]
    note(entities[0], "2026-11", kpi("Returns", "3", target="2", better="lower"),
         kpi("Waste", "4", target="5"))  # fmt: skip

    block = build("ceo", *entities).entities[0]

    assert (block.kpis_met, block.kpis_targeted) == (1, 2)  # Waste met, Returns missed


def test_a_target_written_with_a_comparison_in_a_note_decides_met_or_missed(tmp_path):
    (tmp_path / "acme.md").write_text(
        "---\nperiod: 2026-11\n---\n## KPIs\n| KPI | Value | Target |\n|---|---|---|\n"
        "| Waste | 6.5% | 5% |\n| Returns | 3% | ≤ 2% |\n| Incidents | 4 | at least 3 |\n"
        "| Uptime | 99.5% | ≥ 99.9% |\n"
    )
    handoffs_ingest(paths=[tmp_path])
    acme = Entity.objects.get(slug="acme")

    block = build("ceo", acme, scope="acme").entities[0]

    assert {k.name: (k.status, k.lower_is_better) for k in block.kpis} == {
        "Waste": ("missed", True),
        "Returns": ("missed", True),
        "Incidents": ("met", False),
        "Uptime": ("missed", False),
    }
    assert {k.name: k.target.value for k in block.kpis}["Returns"] == D(2)


def test_ceo_lists_severe_open_risks_stale_notes_and_losses_as_needing_attention():
    a, b = EntityFactory(slug="a", name="Alpha"), EntityFactory(slug="b", name="Beta")
    note(
        a, "2026-11",
        item("risk", "Roof is old", "high"),
        item("risk", "Minor thing", "low"),
        item("risk", "Already handled", "critical", resolved=True),
        item("tech_debt", "Token in the repo", "critical"),
        fin("Net", "-910"),
    )  # fmt: skip
    note(b, "2026-08", fin("Net", "50"))  # stale by 25 Nov

    attention = build("ceo", a, b).attention

    kinds = [(x.entity.slug, x.kind, x.severity) for x in attention]
    assert ("a", "Tech debt", "critical") in kinds
    assert ("a", "Risk", "high") in kinds
    assert ("b", "Stale note", "high") in kinds
    assert ("a", "Loss", "medium") in kinds
    texts = [x.text for x in attention]
    assert "Minor thing" not in texts and "Already handled" not in texts
    assert kinds[0][2] == "critical"  # most severe first


def test_ceo_says_what_changed_since_the_previous_snapshot():
    a = EntityFactory()
    note(
        a, "2026-10",
        item("risk", "Vacancy", "critical"), item("risk", "Water heater", "medium"),
        item("next_step", "List the unit"),
    )  # fmt: skip
    note(
        a, "2026-11",
        item("risk", "Vacancy", "critical", resolved=True), item("risk", "Roof", "high"),
        item("next_step", "List the unit", resolved=True), item("next_step", "Fix roof"),
    )  # fmt: skip

    block = build("ceo", a).entities[0]

    assert [i.text for i in block.risk_changes.opened] == ["Roof"]
    assert [i.text for i in block.risk_changes.resolved] == ["Vacancy"]
    assert [i.text for i in block.risk_changes.dropped] == ["Water heater"]
    assert [i.text for i in block.step_changes.resolved] == ["List the unit"]
    assert [i.text for i in block.risks] == ["Roof"]


def test_an_entity_without_financials_has_missing_lines_not_zeros():
    a = EntityFactory()
    note(a, "2026-11", kpi("Leads", "5"))

    report = build("ceo", a)

    block = report.entities[0]
    assert block.financials.present is False
    assert block.revenue.current.value is None
    assert report.revenue.total.main.value is None  # not $0
    assert report.revenue.total.missing == 1


# --- CTO --------------------------------------------------------------------------------------


def test_cto_finds_the_services_entities_share():
    a, b, c = (EntityFactory(slug=s) for s in "abc")
    note(a, "2026-11", item("tech_stack", "Static site on AWS S3 + CloudFront, DNS on Route53"))
    note(b, "2026-11", item("tech_stack", "AWS Route53 for DNS"), item("tech_stack", "Stripe"))
    note(c, "2026-11", item("tech_stack", "Stripe Connect for payouts"),
         item("tech_stack", "A spreadsheet"))  # fmt: skip

    report = build("cto", a, b, c)

    shared = {s.service: [e.slug for e in s.entities] for s in report.shared}
    assert shared == {"AWS Route 53": ["a", "b"], "Stripe": ["b", "c"]}
    assert [(v.vendor, [e.slug for e in v.entities]) for v in report.vendors] == [
        ("AWS", ["a", "b"]), ("Stripe", ["b", "c"])
    ]  # fmt: skip
    unrecognised = report.entities[2].stack[1]
    assert unrecognised.services == () and unrecognised.item.text == "A spreadsheet"


def test_cto_counts_open_tech_debt_by_severity_with_security_items_first():
    a = EntityFactory()
    note(
        a, "2026-11",
        item("tech_debt", "Bundle is 1.9 MB", "low"),
        item("tech_debt", "No staging environment", "medium"),
        item("tech_debt", "No MFA on the registrar", "medium"),
        item("tech_debt", "Root access keys in a laptop .env", "critical", resolved=True),
        item("tech_debt", "Hand-made invoices"),
        item("risk", "Phishing of the admin account", "high"),
    )  # fmt: skip

    report = build("cto", a)

    block = report.entities[0]
    assert block.counts == {"critical": 0, "high": 0, "medium": 2, "low": 1, "unrated": 1}
    assert report.open_total == 4
    assert block.debt_open[0].item.text == "No MFA on the registrar"
    assert [d.item.text for d in report.security] == [
        "Phishing of the admin account", "No MFA on the registrar"
    ]  # fmt: skip


def test_cto_lists_debt_opened_and_resolved_since_the_previous_snapshot():
    a = EntityFactory()
    note(a, "2026-10", item("tech_debt", "Shared login", "high"), item("tech_debt", "Old", "low"))
    note(
        a, "2026-11",
        item("tech_debt", "Shared login", "high", resolved=True),
        item("tech_debt", "Twilio token committed", "critical"),
    )  # fmt: skip

    report = build("cto", a)

    assert [d.item.text for d in report.opened] == ["Twilio token committed"]
    assert [d.item.text for d in report.resolved] == ["Shared login"]
    assert [d.item.text for d in report.dropped] == ["Old"]
    assert report.compared == 1


# --- CFO --------------------------------------------------------------------------------------


def test_cfo_sums_like_currencies_only_and_shows_others_apart():
    us, eu = EntityFactory(slug="us"), EntityFactory(slug="eu")
    note(
        us, "2026-11",
        fin("Revenue", "27770"), fin("Revenue (EUR contracts)", "14500", "EUR"),
        fin("Expenses", "24150"), fin("Net", "3620"),
        rec("Baltsee", "14500", dt.date(2026, 12, 10), unit="EUR", invoice="EYD-0252"),
        rec("Whitecap", "9200", dt.date(2026, 11, 12), "overdue"),
        rec("Solstice", "5600", dt.date(2026, 10, 8), "paid"),
    )  # fmt: skip
    note(us, "2026-10", fin("Revenue", "20000"))
    note(eu, "2026-11", fin("Revenue", "1000", "EUR"), currency="EUR")
    us2 = EntityFactory(slug="us2")
    note(us2, "2026-11", fin("Revenue", "230"))

    report = build("cfo", us, eu, us2)

    assert report.currency == "USD"
    assert report.revenue.total.main.value == D("28000")
    assert report.revenue.total.others[0].value == D(1000)
    assert report.revenue.total.others[0].unit == "EUR"
    assert report.receivables.total.main.value == D(9200)  # paid left out, EUR apart
    assert report.receivables.total.amounts["EUR"] == D(14500)
    foreign = {(f.entity.slug, f.what, f.summed) for f in report.foreign}
    assert foreign == {
        ("us", "Revenue (EUR contracts)", False),  # a breakdown: never added anywhere
        ("us", "Receivable EYD-0252", True),
        ("eu", "Revenue", True),
    }


def test_cfo_margin_and_changes_follow_a_negative_net():
    a = EntityFactory()
    note(a, "2026-10", fin("Revenue", "4000"), fin("Expenses", "3000"), fin("Net", "1000"))
    note(a, "2026-11", fin("Revenue", "3650"), fin("Expenses", "4560"), fin("Net", "-910"))

    block = build("cfo", a).entities[0]

    assert block.net.change == D(-1910) and block.net.tone == "bad"
    assert block.expenses.direction == "up" and block.expenses.tone == "bad"
    assert round(block.margin, 2) == D("-24.93")
    assert round(block.margin_change, 2) == D("-49.93")


def test_cfo_zero_is_zero_and_missing_is_missing():
    zero, missing = EntityFactory(slug="zero"), EntityFactory(slug="missing")
    note(zero, "2026-11", fin("Revenue", "0"), fin("Net", "0"))
    note(missing, "2026-11", fin("Revenue", None, raw="TBD"), fin("Net", "5"))

    report = build("cfo", zero, missing)

    by_slug = {b.entity.slug: b for b in report.entities}
    assert by_slug["zero"].revenue.current.value == D(0)
    assert by_slug["missing"].revenue.current.value is None
    assert by_slug["zero"].margin is None  # no margin on zero revenue
    assert report.revenue.total.main.value == D(0)
    assert report.revenue.total.missing == 1


def test_cfo_trend_sums_each_period_over_the_entities_with_a_note_for_it():
    a, b = EntityFactory(slug="a"), EntityFactory(slug="b")
    note(a, "2026-10", fin("Revenue", "100"), fin("Expenses", "60"))
    note(a, "2026-11", fin("Revenue", "150"), fin("Expenses", "70"))
    note(b, "2026-11", fin("Revenue", "50"), fin("Expenses", "80"), fin("Net", "-30", "", "(30)"))

    report = build("cfo", a, b)

    assert [(p.label, p.revenue.value, p.entities) for p in report.trend] == [
        ("2026-10", D(100), 1), ("2026-11", D(200), 2)
    ]  # fmt: skip
    assert report.chart is not None and len(report.chart.groups) == 2


def test_cfo_trend_leaves_out_a_period_with_no_line_in_the_reports_currency():
    a, yen = EntityFactory(slug="a"), EntityFactory(slug="yen")
    note(a, "2026-11", fin("Revenue", "150"))
    yen_note = note(yen, None, fin("Revenue", "900000", "JPY"), currency="JPY")
    yen_note.period, yen_note.period_label = dt.date(2026, 11, 15), "2026-11-15"
    yen_note.save()

    report = build("cfo", a, yen)

    assert [(p.label, p.entities) for p in report.trend] == [("2026-11", 1)]


# --- CMO --------------------------------------------------------------------------------------


def test_cmo_trends_demand_across_snapshots():
    a = EntityFactory()
    for month, leads in [("2026-08", "18"), ("2026-09", "20"), ("2026-10", None),
                         ("2026-11", "16")]:  # fmt: skip
        note(a, month, mkt("Leads", leads), mkt("Conversion", "19", "%"),
             kpi("Quotes sent", "8"), kpi("Incidents", "0"))  # fmt: skip

    block = build("cmo", a).entities[0]

    names = [line.name for line in block.lines]
    assert names == [
        "Leads",
        "Conversion",
        "Quotes sent",
    ]  # marketing first; Incidents is not demand
    leads = block.lines[0]
    assert [f.value for f in leads.history] == [D(18), D(20), None, D(16)]
    assert leads.change.change is None  # October is missing: no change from a gap
    assert leads.trend.path.count("M") == 2


def test_cmo_colours_a_change_the_way_the_notes_target_says_is_better():
    a = EntityFactory()
    note(a, "2026-10", mkt("Ad spend", "100"), mkt("Cost per lead", "40"), mkt("Leads", "9"))
    note(a, "2026-11", mkt("Ad spend", "120", better="lower"),
         mkt("Cost per lead", "50", better="higher"), mkt("Leads", "12"))  # fmt: skip

    block = build("cmo", a).entities[0]

    tones = {line.name: line.change.tone for line in block.lines}
    # Spend is neutral by its name, and cost per lead better lower: the notes say otherwise.
    assert tones == {"Ad spend": "bad", "Cost per lead": "good", "Leads": "good"}
    assert (block.growing, block.shrinking) == (2, 1)


def test_cmo_reads_only_the_kpis_about_demand_in_any_case_and_all_of_marketing():
    a = EntityFactory()
    note(a, "2026-11", mkt("Ad spend", "900"), kpi("BOOKINGS confirmed", "7"),
         kpi("Pre-sales calls", "3"), kpi("Client NPS", "61"),
         kpi("Bookkeeping hours", "9"))  # fmt: skip
    report = REGISTRY["cmo"]
    data = report_data_load(
        entities=[EntityRef(a.id, a.slug, a.name, a.kind)], scope=PORTFOLIO, as_of=None,
        today=TODAY, needs=report.needs_for(portfolio=True),
    )  # fmt: skip

    # Read by the words (Bookkeeping holds "book"), then picked by the pattern.
    read = [m.name for m in data.latest(a.id).metrics]
    assert read == ["Ad spend", "BOOKINGS confirmed", "Pre-sales calls", "Bookkeeping hours"]
    shown = [line.name for line in report.build(data).entities[0].lines]
    assert shown == ["Ad spend", "BOOKINGS confirmed", "Pre-sales calls"]


def test_cmo_totals_add_plain_counts_and_never_percentages():
    a, b = EntityFactory(slug="a"), EntityFactory(slug="b")
    note(a, "2026-10", mkt("Leads", "100"), mkt("Conversion", "10", "%"))
    note(a, "2026-11", mkt("Leads", "120"), mkt("Conversion", "12", "%"))
    note(b, "2026-11", mkt("Leads", "30"), mkt("Website sessions", "2000"))

    report = build("cmo", a, b)

    totals = {t.name: t for t in report.totals}
    assert set(totals) == {"Leads", "Website sessions"}
    assert totals["Leads"].total.value == D(150) and totals["Leads"].entities == 2
    assert totals["Leads"].change.value == D(20) and totals["Leads"].compared == 1
    assert [(label, f.value) for label, f, _ in totals["Leads"].trend] == [
        ("2026-10", D(100)), ("2026-11", D(150))
    ]  # fmt: skip


# --- CAO --------------------------------------------------------------------------------------


def test_cao_ages_open_receivables_by_client_and_bucket_from_the_report_date():
    a = EntityFactory()
    note(
        a, "2026-11",
        rec("Eastlake", "3150", dt.date(2026, 7, 20), "overdue", invoice="DC-58"),
        rec("Tidewater", "3800", dt.date(2026, 8, 20), "disputed"),
        rec("Northpoint", "6200", dt.date(2026, 11, 9), "overdue"),
        rec("Northpoint", "1000", dt.date(2026, 11, 20), "current"),
        rec("Marlowe", "4500", dt.date(2026, 12, 8), "current"),
        rec("Kestrel", "7400", dt.date(2026, 11, 15), "paid"),
    )  # fmt: skip

    report = build("cao", a)

    rows = {r.client: {b: c.amount for b, c in r.cells.items()} for r in report.rows}
    assert rows == {
        "Eastlake": {"90+": D(3150)},  # 128 days past due on 25 Nov
        "Tidewater": {"90+": D(3800)},
        "Northpoint": {"1-30": D(7200)},
        "Marlowe": {"current": D(4500)},
    }
    assert report.total.main.value == D(18650)
    assert report.over_90.main.value == D(6950)
    assert report.bucket_totals["31-60"].main.value == D(0)  # a known zero, not "—"
    assert [i.receivable.client for i in report.overdue] == [
        "Eastlake", "Tidewater", "Northpoint", "Northpoint"
    ]  # fmt: skip
    assert report.closed == 1
    northpoint = next(r for r in report.rows if r.client == "Northpoint")
    assert "line" in northpoint.cells["1-30"].title  # two invoices: each named with its line


def test_cao_aging_as_of_an_earlier_date_counts_from_that_date():
    a = EntityFactory()
    note(a, "2026-09", rec("Early", "100", dt.date(2026, 9, 15), "current"))
    note(a, "2026-11", rec("Late", "200", dt.date(2026, 11, 20), "current"))

    report = build("cao", a, as_of=dt.date(2026, 9, 30), today=dt.date(2026, 9, 30))

    assert [(r.client, list(r.cells)) for r in report.rows] == [("Early", ["1-30"])]


def test_cao_reports_each_kind_of_data_quality_finding_with_its_line():
    a = EntityFactory(slug="qdn")
    snapshot = note(
        a, "2026-11",
        kpi("Repeat customers", None, target="150", raw="lots"),
        kpi("Insurance premium", None, raw="TBD"),
        fin("Revenue", "100"), fin("Expenses", "60"), fin("Net", "50"),
        fin("Revenue (EUR contracts)", "14500", "EUR"),
        rec("Baltsee", "14500", dt.date(2026, 12, 10), unit="EUR", invoice="EYD-0252"),
        rec("Nodate", "10", None),
        problems=[
            {"line": 10, "severity": "warning",
             "message": "could not read 'lots' as a number for 'Repeat customers'"},
            {"line": 40, "severity": "warning", "message": "duplicate metric 'X' in kpis"},
        ],
    )  # fmt: skip
    stale = EntityFactory(slug="old")
    note(stale, "2026-08", fin("Revenue", "1"))

    report = build("cao", a, stale)

    found = {(f.kind, f.entity.slug, f.source.line if f.source else None) for f in report.findings}
    assert ("unreadable", "qdn", 10) in found
    assert ("missing", "qdn", 11) in found  # TBD: missing, never zero
    assert ("inconsistent", "qdn", 14) in found  # 100 - 60 is not 50
    assert ("currency", "qdn", 15) in found
    assert ("currency", "qdn", 16) in found
    assert ("missing", "qdn", 17) in found  # no due date: cannot be aged
    assert ("warning", "qdn", 40) in found
    assert ("stale", "old", None) in found
    unreadable = next(f for f in report.findings if f.kind == "unreadable")
    assert unreadable.source.path.endswith("qdn.md") and unreadable.source.snapshot_id == (
        snapshot.pk
    )
    assert report.findings[0].severity == "error"  # errors first


def test_cao_reports_files_that_made_no_snapshot():
    from entities.models import SourceFile

    a = EntityFactory(slug="broken")
    note(a, "2026-10", fin("Revenue", "1"))
    SourceFile.objects.create(
        path="/srv/notes/2026-11/broken.md", entity=a, status="error",
        problems=[{"line": 3, "severity": "error", "message": "front matter is not valid YAML"}],
    )  # fmt: skip

    report = build("cao", a)

    files = [f for f in report.findings if f.kind == "file"]
    assert len(files) == 1
    assert files[0].source.line == 3 and files[0].source.snapshot_id is None
    assert "not valid YAML" in files[0].message


# --- Every persona ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", list(REGISTRY))
def test_every_builder_copes_with_no_snapshots_at_all(persona):
    report = build(persona, EntityFactory(), EntityFactory())
    assert len(report.entities) == 2
    assert all(b.latest is None for b in report.entities)


@pytest.mark.parametrize("persona", list(REGISTRY))
def test_every_builder_copes_with_a_single_snapshot(persona):
    a = EntityFactory()
    note(
        a, "2026-11",
        fin("Revenue", "10"), fin("Net", "-5"), kpi("Leads", "3", target="4"), mkt("Leads", "3"),
        item("risk", "R", "high"), item("tech_debt", "T", "low"), item("tech_stack", "Stripe"),
        rec("C", "5", dt.date(2026, 11, 1), "overdue"),
    )  # fmt: skip
    for scope in (PORTFOLIO, a.slug):
        report = build(persona, a, scope=scope)
        assert report.entities[0].latest is not None


@pytest.mark.parametrize("persona", list(REGISTRY))
def test_a_large_portfolio_is_one_row_per_entity_and_a_small_one_is_cards(persona):
    small = [EntityFactory() for _ in range(CARDS_UP_TO)]
    for entity in small:
        note(entity, "2026-11", fin("Revenue", "1"))
    assert build(persona, *small).detailed is True
    large = [*small, EntityFactory()]
    assert build(persona, *large).detailed is False
    assert build(persona, large[0], scope=large[0].slug).detailed is True
