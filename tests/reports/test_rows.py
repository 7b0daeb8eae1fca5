"""The rows of a large portfolio's tables, drawn by their partials: every branch, and note text
escaped. Plain data, no database."""

import datetime as dt

import pytest
from django.template.loader import render_to_string

from reports.personas import cfo, cmo
from reports.personas.common import CARDS_UP_TO
from tests.reports.notes import entity, fin, kpi, note, rec, report_data


def _portfolio():
    odd = entity(
        "odd",
        note("2026-10", fin("Revenue", "4000"), fin("Expenses", "3000"), fin("Net", "1000"),
             fin("Cash", "500"), rec("A", "100", dt.date(2026, 10, 1)),
             kpi("Leads", "40"), kpi("Bookings", "7")),
        note("2026-11", fin("Revenue", "3000"), fin("Expenses", "3500"), fin("Net", "-500"),
             fin("Cash", "-20"), rec("A", "300", dt.date(2026, 10, 1)),
             rec("B <i>", "50", dt.date(2026, 12, 1), unit="EUR"),
             kpi("Leads", "35"), kpi("Bookings", "9")),
        name="<b>\"Odd\" & 'Co'</b>",
    )  # fmt: skip
    no_fin = entity("nofin", note("2026-11", rec("C", "70", None, unit="GBP"), kpi("Leads", "3")))
    empty = entity("empty")
    filler = [
        entity(f"f{n}", note("2026-11", fin("Revenue", "10.5"), kpi("Leads", "1")))
        for n in range(CARDS_UP_TO)  # past the cards: one table row per entity
    ]
    return report_data(odd, no_fin, empty, *filler)


def _draw(persona, r, prefix):
    return render_to_string(
        f"reports/personas/{persona}.html",
        {"r": r, "source_prefix": prefix, "entity_prefix": prefix, "query": "?as_of=x&y",
         "medium": "page"},
    )  # fmt: skip


@pytest.mark.parametrize("prefix", ["/reports/x/", ""])  # the page, and the download
def test_the_cfo_rows_draw_every_branch_and_escape_the_note(prefix):
    r = cfo.build(_portfolio())
    assert not r.detailed
    html = _draw("cfo", r, prefix)
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    assert rows.count("<tr>") == 3 + CARDS_UP_TO
    assert "&lt;b&gt;&quot;Odd&quot; &amp; &#x27;Co&#x27;&lt;/b&gt;" in rows
    assert "<b>" not in rows
    assert "No note as of this date." in rows and "No financials in this note." in rows
    assert "change in points against the previous note" in rows
    assert 'class="tag warn" title="not converted, in no USD total">EUR</span>' in rows
    assert "$10.50" in rows
    if prefix:
        assert 'href="/reports/x/odd/?as_of=x&amp;y"' in rows
    else:
        assert "href" not in rows


@pytest.mark.parametrize("prefix", ["/reports/x/", ""])
def test_the_cmo_rows_draw_every_branch_and_escape_the_note(prefix):
    r = cmo.build(_portfolio())
    assert not r.detailed
    html = _draw("cmo", r, prefix)
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    assert rows.count("<tr>") == 3 + CARDS_UP_TO
    assert "&lt;b&gt;&quot;Odd&quot;" in rows and "<b>" not in rows
    assert f'<td colspan="{len(r.headline_names) + 1}" class="muted">No note as of this date.' in (
        rows
    )
    assert '<span class="delta good">▲ ' in rows and '<span class="delta bad">▼ ' in rows
    assert '<span class="muted">—</span>' in rows  # a headline measure an entity does not keep
    assert ("href" in rows) == bool(prefix)
