"""The figures of the Caseload, Staffing, Placements and Compare pages (lib/figures/caseload.py,
lib/figures/staffing.py, lib/figures/placements.py, lib/figures/compare.py) against values worked out by hand.

Read tests/hand_fixture.py's docstring for the timeline. Trial T1 starts 2021-03-01; as_of
2021-06-30. Area A1 is Alajärvi (005), area A2 Helsinki (091); Akaa (020) is the comparison
municipality. min_count=0 (disclosure control off) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from lib.engine.indicators import Query
from lib.engine.snapshot import build_snapshot
from lib.figures import caseload, charts, compare, placements, staffing
from lib.figures.blocks import PageContext
from lib.figures.filters import Selection, options_from_facts
from tests.hand_fixture import hand_extract
from tests.readers import facts, reader


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


@pytest.fixture(scope="module")
def opts(snap):
    return options_from_facts(facts(snap))


def context(snap, opts, min_count: int = 0, **change) -> PageContext:
    state = replace(opts.default_state(), **change)

    def base(indicator: str, **kw) -> Query:
        return Query(indicator, min_count=min_count, **kw)

    class Sel(Selection):
        def query(self, indicator, by=("month",), **kw):
            return self.state.to_query(self.options, indicator, by, base=base, **kw)

    return PageContext(
        sel=Sel(state, opts, "en"),
        reader=reader(snap),
        as_of=dt.date(2021, 6, 30),
        min_count=min_count,
    )


def metric(metrics, key):
    return next(m for m in metrics if m.key == key)


def cell(df: pl.DataFrame, **match):
    rows = df.filter(*[pl.col(k) == v for k, v in match.items()])
    assert rows.height == 1, rows
    return rows.row(0, named=True)


# --- Caseload and transfers ---------------------------------------------------------------------


def test_caseload_metrics_over_the_trials_months(snap, opts):
    m = caseload.metrics(context(snap, opts))
    # Mar-Jun 2021: initial transfer P1 (005), P3 and P4 (091) on 1 March; P2 a later transfer
    # in on 1 April; P6 a new client on 10 April; P4 out to Akaa on 30 April.
    assert [metric(m, k).value for k in caseload.FLOWS] == [3, 1, 1, 1]
    # End of June: P1, P2 (005) and P6 (091); transferred so far: P1, P2, P3, P4.
    assert metric(m, "active_caseload").value == 3
    assert metric(m, "cumulative_transferred").value == 4


def test_caseload_metrics_of_one_area(snap, opts):
    m = caseload.metrics(context(snap, opts, areas=("A2",)))
    assert [metric(m, k).value for k in caseload.FLOWS] == [2, 0, 1, 1]
    assert metric(m, "active_caseload").value == 1  # P6


def test_flows_by_month(snap, opts):
    table = caseload.flows_table(context(snap, opts), include_initial=True)
    assert cell(table, month="2021-03", series_id="initial_transfer")["value"] == 3
    assert cell(table, month="2021-03", series_id="later_transfers_in")["value"] == 0
    assert cell(table, month="2021-04", series_id="later_transfers_in")["value"] == 1
    assert cell(table, month="2021-04", series_id="new_clients")["value"] == 1
    assert cell(table, month="2021-04", series_id="transfers_out")["value"] == 1
    assert set(table["month"]) == {"2021-03", "2021-04", "2021-05", "2021-06"}


def test_flows_chart_draws_transfers_out_below_zero(snap, opts):
    block = caseload.flows_block(context(snap, opts), include_initial=False)
    assert "initial_transfer" not in set(block.table["series_id"])
    spec = block.chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    out = [r for r in rows if r["series"] == "Transfers out" and r["date"] == "2021-04-01"]
    assert out[0]["value"] == -1 and out[0]["value_text"] == "1"


def test_active_caseload_per_area_and_per_municipality(snap, opts):
    ctx = context(snap, opts)
    by_area = caseload.caseload_block(ctx, "area").table
    # April: 005 P1, P2; 091 P3, P4 (out on 30 April, still in on its last day), P6.
    assert cell(by_area, month="2021-04", trial_area_id="A1")["value"] == 2
    assert cell(by_area, month="2021-04", trial_area_id="A2")["value"] == 3
    assert cell(by_area, month="2021-04", trial_area_id="A2")["area_name"] == "Area two"
    by_muni = caseload.caseload_block(ctx, "municipality").table
    assert cell(by_muni, month="2021-06", municipality_code="091")["municipality_name"] == (
        "Helsinki"
    )


def _legend_and_colours(chart) -> tuple[list[str], dict[str, str]]:
    """The legend's entries and the colour of each line drawn (by name) of a caseload-per-unit
    chart: a line counts as drawn when its layer's data has rows of that name."""
    spec = chart.to_dict()
    shown, colours = [], {}
    for layer in spec["layer"]:
        color = layer.get("encoding", {}).get("color")
        if not color or layer["mark"]["type"] != "line":
            continue
        rows = spec["datasets"][layer.get("data", spec.get("data", {})).get("name")]
        drawn = {r["series"] for r in rows if r.get("value") is not None}
        scale = color["scale"]
        colours.update((n, c) for n, c in zip(scale["domain"], scale["range"]) if n in drawn)
        if color.get("legend") is not None:
            shown += scale["domain"]
    return shown, colours


