"""The handoff note parser: front matter, sections, tables, bullets, files."""

from __future__ import annotations

import datetime
import json
import tempfile
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entities.handoff import (
    MAX_SECTION_ROWS,
    METRIC_NAME_MAX_LENGTH,
    ItemRow,
    MetricRow,
    ParsedHandoff,
    Problem,
    ReceivableRow,
    parse_handoff,
    read_handoff,
)
from entities.handoff.parser import _quote


def parse(text: str, path: str = "acme.md") -> ParsedHandoff:
    return parse_handoff(textwrap.dedent(text).lstrip("\n"), path=path)


def messages(parsed: ParsedHandoff) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.severity, p.message) for p in parsed.problems]


def metric(parsed: ParsedHandoff, name: str) -> MetricRow:
    (row,) = [m for m in parsed.metrics if m.name == name]
    return row


FULL = """\
---
name: Acme Plumbing
slug: acme
kind: core
period: 2026-11
currency: eur
owner: Dana Reyes
updated: 2026-11-28
---

# Acme Plumbing handoff

## KPIs

| Metric | Value | Target | Period | Notes |
|---|---:|---:|---|---|
| Revenue (MTD) | $48,200 | $50,000 | Nov | on track |
| Jobs | 212 | | | |

## Tech Debt
- [high] Invoices exported by hand

## Receivables

| Client | Invoice | Amount | Due | Status |
|---|---|---|---|---|
| Harbor Lofts | INV-1 | 9,400 | 2026-10-15 | overdue |
"""


# -- front matter --------------------------------------------------------------


def test_it_reads_front_matter_fields() -> None:
    parsed = parse_handoff(FULL, path="notes/whatever.md")
    assert parsed.name == "Acme Plumbing"
    assert parsed.slug == "acme"
    assert parsed.kind == "core"
    assert parsed.period == datetime.date(2026, 11, 1)
    assert parsed.period_label == "2026-11"
    assert parsed.currency == "EUR"
    assert parsed.owner == "Dana Reyes"
    assert parsed.updated == datetime.date(2026, 11, 28)
    assert parsed.title == "Acme Plumbing handoff"
    assert parsed.status == "ok"
    assert parsed.problems == []


def test_it_reads_a_day_period_that_yaml_turns_into_a_date() -> None:
    parsed = parse("---\nperiod: 2026-11-15\n---\n## KPIs\n- Leads: 4\n")
    assert parsed.period == datetime.date(2026, 11, 15)
    assert parsed.period_label == "2026-11-15"


def test_it_reads_a_quoted_day_period() -> None:
    parsed = parse("---\nperiod: '2026-11-15'\n---\n## KPIs\n- Leads: 4\n")
    assert parsed.period == datetime.date(2026, 11, 15)
    assert parsed.period_label == "2026-11-15"


@pytest.mark.parametrize("period", ["November", "2026-13", "2026", "2026-11-31", "[1, 2]"])
def test_it_warns_about_an_unreadable_period(period: str) -> None:
    parsed = parse(f"---\nname: x\nperiod: {period}\n---\n## KPIs\n- Leads: 4\n")
    assert parsed.period is None
    assert parsed.period_label is None
    assert [(p.line, p.severity) for p in parsed.problems] == [(3, "warning")]
    assert "YYYY-MM" in parsed.problems[0].message


def test_it_defaults_currency_to_usd() -> None:
    assert parse("## KPIs\n- Leads: 4\n").currency == "USD"


def test_it_warns_about_a_bad_currency_and_keeps_usd() -> None:
    parsed = parse("---\ncurrency: dollars\n---\n## KPIs\n- Leads: 4\n")
    assert parsed.currency == "USD"
    assert messages(parsed) == [
        (2, "warning", "currency 'dollars' is not a 3-letter code; using USD")
    ]


def test_it_warns_about_an_unknown_kind() -> None:
    parsed = parse("---\nkind: main\n---\n## KPIs\n- Leads: 4\n")
    assert parsed.kind is None
    assert messages(parsed) == [(2, "warning", "kind 'main' is not 'core' or 'supplementary'")]


def test_it_accepts_a_supplementary_kind_in_any_case() -> None:
    assert parse("---\nkind: Supplementary\n---\n## KPIs\n").kind == "supplementary"


def test_it_warns_about_unknown_front_matter_keys_by_name_and_line() -> None:
    parsed = parse("---\nname: Acme\ncolour: blue\n---\n## KPIs\n- Leads: 4\n")
    assert messages(parsed) == [(3, "warning", "unknown front matter key 'colour'")]
    assert parsed.status == "warnings"


def test_it_reports_invalid_yaml_as_an_error_with_its_line() -> None:
    parsed = parse("---\nname: Acme\nowner: [unclosed\n---\n## KPIs\n- Leads: 4\n")
    assert parsed.has_errors
    assert parsed.status == "error"
    (problem,) = [p for p in parsed.problems if p.severity == "error"]
    assert problem.line in (3, 4)
    assert "not valid YAML" in problem.message
    assert metric(parsed, "Leads").value == Decimal(4)  # the rest of the note still counts


def test_it_reports_front_matter_that_is_not_a_mapping_as_an_error() -> None:
    parsed = parse("---\n- a\n- b\n---\n## KPIs\n")
    assert messages(parsed)[0] == (
        2,
        "error",
        "front matter must be a mapping of 'key: value' lines",
    )


