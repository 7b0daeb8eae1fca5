"""Figures read the way owners write them: qualified lines, other spans, lines the report could
not place, and money with its cents. Builders on plain data, without the database."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape

from entities.services import handoffs_ingest
from reports.personas import cao, ceo, cfo, cto
from reports.personas.common import (
    FINANCIAL_NAMES,
    FINANCIAL_SPANS,
    LOSS_NAMES,
    financials_of,
    read_financial_line,
)
from tests.factories import UserFactory
from tests.reports.notes import entity, fin, item, kpi, note, one, report_data


def D(value):
    return Decimal(value)


def _latest(given):
    data = one(given)
    return data.latest(data.entities[0].id)


def draw(persona, r, data):
    """The persona's template as the page draws it (links on), for what a reader sees."""
    return render_to_string(
        f"reports/personas/{persona}.html",
        {"r": r, "source_prefix": "/reports/source/", "entity_prefix": f"/reports/{persona}/",
         "query": "", "medium": "page", "today": data.today},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("Revenue (MTD)", "revenue"),
        ("Total revenue", "revenue"),
        ("Gross revenue", "revenue"),
        ("Monthly revenue", "revenue"),
        ("Revenue, month to date", "revenue"),
        ("**Sales**:", "revenue"),
        ("Expenses (month)", "expenses"),
        ("Operating expenses", "expenses"),
        ("Total costs", "expenses"),
        ("Net income (loss)", "net"),
        ("Cash on hand", "cash"),
    ],
)
def test_a_line_with_a_qualifier_for_the_period_counts_as_its_concept(name, concept):
    reading = read_financial_line(name)
    assert (reading.concept, reading.kind) == (concept, "period")


@pytest.mark.parametrize(
    ("name", "concept", "span"),
    [
        ("Revenue (YTD)", "revenue", "year to date"),
        ("YTD revenue", "revenue", "year to date"),
        ("Revenue - YTD", "revenue", "year to date"),
        ("Total revenue (YTD)", "revenue", "year to date"),
        ("Revenue (QTD)", "revenue", "quarter"),
        ("Annual revenue", "revenue", "annual"),
        ("Revenue run-rate", "revenue", "run-rate"),
        ("Expenses (annualised)", "expenses", "annual"),
        ("Net profit (loss) (YTD)", "net", "year to date"),
    ],
)
def test_a_line_for_another_span_is_that_concept_but_never_the_periods(name, concept, span):
    reading = read_financial_line(name)
    assert (reading.concept, reading.kind, reading.span) == (concept, "span", span)
    assert not reading.counts


@pytest.mark.parametrize(
    "name", ["Revenue (EUR contracts)", "Turnover (paint, carpet, clean)", "Revenue (ytd-ish)"]
)
def test_a_qualifier_that_is_not_a_span_makes_another_line(name):
    assert read_financial_line(name).kind == "breakdown"


@pytest.mark.parametrize(
    "name", ["Fuel", "Gross profit", "Operating income", "Annualised run-rate"]
)
def test_names_of_no_concept_are_other_lines(name):
    assert read_financial_line(name).kind == "other"


def test_the_cfo_counts_qualified_lines_for_the_period_and_sums_them():
    a = entity("a", note("2026-11", fin("Revenue (MTD)", "1000"), fin("Expenses (month)", "600"),
                         fin("Net", "400")))  # fmt: skip
    b = entity("b", note("2026-11", fin("Gross revenue", "500"), fin("Operating expenses", "450"),
                         fin("Total net", "50")))  # fmt: skip
    r = cfo.build(report_data(a, b))

    assert r.revenue.total.main.value == D(1500)
    assert r.expenses.total.main.value == D(1050)
    assert r.net.total.main.value == D(450)
    assert r.spans == []
    assert [m.name for m, _, _ in r.entities[0].other_lines] == []