def test_a_few_areas_are_drawn_each_in_its_colour_with_a_legend(snap, opts):
    block = caseload.caseload_block(context(snap, opts), "area")
    shown, colours = _legend_and_colours(block.chart)
    # Largest first at June's end: Area one (P1, P2) before Area two (P6).
    assert shown == ["Area one", "Area two"]
    assert colours == {
        opts.area_names()[a]: c for a, c in charts.area_colors(opts.all_area_ids()).items()
    }
    assert not block.notes


@pytest.fixture(scope="module")
def demo_snap():
    from lib.register.demo import generate

    return build_snapshot(generate("test", 0))


def test_many_areas_the_largest_in_colour_the_others_grey(demo_snap):
    opts = options_from_facts(facts(demo_snap))
    ctx = context(demo_snap, opts, min_count=5)
    block = caseload.caseload_block(ctx, "area")
    shown, colours = _legend_and_colours(block.chart)
    last = block.table.filter(pl.col("month") == block.table["month"].max())
    largest = last.sort("value", "area_name", descending=[True, False], nulls_last=True)[
        "area_name"
    ].to_list()
    assert len(largest) == 25
    # The legend: the five largest at the period's end, largest first, in their own colours.
    assert shown == largest[: caseload.HIGHLIGHTED]
    area_colours = {
        opts.area_names()[a]: c for a, c in charts.area_colors(opts.all_area_ids()).items()
    }
    assert all(colours[name] == area_colours[name] for name in shown)
    # Every other area a grey line behind them, named in its tooltip, not in the legend.
    grey = {name for name, c in colours.items() if c == caseload.CONTEXT_COLOR}
    assert grey == set(largest[caseload.HIGHLIGHTED :])
    assert "the other 20 in grey" in block.notes[0]
    # Picked in the sidebar (six or fewer): each in its colour again.
    picked = tuple(sorted(opts.all_area_ids())[:3])
    few = caseload.caseload_block(context(demo_snap, opts, min_count=5, areas=picked), "area")
    shown, colours = _legend_and_colours(few.chart)
    assert sorted(shown) == sorted(opts.area_names()[a] for a in picked)
    assert caseload.CONTEXT_COLOR not in colours.values()


def test_many_municipalities_at_most_max_lines(demo_snap):
    opts = options_from_facts(facts(demo_snap))
    block = caseload.caseload_block(context(demo_snap, opts), "municipality")
    shown, colours = _legend_and_colours(block.chart)
    assert len(shown) == caseload.HIGHLIGHTED
    assert len(colours) == caseload.MAX_LINES  # every line drawn, none left without its data
    assert block.table["municipality_code"].n_unique() > caseload.MAX_LINES  # the table: all
    assert any("largest of" in n for n in block.notes)
    block.chart.to_dict(validate=True)  # a valid Vega-Lite spec (one flat layer)


def test_caseload_make_up_by_group(snap, opts):
    table = caseload.makeup_table(context(snap, opts))
    # June: P1 (born 1990, unemployed since 2019-01-15: long-term, very long-term), P2 (born
    # 2000: youth), P6 (born 1970, unemployed since 2021-04-10).
    june = {r["series_id"]: r for r in table.filter(pl.col("month") == "2021-06").to_dicts()}
    assert june["youth"]["value"] == 1 and june["youth"]["total"] == 3
    assert june["youth"]["share"] == pytest.approx(100 / 3)
    assert june["very_long_term_unemployed"]["value"] == 1
    assert june["older"]["value"] == 0 and june["older"]["share"] == 0
    # March: P3 (born 1960) is older, a foreign citizen and of reduced work capacity.
    march = {r["series_id"]: r for r in table.filter(pl.col("month") == "2021-03").to_dicts()}
    assert march["older"]["value"] == 1 and march["foreign"]["value"] == 1