def test_it_warns_about_an_impossible_updated_date_and_keeps_the_rest() -> None:
    parsed = parse("---\nname: Acme\nupdated: 2026-02-30\n---\n## KPIs\n")
    assert parsed.name == "Acme"
    assert parsed.updated is None
    assert messages(parsed) == [(3, "warning", "could not read updated date '2026-02-30'")]


def test_it_reports_unclosed_front_matter_as_an_error() -> None:
    parsed = parse("---\nname: Acme\n## KPIs\n- Leads: 4\n")
    assert messages(parsed)[0][:2] == (1, "error")
    assert metric(parsed, "Leads").value == Decimal(4)


def test_it_accepts_empty_front_matter() -> None:
    parsed = parse("---\n---\n## KPIs\n- Leads: 4\n")
    assert parsed.problems == []


def test_it_reads_an_updated_date_written_as_text() -> None:
    parsed = parse("---\nupdated: Nov 28, 2026\n---\n## KPIs\n")
    assert parsed.updated == datetime.date(2026, 11, 28)


# -- slugs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "slug"),
    [
        ("notes/acme.md", "acme"),
        ("3028-51st-st-rental.md", "3028-51st-st-rental"),
        ("/x/Acme Plumbing Co..md", "acme-plumbing-co"),
        ("C:\\notes\\Bay_Dental.md", "bay-dental"),
    ],
)
def test_it_takes_the_slug_from_the_file_stem(path: str, slug: str) -> None:
    parsed = parse_handoff("## KPIs\n", path=path)
    assert parsed.slug == slug
    assert parsed.to_dict()["entity"] == slug
    assert not parsed.has_errors


def test_it_prefers_the_front_matter_slug() -> None:
    assert parse_handoff("---\nslug: bay-dental\n---\n", path="x/other.md").slug == "bay-dental"


@pytest.mark.parametrize("slug", ["Bay Dental", "bay--dental", "-bay", "bay_dental", "x" * 51, ""])
def test_it_rejects_a_front_matter_slug_that_is_not_a_slug(slug: str) -> None:
    parsed = parse_handoff(f"---\nname: n\nslug: '{slug}'\n---\n## KPIs\n", path="ok.md")
    assert parsed.slug is None
    errors = [p for p in parsed.problems if p.severity == "error"]
    assert [p.line for p in errors] == [3]
    assert "slug" in errors[0].message


def test_it_falls_back_to_the_stem_for_an_empty_front_matter_slug() -> None:
    parsed = parse_handoff("---\nslug:\n---\n## KPIs\n", path="x/bay-dental.md")
    assert parsed.slug == "bay-dental"
    assert parsed.problems == []


def test_it_rejects_a_stem_too_long_for_a_slug() -> None:
    parsed = parse_handoff("## KPIs\n", path="a" * 51 + ".md")
    assert parsed.slug is None
    assert parsed.has_errors


def test_it_has_no_slug_for_a_string_without_a_path() -> None:
    parsed = parse_handoff("## KPIs\n")
    assert parsed.slug is None
    assert parsed.path == "<string>"
    assert not parsed.has_errors


# -- sections ------------------------------------------------------------------

SECTION_HEADINGS = {
    "kpis": ["KPIs", "Key Metrics", "Metrics", "Operational KPIs"],
    "financials": ["Financials", "Financial Baseline", "Finance", "Financial Model"],
    "marketing": ["Marketing", "Growth", "Sales & Marketing", "Sales and Marketing"],
}
ITEM_HEADINGS = {
    "tech_stack": ["Tech Stack", "Technology", "Infrastructure", "Stack"],
    "tech_debt": ["Tech Debt", "Technical Debt", "Known Issues"],
    "risks": ["Risks", "Blockers", "Concerns"],
    "next_steps": ["Next Steps", "Action Items", "TODO"],
}


@pytest.mark.parametrize(
    ("heading", "section"),
    [(h, s) for s, hs in SECTION_HEADINGS.items() for h in hs],
)
def test_it_recognises_metric_section_aliases(heading: str, section: str) -> None:
    parsed = parse(f"## {heading}\n- Leads: 4\n")
    assert [(m.section, m.name) for m in parsed.metrics] == [(section, "Leads")]
    assert parsed.problems == []


@pytest.mark.parametrize(
    ("heading", "section"),
    [(h, s) for s, hs in ITEM_HEADINGS.items() for h in hs],
)
def test_it_recognises_item_section_aliases(heading: str, section: str) -> None:
    parsed = parse(f"### {heading}\n- Something\n")
    assert [i.text for i in getattr(parsed, section)] == ["Something"]


@pytest.mark.parametrize("heading", ["Receivables", "Accounts Receivable", "AR Aging", "Billing"])
def test_it_recognises_receivable_section_aliases(heading: str) -> None:
    parsed = parse(f"## {heading}\n\n| Client | Amount |\n|---|---|\n| Harbor | $5 |\n")
    assert [(r.client, r.amount) for r in parsed.receivables] == [("Harbor", Decimal(5))]


