"""The map of municipalities (lib/figures/maps.py) and the shipped borders it draws
(data/reference/fi_municipal_borders_2023.geojson, scripts/derive_reference.py).

The spec of the map: a suppressed value is its own grey category, never a zero on the colour
scale; a municipality without a figure is grey too, labelled differently; the tooltip gives the
name, the value with its unit and the status; the own area has a thick outline, the trial areas a
thin one; every municipality a store can hold has a shape. Hand-built squares where the geometry
is worked out by hand; the hand fixture (tests/hand_fixture.py) on the Compare page.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from lib.engine.indicators import Query
from lib.engine.snapshot import build_snapshot
from lib.figures import compare, maps
from lib.figures.blocks import PageContext
from lib.figures.filters import Selection, options_from_facts
from lib.figures.view import blocks_of
from lib.published.specs import RAW_DIR
from lib.settings import REFERENCE_DIR
from tests.hand_fixture import hand_extract
from tests.readers import facts, reader

ROOT = Path(__file__).resolve().parents[2]
RAW_BORDERS = RAW_DIR / "nls_municipal_borders"  # the developers' downloads, where they are


def square(x: float, y: float) -> dict:
    """A unit square with its lower-left corner at (x, y), wound clockwise as the map wants."""
    ring = [[x, y], [x, y + 1], [x + 1, y + 1], [x + 1, y], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


# Three municipalities in a row, A | B | C, sharing the edges x=1 and x=2.
SHAPES = {"001": square(0, 0), "002": square(1, 0), "003": square(2, 0)}
NAMES = {"001": "Aa", "002": "Bee", "003": "Cee"}


def segments(geometry: dict) -> set[frozenset]:
    return {
        frozenset((tuple(a), tuple(b)))
        for line in geometry["coordinates"]
        for a, b in zip(line, line[1:], strict=False)
    }


def layers_with(spec: dict, field: str) -> list[dict]:
    """The chart's layers whose encoding names `field` (e.g. 'properties.value')."""
    return [
        layer
        for layer in spec["layer"]
        if any(
            isinstance(enc, dict) and enc.get("field") == field
            for enc in layer.get("encoding", {}).values()
        )
    ]


def feature_codes(layer: dict) -> list[str]:
    return [f["properties"]["code"] for f in layer["data"]["values"] if "code" in f["properties"]]


# --- The shipped borders --------------------------------------------------------------------


def test_every_municipality_of_the_reference_table_and_the_fixture_has_a_shape():
    """The demo register's municipalities are data/reference/fi_municipalities.csv (the 309
    of 2023); the hand fixture's are 005, 091 and 020. Each has exactly one shape."""
    shipped = pl.read_csv(
        REFERENCE_DIR / "fi_municipalities.csv", schema_overrides={"municipality_code": pl.String}
    )["municipality_code"].to_list()
    shapes = maps.borders()
    assert len(shipped) == 309
    assert sorted(shapes) == sorted(shipped)  # one shape each, none extra
    fixture = hand_extract().frames["municipalities"]["municipality_code"].to_list()
    assert sorted(fixture) == ["005", "020", "091"]
    assert set(fixture) <= set(shapes)


def test_the_demo_register_uses_only_municipalities_with_a_shape():
    from lib.register.demo import generate

    codes = set(generate("test", 0).frames["municipalities"]["municipality_code"])
    assert codes and codes <= set(maps.borders())


def test_the_shipped_borders_are_small_closed_wound_for_vega_and_share_their_borders():
    path = REFERENCE_DIR / "fi_municipal_borders_2023.geojson"
    assert path.stat().st_size < 200_000  # 145 KB; the raw file is 329 KB
    collection = json.loads(path.read_text(encoding="utf-8"))
    count: dict[frozenset, int] = {}
    for feature in collection["features"]:
        assert feature["id"] == feature["properties"]["municipality_code"]
        for ring_no, ring in maps_rings(feature["geometry"]):
            assert ring[0] == ring[-1] and len(ring) >= 4
            # shoelace (lon as x, lat as y): negative = clockwise. d3/Vega fill the inside of
            # a clockwise exterior; a counter-clockwise one would fill the rest of the globe.
            area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
            assert (area < 0) == (ring_no == 0)
            for a, b in zip(ring, ring[1:], strict=False):
                key = frozenset((tuple(a), tuple(b)))
                count[key] = count.get(key, 0) + 1
    # A border segment belongs to one municipality (the coast, the national border) or to two
    # (a shared border, simplified once for both): never three, so there are no slivers.
    assert set(count.values()) == {1, 2}
    assert sum(1 for n in count.values() if n == 2) > 2000


