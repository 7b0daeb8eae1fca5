"""Text from notes is untrusted: only what nh3 allows may reach a report."""

from django.template import Context, Template

from reports.templatetags.report_tags import render_note_inline, render_note_markdown

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
