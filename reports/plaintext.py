"""The plain-text alternative of a report, derived from its email HTML.

Deriving it keeps each persona to one template: the text cannot drift from the HTML. Headings
are underlined, list items start with "- ", tables become aligned columns (a one-row table of
tiles becomes one line per tile), and charts (SVG) and styles are dropped; the email shows
charts as tables, which come through. Pure: no Django.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from html.parser import HTMLParser

_SKIP = {"style", "script", "svg", "head", "title", "template", "noscript"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "nav", "ul", "ol", "li", "h1", "h2",
    "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "table", "tr", "dl", "dt", "dd", "main",
}  # fmt: skip
_SPACED = {"p", "ul", "ol", "h1", "h2", "h3", "h4", "section", "article", "header", "footer",
           "blockquote", "pre", "table"}  # fmt: skip
_UNDERLINE = {"h1": "=", "h2": "-"}
_NUMERIC = re.compile(r"^[\s(+\-\u2212$€£¥₹▲▼▶]*\d")
WIDTH = 78
MAX_CELL = 44


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(slots=True)
class _Table:
    rows: list[list[list[str]]] = field(default_factory=list)  # row -> cell -> parts
    header_rows: set[int] = field(default_factory=set)
    in_head: bool = False

    def cell_text(self, parts: list[str]) -> str:
        pieces = [_collapse(p) for p in "".join(parts).split("\x00")]
        return " · ".join(p for p in pieces if p)

    def render(self) -> list[str]:
        rows = [[self.cell_text(c) for c in row] for row in self.rows]
        rows = [r for r in rows if any(r)]
        if not rows:
            return []
        if len(rows) == 1:  # a row of tiles: one line each
            return [cell for cell in rows[0] if cell]
        columns = max(len(r) for r in rows)
        rows = [r + [""] * (columns - len(r)) for r in rows]
        widths = [min(MAX_CELL, max(len(r[c]) for r in rows)) for c in range(columns)]
        numeric = [
            all(not cell or _NUMERIC.match(cell) for n, r in enumerate(rows)
                if n not in self.header_rows for cell in [r[c]])
            for c in range(columns)
        ]  # fmt: skip
        lines = []
        for n, row in enumerate(rows):
            cells = [
                cell.rjust(widths[c]) if numeric[c] and c else cell.ljust(widths[c])
                for c, cell in enumerate(row)
            ]
            lines.append("  ".join(cells).rstrip())
            if n in self.header_rows and n + 1 < len(rows) and n + 1 not in self.header_rows:
                lines.append("  ".join("-" * w for w in widths))
        return lines


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.inline: list[str] = []
        self.skip = 0
        self.tables: list[_Table] = []
        self.heading: str | None = None
        self.depth = 0  # list nesting
        self.closers: list[str] = []  # what each open <span>/<a> adds when it closes

    # -- helpers --
    def _flush(self, *, spaced: bool = False) -> None:
        text = _collapse("".join(self.inline))
        self.inline = []
        if text:
            indent = "  " * max(0, self.depth - 1)
            if text.startswith("- "):
                wrapped = textwrap.wrap(text, WIDTH - len(indent), subsequent_indent="  ")
            else:
                wrapped = textwrap.wrap(text, WIDTH - len(indent)) or [text]
            self.lines.extend(indent + w for w in wrapped)
            if self.heading in _UNDERLINE:
                self.lines.append(_UNDERLINE[self.heading] * min(WIDTH, len(text)))
        if spaced and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def _cell(self) -> list[str] | None:
        table = self.tables[-1]
        if table.rows and table.rows[-1]:
            return table.rows[-1][-1]
        return None

    # -- parser events --
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "table":
            if not self.tables:
                self._flush(spaced=True)
            self.tables.append(_Table())
            return
        if tag in ("span", "a"):
            # Inline boxes the page separates by layout need a space in text; a badge (a
            # severity, a tag) reads best in brackets.
            classes = (dict(attrs).get("class") or "").split()
            badge = "sev" in classes or "tag" in classes
            self.handle_data(" [" if badge else " ")
            self.closers.append("] " if badge else "")
            return
        if self.tables:
            table = self.tables[-1]
            if tag == "thead":
                table.in_head = True
            elif tag == "tr":
                table.rows.append([])
                if table.in_head:
                    table.header_rows.add(len(table.rows) - 1)
            elif tag in ("td", "th"):
                if not table.rows:
                    table.rows.append([])
                table.rows[-1].append([])
            elif tag in _BLOCK or tag == "br":
                cell = self._cell()
                if cell is not None:
                    cell.append("\x00")
            return
        if tag in ("ul", "ol"):
            self._flush()
            self.depth += 1
        elif tag == "li":
            self._flush()
            self.inline.append("- ")
        elif tag == "br":
            self._flush()
        elif tag in _BLOCK:
            self._flush(spaced=tag in _SPACED)
            if tag in ("h1", "h2", "h3", "h4"):
                self.heading = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("span", "a"):
            if self.closers:
                self.handle_data(self.closers.pop())
            return
        if tag == "table" and self.tables:
            table = self.tables.pop()
            lines = table.render()
            if self.tables:
                cell = self._cell()
                if cell is not None:
                    cell.append("\x00".join(lines))
            else:
                self.lines.extend(lines)
                self.lines.append("")
            return
        if self.tables:
            if tag == "thead":
                self.tables[-1].in_head = False
            return
        if tag in ("ul", "ol"):
            self._flush(spaced=self.depth == 1)
            self.depth = max(0, self.depth - 1)
        elif tag in _BLOCK:
            self._flush(spaced=tag in _SPACED)
            if tag in ("h1", "h2", "h3", "h4"):
                self.heading = None

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.tables:
            cell = self._cell()
            if cell is not None:
                cell.append(data)
            return
        self.inline.append(data)

    def text(self) -> str:
        self._flush()
        out: list[str] = []
        for line in self.lines:
            if line == "" and (not out or out[-1] == ""):
                continue
            out.append(line.rstrip())
        return "\n".join(out).strip() + "\n"


def html_to_text(html: str) -> str:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return converter.text()