def maps_rings(geometry):
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        yield from enumerate(polygon)


@pytest.mark.skipif(not RAW_BORDERS.is_dir(), reason="no ../shared/ raw borders here")
def test_the_derive_script_writes_the_shipped_file(tmp_path):
    """scripts/derive_reference.py rebuilds the shipped GeoJSON byte for byte."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "derive_reference", ROOT / "scripts" / "derive_reference.py"
    )
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    raw = RAW_BORDERS.parent
    munis = derive.municipalities(raw)
    out = tmp_path / "borders.geojson"
    derive.write_borders(derive.borders(raw, munis), out)
    assert out.read_bytes() == (REFERENCE_DIR / "fi_municipal_borders_2023.geojson").read_bytes()


def test_simplifying_keeps_one_shared_border_for_both_neighbours():
    """Two squares sharing the edge x=1, that edge bent by a point 0.001 off the line (under
    the tolerance) and the outer edge x=0 by 0.5 (over it). Simplified, the bend on the shared
    edge is gone from both squares alike; the big one stays."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "derive_reference", ROOT / "scripts" / "derive_reference.py"
    )
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    left = [[0, 0], [-0.5, 0.5], [0, 1], [1, 1], [1.001, 0.5], [1, 0], [0, 0]]
    right = [[1, 0], [1.001, 0.5], [1, 1], [2, 1], [2, 0], [1, 0]]
    features = [
        {"properties": {"NATCODE": "001"}, "geometry": {"type": "Polygon", "coordinates": [left]}},
        {"properties": {"NATCODE": "002"}, "geometry": {"type": "Polygon", "coordinates": [right]}},
    ]
    out = derive.simplified_borders(features, tolerance=0.01, decimals=4)
    (a,) = out["001"][0]
    (b,) = out["002"][0]
    # (1.001, 0.5) is 0.001 x cos(64 deg) = 0.0004 off the edge: dropped from both.
    assert (1.001, 0.5) not in a and (1.001, 0.5) not in b
    # (-0.5, 0.5) is 0.5 x cos(64 deg) = 0.22 off the edge x=0: kept.
    assert (-0.5, 0.5) in a
    # Both are clockwise now (the left square came counter-clockwise) and share (1,0)-(1,1).
    assert set(a) == {(0, 0), (-0.5, 0.5), (0, 1), (1, 1), (1, 0)}
    assert set(b) == {(1, 0), (1, 1), (2, 1), (2, 0)}
    for ring in (a, b):
        area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
        assert area < 0


# --- Outlines ---------------------------------------------------------------------------------


def test_the_outline_of_neighbours_leaves_out_their_shared_border():
    both = maps.outline(["001", "002"], SHAPES)
    # A's four edges and B's four, less the edge x=1 they share: 6 unit edges around a 2 x 1
    # rectangle, chained into one closed line of 7 points.
    assert segments(both) == {
        frozenset(s)
        for s in [
            ((0, 0), (0, 1)),
            ((0, 1), (1, 1)),
            ((1, 1), (2, 1)),
            ((2, 1), (2, 0)),
            ((2, 0), (1, 0)),
            ((1, 0), (0, 0)),
        ]
    }
    assert len(both["coordinates"]) == 1 and len(both["coordinates"][0]) == 7
    # One municipality's outline is its own four edges; no shape, no outline.
    assert len(segments(maps.outline(["002"], SHAPES))) == 4
    assert maps.outline(["999"], SHAPES) is None


# --- The map ----------------------------------------------------------------------------------


def hand_map(**change):
    """A (value 12.5 %), B suppressed (its value 3.0 must not reach the map), C no row.
    A and B are trial area T1; C is a comparison municipality; the own area is A."""
    table = pl.DataFrame(
        {
            "municipality_code": ["001", "002", None],
            "value": [12.5, 3.0, 40.0],
            "suppressed": [False, True, False],
        }
    )
    kw = dict(
        unit="%",
        names=NAMES,
        area_of={"001": "T1", "002": "T1", "003": None},
        area_names={"T1": "Tee one"},
        own=["001"],
        own_label="Aa (compared)",
        min_count=5,
        shapes=SHAPES,
    )
    data = maps.map_data(table, **(kw | change))
    chart = maps.choropleth(data, unit="%", value_title="Exit rate (%)", min_count=5)
    return data, chart.to_dict()


