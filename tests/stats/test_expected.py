"""Expected against actual: the model and the comparison on hand-built frames worked by hand,
then the pipeline on tests/hand_fixture.py checked against the indicators."""

from __future__ import annotations

import math

import polars as pl
import pytest

from lib.engine.indicators import Query, compute
from lib.engine.snapshot import build_snapshot
from lib.stats.expected import (
    ExpectedError,
    coefficients,
    compare,
    expected_count_variance,
    expected_exit,
    expected_placement,
    fit,
    fitted_model,
    placement_rows,
    predict,
)
from tests.hand_fixture import hand_extract


def units(spec: list[tuple]) -> pl.DataFrame:
    """Unit rows from (unit, cell, number of rows, of which successes)."""
    rows = []
    for unit, cell, n, y in spec:
        rows += [(unit, cell, 1 if i < y else 0) for i in range(n)]
    return pl.DataFrame(
        rows, schema={"unit": pl.String, "cell": pl.String, "y": pl.Int32}, orient="row"
    )


# Reference: cell a 10 rows, 2 successes (p1 = 0.2); cell b 10 rows, 6 successes (p2 = 0.6).
REFERENCE = units([("ref", "a", 10, 2), ("ref", "b", 10, 6)])
# Municipality M mixes the cells 3:1 (30 a, 10 b) and has 16 successes: actual 40 %.
# Expected = 0.75 * 0.2 + 0.25 * 0.6 = 0.30 (12 of 40), difference +10 points.
# var = (30 * 0.2 * 0.8 + 10 * 0.6 * 0.4) / 40^2 = (4.8 + 2.4) / 1600 = 0.0045,
# se = 6.7082 points, 95 %: 10 +- 1.96 * 6.7082 = 10 +- 13.148 -> (-3.148, 23.148).
# Provider-like unit S: 12 a + 5 b = 17 rows, 5 successes.
EVALUATED = units([("M", "a", 30, 10), ("M", "b", 10, 6), ("S", "a", 12, 3), ("S", "b", 5, 2)])


@pytest.mark.parametrize("kind", ["logit", "cells"])
def test_one_covariate_model_reproduces_the_cell_rates(kind):
    model = fit(REFERENCE, "y", ("cell",), kind=kind, min_cell=1)
    p = predict(model, pl.DataFrame({"cell": ["a", "b", "a"]}))
    assert p.to_list() == pytest.approx([0.2, 0.6, 0.2], abs=1e-7)  # up to the tiny ridge
    assert (model.n, model.events, model.converged) == (20, 8, True)


def test_expected_for_a_municipality_mixing_two_cells_three_to_one():
    model = fit(REFERENCE, "y", ("cell",))
    rows = EVALUATED.with_columns(predict(model, EVALUATED))
    got = compare(rows, ["unit"], min_count=0).filter(pl.col("unit") == "M").row(0, named=True)
    assert (got["n"], got["numerator"]) == (40, 16)
    assert got["expected_count"] == pytest.approx(12.0)
    assert got["actual"] == pytest.approx(40.0)
    assert got["expected"] == pytest.approx(30.0)
    assert got["difference"] == pytest.approx(10.0)
    assert got["ci_low"] == pytest.approx(10 - 13.147838, abs=1e-5)
    assert got["ci_high"] == pytest.approx(10 + 13.147838, abs=1e-5)