@pytest.mark.parametrize(
    "heading", ["kpis", "  KPIs:  ", "KEY   METRICS", "**Risks**", "1. Next Steps", "Tech Stack ##"]
)
def test_it_matches_headings_loosely(heading: str) -> None:
    parsed = parse(f"## {heading}\n- A: 1\n")
    assert parsed.narrative == []
    assert "no recognised sections" not in [p.message for p in parsed.problems]


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("Financials (USD)", "financials"),
        ("KPIs — November", "kpis"),
        ("KPIs \u2013 November", "kpis"),
        ("KPIs (November)", "kpis"),
        ("Financials - November", "financials"),
        ("KPIs: November", "kpis"),
        ("**Financials (USD)**", "financials"),
        ("**Financials** — November", "financials"),
        ("2. Key Metrics (November) - draft", "kpis"),
        ("Sales & Marketing: Q4 (EUR)", "marketing"),
        ("📊 KPIs", "kpis"),
        ("2. Financials", "financials"),
        ("**Financials**", "financials"),
    ],
)
def test_it_recognises_a_section_heading_with_a_qualifier(heading: str, section: str) -> None:
    parsed = parse(f"## {heading}\n- Leads: 4\n")
    assert [(m.section, m.name) for m in parsed.metrics] == [(section, "Leads")]
    assert parsed.narrative == [] and parsed.problems == []


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("Next steps - done", "next_steps"),
        ("Risks: none open", "risks"),
        ("Tech Debt (Q3)", "tech_debt"),
    ],
)
def test_it_recognises_an_item_section_heading_with_a_qualifier(heading: str, section: str) -> None:
    parsed = parse(f"## {heading}\n- Something\n")
    assert [i.text for i in getattr(parsed, section)] == ["Something"]


@pytest.mark.parametrize(
    "heading",
    ["Team - KPIs", "Notes (KPIs)", "KPIs-November", "Team (USD)", "Team: November", "(draft)"],
)
def test_a_heading_that_only_mentions_a_section_stays_narrative(heading: str) -> None:
    parsed = parse(f"## {heading}\n- Leads: 4\n")
    assert parsed.metrics == []
    assert [(n.heading, n.body) for n in parsed.narrative] == [(heading, "- Leads: 4")]


def test_a_qualified_sub_heading_starts_its_own_section() -> None:
    parsed = parse(
        """
        ## Financials (USD)
        - Revenue: $10
        ### Risks — November
        - [high] Lease renewal
        """
    )
    assert [(m.section, m.name) for m in parsed.metrics] == [("financials", "Revenue")]
    assert [(r.text, r.severity) for r in parsed.risks] == [("Lease renewal", "high")]


def test_a_long_heading_of_separators_is_read_quickly() -> None:
    heading = "Team" + " - x" * 200_000 + " (" * 100_000
    parsed = parse(f"## {heading}\n- Leads: 4\n")
    assert parsed.metrics == [] and len(parsed.narrative) == 1


def test_it_counts_unrecognised_sub_headings_in_the_parent_section() -> None:
    parsed = parse(
        """
        ## Financials
        ### Q3
        - Revenue: $10
        #### Detail
        - Costs: $4
        ## Team
        - Alice: 1
        """
    )
    assert [(m.section, m.name) for m in parsed.metrics] == [
        ("financials", "Revenue"),
        ("financials", "Costs"),
    ]
    assert [(n.heading, n.body, n.line) for n in parsed.narrative] == [("Team", "- Alice: 1", 6)]


def test_it_starts_a_recognised_sub_heading_as_its_own_section() -> None:
    parsed = parse(
        """
        ## Financials
        - Revenue: $10
        ### Risks
        - [high] Cash is tight
        ### Q4
        - Profit: $2
        """
    )
    assert [(m.section, m.name) for m in parsed.metrics] == [
        ("financials", "Revenue"),
        ("financials", "Profit"),
    ]
    assert [(r.text, r.severity) for r in parsed.risks] == [("Cash is tight", "high")]