def test_the_report_shows_the_lines_own_name_on_hover():
    data = report_data(entity("a", note("2026-11", fin("Revenue (MTD)", "1000"))))
    html = draw("cfo", cfo.build(data), data)

    figure = re.search(r'<a class="fig" href="[^"]+" title="([^"]+)">\$1,000</a>', html)
    assert figure, html
    assert figure[1].startswith("Revenue (MTD) · 2026-11/a.md, line 10")


def test_a_line_for_another_span_is_shown_apart_and_never_summed():
    a = entity("a", note("2026-10", fin("Revenue", "900")),
               note("2026-11", fin("Revenue", "1000"), fin("Revenue (YTD)", "9000"),
                    fin("Annual revenue", "12000"), fin("Revenue run-rate", "12500")))  # fmt: skip
    b = entity("b", note("2026-11", fin("Revenue (YTD)", "4000")))
    data = report_data(a, b)
    r = cfo.build(data)

    assert r.revenue.total.main.value == D(1000)  # a's period revenue only
    assert r.revenue.change.value == D(100)
    assert [p.revenue.value for p in r.trend] == [D(900), D(1000)]
    assert [(e.slug, s.metric.name, s.span) for e, s in r.spans] == [
        ("a", "Revenue (YTD)", "year to date"),
        ("a", "Annual revenue", "annual"),
        ("a", "Revenue run-rate", "run-rate"),
        ("b", "Revenue (YTD)", "year to date"),
    ]
    assert r.entities[0].other_lines == []  # shown apart, not as breakdown lines
    html = draw("cfo", r, data)
    assert "Figures for other spans" in html
    assert "Revenue run-rate" in html and "$12,500" in html


def test_one_entitys_cfo_lists_its_other_spans_with_their_label():
    data = one(entity("a", note("2026-11", fin("Revenue", "1000"), fin("Revenue (YTD)", "9000"))))
    r = cfo.build(data)
    html = draw("cfo", r, data)

    assert r.revenue.total.main.value == D(1000)
    assert re.search(r"Revenue \(YTD\) <span class=\"tag\"[^>]*>year to date</span>", html)


def test_a_breakdown_stays_another_line_as_today():
    a = entity("a", note("2026-11", fin("Revenue", "27770"),
                         fin("Revenue (EUR contracts)", "14500", "EUR")))  # fmt: skip
    r = cfo.build(report_data(a))

    assert r.revenue.total.main.value == D(27770)
    assert [m.name for m, _, _ in r.entities[0].other_lines] == ["Revenue (EUR contracts)"]
    assert [(f.what, f.summed) for f in r.foreign] == [("Revenue (EUR contracts)", False)]


def test_a_revenue_line_the_report_cannot_place_is_named_in_the_headline():
    jada = entity("jada", note("2026-11", fin("Expenses", "800"), fin("Revenue (ytd-ish)", "5000"),
                               fin("Net", "200")))  # fmt: skip
    data = report_data(jada, entity("other", note("2026-11", fin("Revenue", "10"))))
    r = cfo.build(data)

    why = "not placed: 'Revenue (ytd-ish)' at 2026-11/jada.md line 11"
    assert r.entities[0].revenue.current.value is None
    assert r.entities[0].revenue.current.why == why
    assert r.revenue.total.why_missing == [why]
    html = draw("cfo", r, data)
    assert f'<div class="sub why">{escape(why)}</div>' in html  # the portfolio's tile
    assert f'<span class="why muted small">{escape(why)}</span>' in html  # jada's row
    # The line itself is still listed, as written.
    assert [m.name for m, _, _ in r.entities[0].other_lines] == ["Revenue (ytd-ish)"]


@pytest.mark.parametrize("name", ["Sales to partners", "Turnover (paint)", "Income from fees"])
def test_any_line_that_looks_like_revenue_is_named_when_none_is_placed(name):
    fins = financials_of(_latest(entity("a", note("2026-11", fin(name, "10")))))
    assert fins.revenue.why.startswith(f"not placed: '{name}' at ")


