import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from entities.handoff import DEFAULT_MAX_BYTES, MAX_SECTION_ROWS
from entities.models import Persona, Snapshot
from entities.services import handoffs_ingest
from reports.models import ReportRun
from reports.personas.data import DataNeeds
from reports.registry import REGISTRY, PersonaReport
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, item, kpi, note, rec

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"
PERSONAS = list(REGISTRY)


@pytest.fixture
def two_entities():
    """Alice is a member of JADA only; QoS has numbers she must never see."""
    alice = UserFactory(username="alice")
    jada = EntityFactory(slug="jada", name="JADA")
    qos = EntityFactory(slug="qos", name="Queen of San Diego")
    MembershipFactory(user=alice, entity=jada, persona=Persona.CFO)
    note(jada, "2026-10", fin("Revenue", "25770"), fin("Net", "2290"))
    note(jada, "2026-11", fin("Revenue", "30555"), fin("Net", "4650"),
         kpi("Bookings", "236", target="240"), item("risk", "JADA risk", "high"))  # fmt: skip
    note(qos, "2026-11", fin("Revenue", "98765"), fin("Net", "-4321"),
         item("risk", "Hull insurance secret", "critical"),
         rec("Harbor Events", "9400", dt.date(2026, 10, 15), "overdue"))  # fmt: skip
    return SimpleNamespace(alice=alice, jada=jada, qos=qos)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_reports_require_login(client):
    for url in [reverse("reports:index"), reverse("reports:portfolio", args=["ceo"])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_index_lists_every_persona_for_the_portfolio_and_each_visible_entity(
    client, two_entities
):
    client.force_login(two_entities.alice)
    html = page(client, reverse("reports:index"))
    for persona in PERSONAS:
        assert reverse("reports:portfolio", args=[persona]) in html
        assert reverse("reports:entity", args=[persona, "jada"]) in html
    assert "qos" not in html and "Queen of San Diego" not in html
    assert html.count(">yours<") == 1  # Alice is the CFO of JADA


def test_an_unknown_persona_is_404(client, two_entities):
    client.force_login(two_entities.alice)
    assert client.get("/reports/coo/").status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("query", ["", "?view=email", "?download=1", "?as_of=2026-10-31"])
def test_a_member_gets_404_on_another_entitys_report(client, two_entities, persona, query):
    client.force_login(two_entities.alice)
    assert client.get(reverse("reports:entity", args=[persona, "qos"]) + query).status_code == 404
    assert client.get(reverse("reports:entity", args=[persona, "nope"]) + query).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("query", ["", "?view=email", "?download=1", "?view=email&format=text"])
def test_a_portfolio_report_never_shows_another_entitys_numbers(client, two_entities, persona,
                                                               query):  # fmt: skip
    client.force_login(two_entities.alice)
    html = page(client, reverse("reports:portfolio", args=[persona]) + query)
    assert "Queen of San Diego" not in html
    for secret in ["98,765", "4,321", "Hull insurance secret", "Harbor Events", "9,400"]:
        assert secret not in html, secret


def test_a_superusers_rendering_is_never_served_to_a_member(client, two_entities):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert "98,765" in page(client, reverse("reports:portfolio", args=["cfo"]))

    client.force_login(two_entities.alice)
    html = page(client, reverse("reports:portfolio", args=["cfo"]))

    assert "98,765" not in html and "30,555" in html
    assert ReportRun.objects.filter(persona="cfo", view="page").count() == 2


def test_the_cfo_chart_counts_each_periods_entities_in_words(client, two_entities):
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    html = page(client, reverse("reports:portfolio", args=["cfo"]))
    assert "(Oct 2026: 1 entity, Nov 2026: 2 entities)" in html


def test_one_entitys_ceo_report_does_not_ask_about_the_portfolio(client, two_entities):
    client.force_login(two_entities.alice)
    one = page(client, reverse("reports:entity", args=["ceo", "jada"]))
    everything = page(client, reverse("reports:portfolio", args=["ceo"]))
    assert "How is it doing, and what needs me?" in one and "the portfolio doing" not in one
    assert "How is the portfolio doing, and what needs me?" in everything


def test_the_note_and_the_stored_run_of_another_entity_are_404(client, two_entities):
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    page(client, reverse("reports:entity", args=["ceo", "qos"]))
    run = ReportRun.objects.get(scope="qos")
    snapshot = two_entities.qos.snapshots.get()

    client.force_login(two_entities.alice)
    assert client.get(reverse("reports:run", args=[run.pk])).status_code == 404
    assert client.get(reverse("reports:source", args=[snapshot.pk])).status_code == 404
    own = two_entities.jada.snapshots.latest()
    assert client.get(reverse("reports:source", args=[own.pk])).status_code == 200


def test_a_stored_run_is_shown_again_exactly(client, two_entities):
    client.force_login(two_entities.alice)
    page(client, reverse("reports:portfolio", args=["cfo"]) + "?view=email")
    run = ReportRun.objects.get(view="email")

    response = client.get(reverse("reports:run", args=[run.pk]))

    assert response.content.decode() == run.html
    text = client.get(reverse("reports:run", args=[run.pk]) + "?format=text").content.decode()
    assert text == run.text


def test_the_page_reuses_its_rendering_until_a_snapshot_changes(client, two_entities):
    client.force_login(two_entities.alice)
    url = reverse("reports:portfolio", args=["cfo"])
    page(client, url)
    page(client, url)
    assert ReportRun.objects.filter(view="page").count() == 1

    note(two_entities.jada, "2026-12", fin("Revenue", "77777"))
    html = page(client, url)

    assert ReportRun.objects.filter(view="page").count() == 2
    assert "77,777" in html


def test_every_figure_links_to_its_line_in_its_note(client, two_entities):
    client.force_login(two_entities.alice)
    snapshot = two_entities.jada.snapshots.latest()
    html = page(client, reverse("reports:entity", args=["cfo", "jada"]))

    link = re.search(r'<a class="fig" href="([^"]+)" title="([^"]+)">\$30,555</a>', html)
    assert link, "the revenue figure is a link"
    assert link[1] == f"/reports/source/{snapshot.pk}/#L10"
    assert "2026-11/jada.md, line 10" in link[2]
    source = page(client, link[1].split("#")[0])
    assert 'id="L10"' in source


def test_the_date_selector_shows_the_report_as_it_stood(client, two_entities):
    client.force_login(two_entities.alice)
    url = reverse("reports:entity", args=["cfo", "jada"])

    latest = page(client, url)
    october = page(client, url + "?as_of=2026-10-31")
    from_the_day_field = page(client, url + "?as_of=&on=2026-10-31")

    assert "$30,555" in latest and "$30,555" not in october
    assert "$25,770" in october and "As it stood on <strong>31 Oct 2026</strong>" in october
    assert "$25,770" in from_the_day_field
    assert 'value="2026-10-31" selected' in october  # the selector shows the date chosen


def test_the_date_selector_offers_each_periods_last_day_also_from_an_earlier_date(
    client, two_entities
):
    client.force_login(two_entities.alice)
    url = reverse("reports:entity", args=["cfo", "jada"])

    for html in (page(client, url), page(client, url + "?as_of=2026-10-31")):
        options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', html)
        assert options[:3] == [("", "Latest notes"), ("2026-11-30", "As of 30 Nov 2026"),
                               ("2026-10-31", "As of 31 Oct 2026")]  # fmt: skip


def test_a_day_picked_in_the_date_field_is_the_choice_the_selector_shows(client, two_entities):
    client.force_login(two_entities.alice)
    html = page(client, reverse("reports:entity", args=["cfo", "jada"]) + "?on=2026-11-15")
    options = re.findall(r'<option value="([^"]*)"([^>]*)>([^<]+)</option>', html)
    assert options[1] == ("2026-11-15", " selected", "As of 15 Nov 2026")
    assert [value for value, chosen, _ in options if chosen] == ["2026-11-15"]
    # 15 November: November's note does not stand yet, October's does.
    assert "$25,770" in html and "$30,555" not in html


def test_a_garbage_date_falls_back_to_the_latest_notes_and_says_so(client, two_entities):
    client.force_login(two_entities.alice)
    html = page(client, reverse("reports:portfolio", args=["ceo"]) + "?as_of=yesterday")
    assert "is not a date" in html and "Latest notes" in html


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-30", "1899-12-31", "9999-12-31"])
@pytest.mark.parametrize("view", ["", "&view=email", "&download=1"])
def test_a_date_outside_any_note_falls_back_to_the_latest_notes(client, two_entities, day, view):
    # Year 1 was a 500: "as of" steps back a month from the day after.
    client.force_login(two_entities.alice)
    for param in ("as_of", "on"):
        response = client.get(reverse("reports:portfolio", args=["cfo"]) + f"?{param}={day}{view}")
        assert response.status_code == 200
        if not view:
            assert "is outside 1900 to 2999: these are the latest notes." in response.text


def test_no_notes_at_all_says_so_plainly_and_shows_no_report(client):
    bob = UserFactory()
    MembershipFactory(user=bob, entity=EntityFactory(slug="empty", name="Empty Co"))
    client.force_login(bob)
    for persona in PERSONAS:
        html = page(client, reverse("reports:portfolio", args=[persona]))
        assert "No handoff notes have been read yet." in html
        assert "not the same as all being well" in html
        assert "tiles" not in html


def test_a_date_before_any_note_says_there_is_nothing_then(client, two_entities):
    client.force_login(two_entities.alice)
    html = page(client, reverse("reports:portfolio", args=["cao"]) + "?as_of=2026-01-31")
    assert "No handoff notes as of 31 Jan 2026." in html


def test_a_single_note_says_there_is_nothing_to_compare_yet(client):
    carol = UserFactory()
    solo = EntityFactory(slug="solo", name="Solo")
    MembershipFactory(user=carol, entity=solo)
    note(solo, "2026-11", fin("Revenue", "10"))
    client.force_login(carol)
    html = page(client, reverse("reports:portfolio", args=["cfo"]))
    assert "Nothing to compare yet" in html and "Solo" in html


def test_an_entity_without_financials_says_so(client):
    dave = UserFactory()
    dry = EntityFactory(slug="dry", name="Dry")
    MembershipFactory(user=dave, entity=dry)
    note(dry, "2026-11", kpi("Leads", "5"))
    client.force_login(dave)
    portfolio = page(client, reverse("reports:portfolio", args=["cfo"]))
    assert "<strong>No financials</strong> in the note for Dry" in portfolio
    assert "No financials in this note." in page(
        client, reverse("reports:entity", args=["cfo", "dry"])
    )


@time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False)
def test_the_download_is_one_self_contained_html_file(client, two_entities):
    client.force_login(two_entities.alice)
    response = client.get(reverse("reports:portfolio", args=["cfo"]) + "?download=1")

    assert response["Content-Disposition"] == (
        'attachment; filename="quarterdeck-cfo-portfolio-2026-11-25.html"'
    )
    html = response.content.decode()
    assert html.startswith("<!doctype html>") and "$30,555" in html
    assert "<style>" in html and ".report" in html  # the stylesheet, inlined
    for external in ["http://", "https://", "<link", "<script", "src=", "url(", 'href="/']:
        assert external not in html, external
    # Traceable on hover, even offline.
    assert re.search(r'<span class="fig" title="[^"]*2026-11/jada\.md, line 10 · 2026-11', html)


