"""Text from notes is untrusted: only what nh3 allows may reach a report."""

from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.templatetags.report_tags import (
    _render_inline,
    render_note_inline,
    render_note_markdown,
)

ATTACKS = [
    "<script>alert('x')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    "<svg onload=alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
]


def test_script_and_javascript_never_come_through_the_markdown_filter():
    for attack in ATTACKS:
        html = render_note_markdown(f"Before.\n\n{attack}\n\nAfter.").lower()
        for banned in ("<script", "javascript:", "onerror", "onload", "<iframe", "<img",
                       "data:", "style="):  # fmt: skip
            assert banned not in html, (attack, html)
        assert "after." in html


def test_script_and_javascript_never_come_through_the_inline_filter():
    for attack in ATTACKS:
        html = render_note_inline(f"Item {attack} end").lower()
        for banned in ("<script", "javascript:", "onerror", "onload", "<iframe", "<img",
                       "data:", "style="):  # fmt: skip
            assert banned not in html, (attack, html)


def test_only_http_https_and_mailto_links_survive():
    html = render_note_markdown(
        "[a](https://example.com) [b](http://example.com) [c](mailto:x@example.com) "
        "[d](/admin/) [e](ftp://example.com/x)"
    )
    assert 'href="https://example.com"' in html
    assert 'href="http://example.com"' in html
    assert 'href="mailto:x@example.com"' in html
    assert "/admin/" not in html and "ftp:" not in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_note_markdown_keeps_its_formatting_and_tables():
    html = render_note_markdown(
        "## Context\n\n**Cash** is fine.\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h3>Context</h3>" in html  # demoted below the report's own headings
    assert "<strong>Cash</strong>" in html
    assert "<table>" in html and "<td>1</td>" in html


def test_inline_text_keeps_emphasis_and_code():
    html = render_note_inline("The `api.` subdomain is **down** and *slow*")
    assert html == "The <code>api.</code> subdomain is <strong>down</strong> and <em>slow</em>"


def test_the_template_filters_mark_only_cleaned_text_safe():
    out = Template("{% load report_tags %}{{ t|note_inline }}|{{ t }}").render(
        Context({"t": "<b onclick=x()>hi</b>"})
    )
    cleaned, escaped = out.split("|")
    assert cleaned == "<b>hi</b>"
    assert escaped == "&lt;b onclick=x()&gt;hi&lt;/b&gt;"


# --- Inline text: the markdown and nh3 pipeline, not regexes ------------------------------------


def test_inline_text_is_rendered_by_markdown_without_a_wrapping_paragraph():
    html = render_note_inline("See [the runbook](https://example.com/run) and **ask** Ana")
    assert html == (
        'See <a href="https://example.com/run" rel="noopener noreferrer nofollow">the runbook</a>'
        " and <strong>ask</strong> Ana"
    )
    assert "<p>" not in render_note_inline("Just *one* line")


def test_inline_text_allows_only_inline_tags():
    html = render_note_inline("Text <p>para</p> <div>block</div> <h1>big</h1> <u>u</u> `x`")
    for tag in ("<p", "<div", "<h1", "<u>"):
        assert tag not in html, html
    assert "para" in html and "block" in html and "<code>x</code>" in html


def test_a_line_that_starts_like_block_markdown_stays_one_line_of_text():
    assert render_note_inline("2026. A year of **growth**") == (
        "2026. A year of <strong>growth</strong>"
    )
    assert render_note_inline("# 1 priority") == "# 1 priority"
    assert render_note_inline("- dash") == "- dash"
    assert render_note_inline("> quoted") == "&gt; quoted"


def test_inline_links_to_this_site_or_other_schemes_lose_their_target():
    html = render_note_inline("[admin](/admin/) [ftp](ftp://x.example) [js](javascript:alert(1))")
    assert "href" not in html
    assert "admin" in html and "ftp" in html and "js" in html


def test_inline_text_escapes_what_it_does_not_render():
    assert render_note_inline("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert render_note_inline("snake_case_name stays") == "snake_case_name stays"


# Any character, and often the ones nearest to markup: spaces of every kind, punctuation.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(list(" \t\u2003\u3000\x85\u2028.,-#>0:;'\"()/$%+=~^|{}?@")),
    ),
    max_size=60,
)


@settings(max_examples=300)
@given(_TEXT)
def test_plain_text_skips_the_converter_and_comes_out_the_same(text):
    # The shortcut for text without markup characters must give what the pipeline gives.
    assert render_note_inline(text) == _render_inline(text)


def test_struck_words_are_shown_struck_in_an_item_and_a_note():
    assert render_note_inline("~~Struck~~ partially") == "<del>Struck</del> partially"
    assert "<del>old plan</del>" in render_note_markdown("We dropped the ~~old plan~~.")
    assert render_note_inline("a ~ b ~~") == "a ~ b ~~"  # no pair, nothing struck


def test_a_kpis_notes_are_shown_with_their_links_not_as_markdown():
    html = Template('{% load report_tags %}{{ notes|note_inline }}').render(
        Context({"notes": "see [dashboard](https://example.com)"})
    )
    assert html == (
        'see <a href="https://example.com" rel="noopener noreferrer nofollow">dashboard</a>'
    )