def test_it_keeps_unrecognised_sections_as_written_narrative() -> None:
    parsed = parse(
        """
        # Acme

        Intro line.

        ## Team

        Dana runs **ops** <b>daily</b>.

        ### Crew
        | a | b |
        |---|---|
        | 1 | 2 |

        ## KPIs
        - Leads: 4
        """
    )
    assert parsed.title == "Acme"
    assert [(n.heading, n.line) for n in parsed.narrative] == [("", 3), ("Team", 5)]
    assert parsed.narrative[0].body == "Intro line."
    assert parsed.narrative[1].body == (
        "Dana runs **ops** <b>daily</b>.\n\n### Crew\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert parsed.metrics[0].name == "Leads"


def test_it_does_not_treat_the_title_as_a_section() -> None:
    parsed = parse("# Acme handoff\n- Leads: 4\n")
    assert parsed.title == "Acme handoff"
    assert parsed.metrics == []
    assert messages(parsed) == [(None, "warning", "no recognised sections")]


def test_it_warns_when_no_section_is_recognised() -> None:
    parsed = parse("# Acme\n\n## Team\nhello\n")
    assert messages(parsed) == [(None, "warning", "no recognised sections")]
    assert parsed.status == "warnings"


def test_it_skips_fenced_code_blocks() -> None:
    parsed = parse(
        """
        ## KPIs
        ```python
        # not a heading
        - Fake: 1
        ```
        - Leads: 4
        ~~~
        ## Risks
        ~~~
        - Jobs: 3
        """
    )
    assert [m.name for m in parsed.metrics] == ["Leads", "Jobs"]
    assert parsed.risks == []


def test_it_keeps_code_blocks_in_narrative_without_reading_headings_inside() -> None:
    parsed = parse("## Notes\n```\n# x\n```\n## KPIs\n- A: 1\n")
    assert [(n.heading, n.body) for n in parsed.narrative] == [("Notes", "```\n# x\n```")]


def test_it_skips_html_comments_in_sections() -> None:
    parsed = parse("## KPIs\n<!--\n## Risks\n- Fake: 1\n-->\n- Leads: 4\n")
    assert [m.name for m in parsed.metrics] == ["Leads"]


def test_it_reads_setext_headings() -> None:
    parsed = parse("Acme\n====\n\nKPIs\n----\n- Leads: 4\n")
    assert parsed.title == "Acme"
    assert [m.name for m in parsed.metrics] == ["Leads"]


def test_it_does_not_read_hash_without_space_as_a_heading() -> None:
    parsed = parse("## KPIs\n#hashtag\n- Leads: 4\n")
    assert [m.name for m in parsed.metrics] == ["Leads"]


# -- metric tables -------------------------------------------------------------


def test_it_reads_metric_tables_with_columns_in_any_order() -> None:
    parsed = parse(
        """
        ## KPIs
        | KPI | Notes | Goal | Current | Period |
        | --- | :--- | ---: | :-: | --- |
        | Revenue (MTD) | on track | $50,000 | $48,200 | Nov 2026 |
        """
    )
    row = metric(parsed, "Revenue (MTD)")
    assert row == MetricRow(
        section="kpis",
        name="Revenue (MTD)",
        value=Decimal("48200"),
        unit="USD",
        target=Decimal("50000"),
        period="Nov 2026",
        notes="on track",
        line=4,
        raw="$48,200",
    )


@pytest.mark.parametrize("header", ["Value", "Amount", "Current", "Actual", "VALUE (USD)"])
def test_it_accepts_value_column_names(header: str) -> None:
    parsed = parse(f"## KPIs\n| Metric | Comment | {header} |\n|--|--|--|\n| Leads | hm | 12 |\n")
    assert metric(parsed, "Leads").value == Decimal(12)
    assert metric(parsed, "Leads").notes == "hm"


def test_it_warns_when_a_table_has_no_value_column_and_uses_the_second() -> None:
    parsed = parse("## KPIs\n\n| Metric | Number |\n|---|---|\n| Leads | 12 |\n")
    assert metric(parsed, "Leads").value == Decimal(12)
    assert [(p.line, p.severity) for p in parsed.problems] == [(3, "warning")]
    assert "Value" in parsed.problems[0].message


def test_it_counts_every_table_in_a_section() -> None:
    parsed = parse(
        """
        ## Marketing
        | Metric | Value |
        |---|---|
        | Leads | 12 |

        Some words.

        Metric | Value
        ---|---
        Visits | 1.2k
        """
    )
    assert [(m.name, m.value) for m in parsed.metrics] == [
        ("Leads", Decimal(12)),
        ("Visits", Decimal(1200)),
    ]


def test_it_keeps_escaped_pipes_in_cells() -> None:
    parsed = parse("## KPIs\n| Metric | Value |\n|---|---|\n| Ads \\| organic | 4 |\n")
    assert [m.name for m in parsed.metrics] == ["Ads | organic"]


def test_it_warns_about_ragged_rows_and_pads_or_truncates() -> None:
    parsed = parse(
        """
        ## KPIs
        | Metric | Value | Target |
        |---|---|---|
        | Leads | 12 |
        | Jobs | 3 | 4 | extra |
        """
    )
    assert (metric(parsed, "Leads").value, metric(parsed, "Leads").target) == (Decimal(12), None)
    assert metric(parsed, "Jobs").target == Decimal(4)
    assert messages(parsed) == [
        (4, "warning", "table row has 2 cells but the header on line 2 has 3"),
        (5, "warning", "table row has 4 cells but the header on line 2 has 3"),
    ]


def test_it_treats_a_table_without_a_separator_row_as_text() -> None:
    parsed = parse("## KPIs\n| Metric | Value |\n| Leads | 12 |\n")
    assert parsed.metrics == []
    assert parsed.problems == []


def test_it_warns_about_an_unreadable_value_and_keeps_the_row() -> None:
    parsed = parse(
        """
        ## KPIs
        | Metric | Value | Target |
        |---|---|---|
        | Revenue | $48,200 | 50k |
        | Leads | lots | many |
        | Jobs | 12 | |
        """
    )
    leads = metric(parsed, "Leads")
    assert (leads.value, leads.target, leads.raw, leads.line) == (None, None, "lots", 5)
    assert messages(parsed) == [
        (5, "warning", "could not read 'lots' as a number for 'Leads'"),
        (5, "warning", "could not read target 'many' for 'Leads'"),
    ]
    assert metric(parsed, "Jobs").value == Decimal(12)
    assert metric(parsed, "Revenue").target == Decimal(50000)


@pytest.mark.parametrize("cell", ["n/a", "N/A", "TBD", "—", "-", "?", "unknown", "none", ""])
def test_it_reads_no_value_cells_as_none_without_warning(cell: str) -> None:
    parsed = parse(f"## KPIs\n| Metric | Value |\n|---|---|\n| Leads | {cell} |\n")
    assert metric(parsed, "Leads").value is None
    assert parsed.problems == []


def test_it_warns_about_a_duplicate_metric_and_keeps_the_first() -> None:
    parsed = parse(
        """
        ## KPIs
        | Metric | Value |
        |---|---|
        | Revenue | 10 |
        | revenue  | 20 |
        ## Key Metrics
        - **REVENUE**: 30
        ## Financials
        - Revenue: 40
        """
    )
    assert [(m.section, m.value) for m in parsed.metrics] == [
        ("kpis", Decimal(10)),
        ("financials", Decimal(40)),
    ]
    assert messages(parsed) == [
        (5, "warning", "duplicate metric 'revenue' in kpis; first on line 4"),
        (7, "warning", "duplicate metric 'REVENUE' in kpis; first on line 4"),
    ]


def test_a_too_long_name_is_cut_and_names_alike_up_to_the_cut_are_one() -> None:
    stem = "Revenue from " + "very " * 60
    parsed = parse(f"## KPIs\n- {stem}east: 10\n- {stem}west: 20\n")
    (row,) = parsed.metrics
    assert len(row.name) <= METRIC_NAME_MAX_LENGTH and row.value == Decimal(10)
    assert [(p.line, p.severity) for p in parsed.problems] == [
        (2, "warning"), (3, "warning"), (3, "warning"),
    ]
    assert "longer than 300 characters" in parsed.problems[0].message
    assert parsed.problems[2].message.startswith("duplicate metric")
    assert parsed.problems[2].message.endswith("in kpis; first on line 2")


def test_it_warns_about_a_row_without_a_metric_name() -> None:
    parsed = parse("## KPIs\n| Metric | Value |\n|---|---|\n|  | 4 |\n|  |  |\n")
    assert parsed.metrics == []
    assert messages(parsed) == [(4, "warning", "table row has no metric name; skipped")]


@pytest.mark.parametrize(
    ("target", "better"),
    [
        ("≤ 5%", "lower"), ("<= 5%", "lower"), ("< 5%", "lower"), ("max 5%", "lower"),
        ("at most 5%", "lower"), ("≥ 5%", "higher"), (">= 5%", "higher"), ("> 5%", "higher"),
        ("min 5%", "higher"), ("at least 5%", "higher"), ("5%", None),
    ],
)  # fmt: skip
def test_a_target_written_with_a_comparison_is_its_number_and_a_direction(
    target: str, better: str | None
) -> None:
    parsed = parse(f"## KPIs\n| KPI | Value | Target |\n|-|-|-|\n| Waste | 6.5% | {target} |\n")
    row = metric(parsed, "Waste")
    assert (row.value, row.target, row.unit, row.better) == (Decimal("6.5"), 5, "%", better)
    assert parsed.problems == []
    assert row.to_dict()["better"] == better


@pytest.mark.parametrize("target", ["≤", "max", "max5%", "≤ lots", "at most"])
def test_it_warns_about_a_comparison_without_a_readable_number(target: str) -> None:
    parsed = parse(f"## KPIs\n| KPI | Value | Target |\n|---|---|---|\n| Waste | 6% | {target} |\n")
    assert metric(parsed, "Waste").target is None
    assert messages(parsed) == [
        (4, "warning", f"could not read target {_quote(target)} for 'Waste'")
    ]


# -- the most rows a section reads --------------------------------------------


def _kpi_table(rows: int, start: int = 0) -> str:
    return "| Metric | Value |\n|---|---|\n" + "".join(
        f"| KPI {n} | {n} |\n" for n in range(start, start + rows)
    )


def test_a_section_reads_at_most_its_cap_of_rows_and_says_where_it_stopped() -> None:
    parsed = parse(f"## KPIs\n{_kpi_table(MAX_SECTION_ROWS + 100)}## Risks\n- [high] Lease\n")
    assert len(parsed.metrics) == MAX_SECTION_ROWS
    assert parsed.metrics[-1].name == f"KPI {MAX_SECTION_ROWS - 1}"
    stopped = 3 + MAX_SECTION_ROWS + 1  # heading, header, separator, then the rows kept
    assert messages(parsed) == [
        (
            stopped,
            "warning",
            f"KPIs has more than {MAX_SECTION_ROWS} rows (table rows and bullets): reading it "
            "stopped here, and its later rows are skipped",
        )
    ]
    assert [(r.text, r.severity) for r in parsed.risks] == [("Lease", "high")]  # read on


def test_a_section_of_exactly_its_cap_is_read_whole_without_a_warning() -> None:
    parsed = parse(f"## KPIs\n{_kpi_table(MAX_SECTION_ROWS)}")
    assert len(parsed.metrics) == MAX_SECTION_ROWS and parsed.problems == []


def test_the_cap_counts_a_section_across_its_headings_and_bullets() -> None:
    half = MAX_SECTION_ROWS // 2
    bullets = "".join(f"- Bullet {n}: {n}\n" for n in range(half + 10))
    parsed = parse(f"## KPIs\n{_kpi_table(half)}\n## Team\n\n## Key metrics (Q4)\n{bullets}")
    assert len(parsed.metrics) == MAX_SECTION_ROWS
    ((line, severity, message),) = messages(parsed)
    assert severity == "warning" and message.startswith("KPIs has more than")
    assert line == 3 + half + 4 + (MAX_SECTION_ROWS - half) + 1


@pytest.mark.parametrize(
    ("section", "label"),
    [("Risks", "Risks"), ("Tech Stack", "Tech stack"), ("Next Steps", "Next steps")],
)
def test_the_cap_applies_to_items_too(section: str, label: str) -> None:
    bullets = "".join(f"- Item {n}\n  continued\n" for n in range(MAX_SECTION_ROWS + 1))
    parsed = parse(f"## {section}\n{bullets}")
    items = getattr(parsed, section.lower().replace(" ", "_"))
    assert len(items) == MAX_SECTION_ROWS and items[-1].text.endswith("continued")
    assert messages(parsed)[0][:2] == (2 + 2 * MAX_SECTION_ROWS, "warning")
    assert messages(parsed)[0][2].startswith(f"{label} has more than")


def test_the_cap_applies_to_receivables() -> None:
    rows = "".join(f"| Client {n} | ${n} |\n" for n in range(MAX_SECTION_ROWS + 5))
    parsed = parse(f"## Receivables\n| Client | Amount |\n|---|---|\n{rows}")
    assert len(parsed.receivables) == MAX_SECTION_ROWS
    assert [p.message.split(" has")[0] for p in parsed.problems] == ["Receivables"]


def test_skipped_rows_add_no_warnings_of_their_own() -> None:
    # 200,000 rows, each a duplicate with an unreadable value: a warning each, but for the cap
    rows = "| Leads | lots |\n" * 200_000
    parsed = parse(f"## KPIs\n| Metric | Value |\n|---|---|\n{rows}")
    assert len(parsed.metrics) == 1
    assert len(parsed.problems) == MAX_SECTION_ROWS + 1  # one per row read, and where it stopped


# -- metric bullets ------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "- Leads: 1,200",
        "* Leads: 1,200",
        "+ Leads: 1,200",
        "1. Leads: 1,200",
        "- **Leads**: 1,200",
        "- **Leads:** 1,200",
        "- __Leads__: 1,200",
        "- `Leads`: **1,200**",
    ],
)
def test_it_reads_metric_bullets(line: str) -> None:
    parsed = parse(f"## Growth\n{line}\n")
    assert [(m.name, m.value, m.section, m.line) for m in parsed.metrics] == [
        ("Leads", Decimal(1200), "marketing", 2)
    ]