def test_the_models_own_uncertainty_widens_the_interval():
    # The one-covariate model is saturated: its expected rates are the reference's cell means,
    # Var p1 = 0.2 * 0.8 / 10 = 0.016, Var p2 = 0.6 * 0.4 / 10 = 0.024 (the delta method on the
    # logit scale gives the same). M's expected count 30 p1 + 10 p2 has variance
    # 30^2 * 0.016 + 10^2 * 0.024 = 14.4 + 2.4 = 16.8. With the binomial part 7.2:
    # var of the difference = (7.2 + 16.8) / 40^2 = 0.015, se = 12.247 points,
    # 95 %: 10 +- 24.0046 -> (-14.0046, 34.0046).
    model = fit(REFERENCE, "y", ("cell",))
    rows = EVALUATED.with_columns(predict(model, EVALUATED))
    mvar = expected_count_variance(model, rows, ["unit"])
    assert dict(zip(mvar["unit"], mvar["_mvar"]))["M"] == pytest.approx(16.8, rel=1e-6)
    got = compare(rows, ["unit"], min_count=0, model=model).filter(pl.col("unit") == "M")
    assert got["ci_low"][0] == pytest.approx(10 - 24.004558, abs=1e-4)
    assert got["ci_high"][0] == pytest.approx(10 + 24.004558, abs=1e-4)


def test_grouped_rows_give_the_same_answer_as_unit_rows():
    model = fit(REFERENCE, "y", ("cell",))
    unit_rows = EVALUATED.with_columns(predict(model, EVALUATED))
    grouped = EVALUATED.group_by("unit", "cell").agg(w=pl.len(), y=pl.col("y").sum())
    grouped = grouped.with_columns(predict(model, grouped))
    a = compare(unit_rows, ["unit"], min_count=0)
    b = compare(grouped, ["unit"], weight="w", min_count=0)
    assert a.drop("ci_low", "ci_high").equals(b.drop("ci_low", "ci_high"))
    assert a["ci_low"].to_list() == pytest.approx(b["ci_low"].to_list())


def test_units_under_eighteen_are_not_rated_and_small_ones_are_hidden():
    model = fit(REFERENCE, "y", ("cell",))
    rows = EVALUATED.with_columns(predict(model, EVALUATED))
    got = compare(rows, ["unit"], min_count=5, min_rated=18)
    s = got.filter(pl.col("unit") == "S").row(0, named=True)
    # S has 17 finished episodes: its actual rate is shown (5/17), no expected rate or rating
    assert (s["n"], s["rated"], s["suppressed"]) == (17, False, False)
    assert s["actual"] == pytest.approx(100 * 5 / 17)
    assert s["expected"] is None and s["difference"] is None and s["ci_low"] is None
    # S with 3 rows is under the disclosure threshold: hidden. M is shown: no secondary
    # suppression (the contract's rule; in the engine the counts are perturbed first, below)
    few = units([("M", "a", 30, 10), ("M", "b", 10, 6), ("S", "b", 3, 1)])
    small = compare(few.with_columns(predict(model, few)), ["unit"])
    assert small["suppressed"].to_list() == [False, True]
    assert small["n"].to_list() == [40, None] and small["actual"].null_count() == 1


def test_with_keys_n_and_the_numerator_are_perturbed_before_the_threshold():
    # Cell keys summed per unit: M 100 + 30 = 130 for n (40, count 2+: 80..175 gives 0 -> 40),
    # 20 + 10 = 30 for the numerator (16: 0..31 gives -2 -> 14); S: n 3 with key 250
    # (224..255: +2 -> 5, now at the threshold), numerator 1 with key 200 (192..223: +1 -> 2).
    model = fit(REFERENCE, "y", ("cell",))
    few = pl.DataFrame(
        [("M", "a", 30, 10, 100, 20), ("M", "b", 10, 6, 30, 10), ("S", "b", 3, 1, 250, 200)],
        schema=["unit", "cell", "w", "y", "_k", "_yk"],
        orient="row",
    )
    few = few.with_columns(predict(model, few))
    got = compare(few, ["unit"], weight="w", keys=("_k", "_yk"), secret=b"x")
    assert got["n"].to_list() == [40, 5] and got["numerator"].to_list() == [14, 2]
    assert got["suppressed"].to_list() == [False, False]
    assert got["actual"].to_list() == pytest.approx([100 * 14 / 40, 100 * 2 / 5])
    exact = compare(few, ["unit"], weight="w", min_count=0, keys=("_k", "_yk"), secret=b"x")
    assert exact["n"].to_list() == [40, 3]  # min_count 0: the operator's exact counts
    # the expected count is the expected rate times the shown n
    assert got["expected_count"][1] == pytest.approx(got["expected"][1] * 5 / 100)