def test_the_email_preview_is_inline_styled_tables_with_no_script_or_svg(client, two_entities):
    client.force_login(two_entities.alice)
    html = page(client, reverse("reports:portfolio", args=["cfo"]) + "?view=email")

    assert "<script" not in html and "<svg" not in html and "<link" not in html
    assert 'role="presentation"' in html and 'width="680"' in html
    assert re.search(r'<td class="tile" style="[^"]*border:', html)
    assert "prefers-color-scheme: dark" in html  # kept in a <style> for clients that read it
    assert 'name="color-scheme" content="light dark"' in html
    # Links go back to the app, absolutely: an email has no "current site".
    assert 'href="http://127.0.0.1:8000/reports/cfo/jada/"' in html or "SITE_URL" not in html


def test_the_email_has_a_plain_text_alternative_with_the_same_figures(client, two_entities):
    client.force_login(two_entities.alice)
    url = reverse("reports:portfolio", args=["cfo"]) + "?view=email"
    page(client, url)
    run = ReportRun.objects.get(view="email")

    assert run.text.startswith("QUARTERDECK")
    assert "Where is the money?" in run.text and "$30,555" in run.text
    assert "<" not in run.text.replace("<=", "")
    assert page(client, url + "&format=text") == run.text


def test_a_persona_report_is_one_builder_one_template_and_one_registry_entry(
    client, two_entities, settings, tmp_path, monkeypatch
):
    # A sixth persona also needs its choice in entities.Persona (the database allows only
    # those in Membership and ReportRun); here a new report takes the CTO's place.
    template = tmp_path / "reports" / "personas" / "coo.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '{% load report_tags %}<section class="r-section"><h2>Operations</h2>'
        "{% for e in r.entities %}<p>{{ e.entity.name }}: {{ e.steps }} open steps</p>"
        "{% endfor %}</section>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"],
                                                              tmp_path]}]  # fmt: skip

    def open_steps(history):
        return sum(not i.resolved for s in history[-1:] for i in s.items)

    def build(data):
        return SimpleNamespace(
            detailed=True,
            entities=[
                SimpleNamespace(entity=e, steps=open_steps(data.histories[e.id]))
                for e in data.entities
            ],
        )

    coo = PersonaReport(
        slug="cto", title="COO", question="Is the work getting done?", build=build,
        template="reports/personas/coo.html", needs=DataNeeds(item_depth={"next_step": 1}),
    )  # fmt: skip
    monkeypatch.setitem(REGISTRY, "cto", coo)
    note(two_entities.jada, "2026-12", item("next_step", "Hire"), item("next_step", "Ship"))
    client.force_login(two_entities.alice)

    assert "Is the work getting done?" in page(client, reverse("reports:index"))
    html = page(client, reverse("reports:portfolio", args=["cto"]))
    assert "Is the work getting done?" in html and "JADA: 2 open steps" in html
    assert "JADA: 2 open steps" in page(client, reverse("reports:entity", args=["cto", "jada"]))
    assert "JADA: 2 open steps" in page(client, "/reports/cto/?view=email&format=text")


