"""Parser for markdown handoff notes (see docs/handoff-format.md).

The parser is a single line-by-line pass with a little state (current
section, open table, open list item, open code fence). It never raises on
any ``str`` input and its work is linear in the size of the note.
"""

from __future__ import annotations

import datetime
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from entities.periods import MONTH_LABEL_RE
from entities.slugs import SLUG_MAX_LENGTH, slug_is_valid

from .types import (
    METRIC_NAME_MAX_LENGTH,
    ItemRow,
    MetricRow,
    NarrativeSection,
    ParsedHandoff,
    Problem,
    ReceivableRow,
)
from .values import (
    is_currency,
    is_no_value,
    parse_date,
    parse_severity,
    parse_value,
    split_comparison,
    strip_emphasis,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_SECTION_ROWS",
    "SECTION_ALIASES",
    "parse_handoff",
    "parse_handoff_bytes",
    "read_handoff",
    "read_handoff_bytes",
]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

#: The most table rows and bullets one section reads (across all its headings); the rest of it
#: is skipped, with a warning on the first line not read. A note is a summary an executive
#: reads: its longest real sections (receivables, tech stack) run to tens of rows, so this is
#: ten times what a note needs. A file under the size limit can still hold 200,000 rows, and
#: the reports show every row of a section: at about 750 bytes and 0.15 ms per row rendered,
#: 500 rows is a page of under half a megabyte, where 200,000 made one of 151 MB in 31 s.
MAX_SECTION_ROWS = 500

