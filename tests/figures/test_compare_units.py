"""Compare (issue 15, finding 2): the whole country beside the register, regions (maakunta) as
units, and the ranking over the whole period or in its last month, on tests/hand_fixture.py.

The hand fixture's period on the page starts at the trial's start: 2021-03 .. 2021-06. Regions:
Etelä-Pohjanmaa = {005}, Uusimaa = {091}, Pirkanmaa = {020}."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from lib.engine.snapshot import build_snapshot
from lib.figures import compare
from lib.figures.filters import options_from_facts
from tests.figures.test_page_views import cell, context
from tests.hand_fixture import hand_extract
from tests.readers import facts

# A published whole-country activation rate: two months in the period, one before it
COUNTRY = (("activation_rate", (("2020-01", 10.0), ("2021-03", 40.0), ("2021-04", 50.0))),)


@pytest.fixture(scope="module")
def ctx():
    snap = build_snapshot(hand_extract())
    return context(snap, options_from_facts(facts(snap)))


def row(table: pl.DataFrame, series: str) -> dict:
    rows = table.filter(pl.col("series") == series)
    assert rows.height == 1, table
    return rows.row(0, named=True)


def test_regions_are_units(ctx):
    units = compare.units(ctx.options)
    assert [k for k in units if k.startswith("r:")] == [
        "r:Etelä-Pohjanmaa",
        "r:Pirkanmaa",
        "r:Uusimaa",
    ]
    uusimaa = units["r:Uusimaa"]
    assert (uusimaa.kind, uusimaa.dim, uusimaa.population, uusimaa.trial) == (
        "region",
        "region",
        650000,
        True,
    )
    assert compare.unit_label(uusimaa) == "Uusimaa (region)"
    assert not units["r:Pirkanmaa"].trial  # Akaa alone, a comparison municipality


def test_a_region_in_focus_is_its_municipalities(ctx):
    view = compare.build(
        ctx,
        focus="r:Uusimaa",
        peers=["r:Etelä-Pohjanmaa"],
        indicators=("active_caseload",),
        level="region",
    )
    ranked = view.ranked.table
    # Uusimaa is Helsinki alone: Mar-Jun mean caseload 2.0 over mean unemployed 1.5, x 1,000
    # (tests/web/test_pages.py::test_compare_page, as Area two); Etelä-Pohjanmaa is Alajärvi:
    # 1.75 over 2.0 x 1,000 = 875.
    assert round(row(ranked, "Uusimaa")["active_caseload"], 1) == 1333.3
    assert row(ranked, "Etelä-Pohjanmaa")["active_caseload"] == 875.0
    # no region line of its own for a region
    assert set(ranked["role"]) == {"focus", "peer", "trial", "comparison", "country"}
    # the bars rank the regions: Akaa (Pirkanmaa) has no municipal caseload
    bars = view.bars.table
    assert bars["name"].to_list()[:2] == ["Uusimaa", "Etelä-Pohjanmaa"]
    assert view.bars.key == "bars-region"


def test_the_whole_country_where_a_published_figure_exists(ctx):
    view = compare.build(
        ctx,
        focus="a:A2",
        peers=["a:A1"],
        indicators=("activation_rate", "exit_rate"),
        country=COUNTRY + (("exit_rate", ()),),
    )
    activation = view.multiples[0].table
    whole = activation.filter(pl.col("role") == "country")
    # only the period's months: 2020-01 is before it
    assert whole["month"].to_list() == ["2021-03", "2021-04"]
    assert whole["value"].to_list() == [40.0, 50.0]
    # over the period: the mean of the published months, (40 + 50) / 2
    assert row(view.ranked.table, "Whole country")["activation_rate"] == 45.0
    assert row(view.ranked.table, "Whole country")["exit_rate"] is None
    assert any("Statistics Finland" in n for n in view.multiples[0].notes)
    assert any("not available for this indicator" in n for n in view.multiples[1].notes)
    assert ("Whole country", compare.COUNTRY_COLOR, True) in view.legend
    # nothing published (no table loaded): the country is offered, and said to be missing
    bare = compare.build(ctx, focus="a:A2", peers=[], indicators=("activation_rate",))
    assert row(bare.ranked.table, "Whole country")["activation_rate"] is None
    assert any("not available for this indicator" in n for n in bare.multiples[0].notes)


def test_ranking_on_the_latest_month(ctx):
    period = compare.build(
        ctx, focus="a:A2", peers=["a:A1"], indicators=("active_caseload",), country=COUNTRY
    )
    latest = compare.build(
        ctx,
        focus="a:A2",
        peers=["a:A1"],
        indicators=("active_caseload",),
        rank_on="latest",
        country=COUNTRY,
    )
    # June 2021 alone. Area two (091): in the caseload at the end of June only P6 (P3 left the
    # register on 31 May, P4 moved to Akaa on 1 May); unemployed job seekers at June end: P6
    # -> 1 / 1 x 1,000 = 1,000. Area one (005): P1 and P2 in the caseload, both unemployed
    # -> 2 / 2 x 1,000 = 1,000.
    assert row(latest.ranked.table, "Area two")["active_caseload"] == 1000.0
    assert row(latest.ranked.table, "Area one")["active_caseload"] == 1000.0
    assert round(row(period.ranked.table, "Area two")["active_caseload"], 1) == 1333.3
    assert "latest month" in latest.ranked.caption and "Jun" in latest.ranked.caption
    assert "whole period" in period.ranked.caption
    # the bars and the map rank the same month
    a2 = cell(latest.bars.table, trial_area_id="A2")
    assert a2["value"] == 1000.0
    assert cell(latest.map.table, municipality_code="091")["value"] == 1000.0
    assert "latest month" in latest.bars.caption


def test_counts_say_per_1000_of_what_and_why_the_caseload_can_exceed_it():
    # The active caseload counts clients in services and subsidised employment too, so against
    # the unemployed job seekers it can pass 1,000 per 1,000 (finding 10): the words say whom.
    assert compare.unit_words("active_caseload") == "persons per 1,000 unemployed job seekers"
    from lib.figures.i18n import t

    assert t("unit.per 1,000") == "per 1,000 unemployed job seekers"
    assert "can exceed 1,000 per 1,000" in t("compare.per_1000.help")


def test_regions_in_swedish_are_the_landskap_names(ctx):
    """The store keys regions by their Finnish name; a Swedish reader sees Statistics Finland's
    Swedish name (Uusimaa -> Nyland, Etelä-Pohjanmaa -> Södra Österbotten) on the units, the
    ranking bars and the region line, while the unit keys stay the Finnish names."""
    from lib.figures.filters import region_label
    from lib.figures.i18n import set_language

    assert region_label("Uusimaa", "sv") == "Nyland"
    assert region_label("Uusimaa", "fi") == "Uusimaa"
    assert region_label("Uusimaa", "en") == "Uusimaa"
    assert region_label("Nowhere", "sv") == "Nowhere"  # not in the keys: as it is
    units = compare.units(ctx.options, "sv")
    assert units["r:Uusimaa"].name == "Nyland"
    assert units["r:Etelä-Pohjanmaa"].name == "Södra Österbotten"
    set_language("sv")
    try:
        sel = replace(ctx.sel, lang="sv")
        sv_ctx = replace(ctx, sel=sel)
        view = compare.build(
            sv_ctx,
            focus="r:Uusimaa",
            peers=["r:Etelä-Pohjanmaa"],
            indicators=("active_caseload",),
            level="region",
        )
    finally:
        set_language("en")
    assert view.bars.table["name"].to_list()[:2] == ["Nyland", "Södra Österbotten"]


def test_an_indicator_names_its_unit_once():
    """The indicator choices name the unit beside the indicator, unless the name already says
    it: in Swedish the unit of clients per FTE is the indicator's name, and written twice
    ("Kunder per årsverke i kundarbete (kunder per årsverke i kundarbete)") it was cut."""
    from lib.figures import i18n

    token = i18n._LANGUAGE.set("en")
    try:
        assert compare.indicator_label("active_caseload") == "Active caseload (per 1,000)"
        assert compare.indicator_label("exit_rate") == "Exit to employment rate (%)"
        assert (
            compare.indicator_label("clients_per_fte")
            == "Clients per client-facing FTE (clients per FTE)"
        )
        i18n.set_language("sv")
        # (the sv catalogue has no name for the active caseload yet: only the unit is checked)
        assert compare.indicator_label("active_caseload").endswith(" (per 1\u00a0000)")
        assert compare.indicator_label("clients_per_fte") == "Kunder per årsverke i kundarbete"
    finally:
        i18n._LANGUAGE.reset(token)