def test_the_group_filter_does_not_narrow_the_make_up(snap, opts):
    table = caseload.makeup_table(context(snap, opts, groups=("youth",)))
    assert cell(table, month="2021-06", series_id="youth")["total"] == 3


def test_planned_transfers_are_the_state_caseload_before_the_start(snap, opts):
    # End of February 2021, with the state office in 005 and 091: P1, P2, P3, P4.
    assert caseload.planned_transfers(context(snap, opts)) == (4.0, False)
    assert caseload.planned_transfers(context(snap, opts, areas=("A1",))) == (2.0, False)
    assert caseload.planned_transfers(context(snap, opts, gender=("M",))) == (2.0, False)
    # threshold 5: perturbed first; P1..P4's cell key (206 + 228 + 251 + 68) mod 256 = 241
    # gives +2 (224..255), 6: shown. A1 alone (P1, P2, key 178, +1): 3, under 5.
    assert caseload.planned_transfers(context(snap, opts, 5)) == (6.0, False)
    assert caseload.planned_transfers(context(snap, opts, 5, areas=("A1",))) == (None, True)


def test_the_initial_transfer_is_set_against_the_plan_per_area(snap, opts):
    # Plan: the state office on 2021-02-28, A1 (005) P1, P2 = 2; A2 (091) P3, P4 = 2.
    # Initial transfer on 2021-03-01: A1 P1 = 1; A2 P3, P4 = 2.
    # Share: A1 100 x 1 / 2 = 50.0 % (under 95: below plan); A2 100 x 2 / 2 = 100.0 % (on plan).
    # Later transfers in, Mar-Jun: A1 P2 (2021-04-01) = 1; A2 none = 0 (P6 is a new client).
    table = caseload.plan_table(context(snap, opts))
    assert table.select(
        "trial_area_id", "area_name", "planned", "initial", "share", "status", "later"
    ).rows() == [
        ("A1", "Area one", 2.0, 1.0, 50.0, "below", 1.0),
        ("A2", "Area two", 2.0, 2.0, 100.0, "on_plan", 0.0),
    ]
    assert table["status_text"].to_list() == ["Below plan", "On plan"]
    assert not table["suppressed"].any()


def test_the_plan_block_compares_like_with_like(snap, opts):
    block = caseload.plan_block(context(snap, opts))
    # The selection: initial 3 (P1, P3, P4) of the planned 4, 100 x 3 / 4 = 75.0 %: below plan.
    # The later transfer P2 is said apart, not added to the 3 (the old '100.0 % of the plan').
    assert (
        "Initial transfer (Mar\u00a02021): 3 of the planned 4, 75.0\u00a0% of the plan: "
        "Below plan." in block.notes
    )
    assert (
        "Later transfers in, from the start to the end of Jun\u00a02021: 1; they are not "
        "counted against the plan." in block.notes
    )
    assert any("95.0\u00a0% to 105.0\u00a0%" in n for n in block.notes)  # the band, stated
    assert not any("100.0" in n for n in block.notes)
    # The chart: one bar per area, the share written with its status, the band behind.
    spec = block.chart.to_dict()
    data = next(v for v in spec["datasets"].values() if v and "value_text" in v[0])
    assert {r["label"]: r["value_text"] for r in data} == {
        "Area one": "50.0\u00a0% · Below plan",
        "Area two": "100.0\u00a0% · On plan",
    }
    assert {r["label"]: r["color"] for r in data} == {
        "Area one": caseload.STATUS_COLORS["below"],
        "Area two": caseload.STATUS_COLORS["on_plan"],
    }
    # The cumulative transferred (4 by June: the initial 3 and P2) has no plan line any more.
    cumulative = caseload.cumulative_block(context(snap, opts))
    assert cell(cumulative.table, month="2021-06")["value"] == 4
    assert "planned" not in cumulative.table.columns
    assert "Not plan fulfilment" in cumulative.notes[0]


