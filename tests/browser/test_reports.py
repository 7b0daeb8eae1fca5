"""The persona reports in Debian's Chromium, on the example portfolio."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from entities.services import handoffs_ingest
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"


@pytest.fixture
def signed_in(page, live_server):
    # The example notes are for November 2026: look at them from then, so nothing is stale.
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=True):
        handoffs_ingest(paths=[EXAMPLES])
        UserFactory(username="exec", first_name="Eve", is_superuser=True, is_staff=True)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "exec")
        page.fill("#id_password", "correct-horse-battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        yield page


def drawn(page, selector: str) -> int:
    """How many elements match and have a visible size on the page."""
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => { const r = e.getBoundingClientRect();"
        " return r.width > 0 && r.height > 0; }).length",
    )


def test_an_executive_opens_each_persona_report_and_sees_its_charts(signed_in, live_server):
    page = signed_in
    questions = {
        "CEO": "How is the portfolio doing, and what needs me?",
        "CTO / VP Engineering": "What runs where, and what is fragile?",
        "CFO": "Where is the money?",
        "CMO": "Is demand growing?",
        "Chief Accounting Officer": "Can I trust the books?",
    }
    for title, question in questions.items():
        page.goto(f"{live_server.url}/reports/")
        page.click(f".persona-card:has-text('{title}')")
        assert page.locator("h1.r-title").inner_text() == question
        assert page.locator("article.report").inner_text().count("Queen of San Diego") >= 1

    page.goto(f"{live_server.url}/reports/cfo/")
    assert drawn(page, "svg.chart.bars rect.s-revenue") == 4  # Aug to Nov
    page.goto(f"{live_server.url}/reports/cao/")
    assert drawn(page, "svg.chart.bars rect") >= 4  # open amount by age
    assert drawn(page, "svg.chart.stacked rect") >= 5  # by entity
    page.goto(f"{live_server.url}/reports/cmo/")
    assert drawn(page, "svg.line-chart path.line") == 3  # leads, sessions, bookings
    assert drawn(page, "svg.spark path.line") > 20
    page.goto(f"{live_server.url}/reports/ceo/qdn/")
    assert drawn(page, "table.kpis svg.spark") == 7  # each KPI's history
    assert drawn(page, "svg.chart.bars rect.s-net") == 4


def test_changing_the_date_shows_the_report_as_it_stood(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/reports/cfo/jada/")
    assert "$30,555" in page.locator("article.report").inner_text()

    page.select_option("#as-of-select", "2026-10-31")  # submits by itself
    page.wait_for_url("**/reports/cfo/jada/?as_of=2026-10-31")

    report = page.locator("article.report").inner_text()
    assert "As it stood on 31 Oct 2026" in report
    assert "$25,770" in report and "$30,555" not in report
    assert page.locator("#as-of-select").input_value() == "2026-10-31"

    page.fill("#as-of-date", "2026-08-31")
    page.click("form.as-of button[type=submit]")
    page.wait_for_url("**/reports/cfo/jada/?on=2026-08-31")
    assert "As it stood on 31 Aug 2026" in page.locator("article.report").inner_text()


def test_the_report_downloads_as_one_self_contained_file(signed_in, live_server, tmp_path):
    page = signed_in
    page.goto(f"{live_server.url}/reports/cao/")
    with page.expect_download() as info:
        page.click("a:has-text('Download')")
    download = info.value
    assert download.suggested_filename == "quarterdeck-cao-portfolio-2026-11-25.html"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    html = path.read_text(encoding="utf-8")
    assert "Can I trust the books?" in html and "<svg" in html
    for external in ("http://", "https://", "<script", "<link", "src="):
        assert external not in html, external

    # Opened on its own, with the network cut, it still looks like the report.
    page.context.set_offline(True)
    page.goto(path.as_uri())
    assert drawn(page, "svg.chart.bars rect") >= 4
    background = page.eval_on_selector(".report", "e => getComputedStyle(e).borderRadius")
    assert background == "12px"  # the stylesheet came inside the file
    page.context.set_offline(False)


def test_a_figure_opens_its_line_in_the_note(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/reports/cao/qdn/")
    link = page.locator("table.findings a.src").first
    assert link.inner_text() == "2026-11/qdn.md:25"
    link.click()
    page.wait_for_url("**#L25")
    line = page.locator("#L25")
    assert "Repeat customers" in line.inner_text() and "lots" in line.inner_text()
    assert "could not read" in line.locator(".problem").inner_text()


def test_the_print_stylesheet_leaves_only_the_report(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/reports/ceo/")
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden()
    assert page.locator(".report-bar").is_hidden()
    assert page.locator("article.report").is_visible()
    pdf = page.pdf(format="A4")  # what "Save as PDF" gives
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_on_a_phone_only_tables_scroll_sideways_never_the_page(signed_in, live_server):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ["/", "/reports/", "/reports/ceo/", "/reports/cto/", "/reports/cfo/",
                 "/reports/cao/", "/reports/cmo/", "/crew/"]:  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    assert page.locator("nav[aria-label=Main] a:has-text('Crew')").is_visible()
    assert page.locator("button:has-text('Sign out')").is_visible()


def test_printed_on_letter_paper_no_table_loses_a_column(signed_in, live_server):
    page = signed_in
    page.set_viewport_size({"width": 725, "height": 1000})  # Letter's printable width
    page.emulate_media(media="print")
    for persona in ["ceo", "cto", "cfo", "cmo", "cao"]:
        page.goto(f"{live_server.url}/reports/{persona}/")
        cut = page.eval_on_selector_all(
            "table.data",
            "ts => ts.filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length",
        )
        assert cut == 0, persona


# Each word of an element's text: how many line boxes it is drawn on (a word broken mid-word
# shows on two). Words end at spaces, hyphens and slashes, where a line may break anyway.
BROKEN_WORDS = """els => els.flatMap(el => {
  const broken = [], walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    for (const m of node.data.matchAll(/[^\\s\\-\\/]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
})"""


def test_on_a_phone_what_needs_the_ceo_reads_across_the_card_not_down_a_column(
    signed_in, live_server
):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reports/ceo/")
    items = page.eval_on_selector_all(
        "ul.items.attention li",
        "lis => lis.map(li => { const r = li.getBoundingClientRect();"
        " const t = li.querySelector('.text').getBoundingClientRect();"
        " const tags = [...li.querySelectorAll('.tag, .sev, .who, .src')]"
        "   .map(e => e.getBoundingClientRect().right);"
        " return {width: r.width, height: r.height, right: r.right, text: t.width,"
        "         rightmost: Math.max(...tags, t.right)}; })",
    )
    assert len(items) >= 5
    for item in items:
        # The badges sit on a line of their own and the text takes the card's width
        # (it was a column some 45-75 px wide, and items up to 340 px tall).
        assert item["text"] >= 0.9 * item["width"], item
        assert item["height"] < 160, item
        assert item["rightmost"] <= item["right"] + 0.5, item  # no tag sticks out of the card
    assert page.eval_on_selector_all("ul.items.attention li .text", BROKEN_WORDS) == []


def test_on_a_phone_the_cfos_source_references_stay_on_one_line(signed_in, live_server):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reports/cfo/")
    for heading in ["Figures for other spans", "Amounts in other currencies"]:
        table = page.locator(f"section.r-section:has(h2:has-text('{heading}')) table.data")
        sources = table.locator(".src")
        assert sources.count() >= 1, heading
        for i in range(sources.count()):
            # One line, as wide as its text: it was 7 px wide, a character a line.
            lines = sources.nth(i).evaluate("e => e.getClientRects().length")
            box = sources.nth(i).bounding_box()
            assert lines == 1 and box["width"] > 100 and box["height"] < 30, (heading, box)
        heights = table.evaluate(
            "t => [...t.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().height)"
        )
        assert max(heights) < 150, (heading, heights)  # rows were 405 and 772 px tall
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls


# Anything drawn past the right edge of the screen, other than inside a table's scrolling box.
CUT_OFF = """width => [...document.body.querySelectorAll('*')]
  .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > width + 0.5
               && e.getBoundingClientRect().width > 0)
  .map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("styles", ["with its style element", "inline styles only"])
def test_on_a_phone_each_email_fits_the_screen_and_its_title_shows_whole(
    signed_in, live_server, styles
):
    page = signed_in
    for persona in ["ceo", "cto", "cfo", "cmo", "cao"]:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_server.url}/reports/{persona}/?view=email")
        if styles == "inline styles only":  # a client that reads no <style> element
            page.evaluate("document.querySelectorAll('style').forEach(s => s.remove())")
        # The emails were 704-859 px wide here, the title and tiles cut off at the right.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, persona
        assert page.evaluate(CUT_OFF, 390) == [], persona
        title = page.locator(".r-title")
        box = title.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (persona, box)
        assert title.evaluate("e => e.scrollWidth <= e.clientWidth"), persona
        card = page.locator(".email-card").bounding_box()
        for tile in page.locator("td.tile").all():
            t = tile.bounding_box()
            assert card["x"] <= t["x"] and t["x"] + t["width"] <= card["x"] + card["width"]
        # Still a 680 px email on a desktop screen.
        page.set_viewport_size({"width": 1280, "height": 900})
        assert page.locator(".email-container").bounding_box()["width"] == 680, persona