def test_it_warns_about_an_unreadable_bullet_value() -> None:
    parsed = parse("## KPIs\n- Leads: 12 to 15\n")
    assert metric(parsed, "Leads").raw == "12 to 15"
    assert messages(parsed) == [(2, "warning", "could not read '12 to 15' as a number for 'Leads'")]


def test_it_moves_a_trailing_parenthetical_in_a_bullet_to_notes() -> None:
    parsed = parse("## KPIs\n- Churn: 2.1% (target 2%)\n- Net: (1,200)\n")
    churn = metric(parsed, "Churn")
    assert (churn.value, churn.unit, churn.notes) == (Decimal("2.1"), "%", "target 2%")
    assert metric(parsed, "Net").value == Decimal(-1200)


def test_it_ignores_bullets_without_a_colon_in_metric_sections() -> None:
    parsed = parse("## KPIs\n- Revenue was up this month\n- Leads: 4\n")
    assert [m.name for m in parsed.metrics] == ["Leads"]
    assert parsed.problems == []


def test_it_keeps_a_bare_number_unitless_in_financials() -> None:
    parsed = parse("---\ncurrency: EUR\n---\n## Financials\n- Cash: 1,000\n")
    assert metric(parsed, "Cash").unit == ""


# -- items ---------------------------------------------------------------------


