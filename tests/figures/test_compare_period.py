"""Compare regions works some tables out from others where that is exact: a unit's figure over
the period from its months (lib/figures/compare.period_from_months), the whole trial and the comparison
group from the table of every trial area (sides_from_areas). The result must be the indicator
engine's own table for every indicator the page offers, with and without groups; where it would
not be exact, the page asks the engine. With disclosure control it never is: the engine perturbs
a period's or a side's counts as cells of their own, which the perturbed months or areas need not
add up to."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lib.engine.indicators import INDICATORS, Query, compute
from lib.engine.snapshot import build_snapshot
from lib.figures import compare
from lib.register.demo import generate

DIMS = ("trial_area_id", "municipality_code", "region", "trial_or_comparison")
GROUPS = ((), ("long_term_unemployed",), ("youth", "foreign"))


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(generate("test", 0))


@pytest.fixture(scope="module")
def some_units(snap):
    """A few units of each level, so that some tables are small enough to have no suppression."""
    m = snap.municipalities
    areas = m["trial_area_id"].drop_nulls().unique().sort().to_list()
    return {
        "trial_area_id": tuple(areas[:3]),
        "municipality_code": tuple(m.sort("population", descending=True)["municipality_code"][:3]),
        "region": tuple(m["region"].unique().sort()[:1]),
        "trial_or_comparison": ("trial", "comparison"),
    }


@pytest.mark.parametrize("indicator", [*compare.COMPARE_INDICATORS, "unemployed"])
def test_period_from_months_is_the_engines_period_table(snap, some_units, indicator):
    derived = 0
    for dim in DIMS:
        for groups in GROUPS if INDICATORS[indicator].source != "staff" else ((),):
            for min_count in (0, 5):
                for where in ((), ((dim, some_units[dim]),)):
                    q = Query(
                        indicator,
                        by=(dim, "month"),
                        groups=groups,
                        min_count=min_count,
                        where=where,
                        month_from="2021-03",
                    )
                    got = compare.period_from_months(indicator, compute(snap, q), dim, q)
                    if got is None:
                        continue
                    assert min_count == 0
                    derived += 1
                    expected = compute(snap, replace(q, by=(dim,)))
                    assert_frame_equal(got, expected)
    if INDICATORS[indicator].source == "staff":
        assert derived == 0  # fractions of FTE: always the engine's own period query
    else:
        assert derived > 0


def test_a_suppressed_month_sends_the_period_to_the_engine(snap):
    q = Query("active_caseload", by=("municipality_code", "month"), min_count=5)
    monthly = compute(snap, q)
    assert monthly["suppressed"].any()
    assert compare.period_from_months("active_caseload", monthly, "municipality_code", q) is None


def test_a_filtered_stock_is_worked_out_from_its_months_when_exact(snap):
    """A stock over a period is the mean of its month ends: exact tables give it, grouped or
    not."""
    by = ("trial_or_comparison", "month")
    plain = Query("active_caseload", by=by, min_count=0, month_from="2021-03")
    grouped = replace(plain, groups=("long_term_unemployed",))
    dim = "trial_or_comparison"
    for q in (plain, grouped):
        got = compare.period_from_months("active_caseload", compute(snap, q), dim, q)
        assert_frame_equal(got, compute(snap, replace(q, by=(dim,))))


def test_a_single_month_period_keeps_whole_persons(snap):
    q = Query(
        "active_caseload",
        by=("trial_or_comparison", "month"),
        min_count=0,
        month_from="2022-01",
        month_to="2022-01",
    )
    got = compare.period_from_months("active_caseload", compute(snap, q), "trial_or_comparison", q)
    assert_frame_equal(got, compute(snap, replace(q, by=("trial_or_comparison",))))
    assert got["value"].dtype == pl.Int64


def test_with_disclosure_control_on_the_period_is_the_engines_own_cell(snap):
    # perturbed months need not add up to the perturbed period: the engine is asked
    q = Query("exit_rate", by=("trial_or_comparison", "month"), min_count=5, month_from="2021-03")
    monthly = compute(snap, q)
    assert compare.period_from_months("exit_rate", monthly, "trial_or_comparison", q) is None
    period = compute(snap, replace(q, by=("trial_or_comparison",)))
    summed = (
        monthly.group_by("trial_or_comparison")
        .agg(pl.col("denominator").sum())
        .sort("trial_or_comparison")
    )
    assert summed["denominator"].to_list() != period["denominator"].to_list()


def test_an_areas_figure_is_the_same_in_the_ranked_table_and_the_bars(snap):
    import datetime as dt

    from lib.figures.blocks import PageContext
    from lib.figures.filters import Selection, options_from_facts
    from tests.readers import facts, reader

    opts = options_from_facts(facts(snap))
    state = replace(opts.default_state(), groups=("long_term_unemployed",))

    class Sel(Selection):
        def query(self, indicator, by=("month",), **kw):
            base = lambda ind, **k: Query(ind, min_count=5, **k)  # noqa: E731
            return self.state.to_query(self.options, indicator, by, base=base, **kw)

    reads = []

    def read(q):
        reads.append(q)
        return compute(snap, q)

    ctx = PageContext(
        sel=Sel(state, opts, "en"), reader=reader(snap, read), as_of=dt.date(2024, 6, 30)
    )
    units = compare.units(opts)
    focus = max((u for u in units.values() if u.kind == "area"), key=lambda u: u.population)
    peers = compare.suggest_peers(units, focus.key, 3)
    for rank_by in ("active_caseload", "exit_rate"):
        reads.clear()
        view = compare.build(ctx, focus=focus.key, peers=peers, indicators=(rank_by,), level="area")
        ranked = view.ranked.table.filter(pl.col("role").is_in(["focus", "peer"]))
        bars = view.bars.table.rename({"trial_area_id": "unit_id"})
        both = ranked.join(bars, on="unit_id")
        assert both.height == 1 + len(peers)
        assert both[rank_by].to_list() == both["value"].to_list()
        assert both[f"{rank_by}__s"].to_list() == both["suppressed"].to_list()
        # One table of every area serves both: no query is read twice.
        assert len(reads) == len(set(reads))


@pytest.mark.parametrize("indicator", [*compare.COMPARE_INDICATORS, "unemployed"])
def test_sides_from_areas_is_the_engines_table_of_trial_and_comparison(snap, indicator):
    derived = 0
    for time in (("month",), ()):
        for groups in GROUPS if INDICATORS[indicator].source != "staff" else ((),):
            for min_count in (0, 5):
                for sides in (("trial", "comparison"), ("trial",)):
                    q = Query(
                        indicator,
                        by=("trial_area_id", *time),
                        groups=groups,
                        min_count=min_count,
                        month_from="2021-03",
                    )
                    got = compare.sides_from_areas(indicator, compute(snap, q), sides, q)
                    if got is None:
                        continue
                    assert min_count == 0
                    derived += 1
                    expected = compute(
                        snap,
                        replace(
                            q,
                            by=("trial_or_comparison", *time),
                            where=(("trial_or_comparison", sides),),
                        ),
                    )
                    assert_frame_equal(got, expected)
    if INDICATORS[indicator].source == "staff":
        assert derived == 0
    else:
        assert derived > 0
