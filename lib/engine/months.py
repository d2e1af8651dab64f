"""Months: the one place for month arithmetic.

A month is either a label `'YYYY-MM'` (what users, URLs, tables and the contract read) or an
integer index `year * 12 + month - 1` (what the snapshot holds, so month arithmetic is integer
arithmetic: 2021-01 is 24252, 2020-12 is 24251). Everything here is pure; the `_expr` functions
are the same rules as Polars expressions, for frames. Day numbers (days since 1970-01-01, the
snapshot's way of holding days) are Polars' own physical representation of a `pl.Date`.

The register layer (lib/register/demo.py) cannot import the engine and keeps its own list of
simulated months.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

# ---------------------------------------------------------------------------------------------
# Labels, indexes and dates


def month_index(label: str) -> int:
    """'YYYY-MM' -> its index ('2021-01' -> 24252)."""
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def month_label(midx: int) -> str:
    """Index -> 'YYYY-MM' (24251 -> '2020-12'); the inverse of `month_index`."""
    return f"{midx // 12:04d}-{midx % 12 + 1:02d}"


def month_of_date(d: dt.date) -> int:
    """The index of the month a date falls in (2021-01-31 -> 24252)."""
    return d.year * 12 + d.month - 1


def month_label_of_date(d: dt.date) -> str:
    """The label of the month a date falls in (2021-01-31 -> '2021-01')."""
    return month_label(month_of_date(d))


def year_and_month(month: str | int) -> tuple[int, int]:
    """(year, month 1-12) of a label or an index ('2024-06' and 24293 -> (2024, 6))."""
    if isinstance(month, int):
        return month // 12, month % 12 + 1
    year, mon = str(month).split("-")[:2]
    return int(year), int(mon)


def first_date(midx: int) -> dt.date:
    """The first day of a month (24252 -> 2021-01-01)."""
    year, month = year_and_month(midx)
    return dt.date(year, month, 1)


def last_date(midx: int) -> dt.date:
    """The last day of a month (24253 -> 2021-02-28)."""
    return first_date(midx + 1) - dt.timedelta(days=1)


def first_day_iso(label: str) -> str:
    """'2021-03' -> '2021-03-01', the ISO date of its first day (what Vega reads as a month)."""
    return f"{label}-01"


# ---------------------------------------------------------------------------------------------
# Shifts and ranges of labels


def shift_month(label: str, n: int) -> str:
    """A label shifted by n months, n negative for earlier ('2021-01', -1 -> '2020-12')."""
    return month_label(month_index(label) + n)


def month_range(first: str, last: str) -> list[str]:
    """Every label from `first` to `last`, both included; empty when `first` is after `last`."""
    return [month_label(m) for m in range(month_index(first), month_index(last) + 1)]


# ---------------------------------------------------------------------------------------------
# The same as Polars expressions


def month_of_day_expr(day: pl.Expr) -> pl.Expr:
    """Int32 month index of a day-number (or date) expression."""
    d = day.cast(pl.Date)
    return (d.dt.year().cast(pl.Int32) * 12 + d.dt.month().cast(pl.Int32) - 1).cast(pl.Int32)


def last_day_expr(midx: pl.Expr) -> pl.Expr:
    """Int32 day number of the last day of a month-index expression."""
    return pl.date(midx // 12, midx % 12 + 1, 1).dt.month_end().cast(pl.Int32)


def month_label_expr(midx: pl.Expr) -> pl.Expr:
    """'YYYY-MM' of a month-index expression."""
    return pl.format("{}-{}", midx // 12, (midx % 12 + 1).cast(pl.String).str.zfill(2))


def quarter_label_expr(midx: pl.Expr) -> pl.Expr:
    """'YYYY-Qn' of a month-index expression (24254, March 2021 -> '2021-Q1')."""
    return pl.format("{}-Q{}", midx // 12, (midx % 12) // 3 + 1)


def first_day_iso_expr(label: pl.Expr) -> pl.Expr:
    """'YYYY-MM-01' of a label expression (see `first_day_iso`)."""
    return pl.format("{}-01", label)


def month_index_expr(label: pl.Expr) -> pl.Expr:
    """The Int32 index of a 'YYYY-MM' label expression ('2021-03' -> 24254)."""
    parts = label.str.split_exact("-", 1)
    year = parts.struct.field("field_0").cast(pl.Int32)
    month = parts.struct.field("field_1").cast(pl.Int32)
    return (year * 12 + month - 1).cast(pl.Int32)
