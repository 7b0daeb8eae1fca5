"""Template tags for the reports: untrusted note text made safe, and figures made traceable.

Text from a note (items, narrative, names) is untrusted: it may hold HTML or links of any kind.
`note_markdown` and `note_inline` are the only ways it is marked safe, and both end in nh3 with
http, https and mailto links only. Everything else is escaped by Django as usual.
"""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from html import escape as _escape
from typing import Any

import markdown
import nh3
from django import template
from django.utils.safestring import SafeString

from reports.formatting import (
    MISSING,
    format_change,
    format_percent,
    format_period,
    format_value,
)
from reports.personas.common import Delta, Figure, Rollup
from reports.personas.data import Source

register = template.Library()

URL_SCHEMES = {"http", "https", "mailto"}
_BLOCK_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "table", "thead", "tbody", "tr", "th", "td", "h3", "h4", "h5", "h6", "del", "s",
}  # fmt: skip
_INLINE_TAGS = {"strong", "em", "b", "i", "code", "a", "del", "s"}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
# No relative links: a note's "[x](/admin/)" must not become a link into this site.
_block_cleaner = nh3.Cleaner(
    tags=_BLOCK_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
)
_inline_cleaner = nh3.Cleaner(
    tags=_INLINE_TAGS,
    clean_content_tags={"script", "style"},
    attributes={"a": {"href", "title"}},
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
)
_local = threading.local()


class _Strikethrough(markdown.Extension):
    """`~~struck~~` as <del>, as the editors owners write their notes in show it (GitHub's
    markdown); Python-Markdown has the pattern class but not the syntax."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # markdown names it
        pattern = markdown.inlinepatterns.SimpleTagInlineProcessor(r"(~~)(.+?)~~", "del")
        md.inlinePatterns.register(pattern, "strikethrough", 40)


def _markdown() -> markdown.Markdown:
    # One converter per thread: building one costs more than converting a paragraph.
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = markdown.Markdown(extensions=["tables", _Strikethrough()])
    return converter


# Block syntax that a single line of a note does not mean: "2026. A year" is not a list,
# "# 1 priority" not a heading, a leading "> " not a quote. Only paragraphs are read.
_NOT_INLINE = ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote",
               "reference")  # fmt: skip


def _inline_markdown() -> markdown.Markdown:
    converter = getattr(_local, "inline", None)
    if converter is None:
        converter = _local.inline = markdown.Markdown(extensions=[_Strikethrough()])
        for name in _NOT_INLINE:
            converter.parser.blockprocessors.deregister(name)
    return converter


def render_note_markdown(text: str) -> str:
    """A note's markdown as safe HTML: headings demoted below the report's own."""
    converter = _markdown()
    converter.reset()
    html = converter.convert(text or "")
    html = re.sub(r"<(/?)h[12](\W)", r"<\1h3\2", html)
    return _block_cleaner.clean(html)


# Text with none of the characters markdown or HTML give a meaning to (and no control or
# no-break space, which the converter or the sanitiser rewrite) comes out of them as it went
# in, less its leading space. Most item lines are such text, and the converter costs a few
# hundred microseconds a line, so they skip it; tests/reports/test_sanitize.py checks that
# both ways give the same HTML.
_PLAIN = re.compile(r"[^\\`*_~\[\]<>&!\x00-\x1f\x7f\xa0]*")


def render_note_inline(text: str) -> str:
    """One line of a note (an item, a lead paragraph) with its inline markdown, as safe HTML:
    the same markdown and nh3 as a block, with only inline tags allowed and the paragraph
    markdown wraps it in taken off. nh3 cleans last, so nothing the note wrote (its own HTML
    included) survives unless nh3 allows it."""
    text = text or ""
    if _PLAIN.fullmatch(text):
        return text.lstrip()
    return _render_inline(text)


def _render_inline(text: str) -> str:
    converter = _inline_markdown()
    converter.reset()
    html = converter.convert(text)
    if html.startswith("<p>") and html.endswith("</p>"):
        html = html[3:-4]
    return _inline_cleaner.clean(html)


@register.filter
def note_markdown(text: str) -> SafeString:
    return SafeString(render_note_markdown(text))  # cleaned by nh3 just above


@register.filter
def note_inline(text: str) -> SafeString:
    return SafeString(render_note_inline(text))  # cleaned by nh3 just above


# --- Figures ----------------------------------------------------------------------------------


def source_href(context: template.Context, source: Source | None) -> str:
    """The link to a figure's line in its note, on the page and in the email; none in the
    downloaded file, which must not point anywhere."""
    prefix = context.get("source_prefix")
    if not prefix or source is None or source.snapshot_id is None:
        return ""
    anchor = f"#L{source.line}" if source.line else ""
    return f"{prefix}{source.snapshot_id}/{anchor}"


def _title(figure: Figure, source: Source | None, shown: str) -> str:
    parts = []
    if figure.name:  # the line as the note names it: "Revenue (MTD)" under "Revenue"
        parts.append(figure.name)
    if source is not None:
        parts.append(source.label)
    if figure.raw and figure.raw != shown:  # "written “$1.42M”", not "written “$118,300”"
        parts.append(f"written “{figure.raw}”")
    if figure.value is None and not figure.raw:
        parts.append(figure.why or "no value in the note")
    return " · ".join(parts)


# These tags run thousands of times on a large portfolio: they build their markup with
# f-strings and the standard library's escape (Django's format_html costs several times more),
# escaping everything that comes from a note and marking the result safe once, as a SafeString
# made directly (mark_safe first checks its argument for lazy strings, at every call).


@register.simple_tag(takes_context=True)
def fig(context: template.Context, figure: Figure | None, css: str = "") -> SafeString:
    """A stored figure: its value as written, with its source on hover (and a link to it)."""
    extra = f" {_escape(css)}" if css else ""
    if figure is None:
        return SafeString(f'<span class="fig missing{extra}">{MISSING}</span>')
    shown = format_value(figure.value, figure.unit)
    text = _escape(shown)
    classes = "fig"
    if figure.value is None:
        classes += " missing"
    elif figure.value < 0:
        classes += " neg"
    if figure.value is None and figure.why:  # say why, not a bare "—"
        text = f'{text} <span class="why muted small">{_escape(figure.why)}</span>'
    source = figure.source  # built on demand: read it once
    title = _escape(_title(figure, source, shown))
    href = source_href(context, source)
    if href:
        return SafeString(
            f'<a class="{classes}{extra}" href="{_escape(href)}" title="{title}">{text}</a>'
        )
    return SafeString(f'<span class="{classes}{extra}" title="{title}">{text}</span>')


_ARROWS = {"up": "▲", "down": "▼", "flat": "▶"}


def _delta_html(direction: str | None, tone: str, title: str, text: str) -> SafeString:
    arrow = _ARROWS.get(direction or "", "")
    return SafeString(
        f'<span class="delta {direction or ""} {tone}" title="{_escape(title)}">'
        f'<span class="arrow" aria-hidden="true">{arrow}</span> {_escape(text)}</span>'
    )


@register.simple_tag
def change(d: Delta | None, show_previous: bool = False) -> SafeString:
    """A change against the previous note: arrow, signed amount, coloured by whether it is
    good news. No change to show is a "—" that says why on hover."""
    if d is None:
        return SafeString(f'<span class="delta none">{MISSING}</span>')
    if d.change is None:
        return SafeString(f'<span class="delta none" title="{_escape(d.reason)}">{MISSING}</span>')
    was = format_value(d.previous.value, d.previous.unit)
    where = f" in {d.previous.source.period_label}" if d.previous.source else ""
    text = format_change(d.change, d.unit)
    if show_previous:
        text = f"{text} (from {was})"
    return _delta_html(d.direction, d.tone, f"was {was}{where}", text)


@register.simple_tag(takes_context=True)
def figchange(context: template.Context, d: Delta | None) -> SafeString:
    """A figure with its change under it, in one tag: a large portfolio has thousands."""
    if d is None:
        return SafeString(f'<span class="fig missing">{MISSING}</span>')
    return SafeString(f"{fig(context, d.current)}<br>{change(d)}")


@register.simple_tag
def rollup_change(roll: Rollup) -> SafeString:
    """A portfolio change: the sum of each entity's change, saying over how many entities."""
    if roll.change.value is None:
        return SafeString(
            '<span class="delta none" title="no entity has an earlier note to compare">'
            f"{MISSING}</span>"
        )
    noun = "entity" if roll.compared == 1 else "entities"
    return _delta_html(
        roll.direction,
        roll.tone,
        f"the sum of the change in {roll.compared} {noun}",
        format_change(roll.change.value, roll.change.unit),
    )