def test_a_headline_with_no_revenue_like_line_stays_a_plain_dash():
    fins = financials_of(_latest(entity("a", note("2026-11", fin("Fuel", "10")))))
    assert fins.revenue.value is None and fins.revenue.why == ""
    # A revenue line for another span is placed (shown apart): not "not placed".
    spans = financials_of(_latest(entity("a", note("2026-11", fin("Revenue (YTD)", "10")))))
    assert spans.revenue.why == "" and len(spans.spans) == 1


def test_the_ceo_headline_says_so_too():
    data = report_data(entity("jada", note("2026-11", fin("Revenue (Nov)", "5000"))))
    r = ceo.build(data)
    assert r.entities[0].revenue.current.why == (
        "not placed: 'Revenue (Nov)' at 2026-11/jada.md line 10"
    )
    assert "not placed: &#x27;Revenue (Nov)&#x27;" in draw("ceo", r, data)


def test_sums_of_money_keep_their_cents_and_whole_sums_stay_whole():
    a = entity("a", note("2026-11", fin("Revenue", "10.25"), fin("Expenses", "100")))
    b = entity("b", note("2026-11", fin("Revenue", "0.25"), fin("Expenses", "200")))
    data = report_data(a, b)
    r = cfo.build(data)
    html = draw("cfo", r, data)

    assert r.revenue.total.main.value == D("10.50")
    assert "$10.50" in html and "$10.5<" not in html
    assert "$300" in html and "$300.00" not in html


def _doc_table(heading: str) -> list[list[str]]:
    text = (settings.BASE_DIR / "docs" / "handoff-format.md").read_text()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows if "---" not in r]


def test_the_format_doc_has_the_same_tables_as_the_code():
    tables = _doc_table("How reports read financial lines")
    names = {row[0]: {n.strip().lower() for n in row[1].split(",")} for row in tables
             if row[0] in FINANCIAL_NAMES}  # fmt: skip
    assert names == {concept: set(words) for concept, words in FINANCIAL_NAMES.items()}
    spans = {row[0]: {q.strip().lower() for q in row[1].split(",")} for row in tables
             if len(row) == 3 and row[0] != "Span"}  # fmt: skip
    expected = {span or "the note's period": set(words) for span, words in FINANCIAL_SPANS.items()}
    assert spans == expected
    losses = [row[1] for row in tables if row[0] == "net, a loss"]
    assert [{n.strip().lower() for n in row.split(",")} for row in losses] == [set(LOSS_NAMES)]


# --- The CTO portfolio names the severe tech debt of every entity ------------------------------


def test_the_cto_portfolio_names_every_entitys_critical_and_high_debt_and_counts_the_rest():
    a = entity("a", note("2026-11", item("tech_debt", "Invoices exported by hand", "high"),
                         item("tech_debt", "No staging", "critical"),
                         item("tech_debt", "Old CSS", "low"),
                         item("tech_debt", "Done already", "critical", resolved=True)),
               name="Alpha")  # fmt: skip
    b = entity("b", note("2026-11", item("tech_debt", "Untested importer", "medium"),
                         item("tech_debt", "Unrated thing")))  # fmt: skip
    many = [
        entity(f"e{n}", note("2026-11", item("tech_debt", f"Fragile job {n}", "high")))
        for n in range(30)  # more than the security list shows: every one is still named
    ]
    data = report_data(a, b, *many)
    r = cto.build(data)

    assert [d.item.text for d in r.entities[0].severe] == [
        "No staging", "Invoices exported by hand",
    ]  # fmt: skip
    assert (r.entities[0].rest_open, r.entities[1].severe, r.entities[1].rest_open) == (1, [], 2)
    assert r.severe_total == 32
    html = draw("cto", r, data)
    section = html.split("Critical and high tech debt", 1)[1].split("Tech debt by severity")[0]
    for n in range(30):
        assert f"Fragile job {n}</span>" in section
    assert re.search(r'No staging</span> <a class="src" href="/reports/source/\d+/#L11"', section)
    assert "2026-11/a.md:11" in section
    assert 'and 1 more open item of lower or no severity in <a href="/reports/cto/a/">' in section
    assert "No critical or high; 2 open items of lower or no severity" in section
    assert "Done already" not in section