def test_it_reads_item_bullets_with_severity_and_checkboxes() -> None:
    parsed = parse(
        """
        ## Tech Debt
        - [high] Invoices exported by hand
        * [CRITICAL] Backups untested
        + (medium) Old PHP version
        1. **Low**: Typos in footer
        2) [x] [low] Removed old form
        - [X] Rotated keys
        - [ ] [High] Add monitoring
        - [high]: Separator after tag
        - **High:** Bold colon inside
        - [wontfix] Not a severity
        """
    )
    assert [(i.text, i.severity, i.resolved, i.line) for i in parsed.tech_debt] == [
        ("Invoices exported by hand", "high", False, 2),
        ("Backups untested", "critical", False, 3),
        ("Old PHP version", "medium", False, 4),
        ("Typos in footer", "low", False, 5),
        ("Removed old form", "low", True, 6),
        ("Rotated keys", None, True, 7),
        ("Add monitoring", "high", False, 8),
        ("Separator after tag", "high", False, 9),
        ("Bold colon inside", "high", False, 10),
        ("[wontfix] Not a severity", None, False, 11),
    ]


def test_it_reads_whole_text_strikethrough_as_resolved() -> None:
    parsed = parse("## Risks\n- ~~[high] Landlord dispute~~\n- Half ~~struck~~ text\n")
    assert [(i.text, i.severity, i.resolved) for i in parsed.risks] == [
        ("Landlord dispute", "high", True),
        ("Half ~~struck~~ text", None, False),
    ]


def test_it_joins_continuation_lines_and_splits_nested_bullets() -> None:
    parsed = parse(
        """
        ## Next Steps
        - [high] Call the bank
          about the credit line
            before Friday.
          - Nested step
        - Another

          loose continuation
        Not part of any item.
        """
    )
    assert [(i.text, i.line) for i in parsed.next_steps] == [
        ("Call the bank about the credit line before Friday.", 2),
        ("Nested step", 5),
        ("Another loose continuation", 6),
    ]


def test_it_keeps_item_html_as_written() -> None:
    parsed = parse("## Risks\n- <script>alert(1)</script> & more\n")
    assert parsed.risks == [ItemRow("<script>alert(1)</script> & more", None, False, 2)]


def test_it_reads_tech_stack_bullets_as_plain_items() -> None:
    parsed = parse("## Tech Stack\n- [high] Django 5\n- [x] Postgres\n")
    assert [(i.text, i.severity, i.resolved) for i in parsed.tech_stack] == [
        ("[high] Django 5", None, False),
        ("[x] Postgres", None, False),
    ]