# The height of each body row of the tables under a section's heading.
ROW_HEIGHTS = """ts => ts.flatMap(t => [...t.querySelectorAll('tbody tr')]
  .map(r => Math.round(r.getBoundingClientRect().height)))"""


def test_on_a_phone_tables_of_long_text_read_as_cards_not_columns_a_word_wide(
    signed_in, live_server
):
    page = signed_in
    tables = {
        "cto": ["Shared between entities", "What runs where"],  # rows were 491 and 426 px tall
        "cao": ["Data quality"],  # 253 px
    }
    for persona, headings in tables.items():
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_server.url}/reports/{persona}/")
        for heading in headings:
            selector = f"section.r-section:has(> h2:has-text('{heading}')) table.data"
            assert drawn(page, f"{selector} tbody tr") >= 1, heading
            # A card under a quarter of the screen, so three or four show at once: 200 px holds
            # nine lines, room for the longest here (AWS: sixteen services, five entities).
            heights = page.eval_on_selector_all(selector, ROW_HEIGHTS)
            assert max(heights) <= 200, (heading, heights)
            assert page.eval_on_selector_all(selector, BROKEN_WORDS) == [], heading
            # Each line says which column it is; nothing is hidden to the right.
            label = page.eval_on_selector(
                f"{selector} td[data-label]",
                "td => getComputedStyle(td, '::before').content",
            )
            assert label.startswith('"') and label != '""', (heading, label)
            wide = page.eval_on_selector_all(
                selector, "ts => ts.filter(t => t.scrollWidth > t.clientWidth + 1).length"
            )
            assert wide == 0, heading
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, persona

        # On a desktop they are tables still, with their column headings.
        page.set_viewport_size({"width": 1280, "height": 900})
        for heading in headings:
            selector = f"section.r-section:has(> h2:has-text('{heading}')) table.data"
            assert page.locator(f"{selector} thead th").first.is_visible(), heading
            row = page.locator(f"{selector} tbody tr").first
            assert row.evaluate("r => getComputedStyle(r).display") == "table-row", heading