def test_a_suppressed_value_is_its_own_grey_category_never_a_zero():
    data, spec = hand_map()
    (values,) = layers_with(spec, "properties.value")
    # Only A is on the colour scale; the scale does not start at zero.
    assert feature_codes(values) == ["001"]
    assert [f["properties"]["value"] for f in values["data"]["values"]] == [12.5]
    scale = values["encoding"]["fill"]["scale"]
    assert scale["scheme"] == "viridis" and scale["zero"] is False
    (greys,) = layers_with(spec, "properties.status")
    grey = {f["properties"]["code"]: f["properties"] for f in greys["data"]["values"]}
    # B is suppressed: no value at all (its 3.0 is dropped), the status 'suppressed (< 5)';
    # C has no row: 'no data'. Two categories, two greys, both in the legend.
    assert grey["002"]["value"] is None
    assert grey["002"]["status"] == "suppressed (< 5)"
    assert grey["003"]["status"] == "no data"
    fill = greys["encoding"]["fill"]["scale"]
    assert fill["domain"] == ["suppressed (< 5)", "no data"]
    assert fill["range"] == [maps.SUPPRESSED_FILL, maps.NO_DATA_FILL]
    assert len(set(fill["range"])) == 2
    assert data.missing == ()  # the row without a code is not a municipality


def test_the_tooltip_gives_name_value_with_unit_and_status():
    _data, spec = hand_map()
    for layer in (*layers_with(spec, "properties.value"), *layers_with(spec, "properties.status")):
        fields = [(x["field"], x["title"]) for x in layer["encoding"]["tooltip"]]
        assert fields == [
            ("properties.name", "Municipality"),
            ("properties.value_text", "Exit rate (%)"),
            ("properties.place", "Status"),
        ]
    (values,) = layers_with(spec, "properties.value")
    (a,) = [f["properties"] for f in values["data"]["values"]]
    assert (a["name"], a["value_text"], a["place"]) == (
        "Aa",
        "12.5\u00a0%",
        "in trial area Tee one",
    )
    (greys,) = layers_with(spec, "properties.status")
    texts = {f["properties"]["code"]: f["properties"] for f in greys["data"]["values"]}
    assert texts["002"]["value_text"] == "suppressed (< 5)"
    assert texts["003"]["value_text"] == "no data"
    assert texts["003"]["place"] == "comparison municipality"


def test_the_own_area_is_outlined_thick_the_trial_areas_thin():
    data, spec = hand_map()
    trial, own = data.lines
    # Trial area T1 = A and B: their outer border (6 edges); the own area = A alone (4 edges).
    assert trial["properties"]["kind"] == "Trial area border"
    assert len(segments(trial["geometry"])) == 6
    assert own["properties"] == {"kind": "Aa (compared)", "name": "Aa (compared)", "own": True}
    assert segments(own["geometry"]) == segments(maps.outline(["001"], SHAPES))
    (lines,) = layers_with(spec, "properties.kind")
    width = lines["encoding"]["strokeWidth"]["scale"]
    assert width["domain"] == ["Trial area border", "Aa (compared)"]
    assert width["range"] == [1.3, 3]
    # A white halo under the own outline (so it shows on the darkest fill), drawn before it.
    halo = [
        i
        for i, layer in enumerate(spec["layer"])
        if layer["mark"].get("stroke") == "#FFFFFF" and layer["mark"].get("filled") is False
    ]
    assert halo and halo[0] < spec["layer"].index(lines)
    assert spec["projection"]["type"] == "transverseMercator"
    assert " ".join(spec["title"]["text"]) == "Borders: National Land Survey of Finland, CC BY 4.0"


def test_nothing_grey_still_keeps_both_grey_legend_entries():
    table = pl.DataFrame({"municipality_code": ["001"], "value": [1.0], "suppressed": [False]})
    data = maps.map_data(
        table,
        unit="%",
        names=NAMES,
        area_of={"001": None},
        area_names={},
        own=["001"],
        own_label="Aa",
        min_count=5,
        shapes={"001": SHAPES["001"]},
    )
    spec = maps.choropleth(data, unit="%", value_title="x", min_count=5).to_dict()
    (greys,) = layers_with(spec, "properties.status")
    assert greys["encoding"]["fill"]["scale"]["domain"] == ["suppressed (< 5)", "no data"]