def test_the_plan_per_area_follows_the_selection_and_the_period(snap, opts):
    # Men only: plan A1 P2 = 1, A2 P4 = 1; initial A1 none = 0, A2 P4 = 1.
    # A1: 100 x 0 / 1 = 0.0 % below; A2: 100 x 1 / 1 = 100.0 % on plan. Later: A1 P2 = 1.
    men = caseload.plan_table(context(snap, opts, gender=("M",)))
    assert men.select("trial_area_id", "planned", "initial", "share", "status", "later").rows() == [
        ("A1", 1.0, 0.0, 0.0, "below", 1.0),
        ("A2", 1.0, 1.0, 100.0, "on_plan", 0.0),
    ]
    # Area two alone; the period ending in March: the later transfers up to March, none.
    two = caseload.plan_table(context(snap, opts, areas=("A2",), month_to="2021-03"))
    assert two.select("trial_area_id", "planned", "initial", "later").rows() == [
        ("A2", 2.0, 2.0, 0.0)
    ]


def test_the_plan_with_disclosure_control(snap, opts):
    # Threshold 5, every number perturbed: A1's plan (P1, P2: 2, key 178, +1) 3 and A2's
    # (P3, P4: 2, key 63, -1) 1 are under 5, so every row is suppressed and has no status;
    # the selection's initial transfer (P1, P3, P4: 3, key (206 + 251 + 68) mod 256 = 13,
    # -2 for 0..31) is 1, under 5: no share is said.
    block = caseload.plan_block(context(snap, opts, 5))
    assert block.table["suppressed"].to_list() == [True, True]
    assert block.table["status"].to_list() == [None, None]
    assert block.table["planned"].to_list() == [None, None]
    assert any("fewer than 5 persons: no share is shown" in n for n in block.notes)
    assert not any("of the plan:" in n for n in block.notes)


# --- Staffing --------------------------------------------------------------------------------------

MARCH = {"month_from": "2021-03", "month_to": "2021-03"}


def test_staffing_metrics_in_march(snap, opts):
    m = staffing.metrics(context(snap, opts, **MARCH))
    # 005: coach 1.0 (transferred), advisor 0.5, management 0.2; 091: coach 2.0.
    assert metric(m, "staff_fte").value == pytest.approx(3.7)
    assert metric(m, "client_facing_fte").value == pytest.approx(3.5)
    # Caseload 3 (P1; P3, P4) over 3.5 client-facing FTE.
    assert metric(m, "clients_per_fte").value == pytest.approx(3 / 3.5)
    assert metric(m, "employer_contacts").value == 19  # 7 + 12
    # P1 had 2 coaching contacts in March; P3 and P4 none.
    assert metric(m, "contact_rate").value == pytest.approx(100 / 3)


def test_fte_by_role_and_origin(snap, opts):
    ctx = context(snap, opts, **MARCH)
    role = staffing.fte_block(ctx, "role").table
    assert cell(role, series_id="coach")["value"] == pytest.approx(3.0)
    assert cell(role, series_id="management")["series"] == "Management"
    origin = staffing.fte_block(ctx, "origin").table
    assert cell(origin, series_id="transferred")["value"] == pytest.approx(3.0)
    assert cell(origin, series_id="municipal")["value"] == pytest.approx(0.7)


def test_staff_series_start_at_the_trials_start(snap, opts):
    ctx = context(snap, opts, month_from="2020-06")
    assert staffing.fte_block(ctx, "role").table["month"].min() == "2021-03"
    assert staffing.ratio_block(ctx).table["month"].min() == "2021-03"


def test_areas_and_municipalities_outside_the_band(snap, opts):
    ctx = context(snap, opts, **MARCH)
    areas = staffing.ratio_areas_block(ctx).table
    assert cell(areas, trial_area_id="A1")["value"] == pytest.approx(1 / 1.5)
    assert cell(areas, trial_area_id="A1")["target_text"] == "below the band"
    outside = staffing.outside_block(ctx).table
    assert outside["municipality_code"].to_list() == ["005", "091"]
    assert outside["municipality_name"].to_list() == ["Alajärvi", "Helsinki"]
    # Inside a band of 0.5-30 nobody is listed.
    inside = staffing.outside_block(replace(ctx, fte_band=(0.5, 30.0)))
    assert inside.table.height == 0 and inside.message