def test_the_example_notes_show_their_known_problems_and_currencies(client):
    handoffs_ingest(paths=[EXAMPLES])
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)

    cao = page(client, reverse("reports:portfolio", args=["cao"]))
    assert "could not read &#x27;lots&#x27; as a number" in cao or "could not read 'lots'" in cao
    assert "2026-11/qdn.md:25" in cao
    assert "Insurance renewal premium has no value (written &#x27;TBD&#x27;)" in cao
    assert "duplicate metric &#x27;Billable utilisation&#x27;" in cao
    assert "2026-11/dc.md:25" in cao
    assert "Invoice EYD-0252 is in EUR in a USD note" in cao

    cfo = page(client, reverse("reports:portfolio", args=["cfo"]))
    assert "$280,685" in cfo  # November revenue of the seven, in USD
    assert "€14,500" in cfo and "EUR apart" in cfo
    assert "Revenue (EUR contracts)" in cfo and "a breakdown line: not added to anything" in cfo


def test_every_persona_renders_every_example_entity_in_every_view(client):
    handoffs_ingest(paths=[EXAMPLES])
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    for persona in PERSONAS:
        for scope in ["", "qdn/", "expert-yacht-delivery/", "3028-51st-st-rental/"]:
            for query in ["", "?view=email", "?download=1", "?as_of=2026-09-30"]:
                page(client, f"/reports/{persona}/{scope}{query}")