def test_a_code_without_a_shape_is_named_not_drawn():
    table = pl.DataFrame({"municipality_code": ["001", "777"], "value": [1.0, 2.0]}).with_columns(
        suppressed=pl.lit(False)
    )
    data, spec = hand_map()
    data = maps.map_data(
        table,
        unit="%",
        names=NAMES,
        area_of={},
        area_names={},
        own=[],
        own_label="",
        min_count=5,
        shapes=SHAPES,
    )
    assert data.missing == ("777",)
    assert [f["id"] for f in data.values] == ["001"]


def test_the_map_validates_against_vega_lite():
    import altair as alt

    _data, spec = hand_map()
    alt.LayerChart.from_dict(spec, validate=True)


# --- On the Compare page (the hand fixture) ---------------------------------------------------


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


def context(snap, min_count: int = 0) -> PageContext:
    opts = options_from_facts(facts(snap))
    state = opts.default_state()

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


def test_compare_maps_the_ranking_indicator_by_municipality(snap):
    view = compare.build(
        context(snap), focus="a:A2", peers=["a:A1"], indicators=("active_caseload", "exit_rate")
    )
    block = view.map
    assert any(b is block for b in blocks_of(view.parts))
    rows = {r["municipality_code"]: r for r in block.table.to_dicts()}
    # Helsinki (091, area two), Mar-Jun: caseload 2, 3, 2, 1 (mean 2.0) over job seekers 2, 2,
    # 1, 1 (mean 1.5) x 1,000; Alajärvi (005): 1.75 over 2.0 x 1,000.
    assert rows["091"]["value"] == pytest.approx(1333.33, abs=0.01)
    assert rows["005"]["value"] == pytest.approx(875.0)
    # Akaa (020), the comparison municipality, has no caseload (trial municipalities only):
    # no value, not suppressed, 'no data' on the map.
    assert rows["020"]["value"] is None and rows["020"]["suppressed"] is False
    assert rows["020"]["place"] == "comparison municipality"
    assert rows["091"]["place"] == "in trial area Area two"
    spec = block.chart.to_dict()
    (values,) = layers_with(spec, "properties.value")
    assert sorted(feature_codes(values)) == ["005", "091"]
    (greys,) = layers_with(spec, "properties.status")
    akaa = [f for f in greys["data"]["values"] if f["properties"].get("code") == "020"]
    assert akaa[0]["properties"]["status"] == "no data"
    # The own area (area two = Helsinki) outlined: exactly Helsinki's border.
    own = [
        f
        for f in layers_with(spec, "properties.kind")[0]["data"]["values"]
        if f["properties"]["own"]
    ]
    assert own[0]["properties"]["kind"] == "Area two (compared)"
    assert segments(own[0]["geometry"]) == segments(maps.outline(["091"]))


def test_compare_map_marks_suppressed_municipalities(snap):
    """Disclosure control at 5: seven persons, every municipality's caseload under 5 persons
    is suppressed, and the map shows them as suppressed, none as a value or zero."""
    view = compare.build(
        context(snap, min_count=5), focus="m:091", peers=[], indicators=("active_caseload",)
    )
    table = view.map.table
    assert table.filter(pl.col("municipality_code").is_in(["005", "091"]))["suppressed"].all()
    spec = view.map.chart.to_dict()
    assert layers_with(spec, "properties.value") == [] or not feature_codes(
        layers_with(spec, "properties.value")[0]
    )
    (greys,) = layers_with(spec, "properties.status")
    status = {f["properties"]["code"]: f["properties"]["status"] for f in greys["data"]["values"]}
    assert status["005"] == status["091"] == "suppressed (< 5)"


def test_every_layer_gets_its_features_inline_as_altair_would_write_them():
    data, spec = hand_map()
    assert "datasets" not in spec
    for layer in spec["layer"]:
        assert set(layer["data"]) == {"values"}  # no named data left for the browser to miss
    by_kind = {tuple(sorted(layer["encoding"])): layer["data"]["values"] for layer in spec["layer"]}
    assert data.values in by_kind.values() and data.lines in by_kind.values()
    # the features are the map data's own, every shape once among values and greys
    drawn = feature_codes(layers_with(spec, "properties.value")[0]) + feature_codes(
        layers_with(spec, "properties.status")[0]
    )
    assert sorted(drawn) == sorted(SHAPES)
