"""The Money page's figures (lib/figures/money.py) against values worked out by hand from
tests/hand_fixture.py's money_extract (its comment lists the payments; tests/engine/test_money.py
works out each indicator). Trial T1 from 2021-03; the default period is Mar-Jun 2021. Area A2 is
Helsinki (091), Akaa (020) the comparison municipality. min_count=0 unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from lib.engine.access import Reader, demo_viewer
from lib.engine.indicators import Query
from lib.engine.snapshot import build_snapshot
from lib.figures import money
from lib.figures.blocks import Block, PageContext
from lib.figures.filters import Selection, options_from_facts
from lib.figures.view import Text, blocks_of
from tests.hand_fixture import hand_extract, money_extract
from tests.readers import facts, reader


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(money_extract())


@pytest.fixture(scope="module")
def opts(snap):
    return options_from_facts(facts(snap))


def context(snap, opts, min_count: int | None = None, viewer=None, **change) -> PageContext:
    # a viewer other than the operator keeps the threshold (5); the operator's tests turn it off
    min_count = (0 if viewer is None else 5) if min_count is None else min_count
    state = replace(opts.default_state(), **change)

    def base(indicator: str, **kw) -> Query:
        return Query(indicator, min_count=min_count, **kw)

    class Sel(Selection):
        def query(self, indicator, by=("month",), **kw):
            return self.state.to_query(self.options, indicator, by, base=base, **kw)

    return PageContext(
        sel=Sel(state, opts, "en"),
        reader=reader(snap) if viewer is None else Reader(viewer, snap),
        as_of=dt.date(2021, 6, 30),
        min_count=min_count,
    )


def rows(block: Block, key: str, *cols: str) -> dict:
    return {r[key]: tuple(r[c] for c in cols) for r in block.table.iter_rows(named=True)}


def test_spending_per_month_trial_against_comparison(snap, opts):
    view = money.build(context(snap, opts, comparison=True, month_from="2020-11"))
    table = view.spending_month.table.filter(pl.col("value") > 0)
    got = {(r["series_id"], r["month"]): r["value"] for r in table.iter_rows(named=True)}
    # the trial (005, 091): PAY6 300 in April, PAY1 1500 in May, 2200 in June (PAY4, PAY8, PAY9);
    # the comparison (020): PAY2 1200 in 2020-11, PAY5 1000 in 2021-01
    assert got == {
        ("selection", "2021-04"): 300.0,
        ("selection", "2021-05"): 1500.0,
        ("selection", "2021-06"): 2200.0,
        ("comparison", "2020-11"): 1200.0,
        ("comparison", "2021-01"): 1000.0,
    }
    paid = next(m for m in view.metrics if m.key == "paid")
    assert paid.value == 4000.0 and paid.unit == "EUR"  # 300 + 1500 + 2200 (Nov-Jun)


def test_spending_per_area_names_the_comparison_and_the_unknown_place(snap, opts):
    block = money.build(context(snap, opts, month_from="2020-01")).spending_area
    assert rows(block, "area_name", "value") == {
        "Area two": (4000.0,),  # 091: 300 + 1500 + 2200
        "Comparison municipalities": (2200.0,),  # 020: 1200 + 1000
        "No place (no episode, or the person had left the register)": (1500.0,),  # 800 + 700
    }


def test_costs_trial_against_comparison_with_the_episodes_behind(snap, opts):
    block = money.build(context(snap, opts, comparison=True, month_from="2020-01")).costs
    got = rows(block, "series_id", "per_participant", "episodes", "per_placement", "placements")
    # trial: E3 1500 + E6 1500 over 2 episodes; neither observable at 90 days -> no placements
    # comparison: E5 2000 + E7 1000 over 2; E5 placed, E7 not -> 3000 / 1 placement
    assert got["selection"] == (1500.0, 2, None, 0)
    assert got["comparison"] == (1500.0, 2, 3000.0, 1)


def test_providers_ranked_by_cost_per_placement_with_the_rate_beside(snap, opts):
    block = money.build(context(snap, opts, comparison=True, month_from="2020-01")).providers
    # the selection is the trial: PR1 (E3, E6: 3000 / 2, none placed yet), PR3 (E8 is training:
    # paid 1000 but no coaching episode, so no cost per participant)
    got = rows(block, "provider_id", "rank", "paid", "per_participant", "episodes")
    assert got == {"PR1": (None, 3000.0, 1500.0, 2), "PR3": (None, 1000.0, None, None)}
    # Akaa (020) alone: PR1's E5 cost 2000 and was placed -> rank 1; PR2's E7 (1000) was not
    # placed, so it has no cost per placement and no rank; paid there: PAY2 1200, PAY5 1000
    akaa = money.providers_block(context(snap, opts, month_from="2020-01", municipalities=("020",)))
    got = rows(akaa, "provider_id", "rank", "paid", "per_placement", "placement_rate")
    assert got == {"PR1": (1, 1200.0, 2000.0, 100.0), "PR2": (None, 1000.0, None, 0.0)}
    assert akaa.table["provider_id"].to_list() == ["PR1", "PR2"]  # ranked, unranked last


def test_the_audit_and_the_flagged_list(snap, opts):
    view = money.build(context(snap, opts, month_from="2020-01"))
    audit = rows(view.audit, "provider_id", "payments", "unsupported", "share")
    # the whole trial selected: every payment (PR1 six, PR2 one, PR3 two)
    assert audit["PR2"] == (1, 1, 100.0)
    assert audit["PR3"] == (2, 1, 40.0)
    months = rows(view.audit_months, "month", "provider_id", "unsupported_amount")
    assert months == {
        "2021-01": ("PR2", 1000.0),
        "2021-03": ("PR1", 700.0),
        "2021-04": ("PR1", 300.0),
        "2021-06": ("PR3", 400.0),
    }
    assert isinstance(view.flagged, Block)
    assert view.flagged.table["payment_id"].to_list() == ["PAY5", "PAY7", "PAY6", "PAY8"]
    assert "person_id" not in view.flagged.table.columns


@pytest.mark.parametrize("role", ["ministry", "admin"])
def test_the_flagged_list_is_shown_to_ministry_and_admin(snap, opts, role):
    view = money.build(context(snap, opts, viewer=demo_viewer(role), month_from="2020-01"))
    assert isinstance(view.flagged, Block) and view.flagged.table.height == 4


def test_the_flagged_list_is_refused_to_an_evaluator_and_a_municipal_user(snap, opts):
    municipal = demo_viewer("municipal", areas=("A2",), facts=facts(snap))
    for viewer, areas in ((demo_viewer("evaluator"), ()), (municipal, ("A2",))):
        view = money.build(context(snap, opts, viewer=viewer, month_from="2020-01", areas=areas))
        assert isinstance(view.flagged, Text)
        assert "ministry and admin users only" in view.flagged.text
        assert all(b.key != "money-flagged" for b in blocks_of(view.parts))


def test_a_municipal_user_sees_money_for_their_own_places_only(snap, opts):
    mine = demo_viewer("municipal", areas=("A2",), facts=facts(snap))
    view = money.build(context(snap, opts, viewer=mine, month_from="2020-01", areas=("A2",)))
    # their own area (091): 4000 paid; the audit of their places: PR1 (PAY1, PAY4, PAY6),
    # PR3 (PAY8, PAY9)
    assert next(m for m in view.metrics if m.key == "paid").value == 4000.0
    assert rows(view.audit, "provider_id", "payments", "unsupported") == {
        "PR1": (3, 1),
        "PR3": (2, 1),
    }
    # the ratings cover every place a provider serves: not for a municipal user
    assert isinstance(view.ratings, Text) and "ministry, evaluator and admin" in view.ratings.text
    # the whole trial's money (every area's places) is refused to them, not shown
    whole = money.build(context(snap, opts, viewer=mine, month_from="2020-01"))
    assert len(whole.parts) == 1 and whole.parts[0].kind == "info"
    assert "own places only" in whole.parts[0].text


def test_ratings_only_from_eighteen_episodes_with_the_interval(snap, opts):
    block = money.build(context(snap, opts, month_from="2020-01")).ratings
    # the hand fixture's providers have 1-2 observable episodes each: none is rated
    assert isinstance(block, Block) and block.table.height == 0
    assert block.message and "enough episodes" in block.message
    assert "at least 18 episodes" in block.notes[0]
    # the rates are per cent, their difference and its interval percentage points (issue 19)
    units = {c.name: c.unit for c in block.columns}
    assert units["actual"] == units["expected"] == "%"
    assert units["difference"] == units["ci_low"] == units["ci_high"] == "pp"


def test_without_payments_the_page_says_what_to_load(opts):
    bare = build_snapshot(
        type(hand_extract())(
            frames={k: v for k, v in hand_extract().frames.items() if k != "payments"},
            as_of=dt.date(2021, 6, 30),
        )
    )
    view = money.build(context(bare, options_from_facts(facts(bare))))
    assert len(view.parts) == 1 and view.parts[0].kind == "info"
    assert "payments.csv" in view.parts[0].text