def test_main_effects_logit_recovers_odds_ratios_worked_by_hand():
    # Rates built as odds 0.25 x 2 (A) x 3 (B): cells (A, B) = (0, 0) p = 0.2 (2 of 10),
    # (1, 0) odds 0.5, p = 1/3 (3 of 9), (0, 1) odds 0.75, p = 3/7 (6 of 14), (1, 1) odds 1.5,
    # p = 0.6 (6 of 10). The rates fit a main-effects model exactly, so the maximum-likelihood
    # fit returns them: intercept ln 0.25 = -1.3863, A ln 2 = 0.6931, B ln 3 = 1.0986.
    rows = pl.DataFrame(
        {
            "A": ["0", "1", "0", "1"],
            "B": ["0", "0", "1", "1"],
            "n": [10, 9, 14, 10],
            "y": [2, 3, 6, 6],
        }
    )
    model = fit(rows, "y", ("A", "B"), weight="n")
    terms = coefficients(model)
    assert terms["coefficient"].to_list() == pytest.approx(
        [math.log(0.25), math.log(2), math.log(3)], abs=1e-7
    )
    assert terms["odds_ratio"].to_list()[1:] == pytest.approx([2.0, 3.0], abs=1e-6)
    # A level the reference never saw takes the reference's average of that covariate: A = 1 on
    # 19 of 43 rows, so eta = ln 0.25 + (19/43) ln 2 = -1.08002, p = 0.25350 (B = 0).
    p = predict(model, pl.DataFrame({"A": ["2"], "B": ["0"]}))
    assert p[0] == pytest.approx(0.253502, abs=1e-6)


def test_no_reference_rows_says_what_to_do():
    with pytest.raises(ExpectedError, match="reference='all'"):
        fit(REFERENCE.head(0), "y", ("cell",))
    with pytest.raises(ExpectedError, match="Unknown model"):
        fit(REFERENCE, "y", ("cell",), kind="forest")


# --- the pipeline on the hand fixture ---------------------------------------------------------


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


def test_exit_counts_agree_with_the_exit_rate_indicator(snap):
    got = expected_exit(
        snap, period=("2020-02", "2021-06"), reference="all", calendar=None, min_count=0
    )
    ind = compute(
        snap,
        Query("exit_rate", by=("municipality_code",), month_from="2020-02", min_count=0),
    )
    ours = dict(zip(got["municipality_code"], zip(got["n"], got["numerator"])))
    theirs = dict(zip(ind["municipality_code"], zip(ind["denominator"], ind["numerator"])))
    assert ours == theirs
    # Fitted on the same rows with an intercept, the expected exits add up to the actual ones.
    total = expected_exit(snap, period=None, by=None, reference="all", calendar=None, min_count=0)
    assert total["expected_count"][0] == pytest.approx(total["numerator"][0], abs=1e-6)


def test_placement_rows_read_duration_on_the_day_before_the_start(snap):
    rows = placement_rows(snap, days=14, calendar=None)
    got = {
        r["episode_id"]: (r["provider_id"], r["municipality_code"], r["y"], r["duration_band"])
        for r in rows.iter_rows(named=True)
    }
    # E3: P3 unemployed since 2020-06-01, 303 days on 2021-03-31; employed on 06-14.
    # E6: P6 unemployed since 04-10, 22 days on 05-02; unemployed on 06-24.
    # E7: P7 unemployed 2020-01-01.., 273 days on 2020-09-30; subsidised on 2021-01-14.
    # E1 has not ended: not observable.
    assert got == {
        "E3": ("PR1", "091", 1, "6-12 months"),
        "E6": ("PR1", "091", 0, "<3 months"),
        "E7": ("PR2", "020", 0, "6-12 months"),
    }


