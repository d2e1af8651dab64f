"""The trial effect on placement at 90 days: before and after means and the
difference-in-differences worked out by hand on tests/hand_fixture.py's placement_extract."""

from __future__ import annotations

import math

import polars as pl
import pytest

from lib.engine.cohort import Cohort
from lib.engine.indicators import IndicatorError, Query, compute
from lib.engine.snapshot import build_snapshot
from lib.register.extract import read_extract, write_extract
from lib.stats.effect import placement_cells, placement_effect_table
from tests.hand_fixture import placement_extract


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(placement_extract())


def test_the_extract_is_valid(tmp_path):
    # the added persons and episodes keep the contract
    read_extract(write_extract(placement_extract(), tmp_path / "x"))


def test_placement_difference_in_differences_by_hand(snap):
    row = placement_effect_table(snap).row(0, named=True)
    # Trial (only 005 has episodes on both sides; 091's end too late for day 90 to be known):
    #   before PE1 not placed, PE2 placed -> 1 / 2 = 50 %; after PE3 placed -> 1 / 1 = 100 %.
    # Comparison 020: before PE4 placed, E7 subsidised (not open-market) -> 1 / 2 = 50 %;
    #   after PE5 no, PE6 no, PE7 placed -> 1 / 3 = 33.33 %.
    assert row["trial_before"] == pytest.approx(50.0)
    assert row["trial_after"] == pytest.approx(100.0)
    assert row["comparison_before"] == pytest.approx(50.0)
    assert row["comparison_after"] == pytest.approx(100 / 3)
    # DiD = (100 - 50) - (33.33 - 50) = 50 + 16.67 = 66.67 percentage points.
    assert row["estimate"] == pytest.approx(200 / 3)
    # Variance (one municipality a side: model variance, tau^2 = 0):
    #   trial 1e4 * (0.5 * 0.5 / 2 + 1 * 0 / 1) = 1250;
    #   comparison 1e4 * (0.5 * 0.5 / 2 + (1/3) * (2/3) / 3) = 1250 + 740.74 = 1990.74;
    #   se = sqrt(3240.74) = 56.93; 95 % = 66.67 +- 1.96 * 56.93.
    se = math.sqrt(1250 + 1250 + 1e4 * (2 / 27))
    assert row["ci_low"] == pytest.approx(200 / 3 - 1.959964 * se, abs=1e-3)
    assert row["ci_high"] == pytest.approx(200 / 3 + 1.959964 * se, abs=1e-3)
    # 3 episodes in 005 and 5 in 020
    assert (row["trial_municipalities"], row["comparison_municipalities"]) == (1, 1)
    assert row["episodes"] == 8


def test_per_area_an_area_without_episodes_before_has_no_estimate(snap):
    table = placement_effect_table(snap, by="trial_area_id")
    a1 = table.filter(pl.col("trial_area_id") == "A1").row(0, named=True)
    assert a1["estimate"] == pytest.approx(200 / 3)  # A1 is 005 alone: the whole trial's
    a2 = table.filter(pl.col("trial_area_id") == "A2").row(0, named=True)
    # 091's episodes (E3, E6) end after 2021-04-01: day 90 is after the as-of date
    assert a2["estimate"] is None and a2["trial_municipalities"] == 0


def test_cells_match_the_placement_indicator(snap):
    c = placement_cells(snap, 90)
    ind = compute(snap, Query("placement_rate_90", by=("municipality_code",), min_count=0))
    got = c.group_by("municipality_code").agg(n=pl.col("n").sum(), y=pl.col("y").sum())
    joined = ind.join(got, on="municipality_code")
    assert joined.height == 2  # 005 and 020
    assert (joined["denominator"] == joined["n"]).all()
    assert (joined["numerator"] == joined["y"]).all()


def test_the_cohort_is_read_on_the_day_before_the_start(snap):
    # Women only: 005 keeps PE1 (P1) before and nothing after, so no trial municipality has both
    women = Cohort(where=(("gender", ("F",)),))
    row = placement_effect_table(snap, cohort=women).row(0, named=True)
    assert row["estimate"] is None and row["trial_municipalities"] == 0
    # 020's women: P5 and P7 before (1 / 2), P9 twice and P10 after (1 / 3): the same as all
    cells = placement_cells(snap, 90, women).filter(pl.col("municipality_code") == "020")
    assert (int(cells["n"].sum()), int(cells["y"].sum())) == (5, 2)


def test_only_the_measured_days(snap):
    with pytest.raises(IndicatorError):
        placement_cells(snap, 30)


def test_a_mean_over_fewer_episodes_than_the_threshold_is_left_out(snap):
    # With a threshold the episodes are perturbed (keys and table: tests/engine/test_disclosure.py;
    # P8 154, P9 243, P10 211 under the tests' secret), then the threshold applies:
    #   trial before PE1 P1 + PE2 P2: key 206 + 228 = 434 = 178 mod 256, count 2: +1 -> 3;
    #   trial after PE3 P8: key 154, count 1: 96..191 gives 0 -> 1;
    #   comparison before PE4 P5 + E7 P7: key 188 + 67 = 255: +2 -> 4;
    #   comparison after PE5 P9, PE6 P9, PE7 P10: key 243 + 243 + 211 = 697 = 185: +1 -> 4;
    #   trial side 3 episodes: key 588 = 76: -1 -> 2; comparison 5: key 952 = 184: +1 -> 6;
    #   all 8: key 1540 = 4: -2 -> 6 episodes shown.
    row = placement_effect_table(snap, min_count=2).row(0, named=True)
    assert row["trial_after"] is None and row["trial_before"] == pytest.approx(50.0)
    assert row["comparison_after"] == pytest.approx(100 / 3) and row["suppressed"]
    assert row["estimate"] == pytest.approx(200 / 3)  # each side has at least 2 (2 and 6)
    assert row["episodes"] == 6
    # threshold 3: the trial side's 2 hides the estimate; 4: its before mean (3) too
    row = placement_effect_table(snap, min_count=3).row(0, named=True)
    assert row["estimate"] is None and row["ci_low"] is None and row["trial_before"] == 50.0
    row = placement_effect_table(snap, min_count=4).row(0, named=True)
    assert row["trial_before"] is None and row["comparison_before"] == pytest.approx(50.0)
    assert row["comparison_after"] == pytest.approx(100 / 3)
    # threshold 5: every mean hidden (3, 1, 4, 4)
    row = placement_effect_table(snap, min_count=5).row(0, named=True)
    assert [row[c] for c in ("trial_before", "trial_after", "comparison_before",
                             "comparison_after")] == [None] * 4  # fmt: skip
    assert not placement_effect_table(snap, min_count=1).row(0, named=True)["suppressed"]
    # the operator's exact table
    assert placement_effect_table(snap, min_count=0).row(0, named=True)["episodes"] == 8
