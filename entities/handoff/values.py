"""Reading numbers, dates and severities the way people write them in notes.

Every function here takes any ``str`` and never raises. Numbers are exact
``Decimal`` values built from the digits as written (never through float).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from .types import Better

__all__ = [
    "CURRENCY_CODES",
    "NO_VALUE",
    "ParsedValue",
    "is_currency",
    "is_no_value",
    "parse_date",
    "parse_severity",
    "parse_value",
    "split_comparison",
    "strip_emphasis",
]

#: Cell contents that mean "no value" (compared after trimming, emphasis removal, lower-casing).
NO_VALUE = frozenset(
    {"", "n/a", "na", "n.a.", "\u2014", "\u2013", "-", "--", "tbd", "tba", "?", "??"}
    | {"unknown", "none"}
)

#: Three-letter codes accepted as a currency prefix (``USD 1,200``) or suffix (``1,200 EUR``).
CURRENCY_CODES = frozenset(
    {
        "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "CNY", "INR",
        "SEK", "NOK", "DKK", "MXN", "BRL", "ZAR", "SGD", "HKD", "PLN", "CZK",
    }
)  # fmt: skip

_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}

_MAGNITUDE = {
    "k": 3, "thousand": 3,
    "m": 6, "mn": 6, "million": 6,
    "b": 9, "bn": 9, "billion": 9,
}  # fmt: skip

_CODES_RE = "|".join(sorted(CURRENCY_CODES))

# Applied to a value that has had whitespace collapsed to single spaces, so every
# optional space is ` ?` and the pattern cannot backtrack badly on long input.
_VALUE_RE = re.compile(
    rf"""
    (?P<sign>[-+])?\ ?
    (?P<pre>[$€£¥₹]|(?:{_CODES_RE})(?![a-z]))?\ ?
    (?P<sign2>[-+])?\ ?
    (?P<lp>\()?\ ?
    (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \ ?(?P<rp>\))?
    \ ?(?:(?P<mag>thousand|million|billion|bn|mn|[kmb])(?![a-z]))?
    \ ?(?P<post>%|[$€£¥₹]|[a-z][a-z./]{{0,19}})?
    """,
    re.IGNORECASE | re.VERBOSE | re.ASCII,
)

_EMPHASIS_CHARS = "*_`"


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """Result of :func:`parse_value`.

    ``readable`` is False only when the text is neither a number nor a
    "no value" marker; then ``value`` is None and the caller should warn.
    """

    value: Decimal | None
    unit: str
    readable: bool


_NO_VALUE_RESULT = ParsedValue(None, "", True)
_UNREADABLE = ParsedValue(None, "", False)


def strip_emphasis(text: str) -> str:
    """Trim whitespace and markdown emphasis/code markers (``**``, ``__``, backticks)."""
    text = text.strip()
    return text.strip(_EMPHASIS_CHARS).strip()


def is_no_value(text: str) -> bool:
    return strip_emphasis(text).lower() in NO_VALUE


def is_currency(unit: str) -> bool:
    return unit in CURRENCY_CODES


def _currency_of(token: str | None) -> str | None:
    if not token:
        return None
    symbol = _SYMBOLS.get(token)
    if symbol is not None:
        return symbol
    upper = token.upper()
    return upper if upper in CURRENCY_CODES else None


# Stored values have up to 22 digits before the point and 6 after (numeric(28, 6)); fractions
# finer than a millionth are rounded when stored. Fifteen is the most read: SQLite keeps a
# decimal as a float, and reading 1e22 back into numeric(28, 6) overflowed (a 500 on every
# report); a float is exact to 15 digits, and no business figure needs more (a thousand
# trillion).
MAX_WHOLE_DIGITS = 15


def parse_value(text: str) -> ParsedValue:
    """Read a number as people write it in a note.

    Accepts ``1,234``, ``$48,200``, ``$1.2M``, ``120k``, ``2.5B``, ``78%``,
    ``(1,200)``, ``-$1,200``, ``$-1,200``, ``\u22121,200`` (U+2212 minus),
    ``EUR 1,200``, ``1.200€``-style suffixes, ``12 days`` (unit "days"),
    ``**$4,000**`` and ``~$4k``. ``n/a``, ``TBD``, ``—`` etc. are no value.
    """
    s = strip_emphasis(text)
    if s.lower() in NO_VALUE:
        return _NO_VALUE_RESULT
    if s[:1] in ("~", "≈"):
        s = strip_emphasis(s[1:])
    s = " ".join(s.replace("\u2212", "-").split())
    negative = False
    if len(s) >= 2 and s[0] == "(" and s[-1] == ")":
        negative = True
        s = s[1:-1].strip()
    m = _VALUE_RE.fullmatch(s)
    if m is None:
        return _UNREADABLE
    sign, sign2, lp, rp = m.group("sign", "sign2", "lp", "rp")
    if bool(lp) != bool(rp):
        return _UNREADABLE
    signs = [x for x in (sign, sign2) if x]
    # at most one way of saying "negative": outer parens, inner parens or a sign
    if len(signs) + bool(lp) + negative > 1:
        return _UNREADABLE
    negative = negative or bool(lp) or signs == ["-"]

    pre, post, mag = m.group("pre", "post", "mag")
    pre_currency = _currency_of(pre)
    post_currency = _currency_of(post)
    if post == "%":
        if pre_currency:
            return _UNREADABLE
        unit = "%"
    elif post_currency:
        if pre_currency and pre_currency != post_currency:
            return _UNREADABLE
        unit = post_currency
    elif post:
        if pre_currency:  # "$12 hrs" - a currency and a unit word
            return _UNREADABLE
        unit = post
    else:
        unit = pre_currency or ""

    number = Decimal(m.group("num").replace(",", ""))
    _, digits, exponent = number.as_tuple()
    exponent = int(exponent) + (_MAGNITUDE[mag.lower()] if mag else 0)
    if exponent > 0:  # keep whole numbers as plain integers: Decimal("1200000"), not 1.2E+6
        digits, exponent = digits + (0,) * exponent, 0
    value = Decimal((1 if negative else 0, digits, exponent))
    if value.is_zero():
        value = value.copy_abs()
    if value.adjusted() >= MAX_WHOLE_DIGITS:
        return _UNREADABLE  # no business figure; the store could not keep it
    return ParsedValue(value, unit, True)


# -- targets -----------------------------------------------------------------

# A comparison before a target says which way is better. Symbols may touch the number
# ("≤5%"); words need a space after them, so "min" never eats a number ("5 min" is a unit).
# Longest first, so "<=" is not read as "<" followed by "=5".
_COMPARISONS: tuple[tuple[str, Better], ...] = (
    ("<=", "lower"), ("≤", "lower"), ("<", "lower"), ("at most ", "lower"), ("max ", "lower"),
    (">=", "higher"), ("≥", "higher"), (">", "higher"), ("at least ", "higher"),
    ("min ", "higher"),
)  # fmt: skip


def split_comparison(text: str) -> tuple[Better | None, str]:
    """A target's comparison and the rest: ``"≤ 5%"`` -> ``("lower", "5%")``, ``">= 90%"`` ->
    ``("higher", "90%")``, ``"at most 4 hrs"`` -> ``("lower", "4 hrs")``; a target without
    one is ``(None, text)``. Strict and loose comparisons say the same: which way is better."""
    s = " ".join(strip_emphasis(text).split())
    for prefix, better in _COMPARISONS:
        if s[: len(prefix)].lower() == prefix:
            return better, s[len(prefix) :].strip()
    return None, text


# -- dates -------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip

_ISO_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", re.ASCII)
_US_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_MDY_DATE_RE = re.compile(r"([a-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})", re.ASCII)
_DMY_DATE_RE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]{3,9})\.?,? (\d{4})", re.ASCII)


def _make_date(year: str, month: int | None, day: str) -> datetime.date | None:
    if month is None:
        return None
    try:
        return datetime.date(int(year), month, int(day))
    except ValueError:
        return None


def parse_date(text: str) -> tuple[datetime.date | None, bool]:
    """Read a date; returns ``(date, readable)``.

    Accepts ``2026-10-15`` (also ``/`` or ``.``), US ``10/15/2026``,
    ``Oct 15, 2026`` / ``October 15 2026`` and ``15 Oct 2026``. No-value
    markers give ``(None, True)``; anything else (including impossible dates
    such as ``2026-02-30``) gives ``(None, False)``.
    """
    s = " ".join(strip_emphasis(text).lower().split())
    if s in NO_VALUE:
        return None, True
    m = _ISO_DATE_RE.fullmatch(s)
    if m:
        result = _make_date(m.group(1), int(m.group(2)), m.group(3))
    elif m := _US_DATE_RE.fullmatch(s):
        result = _make_date(m.group(3), int(m.group(1)), m.group(2))
    elif m := _MDY_DATE_RE.fullmatch(s):
        result = _make_date(m.group(3), _MONTHS.get(m.group(1)), m.group(2))
    elif m := _DMY_DATE_RE.fullmatch(s):
        result = _make_date(m.group(3), _MONTHS.get(m.group(2)), m.group(1))
    else:
        result = None
    return result, result is not None


# -- severities --------------------------------------------------------------

_SEVERITIES = {
    "critical": "critical", "crit": "critical", "p0": "critical",
    "high": "high", "p1": "high",
    "medium": "medium", "med": "medium", "moderate": "medium", "p2": "medium",
    "low": "low", "p3": "low",
}  # fmt: skip


def parse_severity(text: str) -> str | None:
    """Map a severity/priority word to critical|high|medium|low, else None."""
    return _SEVERITIES.get(strip_emphasis(text).lower())
