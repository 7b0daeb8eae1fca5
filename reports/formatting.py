"""Numbers as a report shows them: the stored value, exactly, made readable.

No rounding ever happens here: 1420000 shows as "1,420,000" and 99.98 as "99.98". Money keeps
its cents: an amount with a fraction shows at least two places ("$27,239.50", never "$27,239.5",
since the store keeps the value, not the zeros it was written with), and a whole amount stays
whole ("$27,239"). A missing value is "—", never "0". Pure functions, used by the template
filters, the charts and the plain-text email.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from entities.handoff import format_decimal
from entities.handoff.values import CURRENCY_CODES

MISSING = "—"
MINUS = "\u2212"  # a real minus sign: a hyphen is easy to miss in a column of figures
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def is_money(unit: str) -> bool:
    return unit in CURRENCY_CODES


def group_digits(value: Decimal, *, cents: bool = False) -> str:
    """1234567.5 -> "1,234,567.5" ("1,234,567.50" with cents); the sign is left to the caller
    (value is used as abs)."""
    text = format_decimal(abs(value)) or "0"
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}"
    if cents and fraction:
        fraction = fraction.ljust(2, "0")  # padded, never cut: "$0.125" stays as stored
    return f"{grouped}.{fraction}" if fraction else grouped


def format_value(value: Decimal | None, unit: str = "") -> str:
    """The stored value with its unit: "$118,300", "€14,500", "38%", "12 days"; a negative value
    starts with a minus sign (U+2212)."""
    if value is None:
        return MISSING
    sign = MINUS if value < 0 else ""
    money = is_money(unit)
    digits = group_digits(value, cents=money)
    if money:
        symbol = SYMBOLS.get(unit)
        return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {unit}"
    if unit == "%":
        return f"{sign}{digits}%"
    if unit:
        return f"{sign}{digits} {unit}"
    return f"{sign}{digits}"


def format_change(change: Decimal | None, unit: str = "") -> str:
    """A difference, always signed: "+$9,100", minus-sign "$2,250", "+5 pts" and "+1 pt" (a
    change of a percentage is in points, not per cent), "0" when nothing moved."""
    if change is None:
        return MISSING
    if change == 0:
        return "0" if unit != "%" else "0 pts"
    sign = "+" if change > 0 else MINUS
    if unit == "%":
        points = "pt" if abs(change) == 1 else "pts"
        return f"{sign}{group_digits(change)} {points}"
    return sign + format_value(abs(change), unit)


def format_percent(value: Decimal | None, places: int = 1) -> str:
    """A derived ratio (margin, share): rounded for reading, because it is not a stored figure,
    always to the same places, so that a column of them lines up ("13.0%" beside "17.6%")."""
    if value is None:
        return MISSING
    rounded = round(value, places)
    text = f"{abs(rounded):.{places}f}"
    return f"{MINUS}{text}%" if rounded < 0 else f"{text}%"


def compact_value(value: Decimal, unit: str = "") -> str:
    """Axis labels only ("$120k", "1.5M"): chart scales are not stored figures."""
    magnitude = abs(value)
    for limit, suffix in ((Decimal(10**9), "B"), (Decimal(10**6), "M"), (Decimal(10**3), "k")):
        if magnitude >= limit:
            scaled = (magnitude / limit).quantize(Decimal("0.1")).normalize()
            text = f"{format_decimal(scaled)}{suffix}"
            break
    else:
        # Under a thousand, money is read in cents: a tick at 2.5 dollars is "$2.50".
        places = Decimal("0.01") if is_money(unit) else Decimal("0.1")
        text = format_decimal(magnitude.quantize(places).normalize()) or "0"
        if is_money(unit) and "." in text:
            text = text.ljust(text.index(".") + 3, "0")
    sign = MINUS if value < 0 else ""
    if is_money(unit):
        symbol = SYMBOLS.get(unit, "")
        return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {unit}"
    return f"{sign}{text}{'%' if unit == '%' else ''}"


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_LABEL = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@lru_cache(maxsize=1024)
def format_period(label: str) -> str:
    """A period label as people say it: "2026-11" -> "Nov 2026", "2026-11-25" -> "25 Nov 2026";
    anything else as it is."""
    match = _LABEL.fullmatch(label or "")
    if not match or not 1 <= int(match[2]) <= 12:
        return label
    month = _MONTHS[int(match[2]) - 1]
    return f"{int(match[3])} {month} {match[1]}" if match[3] else f"{month} {match[1]}"