_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The YAML safe loader (libyaml when available), except that timestamps stay text.

    We read dates ourselves so that an impossible date such as ``2026-02-30``
    is a warning about that one key instead of failing the whole block.
    """


_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _FrontMatterLoader.construct_yaml_str
)

# -- vocabulary --------------------------------------------------------------

_ALIASES: dict[str, tuple[str, ...]] = {
    "kpis": ("kpis", "kpi", "key metrics", "metrics", "operational kpis"),
    "financials": ("financials", "financial baseline", "finance", "financial model"),
    "marketing": ("marketing", "growth", "sales & marketing", "sales and marketing"),
    "receivables": ("receivables", "accounts receivable", "ar aging", "billing"),
    "tech_stack": ("tech stack", "technology", "infrastructure", "stack"),
    "tech_debt": ("tech debt", "technical debt", "known issues"),
    "risks": ("risks", "blockers", "concerns"),
    "next_steps": ("next steps", "action items", "todo", "to do", "todos"),
}
#: normalised heading text -> section key
SECTION_ALIASES: dict[str, str] = {
    alias: key for key, aliases in _ALIASES.items() for alias in aliases
}

#: How a section is named in a problem: as docs/handoff-format.md names it.
_SECTION_LABELS = {
    "kpis": "KPIs", "financials": "Financials", "marketing": "Marketing",
    "receivables": "Receivables", "tech_stack": "Tech stack", "tech_debt": "Tech debt",
    "risks": "Risks", "next_steps": "Next steps",
}  # fmt: skip

_METRIC_SECTIONS = frozenset({"kpis", "financials", "marketing"})
_ITEM_SECTIONS = frozenset({"tech_debt", "risks", "next_steps", "tech_stack"})
_SEVERITY_SECTIONS = frozenset({"tech_debt", "risks", "next_steps"})

_METRIC_COLUMNS = {
    "value": "value", "amount": "value", "current": "value", "actual": "value",
    "target": "target", "goal": "target",
    "period": "period", "month": "period", "as of": "period",
    "notes": "notes", "note": "notes", "comment": "notes", "comments": "notes",
}  # fmt: skip
_ITEM_COLUMNS = {
    "item": "text", "issue": "text", "risk": "text", "description": "text", "task": "text",
    "action": "text", "action item": "text", "step": "text", "blocker": "text",
    "concern": "text", "debt": "text", "title": "text",
    "severity": "severity", "priority": "severity", "impact": "severity",
    "status": "status",
}  # fmt: skip
_RECEIVABLE_COLUMNS = {
    "client": "client", "customer": "client",
    "invoice": "invoice", "invoice #": "invoice", "invoice no": "invoice",
    "invoice number": "invoice", "inv #": "invoice", "ref": "invoice", "reference": "invoice",
    "amount": "amount", "balance": "amount", "value": "amount", "amount due": "amount",
    "due": "due", "due date": "due", "due on": "due",
    "status": "status",
}  # fmt: skip

_RESOLVED_STATUSES = frozenset(
    {"done", "resolved", "closed", "fixed", "complete", "completed", "✅", "✔", "✓", "[x]"}
)
_TOTAL_ROWS = frozenset({"total", "totals", "grand total", "sum"})

_FRONT_MATTER_KEYS = frozenset({"name", "slug", "kind", "period", "currency", "owner", "updated"})

# -- line patterns (all anchored, linear) ------------------------------------

_ATX_RE = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_SETEXT_RE = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_BULLET_RE = re.compile(r"([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
_HEADING_NORMALISE_RE = re.compile(r"[^a-z0-9&#%]+")
_LEADING_NUMBERING_RE = re.compile(r"(?:\d+ )+")
_PARENS_RE = re.compile(r"\([^()]*\)")
# A qualifier after a section's name in its heading ("(USD)", " — November"). A few are
# taken off at most: enough for any real heading, and linear work in a long one.
_HEADING_QUALIFIER_SEPARATORS = (" \u2014 ", " \u2013 ", " - ", ": ")
_HEADING_QUALIFIERS_MAX = 3
_CHECKBOX_RE = re.compile(r"\[([ xX])\](?:[ \t]+|$)")
_SEVERITY_TAG_RE = re.compile(
    r"(?:\[(?P<a>[a-z0-9]{1,10})\]"
    r"|\((?P<b>[a-z0-9]{1,10})\)"
    r"|\*\*(?P<c>[a-z0-9]{1,10})(?::\*\*|\*\*:?)"
    r"|__(?P<d>[a-z0-9]{1,10})(?::__|__:?)"
    r"|(?P<e>critical|high|medium|low):)"
    "[ \t]*(?:[-\u2013\u2014:][ \t]+)?",
    re.IGNORECASE,
)
_NON_SLUG_RE = re.compile(r"[^a-z0-9]+")
_PERIOD_DAY_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CURRENCY_RE = re.compile(r"[A-Za-z]{3}")
_RECEIVABLE_BULLET_SPLIT_RE = re.compile("[ \t]+[\u2014\u2013|][ \t]+|[ \t]+-[ \t]+")
_DUE_PREFIX_RE = re.compile(r"due(?: on)?:?[ \t]+", re.IGNORECASE)
_INVOICE_RE = re.compile(r"#?[A-Za-z]{0,6}[-#]?\d[\w/-]*")

_QUOTE_MAX = 60


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _QUOTE_MAX:
        text = text[: _QUOTE_MAX - 1] + "…"
    return f"'{text}'"


def _normalise_heading(text: str) -> str:
    key = _HEADING_NORMALISE_RE.sub(" ", text.casefold()).strip()
    if key[:1].isdigit() and (m := _LEADING_NUMBERING_RE.match(key)) and m.end() < len(key):
        key = key[m.end() :]  # "1. KPIs", "2026 Financials"
    return key


def _section_of(heading: str) -> str | None:
    """The section a heading names, if any: the whole heading, else the heading with its
    trailing qualifiers taken off one at a time ("Financials (USD)", "KPIs — November",
    "KPIs: November"). Only what is left at the front may match, so a heading that merely
    mentions a section ("Team - KPIs") stays what it was."""
    key = SECTION_ALIASES.get(_normalise_heading(heading))
    text = " ".join(strip_emphasis(heading).split())
    for _ in range(_HEADING_QUALIFIERS_MAX):
        if key is not None or not (text := _without_qualifier(text)):
            return key
        key = SECTION_ALIASES.get(_normalise_heading(text))
    return key


def _without_qualifier(text: str) -> str:
    """text without its last qualifier: a parenthetical at the end, else what follows the
    last of _HEADING_QUALIFIER_SEPARATORS; "" when it has none. String searches, not a regex, so
    that a long heading costs linear time."""
    text = text.rstrip(" :.")
    if text.endswith(")") and (start := text.rfind("(")) > 0 and ")" not in text[start:-1]:
        return strip_emphasis(text[:start])
    cut = max(text.rfind(sep) for sep in _HEADING_QUALIFIER_SEPARATORS)
    return strip_emphasis(text[:cut]) if cut > 0 else ""


def _normalise_header(text: str) -> str:
    text = strip_emphasis(text).casefold()
    if "(" in text:
        text = _PARENS_RE.sub(" ", text)
    return _HEADING_NORMALISE_RE.sub(" ", text).strip()


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _clean_name(text: str) -> str:
    return " ".join(strip_emphasis(text).replace("**", "").replace("__", "").split())


def _split_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = _CELL_SPLIT_RE.split(s)
    return [c.strip().replace("\\|", "|") for c in cells]


def _is_separator_row(line: str, ncols: int) -> bool:
    s = line.strip()
    if "-" not in s or s.strip(" \t|:-"):
        return False
    if "|" not in s and ncols > 1:
        return False
    cells = _split_cells(s)
    if len(cells) != ncols:
        return False
    for cell in cells:
        core = cell.strip(":")
        if not core or core.strip("-") or cell.count(":") > 2 or ":" in core:
            return False
    return True


def _is_thematic_break(stripped: str) -> bool:
    if len(stripped) < 3 or stripped[0] not in "-*_":
        return False
    compact = stripped.replace(" ", "").replace("\t", "")
    return len(compact) >= 3 and not compact.strip(compact[0])


def _indent_of(line: str) -> int:
    n = 0
    for ch in line:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4 - n % 4
        else:
            break
    return n


# -- parse state -------------------------------------------------------------


@dataclass(slots=True)
class _Table:
    section: str
    ncols: int
    columns: dict[str, int]
    header_line: int


@dataclass(slots=True)
class _PendingItem:
    section: str
    parts: list[str]
    line: int
    indent: int


@dataclass(slots=True)
class _Narrative:
    heading: str
    line: int
    body: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _State:
    path: str
    currency: str
    problems: list[Problem] = field(default_factory=list)
    metrics: list[MetricRow] = field(default_factory=list)
    items: dict[str, list[ItemRow]] = field(
        default_factory=lambda: {k: [] for k in ("tech_debt", "risks", "next_steps", "tech_stack")}
    )
    receivables: list[ReceivableRow] = field(default_factory=list)
    narratives: list[_Narrative] = field(default_factory=list)
    seen_metrics: dict[tuple[str, str], int] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)  # section -> table rows and bullets
    title: str | None = None
    recognised: bool = False

    def warn(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(line, "warning", message))

    def error(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(line, "error", message))


# -- front matter ------------------------------------------------------------


@dataclass(slots=True)
class _FrontMatter:
    name: str | None = None
    slug: str | None = None
    slug_given: bool = False
    kind: Any = None
    period: datetime.date | None = None
    period_label: str | None = None
    period_line: int | None = None
    currency: str = "USD"
    owner: str | None = None
    updated: datetime.date | None = None


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float, Decimal, datetime.date)):
        text = str(value).strip()
        return text or None
    return None


def _parse_front_matter(lines: list[str], state: _State) -> tuple[_FrontMatter, int]:
    """Read front matter if the note starts with ``---``; returns (front matter, body start)."""
    fm = _FrontMatter()
    if not lines or lines[0].rstrip() != "---":
        return fm, 0
    end = None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            end = i
            break
    if end is None:
        state.error(1, "front matter opened with '---' on line 1 is never closed with '---'")
        return fm, 1
    block = "\n".join(lines[1:end])
    try:
        data = yaml.load(block, Loader=_FrontMatterLoader)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        state.error(line, f"front matter is not valid YAML: {problem}")
        return fm, end + 1
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # e.g. an integer with more digits than Python will convert
        state.error(2, f"front matter is not valid YAML: {exc}")
        return fm, end + 1
    if data is None:
        return fm, end + 1
    if not isinstance(data, dict):
        state.error(2, "front matter must be a mapping of 'key: value' lines")
        return fm, end + 1

    key_lines: dict[str, int] = {}
    for offset, raw in enumerate(lines[1:end]):
        if raw[:1] not in ("", " ", "\t", "#", "-") and ":" in raw:
            key = raw.split(":", 1)[0].strip().strip("\"'")
            key_lines.setdefault(key, offset + 2)

    for key, value in data.items():
        skey = str(key)
        line = key_lines.get(skey, 2)
        if skey not in _FRONT_MATTER_KEYS:
            state.warn(line, f"unknown front matter key {_quote(skey)}")
            continue
        if skey in ("name", "owner"):
            text = _scalar_text(value)
            if text is None and value is not None:
                state.warn(line, f"front matter {skey!r} should be text")
            setattr(fm, skey, text)
        elif skey == "slug":
            if value is None:
                continue  # "slug:" left empty: fall back to the file name
            fm.slug_given = True
            text = _scalar_text(value) if not isinstance(value, (bool, float)) else None
            if text is None or not slug_is_valid(text):
                state.error(
                    line,
                    f"slug {_quote(str(value))} is not valid: use lower-case letters, digits "
                    f"and single hyphens, at most {SLUG_MAX_LENGTH} characters",
                )
            else:
                fm.slug = text
        elif skey == "kind":
            text = (_scalar_text(value) or "").lower()
            if text in ("core", "supplementary"):
                fm.kind = text
            elif value is not None:
                state.warn(line, f"kind {_quote(str(value))} is not 'core' or 'supplementary'")
        elif skey == "period":
            _read_period(value, line, fm, state)
        elif skey == "currency":
            text = _scalar_text(value)
            if text is not None and _CURRENCY_RE.fullmatch(text):
                fm.currency = text.upper()
            elif value is not None:
                state.warn(line, f"currency {_quote(str(value))} is not a 3-letter code; using USD")
        elif skey == "updated":
            if isinstance(value, datetime.datetime):
                fm.updated = value.date()
            elif isinstance(value, datetime.date):
                fm.updated = value
            elif value is not None:
                parsed, ok = parse_date(str(value))
                if ok and parsed is not None:
                    fm.updated = parsed
                else:
                    state.warn(line, f"could not read updated date {_quote(str(value))}")
    return fm, end + 1


#: The years a period may name. A note about the year 9999 is a typo, and the dates a report
#: works out from it (the month after, a month's grace) would fall off the calendar.
PERIOD_YEARS = range(1900, 3000)


def _read_period(value: Any, line: int, fm: _FrontMatter, state: _State) -> None:
    if value is None:
        return
    if isinstance(value, datetime.datetime):
        value = value.date()
    period: datetime.date | None = None
    label = ""
    if isinstance(value, datetime.date):
        period, label = value, value.isoformat()
    else:
        text = str(value).strip() if isinstance(value, str) else ""
        if m := MONTH_LABEL_RE.fullmatch(text):
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12 and year >= 1:
                period, label = datetime.date(year, month, 1), text
        elif m := _PERIOD_DAY_RE.fullmatch(text):
            try:
                period = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                label = text
            except ValueError:
                pass
    if period is None:
        state.warn(line, f"period {_quote(str(value))} is not YYYY-MM or YYYY-MM-DD")
    elif period.year not in PERIOD_YEARS:
        years = f"{PERIOD_YEARS.start}-{PERIOD_YEARS.stop - 1}"
        state.warn(line, f"period {_quote(str(value))} is outside the years {years}: "
                         "the note has no period")  # fmt: skip
    else:
        fm.period, fm.period_label, fm.period_line = period, label, line


def _slug_from_path(path: str) -> str | None:
    if not path or path.startswith("<"):
        return None
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return _NON_SLUG_RE.sub("-", stem.lower()).strip("-")


def _resolve_slug(fm: _FrontMatter, path: str, state: _State) -> str | None:
    if fm.slug_given:
        return fm.slug
    slug = _slug_from_path(path)
    if slug is None:
        return None
    if not slug or len(slug) > SLUG_MAX_LENGTH:
        state.error(
            None,
            f"cannot make a valid slug (at most {SLUG_MAX_LENGTH} characters) from the file name "
            f"{_quote(path)}; add 'slug:' to the front matter",
        )
        return None
    return slug


# -- rows --------------------------------------------------------------------


def _add_metric(
    state: _State,
    section: str,
    name: str,
    raw_value: str,
    raw_target: str,
    period: str,
    notes: str,
    line: int,
) -> None:
    if len(name) > METRIC_NAME_MAX_LENGTH:
        state.warn(
            line,
            f"metric name {_quote(name)} is longer than {METRIC_NAME_MAX_LENGTH} characters; "
            "the rest is cut",
        )
        name = name[:METRIC_NAME_MAX_LENGTH].rstrip()
    key = (section, _name_key(name))
    first = state.seen_metrics.get(key)
    if first is not None:
        state.warn(line, f"duplicate metric {_quote(name)} in {section}; first on line {first}")
        return
    state.seen_metrics[key] = line
    parsed = parse_value(raw_value)
    if not parsed.readable:
        state.warn(line, f"could not read {_quote(raw_value)} as a number for {_quote(name)}")
    target: Decimal | None = None
    better, raw_number = split_comparison(raw_target)
    if raw_target:
        parsed_target = parse_value(raw_number)
        target = parsed_target.value
        if not parsed_target.readable or (better is not None and not raw_number):
            state.warn(line, f"could not read target {_quote(raw_target)} for {_quote(name)}")
    state.metrics.append(
        MetricRow(
            section=section,  # type: ignore[arg-type]
            name=name,
            value=parsed.value,
            unit=parsed.unit,
            target=target,
            period=None if is_no_value(period) else period.strip(),
            notes=notes.strip(),
            line=line,
            raw=raw_value.strip(),
            better=better,
        )
    )


def _metric_bullet(state: _State, section: str, text: str, line: int) -> None:
    text = text.strip()
    if text.startswith(("**", "__")) and (close := text.find(text[:2], 2)) > 2:
        name, rest = text[2:close], text[close + 2 :]
        if name.rstrip().endswith(":"):
            name = name.rstrip()[:-1]
        elif rest.lstrip().startswith(":"):
            rest = rest.lstrip()[1:]
        else:
            return
    elif ":" in text:
        name, rest = text.split(":", 1)
    else:
        return  # commentary, not a metric
    name = _clean_name(name)
    if not name:
        return
    rest = rest.strip()
    notes = ""
    if (
        rest.endswith(")")
        and " (" in rest
        and not parse_value(rest).readable
        and parse_value(head := rest[: rest.rfind(" (")]).readable
    ):
        notes = rest[len(head) + 2 : -1]
        rest = head
    _add_metric(state, section, name, rest, "", "", notes, line)


def _split_item_text(
    text: str, with_severity: bool
) -> tuple[str, str | None, bool, str | None]:
    """Remove checkbox / severity tag / whole-text strikethrough; returns (text, sev, resolved,
    unread): unread is a leading `[tag]` that is not a severity, for a warning (it stays in
    the text, as written)."""
    if not with_severity:
        return text.strip(), None, False, None
    text = text.strip()
    severity: str | None = None
    resolved = False
    checked = False
    unread: str | None = None
    for _ in range(3):
        if not checked and (m := _CHECKBOX_RE.match(text)):
            checked = True
            resolved = m.group(1) != " "
            text = text[m.end() :]
            continue
        if severity is None and (m := _SEVERITY_TAG_RE.match(text)):
            word = m.group("a") or m.group("b") or m.group("c") or m.group("d") or m.group("e")
            found = parse_severity(word)
            if found is not None:
                severity = found
                text = text[m.end() :]
                continue
            if m.group("a"):  # "[severe]": brackets say tag; "(soon)" may be just words
                unread = f"[{m.group('a')}]"
        break
    if len(text) >= 5 and text.startswith("~~") and text.endswith("~~") and "~~" not in text[2:-2]:
        resolved = True
        text = text[2:-2].strip()
        if severity is None and (m := _SEVERITY_TAG_RE.match(text)):
            word = m.group("a") or m.group("b") or m.group("c") or m.group("d") or m.group("e")
            found = parse_severity(word)
            if found is not None:
                severity = found
                text = text[m.end() :]
    return text.strip(), severity, resolved, unread


def _warn_unread_tag(state: _State, line: int, unread: str | None) -> None:
    if unread is not None:
        state.warn(
            line,
            f"{_quote(unread)} is not a severity (critical, high, medium or low): "
            "the item has none, and the tag stays in its text",
        )


def _flush_item(state: _State, pending: _PendingItem | None) -> None:
    if pending is None:
        return
    joined = " ".join(p for p in pending.parts if p)
    text, severity, resolved, unread = _split_item_text(
        joined, pending.section in _SEVERITY_SECTIONS
    )
    _warn_unread_tag(state, pending.line, unread)
    if text:
        state.items[pending.section].append(
            ItemRow(text=text, severity=severity, resolved=resolved, line=pending.line)  # type: ignore[arg-type]
        )


def _receivable_bullet(state: _State, text: str, line: int) -> None:
    """``- Client — INV-1 — $9,400 — due 2026-10-15 — overdue`` (parts in any order after
    the client; separated by an em or en dash, " - " or " | ")."""
    parts = [p.strip() for p in _RECEIVABLE_BULLET_SPLIT_RE.split(text.strip()) if p.strip()]
    if len(parts) < 2:
        return
    client = _clean_name(parts[0])
    due: datetime.date | None = None
    money: list[tuple[int, Decimal, str]] = []
    bare: list[tuple[int, Decimal]] = []
    for index, part in enumerate(parts[1:], start=1):
        if m := _DUE_PREFIX_RE.match(part):
            raw_due = part[m.end() :]
            due, ok = parse_date(raw_due)
            if not ok:
                state.warn(line, f"could not read {_quote(raw_due)} as a date for {_quote(client)}")
            parts[index] = ""
            continue
        parsed = parse_value(part)
        if parsed.value is not None and is_currency(parsed.unit):
            money.append((index, parsed.value, parsed.unit))
        elif parsed.value is not None and parsed.unit == "":
            bare.append((index, parsed.value))
    if money:
        chosen, amount, unit = money[0]
    elif bare:
        chosen, amount = bare[-1]
        unit = state.currency
    else:
        return  # not a receivable line: no amount
    parts[chosen] = ""
    invoice = ""
    leftovers: list[str] = []
    for part in parts[1:]:
        if not part:
            continue
        if not invoice and _INVOICE_RE.fullmatch(part):
            invoice = part
        else:
            leftovers.append(part)
    state.receivables.append(
        ReceivableRow(client, invoice, amount, unit, due, " — ".join(leftovers), line)
    )


def _table_header(state: _State, section: str, cells: list[str], line: int) -> _Table:
    normalised = [_normalise_header(c) for c in cells]
    columns: dict[str, int] = {}
    if section in _METRIC_SECTIONS:
        vocabulary = _METRIC_COLUMNS
    elif section == "receivables":
        vocabulary = _RECEIVABLE_COLUMNS
    else:
        vocabulary = _ITEM_COLUMNS
    for index, header in enumerate(normalised):
        role = vocabulary.get(header)
        if section in _METRIC_SECTIONS and index == 0:
            continue  # the first column is always the metric's name
        if role is not None and role not in columns:
            columns[role] = index
    if section in _METRIC_SECTIONS and "value" not in columns:
        state.warn(
            line,
            "table has no Value/Amount/Current/Actual column; using the second column as the value",
        )
        if len(cells) > 1:
            columns["value"] = 1
    elif section == "receivables":
        if "client" not in columns:
            columns["client"] = 0
        if "amount" not in columns:
            state.warn(line, "receivables table has no Amount/Balance column")
    return _Table(section, len(cells), columns, line)


def _cell(cells: list[str], table: _Table, role: str) -> str:
    index = table.columns.get(role)
    return cells[index] if index is not None else ""


def _table_row(state: _State, table: _Table, line_text: str, line: int) -> None:
    cells = _split_cells(line_text)
    if len(cells) != table.ncols:
        state.warn(
            line,
            f"table row has {len(cells)} cells but the header on line {table.header_line} "
            f"has {table.ncols}",
        )
        cells = (cells + [""] * table.ncols)[: table.ncols]
    if not any(cells):
        return
    section = table.section
    if section in _METRIC_SECTIONS:
        name = _clean_name(cells[0])
        if not name:
            state.warn(line, "table row has no metric name; skipped")
            return
        _add_metric(
            state,
            section,
            name,
            _cell(cells, table, "value"),
            _cell(cells, table, "target"),
            _cell(cells, table, "period"),
            _cell(cells, table, "notes"),
            line,
        )
    elif section == "receivables":
        _receivable_row(state, table, cells, line)
    else:
        _item_row(state, table, cells, line)


def _receivable_row(state: _State, table: _Table, cells: list[str], line: int) -> None:
    client = _clean_name(_cell(cells, table, "client"))
    if client.casefold() in _TOTAL_ROWS:
        return
    raw_amount = _cell(cells, table, "amount")
    parsed = parse_value(raw_amount)
    amount, unit = parsed.value, parsed.unit
    label = _quote(client or "?")
    if not parsed.readable:
        state.warn(line, f"could not read {_quote(raw_amount)} as an amount for {label}")
    elif amount is not None and unit and not is_currency(unit):
        state.warn(line, f"{_quote(raw_amount)} is not a money amount for {label}")
        amount = None
    if not unit or not is_currency(unit):
        unit = state.currency
    raw_due = _cell(cells, table, "due")
    due, ok = parse_date(raw_due)
    if not ok:
        state.warn(line, f"could not read {_quote(raw_due)} as a date for {label}")
    state.receivables.append(
        ReceivableRow(
            client=client,
            invoice=strip_emphasis(_cell(cells, table, "invoice")),
            amount=amount,
            unit=unit,
            due=due,
            status=_cell(cells, table, "status").strip(),
            line=line,
        )
    )


def _item_row(state: _State, table: _Table, cells: list[str], line: int) -> None:
    section = table.section
    if "text" in table.columns:
        raw_text = _cell(cells, table, "text")
    else:
        used = {table.columns.get("severity"), table.columns.get("status")}
        raw_text = " — ".join(c for i, c in enumerate(cells) if c and i not in used)
    text, severity, resolved, unread = _split_item_text(raw_text, section in _SEVERITY_SECTIONS)
    if not text:
        return
    if section in _SEVERITY_SECTIONS:
        if not _cell(cells, table, "severity"):  # a Severity column says it otherwise
            _warn_unread_tag(state, line, unread)
        raw_severity = _cell(cells, table, "severity")
        if raw_severity and not is_no_value(raw_severity):
            found = parse_severity(raw_severity)
            if found is None:
                state.warn(line, f"could not read {_quote(raw_severity)} as a severity")
            else:
                severity = found
        status = strip_emphasis(_cell(cells, table, "status")).casefold()
        if status in _RESOLVED_STATUSES:
            resolved = True
    state.items[section].append(ItemRow(text, severity, resolved, line))  # type: ignore[arg-type]


def _row_allowed(state: _State, section: str, line: int) -> bool:
    """Whether the section may read one more row (a table row or a bullet): at most
    MAX_SECTION_ROWS, and a warning on the first line past them, once, so that a huge note
    tells its author where reading stopped instead of making a huge report."""
    count = state.rows_read.get(section, 0) + 1
    state.rows_read[section] = count
    if count == MAX_SECTION_ROWS + 1:
        state.warn(
            line,
            f"{_SECTION_LABELS[section]} has more than {MAX_SECTION_ROWS} rows (table rows and "
            "bullets): reading it stopped here, and its later rows are skipped",
        )
    return count <= MAX_SECTION_ROWS


# -- the document ------------------------------------------------------------


def parse_handoff(text: str, *, path: str = "<string>") -> ParsedHandoff:
    """Parse a handoff note. Never raises for any ``str``; problems are reported in the result."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    state = _State(path=path, currency="USD")
    fm, start = _parse_front_matter(lines, state)
    state.currency = fm.currency
    slug = _resolve_slug(fm, path, state)
    _parse_body(lines, start, state)
    if not state.recognised:
        state.warn(None, "no recognised sections")
    problems = sorted(state.problems, key=lambda p: p.line or 0)
    narrative = [
        NarrativeSection(n.heading, "\n".join(n.body).strip("\n"), n.line)
        for n in state.narratives
        if n.heading or any(b.strip() for b in n.body)
    ]
    return ParsedHandoff(
        path=path,
        slug=slug,
        name=fm.name,
        kind=fm.kind,
        period=fm.period,
        period_label=fm.period_label,
        period_line=fm.period_line,
        currency=fm.currency,
        owner=fm.owner,
        updated=fm.updated,
        title=state.title,
        metrics=state.metrics,
        tech_debt=state.items["tech_debt"],
        risks=state.items["risks"],
        next_steps=state.items["next_steps"],
        tech_stack=state.items["tech_stack"],
        receivables=state.receivables,
        narrative=narrative,
        problems=problems,
    )


