"""The trial effect: a hand-worked 2x2, Wilson by hand, and recovery of the demo's planted effect."""

from __future__ import annotations

import math

import polars as pl
import pytest

from lib.engine.cohort import Cohort
from lib.engine.indicators import Query, compute
from lib.engine.intervals import wilson, with_wilson
from lib.engine.snapshot import build_snapshot
from lib.register import demo
from lib.stats.effect import (
    did,
    effect_table,
    event_study,
    exit_cells,
    municipal_changes,
    pre_trend,
    trial_start_month,
)
from tests.hand_fixture import hand_extract

START = 2021 * 12 + 2  # 2021-03


def cells(rows):
    return pl.DataFrame(
        rows,
        schema={
            "municipality_code": pl.String,
            "midx": pl.Int32,
            "n": pl.UInt32,
            "y": pl.UInt32,
            "trial_area_id": pl.String,
        },
        orient="row",
    )


def test_two_by_two_gives_the_textbook_difference_in_differences():
    # Trial municipality 005: 10 of 100 exit before, 30 of 100 after (10 % -> 30 %).
    # Comparison 020: 20 of 200 before, 30 of 200 after (10 % -> 15 %).
    # DiD = (30 - 10) - (15 - 10) = 15 percentage points.
    c = cells(
        [
            ("005", START - 1, 100, 10, "A1"),
            ("005", START, 100, 30, "A1"),
            ("020", START - 1, 200, 20, None),
            ("020", START, 200, 30, None),
        ]
    )
    e = did(
        municipal_changes(c, START),
        pl.col("trial_area_id").is_not_null(),
        pl.col("trial_area_id").is_null(),
    )
    assert e.estimate == pytest.approx(15.0)
    # Variance by hand: one municipality a side (model variance, tau^2 = 0 with one control):
    # trial 1e4 * (0.1*0.9/100 + 0.3*0.7/100) = 30; comparison 1e4 * (0.1*0.9/200 +
    # 0.15*0.85/200) = 10.875; se = sqrt(40.875) = 6.3934; 95 % = 15 +- 1.96 * 6.3934.
    assert e.se == pytest.approx(math.sqrt(40.875))
    assert e.ci_low == pytest.approx(15 - 1.959964 * 6.393356, abs=1e-4)
    assert e.ci_high == pytest.approx(15 + 1.959964 * 6.393356, abs=1e-4)
    assert (e.trial_municipalities, e.comparison_municipalities) == (1, 1)


def test_months_are_pooled_within_each_period():
    # Two months before: 5/50 and 15/50 -> 20 %; after 40/100 -> 40 %: change +20.
    # Comparison constant 10 %: DiD = 20.
    c = cells(
        [
            ("005", START - 2, 50, 5, "A1"),
            ("005", START - 1, 50, 15, "A1"),
            ("005", START, 100, 40, "A1"),
            ("020", START - 2, 100, 10, None),
            ("020", START - 1, 100, 10, None),
            ("020", START, 100, 10, None),
        ]
    )
    ch = municipal_changes(c, START)
    assert ch.filter(pl.col("municipality_code") == "005")["change"][0] == pytest.approx(20.0)
    e = did(ch, pl.col("trial_area_id") == "A1", pl.col("trial_area_id").is_null())
    assert e.estimate == pytest.approx(20.0)


def test_wilson_interval_by_hand():
    # 10 of 40, z = 1.96: centre = (0.25 + 3.8416/80) / (1 + 3.8416/40) = 0.29802/1.09604
    # = 0.27191; half = 1.96 * sqrt(0.25*0.75/40 + 3.8416/6400) / 1.09604 = 0.13004
    lo, hi = wilson(10, 40, z=1.96)
    assert lo == pytest.approx(14.187, abs=0.01)
    assert hi == pytest.approx(40.195, abs=0.01)
    # 0 of 10: the interval starts at 0 and is not degenerate (0 % to 27.75 %)
    lo0, hi0 = wilson(0, 10, z=1.96)
    assert lo0 == pytest.approx(0.0, abs=1e-9) and hi0 == pytest.approx(27.75, abs=0.01)
    assert wilson(0, 0) == (None, None)
    df = with_wilson(pl.DataFrame({"numerator": [10, 0], "denominator": [40, 0]}), z=1.96)
    assert df["ci_low"][0] == pytest.approx(14.187, abs=0.01) and df["ci_high"][1] is None


def test_exit_cells_match_the_exit_rate_indicator():
    snap = build_snapshot(hand_extract())
    c = exit_cells(snap)
    ind = compute(snap, Query("exit_rate", min_count=0))
    joined = ind.join(
        c.with_columns(
            month=pl.format(
                "{}-{}",
                pl.col("midx") // 12,
                (pl.col("midx") % 12 + 1).cast(pl.String).str.zfill(2),
            )
        ),
        on=["municipality_code", "month"],
    )
    assert joined.height > 0
    assert (joined["denominator"] == joined["n"]).all()
    assert (joined["numerator"] == joined["y"]).all()


def test_trial_start_month_is_the_trials():
    assert trial_start_month(build_snapshot(hand_extract())) == START


# --- recovering the demo's planted effect -------------------------------------------------------

SEED = 1


@pytest.fixture(scope="module")
def worlds():
    """The demo register with its planted effect, and the same seed with the effect off."""
    on = build_snapshot(demo.generate("demo", SEED))
    off = build_snapshot(demo._generate("demo", SEED, effect_scale=0.0))
    return on, off


