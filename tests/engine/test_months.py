"""lib/engine/months.py: labels, indexes, dates, shifts and ranges, worked out by hand.

The index of a month is year * 12 + month - 1: January 2021 is 2021 * 12 + 0 = 24252, December
2020 is 2020 * 12 + 11 = 24251.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_series_equal

from lib.engine.months import (
    first_date,
    first_day_iso,
    first_day_iso_expr,
    last_date,
    last_day_expr,
    month_index,
    month_index_expr,
    month_label,
    month_label_expr,
    month_label_of_date,
    month_of_date,
    month_of_day_expr,
    month_range,
    quarter_label_expr,
    shift_month,
    year_and_month,
)


@pytest.mark.parametrize(
    ("label", "index"),
    [
        ("2021-01", 24252),  # 2021 * 12 + 0
        ("2020-12", 24251),  # 2020 * 12 + 11: one less, across the year boundary
        ("2024-06", 24293),  # 2024 * 12 + 5
        ("0999-03", 11990),  # 999 * 12 + 2: the label keeps four digits
    ],
)
def test_label_and_index_are_inverses(label, index):
    assert month_index(label) == index
    assert month_label(index) == label


def test_month_of_a_date_ignores_the_day():
    assert month_of_date(dt.date(2021, 1, 1)) == 24252
    assert month_of_date(dt.date(2021, 1, 31)) == 24252
    assert month_of_date(dt.date(2020, 12, 31)) == 24251
    assert month_label_of_date(dt.date(2020, 12, 31)) == "2020-12"


def test_year_and_month_of_a_label_or_an_index():
    assert year_and_month("2024-06") == (2024, 6)
    assert year_and_month(24293) == (2024, 6)
    assert year_and_month(24251) == (2020, 12)
    assert year_and_month("2024-06-15") == (2024, 6)  # a date's text: its month


def test_first_and_last_dates():
    assert first_date(24252) == dt.date(2021, 1, 1)
    assert last_date(24251) == dt.date(2020, 12, 31)  # December: the year rolls over
    assert last_date(24253) == dt.date(2021, 2, 28)
    assert last_date(month_index("2024-02")) == dt.date(2024, 2, 29)  # leap year
    assert first_day_iso("2021-03") == "2021-03-01"


@pytest.mark.parametrize(
    ("label", "n", "expected"),
    [
        ("2021-01", -1, "2020-12"),  # back over the year boundary
        ("2020-12", 3, "2021-03"),  # forward over it
        ("2021-03", 0, "2021-03"),
        ("2021-03", -12, "2020-03"),  # a year earlier
        ("2021-03", -27, "2018-12"),  # 24254 - 27 = 24227 = 2018 * 12 + 11
        ("2021-11", 14, "2023-01"),  # 24262 + 14 = 24276 = 2023 * 12 + 0
    ],
)
def test_shift_month(label, n, expected):
    assert shift_month(label, n) == expected


def test_month_range_includes_both_ends():
    assert month_range("2020-11", "2021-02") == ["2020-11", "2020-12", "2021-01", "2021-02"]
    assert month_range("2021-03", "2021-03") == ["2021-03"]
    assert month_range("2021-03", "2021-02") == []  # first after last: no months


def test_expressions_agree_with_the_scalar_rules():
    # day numbers (days since 1970-01-01): 18627 is 2020-12-31, 18628 is 2021-01-01
    days = pl.Series("day", [18627, 18628, 18686], dtype=pl.Int32)  # 18686: 2021-02-28
    frame = pl.DataFrame(days).with_columns(midx=month_of_day_expr(pl.col("day")))
    assert frame["midx"].to_list() == [24251, 24252, 24253]
    out = frame.select(
        last=last_day_expr(pl.col("midx")),
        month=month_label_expr(pl.col("midx")),
        quarter=quarter_label_expr(pl.col("midx")),
    )
    assert out["last"].to_list() == [18627, 18658, 18686]  # 2020-12-31, 2021-01-31, 2021-02-28
    assert out["last"].dtype == pl.Int32
    assert out["month"].to_list() == ["2020-12", "2021-01", "2021-02"]
    assert out["quarter"].to_list() == ["2020-Q4", "2021-Q1", "2021-Q1"]
    firsts = out.select(first_day_iso_expr(pl.col("month")))
    assert firsts.to_series().to_list() == ["2020-12-01", "2021-01-01", "2021-02-01"]


def test_index_of_labels_as_an_expression():
    # 2020 * 12 + 12 - 1 = 24251; January 2021 the next; a null label stays null
    got = pl.DataFrame({"month": ["2020-12", "2021-01", None]}).select(
        month_index_expr(pl.col("month"))
    )
    assert_series_equal(
        got.to_series(), pl.Series("m", [24251, 24252, None], dtype=pl.Int32), check_names=False
    )