def test_the_downloaded_cto_portfolio_names_them_without_links():
    data = report_data(entity("a", note("2026-11", item("tech_debt", "No staging", "critical"),
                                        item("tech_debt", "Old CSS", "low"))))  # fmt: skip
    r = cto.build(data)
    html = render_to_string(
        "reports/personas/cto.html",
        {"r": r, "source_prefix": "", "entity_prefix": "", "query": "", "medium": "export"},
    )
    section = html.split("Critical and high tech debt", 1)[1].split("Tech debt by severity")[0]
    assert "No staging" in section and "2026-11/a.md:10" in section
    assert "href" not in section
    assert "1 more open item of lower or no severity in its own report" in section


# --- The example portfolio, as an owner reads it -----------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"


@pytest.mark.django_db
def test_the_example_jada_ytd_line_is_shown_apart_and_the_novembers_revenue_is_unchanged(client):
    handoffs_ingest(paths=[EXAMPLES])
    client.force_login(UserFactory(username="root", is_superuser=True))

    portfolio = client.get("/reports/cfo/").content.decode()
    assert "$280,685" in portfolio  # November revenue of the seven, without JADA's YTD
    spans = portfolio.split("Figures for other spans", 1)[1].split("</section>", 1)[0]
    assert "Revenue (YTD)" in spans and "$287,239.50" in spans and "year to date" in spans
    assert "2026-11/jada.md:37" in spans
    jada = client.get("/reports/cfo/jada/").content.decode()
    assert re.search(r'title="Revenue · 2026-11/jada\.md, line 31 · 2026-11">\$30,555<', jada)
    cto = client.get("/reports/cto/").content.decode()
    severe = cto.split("Critical and high tech debt", 1)[1].split("Tech debt by severity")[0]
    assert "Twilio auth token hard-coded" in severe and "2026-11/qdn.md:73" in severe


def test_a_line_for_another_span_in_another_currency_is_flagged_as_both():
    data = report_data(entity("a", note("2026-11", fin("Revenue", "100"),
                                        fin("Revenue (YTD)", "900.5", "EUR"))))  # fmt: skip
    r = cfo.build(data)

    assert [(f.what, f.summed, f.span) for f in r.foreign] == [
        ("Revenue (YTD)", False, "year to date")
    ]
    html = draw("cfo", r, data)
    assert "a line for another span (year to date): not added to anything" in html
    assert "€900.50" in html


# --- A line whose name says it is a loss holds the size of the loss ---------------------------


@pytest.mark.parametrize(
    "name", ["Net loss", "Loss", "Operating loss", "**Net loss**:", "Net loss (MTD)", "Total loss"]
)
def test_a_line_named_a_loss_is_the_periods_net_read_as_a_loss(name):
    reading = read_financial_line(name)
    assert (reading.concept, reading.kind, reading.loss) == ("net", "period", True)


@pytest.mark.parametrize("name", ["Net", "Net income (loss)", "Net (loss)", "Profit (loss)"])
def test_a_net_line_keeps_its_sign_as_written(name):
    reading = read_financial_line(name)
    assert (reading.concept, reading.kind, reading.loss) == ("net", "period", False)


@pytest.mark.parametrize(
    ("name", "value", "net"),
    [
        ("Net loss", "1550", "-1550"),
        ("Net loss", "-1550", "-1550"),  # "(1,550)": the same loss
        ("Loss", "200.50", "-200.50"),
        ("Operating loss", "10", "-10"),
        ("Net loss", "0", "0"),
        ("Net income (loss)", "-1550", "-1550"),
        ("Net income (loss)", "1550", "1550"),
        ("Net (loss)", "-1550", "-1550"),
        ("Net", "-1550", "-1550"),
    ],
)
def test_the_net_of_a_loss_line_is_minus_its_size(name, value, net):
    fins = financials_of(_latest(entity("a", note("2026-11", fin(name, value)))))
    assert fins.net.value == D(net)
    assert fins.net.name == name  # shown on hover