def true_effect(on, off, treated: pl.Expr, groups=()) -> float:
    """The trial's total effect on the treated exit rate after the start: the rate with the
    effect minus the rate of the same municipalities, same months, in the world without it
    (same seed; identical before the start). It includes the indirect effect that faster exits
    lower the long-term share, which the direct +3.0/+1.0 pp increments alone would miss."""

    def rate(snap):
        c = exit_cells(snap, Cohort(groups)).filter(treated & (pl.col("midx") >= START))
        return 100 * c["y"].sum() / c["n"].sum()

    return rate(on) - rate(off)


def contains(row: dict, value: float) -> bool:
    return row["ci_low"] <= value <= row["ci_high"]


def test_whole_trial_effect_is_recovered(worlds):
    on, off = worlds
    est = effect_table(on).row(0, named=True)
    truth = true_effect(on, off, pl.col("trial_area_id").is_not_null())
    assert 0.3 < truth < 1.5  # about half the trial's at-risk months are in effect areas
    assert contains(est, truth), (est, truth)
    assert est["ci_low"] > 0  # and it is distinguishable from no effect


def test_effect_areas_recover_their_effect_and_others_contain_zero(worlds):
    on, off = worlds
    table = effect_table(on, by="trial_area_id")
    assert table.height == 25
    for row in table.iter_rows(named=True):
        area = row["trial_area_id"]
        if area in demo.EFFECT_AREAS:
            truth = true_effect(on, off, pl.col("trial_area_id") == area)
            assert truth > 0.5, (area, truth)  # +1.0 to +3.0 pp planted
            assert contains(row, truth), (area, row, truth)
        else:
            assert contains(row, 0.0), (area, row)


def test_group_effect_long_term_and_placebo_world(worlds):
    on, off = worlds
    ltu = ("long_term_unemployed",)
    est = effect_table(on, cohort=Cohort(ltu)).row(0, named=True)
    truth = true_effect(on, off, pl.col("trial_area_id").is_not_null(), ltu)
    assert truth > 0.5  # +3.0 pp planted in half the trial
    assert contains(est, truth), (est, truth)
    # with the effect switched off nothing is found
    assert contains(effect_table(off).row(0, named=True), 0.0)


def test_event_study_before_period_is_flat(worlds):
    on, _ = worlds
    ev = event_study(on)
    pre = ev.filter(pl.col("relative_month") < 0)
    assert pre.height == 25  # 2019-02 .. 2021-02
    trend = pre_trend(ev)
    assert trend.parallel
    # after the start the effect shows up on average
    assert ev.filter(pl.col("relative_month") >= 0)["estimate"].mean() > 0.3


def test_exit_cells_are_kept_per_snapshot_and_cohort_and_never_keep_a_snapshot_alive():
    import gc
    import weakref

    from lib.stats import effect as effect_module

    snap = build_snapshot(hand_extract())
    ltu = Cohort(groups=("long_term_unemployed",))
    first = effect_module.exit_cells(snap, ltu)
    assert effect_module.exit_cells(snap, ltu) is first  # the effect, per area, event study
    assert effect_module.exit_cells(snap, Cohort()) is not first
    other = build_snapshot(hand_extract())  # a new batch: its own cells, however alike
    assert effect_module.exit_cells(other, ltu) is not first
    keys = ["municipality_code", "midx"]
    assert effect_module.exit_cells(other, ltu).sort(keys).equals(first.sort(keys))
    gone = weakref.ref(snap)
    del snap
    gc.collect()
    assert gone() is None, "the cells' cache kept an old snapshot alive"


def test_with_a_threshold_person_months_are_perturbed_and_a_thin_side_hides_the_estimate():
    # The hand fixture's person-months at risk (test_effect_on_the_hand_fixture in
    # tests/cli/test_cli.py): trial 005 + 091 = P1 17, P2 14, P3 10, P4 12, P6 2 = 55;
    # comparison 020 = P5 10, P7 9, P4 1 = 20. Cell keys (tests/engine/test_disclosure.py):
    # trial 17*206 + 14*228 + 10*251 + 12*68 + 2*136 = 10292 = 52 mod 256: -1 -> 54;
    # comparison 10*188 + 9*67 + 68 = 2551 = 247: +2 -> 22; all 75: 12843 = 43: -1 -> 74.
    snap = build_snapshot(hand_extract())
    exact = effect_table(snap).row(0, named=True)
    assert exact["person_months"] == 75
    shown = effect_table(snap, min_count=22).row(0, named=True)
    assert shown["person_months"] == 74
    assert shown["estimate"] == pytest.approx(exact["estimate"])  # an estimate, as computed
    assert shown["ci_low"] == pytest.approx(exact["ci_low"])
    # 21 exact comparison person-months would be under 21; the threshold reads the perturbed 22
    hidden = effect_table(snap, min_count=23).row(0, named=True)
    assert (hidden["estimate"], hidden["ci_low"], hidden["ci_high"]) == (None, None, None)
    assert hidden["person_months"] == 74 and hidden["trial_municipalities"] == 2


def test_the_event_study_perturbs_each_months_person_months():
    snap = build_snapshot(hand_extract())
    exact = event_study(snap)
    with_threshold = event_study(snap, min_count=1)
    assert exact["relative_month"].to_list() == with_threshold["relative_month"].to_list()
    diff = (with_threshold["person_months"] - exact["person_months"]).abs()
    assert diff.max() <= 2
    # a month whose trial or comparison side is under the threshold shows no coefficient
    thin = event_study(snap, min_count=6)
    assert (
        thin.filter(pl.col("person_months") < 6)["estimate"].null_count()
        == thin.filter(pl.col("person_months") < 6).height
    )