def _heading_text(rest: str) -> str:
    text = rest.strip()
    if text.endswith("#"):
        trimmed = text.rstrip("#")
        if not trimmed or trimmed[-1] in " \t":
            text = trimmed.strip()
    return text


def _parse_body(lines: list[str], start: int, state: _State) -> None:
    # stack of open sections: (level, section key or _Narrative)
    stack: list[tuple[int, str | _Narrative]] = []
    current: str | _Narrative | None = None  # None: before any section (preamble)
    table: _Table | None = None
    pending: _PendingItem | None = None
    fence = ""  # the opening fence while inside a fenced code block
    in_comment = False
    prev_blank = True
    count = len(lines)
    i = start

    def narrative_for_loose_text() -> _Narrative:
        nonlocal current
        if not isinstance(current, _Narrative):
            current = _Narrative("", i + 1)
            state.narratives.append(current)
        return current

    while i < count:
        line = lines[i]
        lineno = i + 1
        stripped = line.strip()

        if fence:
            closes = len(stripped) >= len(fence) and not stripped.strip(fence[0])
            if closes and _indent_of(line) < 4:
                fence = ""
            if isinstance(current, _Narrative):
                current.body.append(line)
            i += 1
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
            if isinstance(current, _Narrative):
                current.body.append(line)
            i += 1
            continue

        if not stripped:
            table = None
            if isinstance(current, _Narrative):
                current.body.append(line)
            prev_blank = True
            i += 1
            continue

        indent = _indent_of(line)
        first = stripped[0]

        # -- headings --------------------------------------------------------
        level = 0
        heading = ""
        consumed = 1
        if first == "#" and indent < 4 and (m := _ATX_RE.match(line)):
            level = len(m.group(1))
            heading = _heading_text(line[m.end() :])
        elif (
            prev_blank
            and indent < 4
            and i + 1 < count
            and table is None
            and first not in "|>-*+=#<`~"
            and not first.isdigit()
            and "|" not in stripped
            and (nxt := lines[i + 1])
            and nxt.lstrip()[:1] in ("=", "-")
            and _SETEXT_RE.fullmatch(nxt)
        ):
            level = 1 if nxt.lstrip()[0] == "=" else 2
            heading = stripped
            consumed = 2

        if level:
            _flush_item(state, pending)
            pending = None
            table = None
            prev_blank = True
            key = _section_of(heading)
            while stack and stack[-1][0] >= level:
                stack.pop()
            if key is not None:
                state.recognised = True
                if level == 1 and state.title is None:
                    state.title = heading
                stack.append((level, key))
                current = key
            elif level == 1 and state.title is None:
                state.title = heading
                stack.clear()
                current = None
            elif stack:
                current = stack[-1][1]
                if isinstance(current, _Narrative):
                    current.body.extend(lines[i : i + consumed])
            else:
                current = _Narrative(heading, lineno)
                state.narratives.append(current)
                stack.append((level, current))
            i += consumed
            continue

        # -- blocks that are skipped in recognised sections -------------------
        if (
            indent < 4
            and first in "`~"
            and (stripped.startswith("```") or stripped.startswith("~~~"))
        ):
            run = len(stripped) - len(stripped.lstrip(first))
            if first == "~" or "`" not in stripped[run:]:
                fence = first * run
                _flush_item(state, pending)
                pending = None
                table = None
        elif indent < 4 and stripped.startswith("<!--") and "-->" not in stripped[4:]:
            in_comment = True

        if fence or in_comment or stripped.startswith("<!--"):
            if current is None:
                narrative_for_loose_text().body.append(line)
            elif isinstance(current, _Narrative):
                current.body.append(line)
            prev_blank = False
            i += 1
            continue

        if current is None or isinstance(current, _Narrative):
            narrative_for_loose_text().body.append(line)
            prev_blank = False
            i += 1
            continue

        # -- content of a recognised section ---------------------------------
        section = current
        prev_blank = False

        if table is not None:
            if "|" in stripped:
                if _row_allowed(state, section, lineno):
                    _table_row(state, table, line, lineno)
                i += 1
                continue
            table = None

        if _is_thematic_break(stripped):
            _flush_item(state, pending)
            pending = None
            i += 1
            continue

        bullet = _BULLET_RE.match(line) if (first in "-*+" or first.isdigit()) else None
        if bullet is not None:
            _flush_item(state, pending)
            pending = None
            if not _row_allowed(state, section, lineno):
                i += 1
                continue
            content = line[bullet.end() :]
            if section in _METRIC_SECTIONS:
                _metric_bullet(state, section, content, lineno)
            elif section == "receivables":
                _receivable_bullet(state, content, lineno)
            else:
                pending = _PendingItem(section, [content.strip()], lineno, indent)
            i += 1
            continue

        if "|" in stripped and i + 1 < count:
            cells = _split_cells(line)
            if _is_separator_row(lines[i + 1], len(cells)):
                _flush_item(state, pending)
                pending = None
                table = _table_header(state, section, cells, lineno)
                i += 2
                continue

        if pending is not None and indent > pending.indent:
            pending.parts.append(stripped)
        else:
            _flush_item(state, pending)
            pending = None
        i += 1

    _flush_item(state, pending)