@register.simple_tag(takes_context=True)
def src(context: template.Context, source: Source | None, text: str = "") -> SafeString:
    """A visible reference to a line of a note ("2026-11/qdn.md:25")."""
    if source is None:
        return SafeString("")
    label = text or (f"{source.path}:{source.line}" if source.line else source.path)
    href = source_href(context, source)
    if href:
        return SafeString(
            f'<a class="src" href="{_escape(href)}" title="{_escape(source.label)}">'
            f"{_escape(label)}</a>"
        )
    return SafeString(f'<span class="src" title="{_escape(source.label)}">{_escape(label)}</span>')


@register.filter
def value(number: Decimal | None, unit: str = "") -> str:
    return format_value(number, unit)


@register.filter
def percent(number: Decimal | None) -> str:
    return format_percent(number)


@register.filter
def points(number: Decimal | None) -> str:
    """A change in a percentage (margin), in points, rounded to one place: it is derived."""
    if number is None:
        return MISSING
    return format_change(round(number, 1), "%")


@register.filter
def period(label: str) -> str:
    """ "2026-11" -> "Nov 2026", "2026-11-25" -> "25 Nov 2026"; anything else as it is."""
    return format_period(label)


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)


@register.simple_tag(takes_context=True)
def entity_link(context: template.Context, entity: Any) -> SafeString:
    """An entity's name, linking to its own report of the same persona (not in the download,
    which must not point anywhere)."""
    prefix = context.get("entity_prefix")
    if not prefix:
        return SafeString(_escape(entity.name))
    href = f"{prefix}{entity.slug}/{context.get('query', '')}"
    return SafeString(f'<a href="{_escape(href)}">{_escape(entity.name)}</a>')


@register.filter
def source_of(snapshot: Any, line: int | None) -> Source | None:
    """{% src snapshot|source_of:item.line %}: where in its note a row was written."""
    return snapshot.source(line) if snapshot is not None else None


@register.filter
def change_value(number: Decimal | None, unit: str = "") -> str:
    """A signed difference: "+12", "+$2,250", "+5 pts" (a minus sign when negative)."""
    return format_change(number, unit)


@register.filter
def cells(row: Any, buckets: tuple[str, ...]) -> list[Any]:
    """{% for cell in row|cells:r.buckets %}: an aging row's cells in column order."""
    return row.cell_list(buckets)


@register.filter
def middle(text: str, length: int = 26) -> str:
    """Shorten from the middle, keeping the end that tells names apart ("… Portfolio #12")."""
    if len(text) <= length:
        return text
    keep = length - 1
    return text[: keep - keep // 2].rstrip() + "…" + text[-(keep // 2) :].lstrip()