def test_it_reads_items_from_a_table() -> None:
    parsed = parse(
        """
        ## Risks
        | Risk | Priority | Status | Owner |
        |---|---|---|---|
        | Key person leaves | High | open | Dana |
        | Lease renewal | P2 | Done | Sam |
        | Flood | ??? | closed | |
        """
    )
    assert [(i.text, i.severity, i.resolved, i.line) for i in parsed.risks] == [
        ("Key person leaves", "high", False, 4),
        ("Lease renewal", "medium", True, 5),
        ("Flood", None, True, 6),
    ]
    assert messages(parsed) == [(6, "warning", "could not read '???' as a severity")]


@pytest.mark.parametrize("status", ["done", "Resolved", "CLOSED", "fixed"])
def test_it_reads_resolved_statuses_in_item_tables(status: str) -> None:
    parsed = parse(f"## Known Issues\n| Issue | Status |\n|---|---|\n| Bug | {status} |\n")
    assert parsed.tech_debt[0].resolved


def test_it_joins_cells_of_an_item_table_without_a_text_column() -> None:
    parsed = parse("## Tech Stack\n| Layer | Tool |\n|---|---|\n| Frontend | React |\n")
    assert [i.text for i in parsed.tech_stack] == ["Frontend — React"]


# -- receivables ---------------------------------------------------------------


def test_it_reads_a_receivables_table() -> None:
    parsed = parse(
        """
        ---
        currency: GBP
        ---
        ## Accounts Receivable
        | Customer | Invoice # | Balance | Due Date | Status |
        |---|---|---|---|---|
        | Harbor Lofts | INV-1042 | $9,400 | 10/15/2026 | overdue |
        | City Schools | INV-1050 | 3,000 | Oct 30, 2026 | sent |
        | Bay Dental | 77 | €1.2k | 15 Nov 2026 | |
        | Pier 9 | INV-9 | n/a | soon | disputed |
        | **Total** | | $12,400 | | |
        """
    )
    assert parsed.receivables == [
        ReceivableRow(
            "Harbor Lofts", "INV-1042", Decimal(9400), "USD", datetime.date(2026, 10, 15),
            "overdue", 7,
        ),
        ReceivableRow(
            "City Schools", "INV-1050", Decimal(3000), "GBP", datetime.date(2026, 10, 30),
            "sent", 8,
        ),
        ReceivableRow(
            "Bay Dental", "77", Decimal(1200), "EUR", datetime.date(2026, 11, 15), "", 9
        ),
        ReceivableRow("Pier 9", "INV-9", None, "GBP", None, "disputed", 10),
    ]  # fmt: skip
    assert messages(parsed) == [(10, "warning", "could not read 'soon' as a date for 'Pier 9'")]


def test_it_warns_about_an_unreadable_amount() -> None:
    parsed = parse(
        "## AR Aging\n| Client | Amount |\n|---|---|\n| Harbor | 12% |\n| Pier | lots |\n"
    )
    assert [r.amount for r in parsed.receivables] == [None, None]
    assert [p.line for p in parsed.problems] == [4, 5]


def test_it_reads_receivable_bullets() -> None:
    parsed = parse(
        "## Receivables\n"
        "- Harbor Lofts — INV-1042 — $9,400 — due 2026-10-15 — overdue\n"
        "- Bay Dental - 1,250 - sent\n"
        "- Just a remark about billing\n"
    )
    assert parsed.receivables == [
        ReceivableRow(
            "Harbor Lofts", "INV-1042", Decimal(9400), "USD", datetime.date(2026, 10, 15),
            "overdue", 2,
        ),
        ReceivableRow("Bay Dental", "", Decimal(1250), "USD", None, "sent", 3),
    ]  # fmt: skip


# -- the JSON contract ---------------------------------------------------------


def test_it_serialises_to_the_json_contract() -> None:
    parsed = parse_handoff(FULL, path="notes/acme.md")
    data = parsed.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "path": "notes/acme.md",
        "entity": "acme",
        "status": "ok",
        "period": "2026-11",
        "currency": "EUR",
        "name": "Acme Plumbing",
        "kind": "core",
        "metrics": [
            {
                "section": "kpis",
                "name": "Revenue (MTD)",
                "value": "48200",
                "unit": "USD",
                "target": "50000",
                "better": None,
                "period": "Nov",
                "line": 17,
            },
            {
                "section": "kpis",
                "name": "Jobs",
                "value": "212",
                "unit": "",
                "target": None,
                "better": None,
                "period": None,
                "line": 18,
            },
        ],
        "tech_debt": [
            {"text": "Invoices exported by hand", "severity": "high", "resolved": False, "line": 21}
        ],
        "risks": [],
        "next_steps": [],
        "tech_stack": [],
        "receivables": [
            {
                "client": "Harbor Lofts",
                "invoice": "INV-1",
                "amount": "9400",
                "unit": "EUR",
                "due": "2026-10-15",
                "status": "overdue",
                "line": 27,
            }
        ],
        "problems": [],
    }


def test_it_serialises_problems_and_status() -> None:
    data = parse("## KPIs\n- Leads: lots\n").to_dict()
    assert data["status"] == "warnings"
    assert data["problems"] == [
        {
            "line": 2,
            "severity": "warning",
            "message": "could not read 'lots' as a number for 'Leads'",
        }
    ]
    assert data["metrics"][0]["value"] is None


def test_it_sorts_problems_by_line() -> None:
    parsed = parse("---\nfoo: 1\n---\n## KPIs\n- A: x\n- A: 2\n")
    assert [p.line for p in parsed.problems] == [2, 5, 6]


def test_it_renders_problems_as_text() -> None:
    assert str(Problem(14, "warning", "bad")) == "warning: line 14: bad"
    assert str(Problem(None, "error", "bad")) == "error: bad"


