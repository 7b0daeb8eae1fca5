"""The portfolio tables' row tags draw exactly what the template loops they replaced drew."""

import datetime as dt

import pytest
from django.template import Context, Template

from reports.personas.data import PORTFOLIO, EntityRef
from reports.registry import REGISTRY
from reports.selectors import report_data_load
from tests.factories import EntityFactory
from tests.reports.factories import fin, kpi, mkt, note, rec

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)

# The loops as they were in templates/reports/personas/{cfo,cmo}.html.
CFO_LOOP = """{% load report_tags %}{% for b in r.entities %}
      <tr><td class="name">{% entity_link b.entity %}<br><span class="muted small">{{ b.when }}</span></td>
      {% if not b.latest %}<td colspan="6" class="muted">No note as of this date.</td>
      {% elif not b.has_financials %}<td colspan="5" class="muted">No financials in this note.</td><td class="num">{% fig b.receivables.main %}{% for f in b.receivables.others %}<br>{% fig f %} <span class="tag warn">{{ f.unit }}</span>{% endfor %}</td>
      {% else %}
      <td class="num">{% figchange b.revenue %}</td><td class="num">{% figchange b.expenses %}</td><td class="num">{% figchange b.net %}</td>
      <td class="num">{{ b.margin|percent }}{% if b.margin_change is not None %}<br><span class="delta neutral" title="change in points against the previous note">{{ b.margin_change|points }}</span>{% endif %}</td>
      <td class="num">{% figchange b.cash %}</td>
      <td class="num">{% fig b.receivables.main %}{% for f in b.receivables.others %}<br>{% fig f %} <span class="tag warn" title="not converted, in no {{ r.currency }} total">{{ f.unit }}</span>{% endfor %}{% if b.receivables_change %}<br>{% change b.receivables_change %}{% endif %}</td>{% endif %}</tr>{% endfor %}"""  # noqa: E501
CMO_LOOP = """{% load report_tags %}{% for b in r.entities %}<tr><td class="name">{% entity_link b.entity %}<br><span class="muted small">{{ b.when }}</span></td>{% if not b.latest %}<td colspan="{{ r.headline_names|length|add:1 }}" class="muted">No note as of this date.</td>{% else %}{% for line in b.headline %}<td class="num">{% if line %}{% figchange line.change %}<br><span class="spark-text" aria-hidden="true">{{ line.trend_text }}</span>{% else %}<span class="muted">—</span>{% endif %}</td>{% endfor %}<td class="num"><span class="delta good">▲ {{ b.growing }}</span> <span class="delta bad">▼ {{ b.shrinking }}</span></td>{% endif %}</tr>{% endfor %}"""  # noqa: E501


def _build(persona, entities):
    report = REGISTRY[persona]
    refs = [EntityRef(e.id, e.slug, e.name, e.kind) for e in entities]
    data = report_data_load(
        entities=refs, scope=PORTFOLIO, as_of=None, today=TODAY, needs=report.needs
    )
    return report.build(data)


def _portfolio():
    odd = EntityFactory(slug="odd", name="<b>\"Odd\" & 'Co'</b>")
    note(
        odd, "2026-10", fin("Revenue", "4000"), fin("Expenses", "3000"), fin("Net", "1000"),
        fin("Cash", "500"), rec("A", "100", dt.date(2026, 10, 1)),
        mkt("Leads", "40"), kpi("Bookings", "7"), kpi("Conversion", "12", unit="%"),
    )  # fmt: skip
    note(
        odd, "2026-11", fin("Revenue", "3000"), fin("Expenses", "3500"), fin("Net", "-500"),
        fin("Cash", "-20"), rec("A", "300", dt.date(2026, 10, 1)),
        rec("B <i>", "50", dt.date(2026, 12, 1), unit="EUR"),
        mkt("Leads", "35"), kpi("Bookings", "9"), kpi("Website sessions", "1200"),
        kpi("Conversion", "10", unit="%"),
    )  # fmt: skip
    no_fin = EntityFactory(slug="nofin")
    note(no_fin, "2026-11", rec("C", "70", None, unit="GBP"), mkt("Leads", "3"))
    single = EntityFactory(slug="single")
    note(single, "2026-11", fin("Revenue", "10", "EUR"), fin("Net", "1", "EUR"), currency="EUR")
    empty = EntityFactory(slug="empty")
    return [odd, no_fin, single, empty]


@pytest.mark.parametrize("persona", ["cfo", "cmo"])
@pytest.mark.parametrize("prefix", ["/reports/x/", ""])  # the page, and the download
def test_row_tags_draw_what_the_loops_drew(persona, prefix):
    r = _build(persona, _portfolio())
    links = {"r": r, "entity_prefix": prefix, "source_prefix": prefix, "query": "?as_of=x&y"}
    loop = CFO_LOOP if persona == "cfo" else CMO_LOOP
    expected = Template(loop).render(Context(links))
    drawn = Template(f"{{% load report_tags %}}{{% {persona}_rows r %}}").render(Context(links))
    assert drawn == expected
    assert "No note as of this date." in drawn and "&lt;b&gt;" in drawn
    if persona == "cfo":  # every branch of the row is drawn
        assert "No financials in this note." in drawn and "change in points" in drawn
        assert 'class="tag warn"' in drawn
