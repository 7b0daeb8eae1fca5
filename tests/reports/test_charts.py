from decimal import Decimal

from reports.charts import grouped_bars, line_chart, nice_ticks, spark_text, sparkline
from reports.personas.common import Figure


def figs(*values: str | None, unit: str = "") -> list[Figure]:
    return [Figure(None if v is None else Decimal(v), unit) for v in values]


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero():
    spark = sparkline(figs("10", "12", None, "11", "15"), ["a", "b", "c", "d", "e"])
    assert spark.path.count("M") == 2  # the pen lifts at the gap
    assert len(spark.points) == 4
    zero_y = spark.height - 3  # where a zero would be drawn: no point goes there
    assert all(p.y < zero_y for p in spark.points if p.figure.value != 10)


def test_a_single_value_is_drawn_as_a_dot_not_a_line():
    spark = sparkline(figs("7"), ["2026-11"])
    assert spark.single and spark.path.startswith("M") and "L" not in spark.path


def test_the_tooltip_lists_every_value_with_missing_ones_as_a_dash():
    spark = sparkline(figs("16", None, unit="USD"), ["2026-10", "2026-11"])
    assert spark.summary == "2026-10: $16 · 2026-11: —"


def test_bars_for_negative_values_hang_below_the_zero_line_and_missing_ones_are_absent():
    chart = grouped_bars(
        ["Oct", "Nov"],
        [
            ("Net", "s-net", figs("500", "-300", unit="USD")),
            ("Revenue", "s-revenue", figs(None, "900", unit="USD")),
        ],
        unit="USD",
    )
    oct_, nov = chart.groups
    assert [b.name for b in oct_.bars] == ["Net"] and oct_.missing == ("Revenue",)
    negative = nov.bars[0]
    assert negative.y == chart.zero_y  # starts at zero and goes down
    assert negative.h > 0
    assert oct_.figures[1].value is None  # the email's table row keeps the gap


def test_nice_ticks_cover_the_range_and_include_zero_when_it_spans_it():
    ticks = nice_ticks(-1550, 20700)
    assert ticks[0] <= -1550 and ticks[-1] >= 20700 and 0 in ticks
    assert nice_ticks(5, 5)  # a flat series still gets a scale


def test_a_line_chart_labels_its_axis_compactly():
    chart = line_chart(["2026-10", "2026-11"], [("Leads", "s-demand", figs("900", "1200"))])
    assert [t.label for t in chart.y_ticks][-1] in {"1.2k", "1.25k", "1.4k", "1.5k"}
    assert chart.series[0].path.startswith("M")


def test_the_text_sparkline_marks_gaps_and_rises_with_the_values():
    text = spark_text(figs("1", "5", None, "9"))
    assert text[2] == "·"
    assert text[0] < text[1] < text[3]
    assert spark_text(figs(None, None)) == ""