# -- files ---------------------------------------------------------------------


def test_it_reads_a_file(tmp_path: Path) -> None:
    note = tmp_path / "Bay Dental.md"
    note.write_bytes(b"\xef\xbb\xbf## KPIs\r\n\r\n- Leads: 4\r- Jobs: lots\r\n")
    parsed, text, raw = read_handoff(note)
    assert raw == note.read_bytes()
    assert text == "## KPIs\n\n- Leads: 4\n- Jobs: lots\n"
    assert parsed.slug == "bay-dental"
    assert parsed.path == str(note)
    assert [(m.name, m.line) for m in parsed.metrics] == [("Leads", 3), ("Jobs", 4)]
    assert [p.line for p in parsed.problems] == [4]


def test_parse_handoff_normalises_line_endings_too() -> None:
    parsed = parse_handoff("\ufeff## KPIs\r\n- A: 1\r- B: x\n")
    assert [(m.name, m.line) for m in parsed.metrics] == [("A", 2), ("B", 3)]


def _only_error(parsed: ParsedHandoff) -> Problem:
    (problem,) = parsed.problems
    assert problem.severity == "error"
    assert parsed.metrics == [] and parsed.narrative == [] and parsed.risks == []
    return problem


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"\xef\xbb\xbf"])
def test_it_reports_an_empty_file(tmp_path: Path, content: bytes) -> None:
    note = tmp_path / "empty.md"
    note.write_bytes(content)
    parsed, text, _raw = read_handoff(note)
    assert "empty" in _only_error(parsed).message
    assert text is None
    assert parsed.slug == "empty"


def test_it_reports_a_binary_file(tmp_path: Path) -> None:
    note = tmp_path / "bin.md"
    note.write_bytes(b"## KPIs\n- A: 1\n\x00\x01")
    parsed, text, raw = read_handoff(note)
    problem = _only_error(parsed)
    assert "binary" in problem.message
    assert problem.line == 3
    assert text is None
    assert raw == note.read_bytes()


def test_it_reports_the_line_of_the_first_bad_utf8_byte(tmp_path: Path) -> None:
    note = tmp_path / "latin.md"
    note.write_bytes("## KPIs\r\n- Café: 1\r\n".encode() + "- Señor: 2\n".encode("latin-1"))
    parsed, text, _raw = read_handoff(note)
    problem = _only_error(parsed)
    assert (problem.line, problem.message) == (3, "file is not valid UTF-8")
    assert text is None


def test_it_rejects_a_large_file_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "big.md"
    note.write_bytes(b"## KPIs\n" + b"- A: 1\n" * 100)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("opened a file larger than max_bytes")

    monkeypatch.setattr(Path, "open", no_open)
    parsed, text, raw = read_handoff(note, max_bytes=100)
    assert "limit is 100" in _only_error(parsed).message
    assert (text, raw) == (None, None)


def test_it_accepts_a_file_of_exactly_max_bytes(tmp_path: Path) -> None:
    note = tmp_path / "edge.md"
    note.write_bytes(b"## KPIs\n- A: 1\n")
    parsed, _text, _raw = read_handoff(note, max_bytes=len(note.read_bytes()))
    assert parsed.status == "ok"


def test_it_reports_an_unreadable_file(tmp_path: Path) -> None:
    parsed, text, raw = read_handoff(tmp_path / "missing.md")
    assert "cannot read file" in _only_error(parsed).message
    assert (text, raw) == (None, None)
    parsed, _, _ = read_handoff(tmp_path)
    assert parsed.has_errors


# -- never raises --------------------------------------------------------------

MARKDOWNISH = st.one_of(
    st.sampled_from(
        [
            "---",
            "...",
            "name: Acme",
            "slug: Bad Slug",
            "period: 2026-13",
            "updated: 2026-02-30",
            "kind: [a",
            "# Title",
            "## KPIs",
            "## Financials",
            "### Receivables",
            "## Risks:",
            "## Tech Stack",
            "#### Deep",
            "Heading",
            "===",
            "| Metric | Value | Target |",
            "| Client | Amount | Due |",
            "| Risk | Severity | Status |",
            "|---|---|---|",
            "|---|",
            "| Revenue | $1.2M | (5) |",
            "| a \\| b | lots |",
            "| x |",
            "- Leads: 12",
            "- **Revenue**: $4,000",
            "- [x] [high] done",
            "- ~~gone~~",
            "  continuation",
            "    - nested",
            "1. [ ] (low) step",
            "- Harbor — INV-1 — $9,400 — due 2026-10-15 — overdue",
            "```",
            "~~~",
            "<!--",
            "-->",
            "",
            "* * *",
        ]
    ),
    st.text(max_size=40),
)


@given(st.text())
def test_it_never_raises_on_any_text(text: str) -> None:
    parsed = parse_handoff(text, path="any.md")
    assert parsed.status in ("ok", "warnings", "error")
    json.dumps(parsed.to_dict())


@given(st.lists(MARKDOWNISH, max_size=40))
def test_it_never_raises_on_markdownish_lines(lines: list[str]) -> None:
    parsed = parse_handoff("\n".join(lines), path="any.md")
    json.dumps(parsed.to_dict())
    for row in parsed.metrics + parsed.tech_debt + parsed.receivables:  # type: ignore[operator]
        assert 1 <= row.line <= len(lines)


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_read_handoff_never_raises_on_any_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        note = Path(directory) / "note.md"
        note.write_bytes(data)
        parsed, text, _raw = read_handoff(note)
    assert parsed.has_errors or text is not None