def test_a_net_loss_line_without_a_value_is_missing_not_zero():
    fins = financials_of(_latest(entity("a", note("2026-11", fin("Net loss", None, raw="TBD")))))
    assert fins.net.value is None


def test_a_net_loss_for_another_span_is_shown_apart_as_a_loss_too():
    fins = financials_of(_latest(entity("a", note("2026-11", fin("Net loss (YTD)", "5000")))))
    assert [(s.concept, s.span, s.figure.value) for s in fins.spans] == [
        ("net", "year to date", D(-5000))
    ]


def _qos_with_a_net_loss(value="1550", raw="1,550"):
    return entity("qos", note("2026-11", fin("Revenue", "36900"), fin("Expenses", "38450"),
                              fin("Net loss", value, raw=raw)), name="QOS")  # fmt: skip


@pytest.mark.parametrize(("value", "raw"), [("1550", "1,550"), ("-1550", "(1,550)")])
def test_the_ceo_shows_a_net_loss_as_a_loss_and_lists_it_as_needing_attention(value, raw):
    other = entity("dc", note("2026-11", fin("Net", "10000")))
    data = report_data(_qos_with_a_net_loss(value, raw), other)
    r = ceo.build(data)

    assert r.entities[0].net.current.value == D(-1550)
    assert r.net.total.main.value == D(8450)  # not 11,550
    loss = [a for a in r.attention if a.kind == "Loss"]
    assert [(a.entity.slug, a.figure.value) for a in loss] == [("qos", D(-1550))]
    html = draw("ceo", r, data)
    figure = re.search(r'<a class="fig neg" href="[^"]+" title="([^"]+)">\u2212\$1,550</a>', html)
    assert figure, html
    assert figure[1].startswith("Net loss · 2026-11/qos.md, line 12")
    assert f"written “{raw}”" in figure[1]


def test_the_cfo_sums_a_net_loss_as_a_loss_in_the_total_the_margin_and_the_trend():
    other = entity("dc", note("2026-11", fin("Revenue", "20000"), fin("Net", "10000")))
    r = cfo.build(report_data(_qos_with_a_net_loss(), other))

    assert r.entities[0].net.current.value == D(-1550)
    assert r.net.total.main.value == D(8450)
    assert [p.net.value for p in r.trend] == [D(8450)]
    assert round(r.margin, 2) == D("14.85")  # 8,450 ÷ 56,900


def test_the_change_of_a_net_loss_is_from_the_net_it_means():
    a = entity("a", note("2026-10", fin("Net", "500")), note("2026-11", fin("Net loss", "1550")))
    r = cfo.build(one(a))
    assert r.entities[0].net.change == D(-2050)


def test_the_cao_finds_that_a_net_loss_adds_up():
    data = one(_qos_with_a_net_loss())
    r = cao.build(data)
    assert [f.message for f in r.findings if f.kind == "inconsistent"] == []


# --- Cash at the end of the month is cash ------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Cash (end of month)", "Cash (EOM)", "Cash at end of month", "Closing cash",
     "Cash balance", "**Cash (end of month)**:", "Ending cash balance"],
)  # fmt: skip
def test_cash_at_the_end_of_the_month_is_the_periods_cash(name):
    reading = read_financial_line(name)
    assert (reading.concept, reading.kind) == ("cash", "period")


def test_the_cfo_counts_cash_at_the_end_of_the_month_as_cash():
    a = entity("a", note("2026-11", fin("Revenue", "100"), fin("Cash (end of month)", "7845")))
    b = entity("b", note("2026-11", fin("Closing cash", "155")))
    r = cfo.build(report_data(a, b))

    assert r.cash.total.main.value == D(8000)
    assert r.entities[0].other_lines == []


# --- The CFO's every line shows what the note says beside the headline lines -------------------