# -- files -------------------------------------------------------------------


def _failed(path: Path, message: str, line: int | None = None) -> ParsedHandoff:
    return ParsedHandoff(
        path=str(path),
        slug=_valid_or_none(_slug_from_path(str(path))),
        problems=[Problem(line, "error", message)],
    )


def _valid_or_none(slug: str | None) -> str | None:
    if slug and slug_is_valid(slug):
        return slug
    return None


def _line_of_offset(data: bytes, offset: int) -> int:
    prefix = data[:offset]
    return prefix.count(b"\n") + prefix.count(b"\r") - prefix.count(b"\r\n") + 1


def read_handoff(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, shown_as: str | None = None
) -> tuple[ParsedHandoff, str | None, bytes | None]:
    """Read and parse a note file; returns ``(parsed, text, raw_bytes)``.

    ``raw_bytes`` are the file's bytes exactly as read (None if the file was
    not read: missing, unreadable or over ``max_bytes``, which is checked with
    ``stat`` before reading); ``text`` is the decoded text with any BOM removed
    and line endings normalised to ``\\n`` (None unless the file was parsed).
    Never raises: unreadable, oversized, empty (or whitespace-only), binary and
    non-UTF-8 files give a result with a single error problem and no data.
    ``shown_as`` is the path the result names (default: ``path``).
    """
    data, failed = read_handoff_bytes(path, max_bytes=max_bytes, shown_as=shown_as)
    if failed is not None:
        return failed, None, data
    assert data is not None
    parsed, text = parse_handoff_bytes(data, path=shown_as or str(path))
    return parsed, text, data