def test_a_huge_note_makes_a_page_of_the_rows_a_section_reads_and_says_where_it_stopped(
    client, tmp_path
):
    # 200,000 KPI rows, just under the 5 MiB a note may be: once a page of 151 MB in 31 s.
    rows = "".join(f"|KPI {n}|{n}|{n}|\n" for n in range(200_000))
    text = f"---\nslug: huge\nperiod: 2026-11\n---\n## KPIs\n|Metric|Value|Target|\n|-|-|-|\n{rows}"
    assert len(text.encode()) < DEFAULT_MAX_BYTES
    (tmp_path / "huge.md").write_text(text)
    handoffs_ingest(paths=[tmp_path])
    snapshot = Snapshot.objects.get(entity__slug="huge")
    assert snapshot.metrics.count() == MAX_SECTION_ROWS
    stopped = 7 + MAX_SECTION_ROWS + 1
    assert [(p["line"], p["severity"]) for p in snapshot.problems] == [(stopped, "warning")]

    client.force_login(UserFactory(username="root", is_superuser=True))
    html = page(client, reverse("reports:entity", args=["ceo", "huge"]))
    assert f"KPI {MAX_SECTION_ROWS - 1}<" in html and f"KPI {MAX_SECTION_ROWS}<" not in html
    assert len(html) < 1_000_000


def test_a_note_of_the_year_9999_or_of_absurd_figures_breaks_no_page(client, tmp_path):
    # Each was a 500 on the dashboard or every portfolio report: year 9999's next month is
    # off the calendar; on SQLite 22 digits came back as a float numeric(28, 6) cannot hold.
    (tmp_path / "far.md").write_text("---\nslug: far\nperiod: 9999-12\n---\n# Far\n\n"
                                     "## Financials\n| Line | Amount |\n|---|---|\n"
                                     "| Revenue | 1,000 |\n")  # fmt: skip
    (tmp_path / "big.md").write_text("---\nslug: big\nperiod: 2026-11\n---\n# Big\n\n"
                                     "## Financials\n| Line | Amount |\n|---|---|\n"
                                     "| Revenue | 9999999999999999999999 |\n"
                                     "| Expenses | 999,999,999,999,999 |\n")  # fmt: skip
    report = handoffs_ingest(paths=[tmp_path])
    problems = {f.display_path: [p.message for p in f.parsed.problems] for f in report.files}
    assert any("outside the years 1900-2999" in m for m in problems["far.md"])
    assert any("could not read" in m for m in problems["big.md"])

    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("dashboard")).status_code == 200
    for persona in PERSONAS:
        for query in ("", "?view=email", "?as_of=2026-11-30"):
            url = reverse("reports:portfolio", args=[persona]) + query
            assert client.get(url).status_code == 200, url
    assert "999,999,999,999,999" in client.get(reverse("reports:entity", args=["cfo", "big"])).text
