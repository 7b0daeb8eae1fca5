"""The email rendition: the stylesheet inlined by css-inline, dark mode kept, note text inert."""

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from entities.services import handoffs_ingest
from reports.services import report_render, report_request
from tests.factories import EntityFactory, UserFactory
from tests.reports.factories import fin, item, note

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"


def email_of(persona, user, entity=None):
    return report_render(
        report_request(persona=persona, user=user, entity=entity, view="email", today=TODAY)
    )


def test_every_element_carries_its_styles_and_dark_mode_stays_in_a_style_element():
    root = UserFactory(is_superuser=True)
    note(EntityFactory(slug="jada", name="JADA"), "2026-11", fin("Revenue", "100"))
    html = email_of("cfo", root).html

    assert re.search(r'<td class="email-card" style="[^"]*background-color:#ffffff', html)
    style = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(style) == 1 and "@media (prefers-color-scheme: dark)" in style[0]
    assert "table.data td {" in style[0]  # the cells' rules, kept once rather than per cell
    assert ".email-card {" not in style[0].split("@media", 1)[0]  # inlined, not kept twice
    assert not re.search(r'<td style="[^"]*padding', html)  # no cell carries them itself


def test_the_example_portfolios_ceo_email_is_under_what_gmail_shows_unclipped():
    # Gmail clips a message over 102 KB, hiding the rest and the unsubscribe footer.
    handoffs_ingest(paths=[EXAMPLES])
    root = UserFactory(is_superuser=True)
    for persona in ("ceo", "cto", "cfo", "cmo", "cao"):
        size = len(email_of(persona, root).html.encode())
        assert size < 102_000, (persona, size)


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_a_notes_text_cannot_give_an_element_a_style_of_its_own():
    root = UserFactory(is_superuser=True)
    # nh3 keeps a title on a link: the old inliner read "class=" and "style=" inside it as
    # attributes and gave the link a real style (a beacon, a full-page overlay).
    evil = (
        '[book now](https://example.com "x class=email-card '
        'style=background:url(https://evil.test/b.png);position:fixed;top:0;width:100%")'
    )
    entity = EntityFactory(slug="jada", name="JADA")
    note(entity, "2026-11", fin("Revenue", "100"), item("risk", evil, "critical"))
    for persona in ("ceo", "cto"):
        html = email_of(persona, root, entity="jada").html
        parsed = _Attributes()
        parsed.feed(html)
        assert "evil.test" in html  # the note's text is there, as text or in a title
        for tag, attrs in parsed.found:
            style = attrs.get("style") or ""
            assert "evil.test" not in style and "position" not in style, (tag, attrs)
