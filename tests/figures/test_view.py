"""Every page's builder returns a view (lib/figures/view.py) that lib/web/render.py can draw:
its parts are of the known kinds, in the page's order, and the Overview and Published builders
take their reference facts from the context's options, never from the snapshot.

The hand fixture (tests/hand_fixture.py): trial T1 from 2021-03, areas A1 (Alajärvi 005) and
A2 (Helsinki 091), comparison municipality Akaa (020), as of 2021-06-30.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace

import polars as pl
import pytest

from lib.engine.snapshot import build_snapshot
from lib.figures import about, caseload, compare, overview, placements, published, staffing
from lib.figures import view as parts
from lib.figures.blocks import Block
from lib.figures.filters import options_from_facts
from lib.settings import get_settings
from tests.figures.test_page_views import context
from tests.hand_fixture import hand_extract
from tests.readers import facts


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


@pytest.fixture(scope="module")
def opts(snap):
    return options_from_facts(facts(snap))


KINDS = tuple(
    getattr(parts, name)
    for name in (
        "Heading", "Text", "Metrics", "Stat", "Row", "Columns", "Legend", "Control", "Table",
        "Chart", "Expander", "EffectCard", "Headlines", "AreaTable", "NationalContext", "Explorer",
    )
) + (Block,)  # fmt: skip


def flat(items) -> list:
    """Every part, those inside columns and expanders too."""
    out = []
    for part in items:
        assert isinstance(part, KINDS), f"not a part a view is made of: {part!r}"
        out.append(part)
        if isinstance(part, parts.Columns):
            for column in part.columns:
                out += flat(column)
        elif isinstance(part, parts.Expander) and part.kind == "parts":
            out += flat(part.parts)
    return out


def test_caseload_is_one_build_with_its_controls_above_the_figures_they_change(snap, opts):
    view = caseload.build(context(snap, opts), breakdown="municipality", include_initial=True)
    kinds = [type(p).__name__ for p in view.parts]
    # the flows under their control, the initial transfer against the plan (no control), the
    # caseload under its control, then cumulative transferred and the make-up side by side
    assert kinds == ["Metrics", "Control", "Block", "Block", "Control", "Block", "Row"]
    assert [p.name for p in view.parts if isinstance(p, parts.Control)] == ["initial", "view"]
    keys = [b.key for b in parts.blocks_of(view.parts)]
    assert keys[:2] == ["flows", "plan"] and keys[2].startswith("caseload")
    assert not hasattr(caseload, "CaseloadView")


def test_the_block_pages_lay_their_named_figures_out_in_order(snap, opts):
    ctx = context(snap, opts)
    s = staffing.build(ctx)
    assert parts.blocks_of(s.parts) == [
        s.by_role, s.by_origin, s.ratio, s.ratio_areas, s.outside, s.contacts,
        s.contacts_per_client, s.employer,
    ]  # fmt: skip
    assert s.parts[0].items == s.metrics and s.parts[0].per_row == 3
    p = placements.build(ctx, days=90)
    assert parts.blocks_of(p.parts) == [
        p.exit_rate,
        p.by_month,
        p.effect,
        p.by_area,
        p.by_provider,
    ]
    c = compare.build(ctx, focus="m:091", peers=["m:005"], sidebar_geo=True)
    flat(c.parts)
    assert isinstance(c.parts[0], parts.Text)  # the sidebar's places do not apply here
    assert parts.blocks_of(c.parts) == [*c.multiples, c.ranked, c.bars, c.map]
    assert c.bars.scroll == 600


def test_the_overview_reads_its_areas_and_months_from_the_options(snap, opts):
    view = overview.build(context(snap, opts))
    found = flat(view.parts)
    (heads,) = [p for p in found if isinstance(p, parts.Headlines)]
    (areas,) = [p for p in found if isinstance(p, parts.AreaTable)]
    (national,) = [p for p in found if isinstance(p, parts.NationalContext)]
    assert [h.key for h in heads.headlines] == list(overview.HEADLINE_KEYS)
    assert areas.table["trial_area_id"].to_list() == ["A1", "A2"]  # sorted by name
    assert national.month == "2021-06"
    ctx = heads.context
    assert (ctx.first_month, ctx.last_month, ctx.start_month) == ("2020-01", "2021-06", "2021-03")
    assert ctx.area_names == {"A1": "Area one", "A2": "Area two"}
    assert set(heads.specs) == {h.key for h in heads.headlines if h.status != "unavailable"}


def test_the_overview_of_one_area(snap, opts):
    view = overview.build(context(snap, opts, areas=("A2",)))
    (areas,) = [p for p in view.parts if isinstance(p, parts.AreaTable)]
    assert areas.table["trial_area_id"].to_list() == ["A2"]


def test_context_from_options_is_the_snapshots_facts(snap, opts):
    ctx = overview.context_from_options(opts, snap.as_of, 5)
    assert ctx.as_of == dt.date(2021, 6, 30) and ctx.min_count == 5
    assert ctx.areas.schema == pl.Schema({"trial_area_id": pl.String, "area_name": pl.String})


def test_the_definitions_page_is_a_view(snap, opts):
    from types import SimpleNamespace

    info = SimpleNamespace(
        as_of=dt.date(2021, 6, 30), loaded_at=dt.datetime(2021, 7, 1, 12), batch_id=3,
        source="hand fixture", description=None, source_path="tests", row_counts={},
    )  # fmt: skip
    found = flat(about.build(info, [], get_settings()).parts)
    stats = [p.value for p in found if isinstance(p, parts.Stat)]
    assert stats[2] == "3"
    assert [p.key for p in found if isinstance(p, parts.Table)] == [
        "rows", "history", "indicators", "groups", "settings",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def loaded():
    """The published 12r5 cells of Helsinki and Alajärvi for two months, as the store holds them
    wide (lib/published/comparison.py PublishedView), written by hand."""
    from lib.published.comparison import PublishedView

    wide = pl.DataFrame(
        {
            "area_code": ["KU005", "KU005", "KU091", "KU091"],
            "area_level": ["municipality"] * 4,
            "area_name": ["Alajärvi", "Alajärvi", "Helsinki", "Helsinki"],
            "municipality_code": ["005", "005", "091", "091"],
            "month": ["2021-05", "2021-06", "2021-05", "2021-06"],
            "unemployed_jobseekers": [500.0, 480.0, 50_000.0, 49_609.0],
            "labour_force": [4_000.0, 4_000.0, 352_914.0, 352_914.0],
            "open_vacancies": [20.0, 25.0, 9_000.0, 9_500.0],
        }
    ).with_columns(unemployment_rate=100 * pl.col("unemployed_jobseekers") / pl.col("labour_force"))
    return PublishedView(wide, pl.DataFrame())


def test_the_published_page_offers_the_options_areas(snap, opts, loaded):
    ctx = replace(context(snap, opts), published=lambda: loaded)
    offer = published.offer(ctx)
    assert offer.levels == ["municipality", "trial_area", "region", "country"]
    assert [a.key for a in offer.areas["trial_area"]] == ["A1", "A2"]
    assert offer.default_area("municipality") == "091"
    assert offer.scale is None and offer.first_month == "2021-05"
    assert published.offer(replace(ctx, published=lambda: None)) is None


def test_the_published_page_for_helsinki(snap, opts, loaded, monkeypatch):
    from lib.engine.indicators import Query, compute

    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")  # the register's count is not suppressed
    ctx = replace(context(snap, opts), published=lambda: loaded)
    view = published.build(ctx, level="municipality", area="091")
    found = flat(view.parts)
    headings = [p.text for p in found if isinstance(p, parts.Heading)]
    assert headings[:2] == ["Published statistics", "Helsinki (091) in Jun\u00a02021"]
    stats = {p.label: p.value for p in found if isinstance(p, parts.Stat)}
    assert stats["Published count"] == "49,609"
    assert stats["Unemployment rate"] == "14.1\u00a0%"  # 100 x 49,609 / 352,914
    register = compute(snap, Query("unemployed", by=("municipality_code", "month"), min_count=0))
    reg = register.filter((pl.col("municipality_code") == "091") & (pl.col("month") == "2021-06"))
    assert stats["Register count"] == f"{reg['value'].item():,}"
    assert [p.name for p in found if isinstance(p, parts.Control)] == ["choices"]
    nothing = published.build(replace(ctx, published=lambda: None))
    assert [type(p).__name__ for p in nothing.parts] == ["Heading", "Text"]


def test_every_part_kind_is_a_dataclass_the_renderer_knows():
    import inspect

    from lib.web import render

    source = inspect.getsource(render._draw)
    for kind in KINDS:
        assert fields(kind)
        name = kind.__name__
        assert f"parts.{name}" in source or name == "Block", f"render._draw does not draw {name}"