def test_contacts_against_the_weekly_target(snap, opts):
    ctx = context(snap, opts)
    contacts = staffing.contacts_block(ctx).table
    # April: caseload P1, P2, P3, P4, P6; contacts P1 5, P2 1, P3 0.
    assert cell(contacts, month="2021-04", series_id="contact_rate")["value"] == 40.0
    assert cell(contacts, month="2021-04", series_id="weekly_contact_rate")["value"] == 20.0
    per_client = staffing.contacts_per_client_block(ctx).table
    assert cell(per_client, month="2021-04")["value"] == pytest.approx(6 / 5)


# --- Placements and exits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "num, den, low, high",
    [(1, 2, 9.45, 90.55), (0, 10, 0.0, 27.75), (10, 10, 72.25, 100.0), (30, 100, 21.9, 39.6)],
)
def test_wilson_interval(num, den, low, high):
    lo, hi = placements.wilson(num, den)
    assert lo == pytest.approx(low, abs=0.05) and hi == pytest.approx(high, abs=0.05)


def test_wilson_without_episodes():
    assert placements.wilson(0, 0) == (None, None)


def test_placement_by_month_of_ending(snap, opts):
    table = placements.by_month_block(context(snap, opts, month_from="2020-10"), 14).table
    # E3 (P3, 091) ends 31 May: employed on 14 June. E6 (P6, 091) ends 10 June: unemployed on
    # 24 June. The comparison's E7 (P7, 020) ends 31 December 2020: subsidised on 14 January,
    # which is not open-market placement.
    assert cell(table, month="2021-05", series_id="selection")["value"] == 100.0
    assert cell(table, month="2021-06", series_id="selection")["value"] == 0.0
    assert cell(table, month="2020-12", series_id="comparison")["value"] == 0.0
    assert set(table["series_id"]) == {"selection", "comparison"}
    # the chosen horizon only: no 90-day outcome is observable by 30 June in the selection
    ninety = placements.by_month_block(context(snap, opts), 90).table
    assert ninety.filter(pl.col("series_id") == "selection").height == 0
    assert "90 days" in placements.by_month_block(context(snap, opts), 90).title
    alone = placements.by_month_block(context(snap, opts, comparison=False), 14).table
    assert set(alone["series_id"]) == {"selection"}


def test_placement_effect_block_on_the_placement_fixture(snap, opts):
    from tests.hand_fixture import placement_extract

    psnap = build_snapshot(placement_extract())
    popts = options_from_facts(facts(psnap))
    block = placements.effect_block(context(psnap, popts), 90)
    whole = cell(block.table, unit="Whole trial")
    # tests/stats/test_placement_effect.py: trial 50 % -> 100 %, comparison 50 % -> 33.33 %
    assert (whole["trial_before"], whole["trial_after"]) == (50.0, 100.0)
    assert whole["trial_change"] == pytest.approx(50.0)
    assert whole["comparison_change"] == pytest.approx(100 / 3 - 50)
    assert whole["estimate"] == pytest.approx(50.0 - (100 / 3 - 50))
    # one row per selected area beside it; A2 has no episode with a known outcome before
    assert cell(block.table, trial_area_id="A1")["estimate"] == pytest.approx(200 / 3)
    assert cell(block.table, trial_area_id="A2")["estimate"] is None
    assert block.chart is not None and block.message is None
    # on the plain hand fixture no 90-day outcome is known after the start: a message, no chart
    plain = placements.effect_block(context(snap, opts), 90)
    assert plain.chart is None


def test_placement_per_area_and_provider_pooled(snap, opts):
    ctx = context(snap, opts)
    areas = placements.by_area_block(ctx, 14).table
    two = cell(areas, trial_area_id="A2", series_id="placement_rate_14")
    assert (two["value"], two["numerator"], two["denominator"]) == (50.0, 1, 2)
    assert two["ci_low"] == pytest.approx(9.45, abs=0.05)
    providers = placements.by_provider_block(ctx, 14).table
    pr1 = cell(providers, provider_id="PR1")
    assert (pr1["provider_name"], pr1["value"], pr1["subsidised"]) == ("Coaching Oy", 50.0, 0.0)


def test_placement_metrics_follow_the_groups(snap, opts):
    m = placements.metrics(context(snap, opts, groups=("older",)), 14)
    assert metric(m, "placement_rate_14").value == 100.0  # only P3 is 55 or over


