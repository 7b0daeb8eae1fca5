"""Value parsing for handoff notes: numbers, dates and severities as people write them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entities.handoff import format_decimal, parse_date, parse_severity, parse_value
from entities.handoff.values import split_comparison


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("1,234", "1234", ""),
        ("1234", "1234", ""),
        ("1,234,567.89", "1234567.89", ""),
        ("$48,200", "48200", "USD"),
        ("$1.2M", "1200000", "USD"),
        ("120k", "120000", ""),
        ("120K", "120000", ""),
        ("2.5B", "2500000000", ""),
        ("0.1k", "100", ""),
        ("$1.2 million", "1200000", "USD"),
        ("3 thousand", "3000", ""),
        ("78%", "78", "%"),
        ("78 %", "78", "%"),
        ("+5%", "5", "%"),
        (".5", "0.5", ""),
        ("0", "0", ""),
        ("€5", "5", "EUR"),
        ("5€", "5", "EUR"),
        ("£3.50", "3.50", "GBP"),
        ("EUR 1,200", "1200", "EUR"),
        ("EUR1,200", "1200", "EUR"),
        ("1,200 GBP", "1200", "GBP"),
        ("1,200GBP", "1200", "GBP"),
        ("1200 usd", "1200", "USD"),
        ("$100 USD", "100", "USD"),
        ("12 days", "12", "days"),
        ("3.2 hrs", "3.2", "hrs"),
        ("5 mins", "5", "mins"),
        ("12 MB", "12", "MB"),
    ],
)
def test_it_reads_numbers_as_people_write_them(text: str, value: str, unit: str) -> None:
    parsed = parse_value(text)
    assert parsed.readable
    assert parsed.value == Decimal(value)
    assert parsed.unit == unit


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("(1,200)", ""),
        ("-1,200", ""),
        ("\u22121,200", ""),
        ("-$1,200", "USD"),
        ("$-1,200", "USD"),
        ("($1,200)", "USD"),
        ("$(1,200)", "USD"),
        ("- $1,200", "USD"),
    ],
)
def test_it_reads_parenthesised_and_signed_values_as_negative(text: str, unit: str) -> None:
    parsed = parse_value(text)
    assert parsed.value == Decimal("-1200")
    assert parsed.unit == unit


@pytest.mark.parametrize("text", ["**$4,000**", "__$4,000__", "`$4,000`", "~$4,000", "≈ $4k"])
def test_it_ignores_emphasis_and_approximately_markers(text: str) -> None:
    parsed = parse_value(text)
    assert (parsed.value, parsed.unit) == (Decimal("4000"), "USD")


@pytest.mark.parametrize(
    "text",
    ["", "  ", "n/a", "N/A", "na", "\u2014", "\u2013", "-", "TBD", "tbd", "?", "unknown", "none"],
)
def test_it_reads_no_value_markers_as_none_not_zero(text: str) -> None:
    parsed = parse_value(text)
    assert parsed.value is None
    assert parsed.readable


@pytest.mark.parametrize(
    "text",
    [
        "lots",
        "12 to 15",
        "10-15",
        "$4,00,0",
        "1,23",
        "1234,567",
        "1.",
        "--5",
        "-(5)",
        "$5%",
        "€100 USD",
        "$12 hrs",
        "about 12",
        "12 (est)",
        "1e5",
    ],
)
def test_it_rejects_values_it_cannot_read(text: str) -> None:
    parsed = parse_value(text)
    assert not parsed.readable
    assert parsed.value is None


def test_it_keeps_values_exact_without_floats() -> None:
    assert parse_value("0.1").value == Decimal("0.1")
    assert parse_value("$0.30").value == Decimal("0.30")
    big = "123456789012345.123456789"  # 15 digits before the point: the most read
    assert parse_value(big).value == Decimal(big)
    assert parse_value("1.23456789B").value == Decimal("1234567890")


@pytest.mark.parametrize(
    "text", ["1234567890123456", "$12,345,678,901,234,567,890,123", "(99,999,999B)"]
)
def test_a_number_too_large_to_store_is_not_read(text: str) -> None:
    # 16 digits and more: no business figure, and SQLite could not keep it exactly.
    parsed = parse_value(text)
    assert not parsed.readable
    assert parsed.value is None


def test_it_formats_decimals_without_exponent_or_trailing_zeros() -> None:
    assert format_decimal(Decimal("1200000")) == "1200000"
    assert format_decimal(Decimal("1.2E+6")) == "1200000"
    assert format_decimal(Decimal("48.50")) == "48.5"
    assert format_decimal(Decimal("1200000.0")) == "1200000"
    assert format_decimal(Decimal("-0")) == "0"
    assert format_decimal(Decimal("0.000")) == "0"
    assert format_decimal(None) is None
    assert format_decimal(parse_value("$1.2M").value) == "1200000"


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-15",
        "2026/10/15",
        "10/15/2026",
        "Oct 15, 2026",
        "October 15 2026",
        "oct. 15th, 2026",
        "15 Oct 2026",
        "15 October, 2026",
        "**2026-10-15**",
    ],
)
def test_it_reads_dates_in_common_formats(text: str) -> None:
    assert parse_date(text) == (datetime.date(2026, 10, 15), True)


@pytest.mark.parametrize("text", ["2026-02-30", "15/10/2026", "next week", "Foo 15, 2026"])
def test_it_rejects_unreadable_dates(text: str) -> None:
    assert parse_date(text) == (None, False)


def test_it_reads_empty_dates_as_no_value() -> None:
    assert parse_date("") == (None, True)
    assert parse_date("n/a") == (None, True)


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("Critical", "critical"),
        ("HIGH", "high"),
        ("med", "medium"),
        ("**low**", "low"),
        ("P1", "high"),
        ("meh", None),
    ],
)
def test_it_maps_severity_words(text: str, severity: str | None) -> None:
    assert parse_severity(text) == severity


# -- properties ----------------------------------------------------------------

_amounts = st.decimals(
    min_value=Decimal("-999999999999999.99"), max_value=Decimal("999999999999999.99"), places=2,
    allow_nan=False,
)


@given(st.text())
def test_it_never_raises_on_any_text(text: str) -> None:
    parsed = parse_value(text)
    assert parsed.readable or parsed.value is None
    parse_date(text)
    parse_severity(text)


@given(st.text(alphabet="0123456789,.$€£%()-\u2212kKmMbB ~*_`USDEURGBP"))
def test_it_never_raises_on_number_like_text(text: str) -> None:
    parsed = parse_value(text)
    if parsed.value is not None:
        assert parsed.value.is_finite()


@given(_amounts, st.sampled_from(["$", "€", "£", ""]), st.booleans())
def test_it_round_trips_formatted_money(amount: Decimal, symbol: str, parens: bool) -> None:
    magnitude = f"{abs(amount):,.2f}"
    body = f"{symbol}{magnitude}"
    negative = f"({body})" if parens else f"-{body}"
    text = negative if amount < 0 else body
    parsed = parse_value(text)
    assert parsed.readable
    assert parsed.value == amount
    assert parsed.unit == {"$": "USD", "€": "EUR", "£": "GBP", "": ""}[symbol]


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_it_round_trips_integers_with_thousands_separators(number: int) -> None:
    assert parse_value(f"{number:,}").value == number
    assert parse_value(str(number)).value == number


@given(
    st.decimals(min_value=0, max_value=Decimal("999999"), places=3, allow_nan=False),
    st.sampled_from([("k", 3), ("M", 6), ("B", 9), ("K", 3), ("m", 6), ("bn", 9)]),
)
def test_it_scales_magnitude_suffixes_exactly(number: Decimal, suffix: tuple[str, int]) -> None:
    letter, power = suffix
    parsed = parse_value(f"{number}{letter}")
    assert parsed.value == number * 10**power


@given(st.decimals(min_value=Decimal("-999999999999999"), max_value=Decimal("999999999999999"),
                   allow_nan=False))
def test_it_round_trips_format_decimal_through_parse_value(number: Decimal) -> None:
    text = format_decimal(number)
    assert text is not None
    assert "E" not in text and "e" not in text
    if "." in text:
        assert not text.endswith("0")
    assert parse_value(text).value == number


# -- targets with a comparison -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "better", "rest"),
    [
        ("≤ 5%", "lower", "5%"),
        ("≤5%", "lower", "5%"),
        ("<= 5%", "lower", "5%"),
        ("< 5%", "lower", "5%"),
        ("max 5%", "lower", "5%"),
        ("Max  5%", "lower", "5%"),
        ("at most 4 hrs", "lower", "4 hrs"),
        ("**≤ $5,000**", "lower", "$5,000"),
        ("≥ 90%", "higher", "90%"),
        (">= 90%", "higher", "90%"),
        ("> 90%", "higher", "90%"),
        ("min 90%", "higher", "90%"),
        ("At least 90%", "higher", "90%"),
        ("< -5", "lower", "-5"),
        ("≤", "lower", ""),
    ],
)
def test_a_target_with_a_comparison_says_which_way_is_better(
    text: str, better: str, rest: str
) -> None:
    assert split_comparison(text) == (better, rest)


@pytest.mark.parametrize("text", ["5%", "90", "5 min", "minutes 5", "maximal", "n/a", "", "=5"])
def test_a_target_without_a_comparison_is_left_as_written(text: str) -> None:
    assert split_comparison(text) == (None, text)


@given(st.text())
def test_split_comparison_never_raises(text: str) -> None:
    better, rest = split_comparison(text)
    assert better in (None, "lower", "higher") and isinstance(rest, str)