def read_handoff_bytes(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, shown_as: str | None = None
) -> tuple[bytes | None, ParsedHandoff | None]:
    """A note file's bytes, unparsed: ``(data, None)``, or ``(None, failed result)`` when it
    is missing, not a regular file, unreadable or over ``max_bytes``. Never raises."""
    path = Path(path)
    shown = Path(shown_as) if shown_as is not None else path
    try:
        info = path.stat()
    except OSError as exc:
        return None, _failed(shown, f"cannot read file: {exc.strerror or exc}")
    if not stat.S_ISREG(info.st_mode):
        return None, _failed(shown, "not a regular file")
    size = info.st_size
    if size > max_bytes:
        return None, _failed(shown, f"file is {size} bytes; the limit is {max_bytes}")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, _failed(shown, f"cannot read file: {exc.strerror or exc}")
    if len(data) > max_bytes:
        return None, _failed(shown, f"file is larger than the limit of {max_bytes} bytes")
    return data, None


def parse_handoff_bytes(data: bytes, *, path: str) -> tuple[ParsedHandoff, str | None]:
    """Decode and parse a note's bytes; returns ``(parsed, text)`` as read_handoff does.
    Empty, binary and non-UTF-8 bytes give a single error problem and no text."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body.strip():
        return _failed(Path(path), "file is empty"), None
    nul = body.find(b"\x00")
    if nul != -1:
        line = _line_of_offset(body, nul)
        return _failed(Path(path), "file is binary (contains NUL bytes)", line), None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of_offset(body, exc.start)
        return _failed(Path(path), "file is not valid UTF-8", line), None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return parse_handoff(text, path=path), text
