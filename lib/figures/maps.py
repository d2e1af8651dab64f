"""A map of Finland's municipalities coloured by an indicator (Altair choropleth). Pure: a
by-municipality indicator table in (what the page's reader returned), an Altair chart out.

The borders ship with the product: data/reference/fi_municipal_borders_2023.geojson (National
Land Survey of Finland, 1:4.5M, CC BY 4.0; simplified by scripts/derive_reference.py so that
neighbours keep one shared border), one feature per municipality keyed by its code.

How the map reads:
- a municipality with a value is filled on a colour-blind-safe sequential scale (viridis,
  light for low values, dark for high ones);
- a suppressed value (disclosure control) is its own grey category, "suppressed (< 5)" in the
  legend, never a zero on the scale; a municipality the table has no figure for is a lighter
  grey, "no data";
- trial areas are outlined (their members' outer border, a second layer), so a comparison
  municipality is one outside every outline; the own area (the focus: a municipality or a
  trial area) has a thick dark outline on a white halo;
- hovering shows the name, the value with its unit and the status (trial area or comparison,
  suppressed, no data);
- the credit "Borders: National Land Survey of Finland, CC BY 4.0" is written on the map.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import altair as alt
import polars as pl

from lib.figures.format import format_value
from lib.figures.i18n import t
from lib.settings import REFERENCE_DIR

BORDERS_YEAR = 2023
BORDERS_FILE = REFERENCE_DIR / f"fi_municipal_borders_{BORDERS_YEAR}.geojson"

MAP_HEIGHT = 720  # the map and its legends under it
MAP_WIDTH = 300
SUPPRESSED_FILL = "#8C8C8C"  # mid grey: not on the viridis scale, which has no grey
NO_DATA_FILL = "#E4E4E4"  # light grey, lighter than the scale's lightest yellow
BORDER_STROKE = "#FFFFFF"  # the municipal borders: thin white lines
OUTLINE_STROKE = "#000000"  # trial areas 1.3 px, the own area 3 px on a white halo
# EPSG:3067-like: transverse Mercator on the 27th meridian east (TM35FIN's central meridian).
PROJECTION = {"type": "transverseMercator", "rotate": [-27, 0]}

Point = tuple[float, float]


@functools.lru_cache(maxsize=1)
def _features() -> tuple[dict, ...]:
    return tuple(json.loads(BORDERS_FILE.read_text(encoding="utf-8"))["features"])


def borders() -> dict[str, dict]:
    """municipality code -> its GeoJSON geometry (Polygon or MultiPolygon, lon/lat)."""
    return {f["properties"]["municipality_code"]: f["geometry"] for f in _features()}


def border_names() -> dict[str, str]:
    """municipality code -> its Finnish name, as the border file has it (2023 division)."""
    return {f["properties"]["municipality_code"]: f["properties"]["name"] for f in _features()}


def _rings(geometry: Mapping) -> Iterable[list[list[float]]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        yield from polygon


def outline(codes: Iterable[str], shapes: Mapping[str, Mapping] | None = None) -> dict | None:
    """The outer border of several municipalities as one GeoJSON MultiLineString: the border
    segments that only one of them has (a border two of them share is inside the union). The
    shipped borders are simplified so that neighbours keep identical shared vertices, which
    is what makes this exact. None when no code has a shape."""
    shapes = borders() if shapes is None else shapes
    count: Counter[tuple[Point, Point]] = Counter()
    for code in dict.fromkeys(codes):
        geometry = shapes.get(code)
        if geometry is None:
            continue
        for ring in _rings(geometry):
            for a, b in zip(ring, ring[1:], strict=False):
                p, q = (a[0], a[1]), (b[0], b[1])
                count[(p, q) if p <= q else (q, p)] += 1
    outer = [seg for seg, n in count.items() if n == 1]
    if not outer:
        return None
    return {"type": "MultiLineString", "coordinates": _chain(outer)}


def _chain(segments: list[tuple[Point, Point]]) -> list[list[list[float]]]:
    """Segments joined into as few lines as they make (so a thick line has no gaps at joints)."""
    near: dict[Point, list[Point]] = {}
    for a, b in segments:
        near.setdefault(a, []).append(b)
        near.setdefault(b, []).append(a)
    unused = {frozenset(s) for s in segments}
    lines = []
    # Start at the ends of open lines first (odd degree), then close the loops.
    starts = sorted(near, key=lambda p: (len(near[p]) % 2 == 0, p))
    for start in starts:
        while any(frozenset((start, n)) in unused for n in near[start]):
            line, here = [start], start
            while True:
                step = next((n for n in near[here] if frozenset((here, n)) in unused), None)
                if step is None:
                    break
                unused.discard(frozenset((here, step)))
                line.append(step)
                here = step
            lines.append([list(p) for p in line])
    return lines


# ---------------------------------------------------------------------------------------------
# The map


@dataclass(frozen=True)
class MapData:
    """What the map draws, by municipality: the features of each layer (GeoJSON Features whose
    properties carry the texts the tooltip shows) and the rows of its table."""

    values: list[dict]  # municipalities with a value (fill: the value)
    greys: list[dict]  # suppressed and no data (fill: the status)
    lines: list[dict]  # trial area outlines and the own area's
    missing: tuple[str, ...]  # municipality codes of the table that have no shape


def status_labels(min_count: int) -> dict[str, str]:
    return {
        "suppressed": t("suppressed.long", n=min_count),
        "no_data": t("map.no_data"),
    }


def map_data(
    table: pl.DataFrame,
    *,
    unit: str,
    names: Mapping[str, str],
    area_of: Mapping[str, str | None],
    area_names: Mapping[str, str],
    own: Iterable[str],
    own_label: str,
    min_count: int,
    shapes: Mapping[str, Mapping] | None = None,
) -> MapData:
    """The map's layers from a by-municipality table (municipality_code, value, suppressed).

    names: code -> municipality name; area_of: code -> trial area id (None: a comparison
    municipality), for every municipality the page knows; area_names: area id -> name; own:
    the codes of the own area (outlined thick), own_label its legend text. A municipality
    with a shape but no row (or a null value that is not suppressed) is 'no data'."""
    shapes = borders() if shapes is None else shapes
    names = {**border_names(), **names}
    labels = status_labels(min_count)
    rows = {
        r["municipality_code"]: r
        for r in table.select("municipality_code", "value", "suppressed").to_dicts()
        if r["municipality_code"] is not None
    }
    values, greys = [], []
    for code in sorted(shapes):
        row = rows.get(code)
        value = None if row is None else row["value"]
        suppressed = bool(row and row["suppressed"])
        area = area_of.get(code)
        place = (
            t("map.trial_area", name=area_names.get(area, area))
            if area
            else t("map.comparison")
            if code in area_of
            else t("map.not_in_extract")
        )
        if suppressed:
            status, value, text = "suppressed", None, labels["suppressed"]
        elif value is None:
            status, text = "no_data", labels["no_data"]
        else:
            status, text = "value", format_value(value, unit)
        props = {
            "code": code,
            "name": names.get(code, code),
            "value": None if value is None else float(value),
            "value_text": text,
            "status": labels.get(status, ""),
            "place": place,
        }
        feature = {"type": "Feature", "id": code, "properties": props, "geometry": shapes[code]}
        (values if status == "value" else greys).append(feature)
    members: dict[str, list[str]] = {}
    for code, area in area_of.items():
        if area:
            members.setdefault(area, []).append(code)
    lines = []
    for area in sorted(members):
        geometry = outline(members[area], shapes)
        if geometry is not None:
            lines.append(_line(geometry, t("map.trial_border"), area_names.get(area, area)))
    own_geometry = outline(own, shapes)
    if own_geometry is not None:
        lines.append(_line(own_geometry, own_label, own_label, own=True))
    missing = tuple(sorted(c for c in rows if c not in shapes))
    return MapData(values, greys, lines, missing)


def _line(geometry: dict, kind: str, name: str, own: bool = False) -> dict:
    props = {"kind": kind, "name": name, "own": own}
    return {"type": "Feature", "properties": props, "geometry": geometry}


class MapChart:
    """The map as Altair makes it, with its features put in afterwards.

    Altair's to_dict walks every coordinate of a layer's inline data (0.19 s for the 309
    municipalities' borders, on every filter change), so the layers name their data and
    `to_dict` puts each layer's features where Altair would have written them."""

    def __init__(self, chart: alt.LayerChart, features: dict[str, list[dict]]):
        self.chart, self.features = chart, features

    def to_dict(self, validate: bool = True) -> dict:
        spec = self.chart.to_dict(validate=validate)
        for layer in spec.get("layer", []):
            name = (layer.get("data") or {}).get("name")
            if name in self.features:
                layer["data"] = {"values": self.features[name]}
        return spec


def choropleth(
    data: MapData,
    *,
    unit: str,
    value_title: str,
    min_count: int,
    height: int = MAP_HEIGHT,
    width: int = MAP_WIDTH,
) -> MapChart:
    """The map: grey categories, the coloured values, trial area outlines, the own area's."""
    labels = status_labels(min_count)
    tooltip = [
        alt.Tooltip("properties.name:N", title=t("column.municipality")),
        alt.Tooltip("properties.value_text:N", title=value_title),
        alt.Tooltip("properties.place:N", title=t("map.status")),
    ]
    layers = []
    # Every legend under the map, one above the other (a narrow column has no room for three
    # in a row): the grey categories, the colour scale, the outlines.
    legend = {"orient": "bottom", "direction": "vertical", "labelLimit": 260}
    # The grey categories always have their legend entries, whether or not a cell is grey.
    layers.append(
        alt.Chart(alt.Data(name="greys"))
        .mark_geoshape(stroke=BORDER_STROKE, strokeWidth=0.4)
        .encode(
            fill=alt.Fill(
                "properties.status:N",
                title=None,
                scale=alt.Scale(
                    domain=[labels["suppressed"], labels["no_data"]],
                    range=[SUPPRESSED_FILL, NO_DATA_FILL],
                ),
                legend=alt.Legend(
                    **legend,
                    symbolType="square",
                    symbolStrokeColor="#BBBBBB",
                ),
            ),
            tooltip=tooltip,
        )
    )
    if data.values:
        layers.append(
            alt.Chart(alt.Data(name="values"))
            .mark_geoshape(stroke=BORDER_STROKE, strokeWidth=0.4)
            .encode(
                fill=alt.Fill(
                    "properties.value:Q",
                    title=value_title,
                    scale=alt.Scale(scheme="viridis", reverse=True, zero=False, nice=True),
                    legend=alt.Legend(
                        orient="bottom",
                        direction="horizontal",
                        gradientLength=160,  # fits a column of a narrow screen
                        titleLimit=width,
                        tickCount=4,
                        labelOverlap="greedy",
                    ),
                ),
                tooltip=tooltip,
            )
        )
    own = [f for f in data.lines if f["properties"]["own"]]
    kinds = list(dict.fromkeys(f["properties"]["kind"] for f in data.lines))
    own_kinds = {f["properties"]["kind"] for f in own}
    line_tooltip = [alt.Tooltip("properties.name:N", title=t("map.outline"))]
    if own:  # a white halo under the own area's outline, so it shows on the darkest fill
        layers.append(
            alt.Chart(alt.Data(name="own"))
            .mark_geoshape(filled=False, stroke="#FFFFFF", strokeWidth=6, strokeJoin="round")
            .encode(tooltip=line_tooltip)
        )
    if data.lines:  # trial areas first, the own area on top (map_data's order)
        layers.append(
            alt.Chart(alt.Data(name="lines"))
            .mark_geoshape(
                filled=False, stroke=OUTLINE_STROKE, strokeJoin="round", strokeCap="round"
            )
            .encode(
                strokeWidth=alt.StrokeWidth(
                    "properties.kind:N",
                    title=None,
                    scale=alt.Scale(
                        domain=kinds, range=[3 if k in own_kinds else 1.3 for k in kinds]
                    ),
                    legend=alt.Legend(
                        **legend, symbolType="stroke", symbolStrokeColor=OUTLINE_STROKE
                    ),
                ),
                tooltip=line_tooltip,
            )
        )
    features = {"greys": data.greys or [_nothing()], "values": data.values, "own": own,
                "lines": data.lines}  # fmt: skip
    chart = (
        alt.layer(*layers)
        .resolve_scale(fill="independent", stroke="independent")
        .resolve_legend(fill="independent", stroke="independent")
        .project(**PROJECTION)
        .properties(
            width=width,
            height=height,
            title=alt.TitleParams(
                text=t("map.credit").split("\n"),
                orient="bottom",
                anchor="start",
                fontSize=10,
                fontWeight="normal",
                color="#555555",
            ),
        )
        .configure_view(stroke=None)
        .configure_legend(
            layout=alt.ExprRef(
                expr="{bottom: {direction: 'vertical', anchor: 'start', margin: 10}}"
            )
        )
    )
    return MapChart(chart, features)


def _nothing() -> dict:
    """An empty feature: keeps the grey layer (and so its legend) when nothing is grey."""
    return {
        "type": "Feature",
        "properties": {"status": t("map.no_data"), "name": "", "value_text": "", "place": ""},
        "geometry": {"type": "GeometryCollection", "geometries": []},
    }
