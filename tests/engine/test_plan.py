"""The plan of the initial transfer (lib/engine/caseload.py `plan_status`): the share of the
plan and the status, worked out by hand on built rows."""

from __future__ import annotations

import polars as pl
import pytest

from lib.engine.caseload import PLAN_TOLERANCE, plan_status


def test_the_initial_transfer_against_the_plan_by_hand():
    rows = pl.DataFrame(
        {
            "unit": ["a", "b", "c", "d", "e", "f", "g"],
            "planned": [200.0, 200.0, 200.0, 200.0, 0.0, None, 150.0],
            "initial": [134.0, 190.0, 210.0, 211.0, 3.0, 50.0, None],
        }
    )
    got = plan_status(rows)
    # a: 100 x 134 / 200 = 67.0 %, under 95: below
    # b: 100 x 190 / 200 = 95.0 %, 95 itself is within 5 of 100: on plan
    # c: 100 x 210 / 200 = 105.0 %, within: on plan
    # d: 100 x 211 / 200 = 105.5 %, over 105: above
    # e: a plan of zero has no share; f, g: a number not shown (suppressed) neither
    assert got["share"].to_list() == pytest.approx([67.0, 95.0, 105.0, 105.5, None, None, None])
    assert got["status"].to_list() == ["below", "on_plan", "on_plan", "above", None, None, None]
    assert PLAN_TOLERANCE == 5.0


def test_a_wider_tolerance_moves_the_status():
    rows = pl.DataFrame({"planned": [200.0], "initial": [180.0]})  # 90.0 %
    assert plan_status(rows)["status"].item() == "below"
    assert plan_status(rows, tolerance=10.0)["status"].item() == "on_plan"  # 90 >= 100 - 10


def test_the_definitions_page_states_the_band_the_code_uses():
    from lib.figures.i18n import t

    text = t("reading.plan")  # lib/figures/definitions.py READINGS, its English
    low, high = 100 - PLAN_TOLERANCE, 100 + PLAN_TOLERANCE
    assert f"{low:g}-{high:g} %" in text  # 95-105 %
