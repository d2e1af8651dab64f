"""Disclosure control: primary suppression and complementary suppression, worked by hand."""

from __future__ import annotations

import polars as pl

from lib.disclosure import apply_disclosure_control
from lib.indicators import Query, compute
from lib.panel import build_snapshot
from tests.hand_fixture import hand_extract


def table(cells: dict[tuple[str, str], float], den: dict | None = None) -> pl.DataFrame:
    keys = sorted(cells)
    return pl.DataFrame(
        {
            "municipality_code": [k[0] for k in keys],
            "month": [k[1] for k in keys],
            "num": [float(cells[k]) for k in keys],
            "den": [float((den or cells)[k]) for k in keys],
        }
    )


def suppressed_cells(df: pl.DataFrame) -> set[tuple[str, str]]:
    return set(df.filter("suppressed").select("municipality_code", "month").rows())


def test_a_lone_suppressed_cell_gets_a_complement_in_each_line():
    # A m2 = 3 < 5 is the only primary cell. Line month=m2 (A 3, B 12, C 15): B m2 (smallest
    # other) joins it. Then lines A (10, 3) and B (8, 12) each have one suppressed cell:
    # A m1 and B m1 join. Now every line has 0 or 2 suppressed cells: stop.
    df = table(
        {
            ("A", "m1"): 10,
            ("A", "m2"): 3,
            ("B", "m1"): 8,
            ("B", "m2"): 12,
            ("C", "m1"): 20,
            ("C", "m2"): 15,
        }
    )
    out = apply_disclosure_control(df, ["municipality_code", "month"], "value", 5)
    assert suppressed_cells(out) == {("A", "m1"), ("A", "m2"), ("B", "m1"), ("B", "m2")}


def test_two_suppressed_cells_in_a_line_need_no_complement():
    df = table({("A", "m1"): 2, ("B", "m1"): 4, ("C", "m1"): 50})
    out = apply_disclosure_control(df, ["municipality_code", "month"], "value", 5)
    assert suppressed_cells(out) == {("A", "m1"), ("B", "m1")}


def test_rates_are_suppressed_on_their_denominator():
    # numerators are small everywhere; only B's denominator (3) is under 5, and then A
    # (denominator 40 < C's 60) is the complement in the line.
    df = table(
        {("A", "m1"): 1, ("B", "m1"): 1, ("C", "m1"): 2},
        den={("A", "m1"): 40, ("B", "m1"): 3, ("C", "m1"): 60},
    )
    out = apply_disclosure_control(df, ["municipality_code", "month"], "denominator", 5)
    assert suppressed_cells(out) == {("A", "m1"), ("B", "m1")}


def test_threshold_zero_or_no_basis_suppresses_nothing():
    df = table({("A", "m1"): 1, ("B", "m1"): 2})
    assert not apply_disclosure_control(df, ["municipality_code"], "value", 0)["suppressed"].any()
    assert not apply_disclosure_control(df, ["municipality_code"], None, 5)["suppressed"].any()


def test_suppressed_cells_hide_value_numerator_and_denominator():
    snap = build_snapshot(hand_extract())
    df = compute(snap, Query("exit_rate", by=("municipality_code", "month"), min_count=5))
    hidden = df.filter("suppressed")
    assert hidden.height == df.height  # the fixture is tiny: every cell is under 5
    assert hidden["value"].null_count() == hidden.height
    assert hidden["numerator"].null_count() == hidden.height
    assert hidden["denominator"].null_count() == hidden.height
