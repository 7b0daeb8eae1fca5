from decimal import Decimal

import pytest

from reports.formatting import (
    compact_value,
    format_change,
    format_percent,
    format_period,
    format_value,
)
from reports.templatetags.report_tags import points


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        ("1420000", "USD", "$1,420,000"),
        ("27770.000000", "USD", "$27,770"),  # as the database returns it: no noise zeros
        ("99.98", "%", "99.98%"),
        ("6.95", "USD", "$6.95"),
        ("14500", "EUR", "€14,500"),
        ("1250", "SEK", "1,250 SEK"),
        ("12", "days", "12 days"),
        ("2650", "", "2,650"),
    ],
)
def test_it_shows_the_stored_number_exactly(value, unit, shown):
    assert format_value(Decimal(value), unit) == shown


def test_a_missing_value_is_a_dash_and_zero_is_zero():
    assert format_value(None, "USD") == "—"
    assert format_value(Decimal("0.000000"), "USD") == "$0"
    assert format_value(Decimal(0)) == "0"


def test_negative_money_has_a_minus_sign_before_the_symbol():
    assert format_value(Decimal("-910"), "USD") == "\u2212$910"
    assert format_value(Decimal("-1550.5"), "") == "\u22121,550.5"


def test_a_change_is_signed_and_a_change_in_a_percentage_is_in_points():
    assert format_change(Decimal("9100"), "USD") == "+$9,100"
    assert format_change(Decimal("-2250"), "USD") == "\u2212$2,250"
    assert format_change(Decimal("5"), "%") == "+5 pts"
    assert format_change(Decimal(0), "USD") == "0"
    assert format_change(None) == "—"


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ("1", "+1 pt"),
        ("-1", "\u22121 pt"),
        ("1.000000", "+1 pt"),  # as the database returns it
        ("2", "+2 pts"),
        ("0.5", "+0.5 pts"),
        ("-1.5", "\u22121.5 pts"),
    ],
)
def test_a_change_of_exactly_one_point_is_one_pt(change, shown):
    assert format_change(Decimal(change), "%") == shown


def test_a_margin_change_rounded_to_one_point_is_one_pt():
    assert points(Decimal("1.04")) == "+1 pt"
    assert points(Decimal("-0.96")) == "\u22121 pt"
    assert points(Decimal("1.06")) == "+1.1 pts"


def test_derived_ratios_are_rounded_for_reading_and_axis_labels_are_compact():
    assert format_percent(Decimal("11.7213")) == "11.7%"
    assert format_percent(Decimal("-4.2")) == "\u22124.2%"
    assert format_percent(Decimal("13")) == "13.0%"  # a column of margins lines up
    assert format_percent(Decimal("-0.04")) == "0.0%"
    assert format_percent(Decimal("0")) == "0.0%"
    assert compact_value(Decimal(150000), "USD") == "$150k"
    assert compact_value(Decimal(-2500000), "") == "\u22122.5M"


def test_period_labels_read_as_months_and_days():
    assert format_period("2026-11") == "Nov 2026"
    assert format_period("2026-11-25") == "25 Nov 2026"
    assert format_period("Q3 2026") == "Q3 2026"
    assert format_period("2026-13") == "2026-13"


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        ("27239.50", "USD", "$27,239.50"),
        ("27239.500000", "USD", "$27,239.50"),  # as the database returns it
        ("27239", "USD", "$27,239"),
        ("27239.000000", "USD", "$27,239"),
        ("0.5", "EUR", "€0.50"),
        ("1250.1", "SEK", "1,250.10 SEK"),
        ("0.125", "USD", "$0.125"),  # more places than cents: kept, never cut
        ("-1550.5", "USD", "\u2212$1,550.50"),
        ("12.5", "%", "12.5%"),  # not money: no cents
        ("3.5", "days", "3.5 days"),
    ],
)
def test_money_keeps_its_cents_and_whole_amounts_stay_whole(value, unit, shown):
    assert format_value(Decimal(value), unit) == shown


def test_a_sum_of_money_keeps_its_cents_and_a_sum_of_whole_amounts_stays_whole():
    assert format_value(Decimal("10.25") + Decimal("0.25"), "USD") == "$10.50"
    assert format_value(Decimal("10") + Decimal("20"), "USD") == "$30"


def test_a_change_in_money_keeps_its_cents():
    assert format_change(Decimal("27239.5") - Decimal("27000"), "USD") == "+$239.50"
    assert format_change(Decimal("-0.1"), "USD") == "\u2212$0.10"


def test_small_money_axis_labels_read_in_cents():
    assert compact_value(Decimal("2.5"), "USD") == "$2.50"
    assert compact_value(Decimal("3"), "USD") == "$3"
    assert compact_value(Decimal("2.5"), "") == "2.5"