def test_exit_rate_trial_against_comparison(snap, opts):
    table = placements.exit_block(context(snap, opts, month_from="2020-12")).table
    # Nov 30 2020: P1, P2 (005), P3, P4 (091) unemployed; P2 starts work on 1 December.
    assert cell(table, month="2020-12", series_id="selection")["value"] == 25.0
    # Dec 31 2020 in Akaa: P5, who starts work on 21 January.
    assert cell(table, month="2021-01", series_id="comparison")["value"] == 100.0
    hidden = placements.exit_block(context(snap, opts, comparison=False)).table
    assert set(hidden["series_id"]) == {"selection"}


# --- Compare regions -----------------------------------------------------------------------------


def test_units_and_peers(opts):
    units = compare.units(opts)
    assert list(units) == [
        "a:A1",
        "a:A2",
        "r:Etelä-Pohjanmaa",
        "r:Pirkanmaa",
        "r:Uusimaa",
        "m:020",
        "m:005",
        "m:091",
    ]
    assert units["a:A2"].population == 650000 and units["a:A2"].region == "Uusimaa"
    assert compare.unit_label(units["m:020"]) == "Akaa (comparison)"
    # A peer is of the focus's kind: an area's chip needs no '(trial area)'.
    assert compare.unit_label(units["a:A1"]) == "Area one (trial area)"
    assert compare.peer_label(units["a:A1"]) == "Area one"
    assert compare.peer_label(units["m:020"]) == "Akaa (comparison)"
    # Alajärvi (9,000) is nearer Akaa (16,000) than Helsinki (650,000).
    assert compare.suggest_peers(units, "m:005", 2) == ["m:020", "m:091"]


def test_ranked_table_per_1000_job_seekers(snap, opts):
    ctx = context(snap, opts)
    view = compare.build(
        ctx, focus="a:A2", peers=["a:A1"], indicators=("active_caseload", "exit_rate")
    )
    rows = {r["role"]: r for r in view.ranked.table.to_dicts()}
    # Area two (091), Mar-Jun: caseload 2, 3, 2, 1 (mean 2.0); unemployed job seekers 2, 2, 1,
    # 1 (mean 1.5): 2.0 / 1.5 x 1,000.
    assert rows["focus"]["active_caseload"] == pytest.approx(1333.33, abs=0.01)
    # Area one (005): caseload 1, 2, 2, 2 (1.75); unemployed P1, P2 every month end (2).
    assert rows["peer"]["active_caseload"] == pytest.approx(875.0)
    assert rows["focus"]["exit_rate"] == 0.0
    # Region Uusimaa is Helsinki alone: the same figure, the same rank.
    assert rows["region"]["active_caseload"] == pytest.approx(1333.33, abs=0.01)
    # Whole trial: caseload 3, 5, 4, 3 (3.75); unemployed 4, 4, 3, 3 (3.5).
    assert rows["trial"]["active_caseload"] == pytest.approx(1071.43, abs=0.01)
    assert [rows[r]["rank"] for r in ("focus", "region", "trial", "peer")] == [1, 1, 3, 4]
    # The comparison group has no caseload (trial municipalities only), and no published table
    # gives the whole country's: both unranked, last.
    assert rows["comparison"]["rank"] is None and rows["country"]["rank"] is None
    assert view.ranked.table["role"].to_list()[-2:] == ["comparison", "country"]


def test_small_multiples_have_every_role(snap, opts):
    view = compare.build(
        context(snap, opts), focus="m:091", peers=["m:005"], indicators=("exit_rate",)
    )
    (block,) = view.multiples
    assert set(block.table["role"]) == {"focus", "peer", "region", "trial", "comparison"}
    assert [label for label, _c, _d in view.legend] == [
        "Helsinki",
        "Alajärvi",
        "Region: Uusimaa",
        "Whole trial",
        "Comparison municipalities",
        "Whole country",  # in the legend, with a note that the exit rate has no published figure
    ]


def test_ranked_bars_cover_every_municipality(snap, opts):
    view = compare.build(
        context(snap, opts),
        focus="m:091",
        peers=[],
        indicators=("exit_rate",),
        level="municipality",
    )
    assert sorted(view.bars.table["municipality_code"]) == ["005", "020", "091"]


def test_compare_offers_the_most_similar_municipalities_by_default(snap, opts):
    from lib.stats.peers import peer_codes

    units = compare.units(opts, "en")
    expected = [f"m:{c}" for c in peer_codes(snap, "091", 2)]
    assert compare.suggest_peers(units, "m:091", 2, reader=reader(snap)) == expected
    # trial areas keep the size rule
    assert compare.suggest_peers(units, "a:A1", 1, reader=reader(snap)) == ["a:A2"]