def test_the_cfo_shows_the_notes_written_on_the_headline_lines():
    data = one(entity("qos", note(
        "2026-11",
        fin("Revenue", "36900", notes="11 *charters*"),
        fin("Expenses", "38450", notes="includes $9,500 haul-out deposit"),
        fin("Net", "-1550", raw="(1,550)", notes="seasonal loss"),
        fin("Cash on hand", "127800", notes="after <script>x()</script>deposit"),
        fin("Fuel", "4980", notes="two tanks"),
    )))  # fmt: skip
    html = draw("cfo", cfo.build(data), data)
    table = html.split("Every line of the financials", 1)[1].split("</table>", 1)[0]
    rows = {
        re.sub(r"<[^>]+>", "", row.split("</td>", 1)[0]).strip(): row
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    }

    assert '<td class="small">11 <em>charters</em></td>' in rows["Revenue"]
    assert '<td class="small">includes $9,500 haul-out deposit</td>' in rows["Expenses"]
    assert "seasonal loss · " in rows["Net"] and "margin " in rows["Net"]
    assert "after deposit" in rows["Cash on hand"] and "<script" not in table
    assert "two tanks" in rows["Fuel"]  # as before


def test_headline_lines_without_notes_leave_the_cell_empty():
    data = one(entity("a", note("2026-11", fin("Revenue", "100"), fin("Net", "10"))))
    html = draw("cfo", cfo.build(data), data)
    table = html.split("Every line of the financials", 1)[1].split("</table>", 1)[0]
    assert '<td class="small"></td>' in table
    assert '<td class="small"><span class="muted">margin 10.0%</span></td>' in table


@pytest.mark.django_db
def test_the_example_qos_notes_show_on_its_headline_lines(client):
    handoffs_ingest(paths=[EXAMPLES])
    client.force_login(UserFactory(username="root", is_superuser=True))

    qos = client.get("/reports/cfo/qos/").content.decode()
    lines = qos.split("Every line of the financials", 1)[1].split("</table>", 1)[0]
    assert "includes $9,500 haul-out deposit" in lines and "after haul-out deposit" in lines
    assert "seasonal loss" in lines


# --- A bare amount in Financials is in the note's currency ------------------------------------


def test_the_cao_reads_a_bare_financial_amount_in_the_notes_currency():
    data = one(entity("qos", note(
        "2026-11", fin("Revenue", "36900"), fin("Net", "-1550", unit="", raw="(1,550)"),
        fin("Fuel", "4980", unit=""), fin("Deposit", "9500", "EUR"), kpi("Charters", "11"),
    )))  # fmt: skip
    r = cao.build(data)

    currency = [(f.source.line, f.message) for f in r.findings if f.kind == "currency"]
    assert currency == [
        (13, "Deposit is in EUR in a USD note (€9,500); it is not converted or summed.")
    ]


def test_a_bare_financial_amount_in_a_euro_note_is_no_mismatch_either():
    data = one(entity("eyd", note("2026-11", fin("Revenue", "14500", unit=""),
                                  fin("Fuel", "300", "USD"), currency="EUR")))  # fmt: skip
    r = cao.build(data)
    assert [f.source.line for f in r.findings if f.kind == "currency"] == [11]
    html = draw("cao", r, data)
    assert "Currency mismatch" in html and "Revenue has no currency" not in html


@pytest.mark.django_db
def test_the_example_qos_bare_net_is_no_currency_mismatch(client):
    handoffs_ingest(paths=[EXAMPLES])
    client.force_login(UserFactory(username="root", is_superuser=True))

    cao_page = client.get("/reports/cao/qos/").content.decode()
    assert "Currency mismatch" not in cao_page  # every amount in it is in dollars, or bare


# --- A change of one point is one pt --------------------------------------------------------


def test_a_margin_up_one_point_is_one_pt_on_the_page():
    data = one(entity("a", note("2026-10", fin("Revenue", "100"), fin("Net", "10")),
                      note("2026-11", fin("Revenue", "100"), fin("Net", "11"))))  # fmt: skip
    html = draw("cfo", cfo.build(data), data)
    assert "margin 11.0% (+1 pt)" in html