def test_providers_are_rated_from_eighteen_episodes(snap):
    got = expected_placement(snap, days=14, reference="all", calendar=None, min_count=0)
    assert got.columns[:3] == ["provider_id", "provider_name", "provider_kind"]
    pr1 = got.filter(pl.col("provider_id") == "PR1").row(0, named=True)
    assert (pr1["n"], pr1["numerator"], pr1["actual"]) == (2, 1, 50.0)
    assert not pr1["rated"] and pr1["expected"] is None
    rated = expected_placement(
        snap, days=14, reference="all", calendar=None, min_count=0, min_rated=1
    )
    assert rated["rated"].all() and rated["expected"].null_count() == 0


def test_comparison_reference_needs_comparison_rows(snap):
    # the fixture's only comparison coaching episode (E7) is no placement at 14 days: the model
    # still fits (the intercept goes to a very low rate) and predicts almost nothing
    got = expected_placement(snap, days=14, by="trial_or_comparison", calendar=None, min_count=0)
    assert dict(zip(got["trial_or_comparison"], got["n"])) == {"comparison": 1, "trial": 2}
    with pytest.raises(ExpectedError, match="Unknown dimension"):
        expected_exit(snap, by="provider_id")
    with pytest.raises(ExpectedError, match="reference must be"):
        expected_exit(snap, reference="nordic")
    assert fitted_model(snap, "exit", reference="all", calendar=None).converged


# --- the demo register ------------------------------------------------------------------------


def test_demo_effect_areas_beat_their_expected_exit_rate():
    # lib/register/demo.py raises the monthly exit probability from 2021-03 in the even-numbered areas
    # (+1 point, +3 for the long-term unemployed): after the start their actual rate exceeds the
    # expected one by over a point, the other trial areas' by far less; before the start the
    # trial municipalities are where the comparison-based model expects them.
    from lib.register.demo import EFFECT_AREAS, generate

    snap = build_snapshot(generate("test", 0))
    after = expected_exit(snap, by="trial_area_id", min_count=0).filter(
        pl.col("trial_area_id").is_not_null()
    )
    pooled = after.group_by(effect=pl.col("trial_area_id").is_in(EFFECT_AREAS)).agg(
        diff=(pl.col("difference") * pl.col("n")).sum() / pl.col("n").sum()
    )
    diff = dict(zip(pooled["effect"], pooled["diff"]))
    assert diff[True] > 1.0 and diff[True] - diff[False] > 1.0
    before = expected_exit(snap, by="trial_or_comparison", period=(None, "2021-02"))
    trial = before.filter(pl.col("trial_or_comparison") == "trial").row(0, named=True)
    assert trial["ci_low"] < 0 < trial["ci_high"]


def test_what_is_kept_between_groups_gives_the_answer_computed_afresh(snap, monkeypatch):
    # The cells of every row and the reference model are kept per snapshot (lib/stats/memo.py):
    # a group read after another must equal the same read with nothing kept.
    from polars.testing import assert_frame_equal

    from lib.engine.cohort import Cohort
    from lib.stats import expected
    from lib.stats.memo import PerSnapshot

    ltu = Cohort(groups=("long_term_unemployed",))
    reads = {
        "exit": lambda c: expected.expected_exit(snap, by="trial_area_id", cohort=c, min_count=0),
        "placement": lambda c: expected.expected_placement(
            snap, by="municipality_code", cohort=c, min_count=0, calendar=None
        ),
    }
    for name, read in reads.items():
        monkeypatch.setattr(expected, "_KEPT", PerSnapshot())
        fresh = read(ltu)
        monkeypatch.setattr(expected, "_KEPT", PerSnapshot())
        read(Cohort())  # everyone first: the cells and the model are kept ...
        kept = expected._KEPT._values.copy()
        again = read(ltu)  # ... and the group reuses them
        # equal but for the order in which floating sums were added
        assert_frame_equal(again, fresh, check_row_order=False, rel_tol=1e-9, abs_tol=1e-12)
        assert set(expected._KEPT._values) == set(kept), f"{name}: the group refitted"
