"""Derive the small reference tables that ship with the project from the raw public data.

Reads ../shared/data/raw (Statistics Finland / THL, CC BY 4.0; see data/reference/SOURCES.md) and
writes data/reference/fi_municipalities.csv, data/reference/fi_unemployed_monthly.csv and the
compact copies of the published series the demo shows beside the register,
data/reference/published/*.parquet (the raw tables' rows and columns, values as published, text
as in the CSV files, so that `trialwatch published import` reads them exactly as the downloads),
and data/reference/fi_municipal_borders_2023.geojson, the National Land Survey's municipal
borders (CC BY 4.0) simplified for a country map (`simplified_borders`).

    python scripts/derive_reference.py [--raw PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import polars as pl

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW = PROJECT_ROOT.parent / "shared" / "data" / "raw"
DEFAULT_OUT = PROJECT_ROOT / "data" / "reference"

KEY_FILE = "statfi_municipality_keys/municipality_key_2023.csv"
POPULATION_FILE = "thl_sotkanet_population/sotkanet_population_by_municipality.csv"
UNEMPLOYED_FILE = "statfin_tyonv_12r5/tyonv_12r5_unemployed_jobseekers_monthly_2006_2023.csv"

# The published series the demo loads (lib/published/storage.py: demo_files), as Parquet.
PUBLISHED = {
    "statfin_12r5.parquet": UNEMPLOYED_FILE,
    "statfin_12u4.parquet": "statfin_tyonv_services_national/"
    "tyonv_12u4_services_stock_national_monthly.csv",
    "thl_population.parquet": POPULATION_FILE,
}

# The municipal borders of the same division as the municipality table (2023), and how far
# they are simplified: Douglas-Peucker tolerance in degrees of latitude (0.004: about 450 m, a
# quarter of a pixel of a 600-pixel-high country map), coordinates rounded to 4 decimals
# (about 11 m north-south, 5 m east-west).
BORDERS_YEAR = 2023
BORDERS_FILE = f"nls_municipal_borders/kuntarajat_{BORDERS_YEAR}_4500k.geojson"
BORDERS_TOLERANCE = 0.004
BORDERS_DECIMALS = 4
MID_LATITUDE = 64.0  # longitudes are scaled by cos(64 deg) to measure distances

FIRST_MONTH, LAST_MONTH = "2018-01", "2023-10"
POPULATION_YEAR = 2022

# Statistics Finland's English class names -> the short codes shipped in the reference table.
LANGUAGE_STATUS = {
    "Monolingual Finnish-speaking municipality": "fi",
    "Bilingual municipality with Finnish-speaking majority": "bilingual_fi",
    "Bilingual municipality with Swedish-speaking majority": "bilingual_sv",
    "Monolingual Swedish-speaking municipality": "sv",
}
URBAN_RURAL = {
    "Urban municipalities": "urban",
    "Semi-urban municipalities": "semi_urban",
    "Rural municipalities": "rural",
}


def municipalities(raw: Path) -> pl.DataFrame:
    """The 309 municipalities of 2023 with names, region, sub-region, classes and population 2022."""
    key = pl.read_csv(raw / KEY_FILE, infer_schema_length=0)
    pop = (
        pl.read_csv(raw / POPULATION_FILE, infer_schema_length=0)
        .filter(pl.col("year") == str(POPULATION_YEAR))
        .select(
            pl.col("municipality_code_text").alias("municipality_code"),
            pl.col("population").cast(pl.Int64).alias(f"population_{POPULATION_YEAR}"),
        )
    )
    out = (
        key.select(
            pl.col("municipality_code_text").alias("municipality_code"),
            pl.col("municipality_name_fi").alias("name"),
            pl.col("municipality_name_sv").alias("name_sv"),
            pl.col("maakunta_name_fi").alias("region"),
            pl.col("maakunta_name_sv").alias("region_sv"),
            pl.col("seutukunta_name_fi").alias("subregion"),
            pl.col("kielisuhde_name_en").replace_strict(LANGUAGE_STATUS).alias("language_status"),
            pl.col("kuntaryhmitys_name_en").replace_strict(URBAN_RURAL).alias("urban_rural"),
        )
        .join(pop, on="municipality_code", how="left", validate="1:1")
        .sort("municipality_code")
    )
    assert out.height == 309, out.height
    assert out[f"population_{POPULATION_YEAR}"].null_count() == 0
    assert out["municipality_code"].str.len_chars().eq(3).all()
    return out


def unemployed_monthly(raw: Path, codes: pl.Series) -> pl.DataFrame:
    """Unemployed job seekers at month end by municipality (12r5), FIRST_MONTH..LAST_MONTH."""
    raw_table = pl.read_csv(
        raw / UNEMPLOYED_FILE,
        schema_overrides={"unemployed_jobseekers": pl.Float64, "area_code": pl.String},
    )
    out = (
        raw_table.filter(
            pl.col("area_level") == "municipality",
            pl.col("month").is_between(pl.lit(FIRST_MONTH), pl.lit(LAST_MONTH)),
        )
        .select(
            pl.col("area_code").str.strip_prefix("KU").alias("municipality_code"),
            "month",
            pl.col("unemployed_jobseekers").cast(pl.Int64),
        )
        .sort("municipality_code", "month")
    )
    assert set(out["municipality_code"].unique()) == set(codes), "municipality codes differ"
    assert out.group_by("municipality_code").len()["len"].eq(70).all()
    return out


def published_copy(raw: Path, name: str) -> pl.DataFrame:
    """A published table as its CSV file holds it: every column as text, rows in the file's
    order (written back as CSV, the copy is byte for byte the download)."""
    return pl.read_csv(raw / name, infer_schema=False, encoding="utf8")


# ---------------------------------------------------------------------------------------------
# Municipal borders: simplified so that neighbours keep one shared border
#
# Every ring is cut into arcs at its junctions (a vertex with more than two distinct
# neighbours across all rings: where three municipalities meet, or a land border meets the
# coast). Each arc is simplified once (Douglas-Peucker, end points kept) and both
# municipalities on it take the same simplified arc, so no gap or overlap opens between them
# (what simplifying ring by ring would do). The source's shared borders have identical
# vertices on both sides (checked: every vertex of a shared segment is the same float).

Point = tuple[float, float]


def _dp(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on an open line: the points kept, first and last always."""
    if len(points) < 3:
        return list(points)
    scale = math.cos(math.radians(MID_LATITUDE))
    xy = [(x * scale, y) for x, y in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = xy[first], xy[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, index = -1.0, None
        for i in range(first + 1, last):
            px, py = xy[i]
            if length == 0:
                d = math.hypot(px - ax, py - ay)
            else:
                d = abs(dy * (px - ax) - dx * (py - ay)) / length
            if d > worst:
                worst, index = d, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _rings(geometry: dict) -> list[list[list[Point]]]:
    """A Polygon's or MultiPolygon's polygons, each a list of rings without the closing point."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [[[(float(x), float(y)) for x, y in ring[:-1]] for ring in poly] for poly in polygons]


def _signed_area(ring: list[Point]) -> float:
    """Shoelace area, longitude as x and latitude as y: positive when counter-clockwise."""
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def simplified_borders(
    features: list[dict], tolerance: float = BORDERS_TOLERANCE, decimals: int = BORDERS_DECIMALS
) -> dict[str, list[list[list[Point]]]]:
    """code -> polygons -> rings (closed), simplified topology-preserving, rounded, and wound
    as d3 and Vega draw them: exterior rings clockwise, holes counter-clockwise (on a sphere a
    counter-clockwise exterior would be the whole world but the municipality)."""
    shapes = {f["properties"]["NATCODE"]: _rings(f["geometry"]) for f in features}
    neighbours: dict[Point, set[Point]] = {}
    for polygons in shapes.values():
        for rings in polygons:
            for ring in rings:
                for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                    neighbours.setdefault(a, set()).add(b)
                    neighbours.setdefault(b, set()).add(a)
    junction = {p for p, near in neighbours.items() if len(near) != 2}
    frozen: set[tuple[Point, ...]] = set()  # arcs a degenerate ring needs unsimplified

    def arcs_of(ring: list[Point]) -> list[list[Point]]:
        cuts = [i for i, p in enumerate(ring) if p in junction]
        if not cuts:  # an island, or a ring inside another: one closed arc from its least point
            start = ring.index(min(ring))
            ring = ring[start:] + ring[:start]
            return [ring + ring[:1]]
        start = cuts[0]
        ring = ring[start:] + ring[:start]
        cuts = [i - start for i in cuts] + [len(ring)]
        closed = ring + ring[:1]
        return [closed[a : b + 1] for a, b in zip(cuts, cuts[1:], strict=False)]

    def simplify_arc(arc: list[Point]) -> list[Point]:
        forward = tuple(arc)
        backward = forward[::-1]
        key = min(forward, backward)  # the same arc from either side is simplified once
        if key in frozen:
            done = list(key)
        elif key[0] == key[-1]:  # a closed arc: two halves, split at its middle point
            mid = len(key) // 2
            done = _dp(list(key[: mid + 1]), tolerance)[:-1] + _dp(list(key[mid:]), tolerance)
        else:
            done = _dp(list(key), tolerance)
        return done if key == forward else done[::-1]

    def rounded(points: list[Point]) -> list[Point]:
        out: list[Point] = []
        for x, y in points:
            p = (round(x, decimals), round(y, decimals))
            if not out or out[-1] != p:
                out.append(p)
        return out

    while True:
        result: dict[str, list[list[list[Point]]]] = {}
        degenerate: list[list[list[Point]]] = []
        for code, polygons in shapes.items():
            out_polygons = []
            for rings in polygons:
                out_rings = []
                for ring in rings:
                    arcs = arcs_of(ring)
                    points: list[Point] = []
                    for arc in arcs:
                        part = simplify_arc(arc)
                        points += part if not points else part[1:]
                    points = rounded(points)
                    if len(points) < 4 or abs(_signed_area(points)) == 0:
                        degenerate.append(arcs)
                    out_rings.append(points)
                out_polygons.append(out_rings)
            result[code] = out_polygons
        todo = {min(tuple(a), tuple(a)[::-1]) for arcs in degenerate for a in arcs} - frozen
        if not todo:
            break
        frozen |= todo
    for polygons in result.values():
        for rings in polygons:
            for i, ring in enumerate(rings):
                clockwise = _signed_area(ring) < 0
                if clockwise != (i == 0):  # exterior clockwise, holes counter-clockwise
                    ring.reverse()
    return result


def borders(raw: Path, munis: pl.DataFrame) -> dict:
    """The municipal borders as a GeoJSON FeatureCollection, one feature per municipality of
    the municipality table, keyed by `municipality_code` (also the feature's id)."""
    source = json.loads((raw / BORDERS_FILE).read_text(encoding="utf-8"))
    codes = [f["properties"]["NATCODE"] for f in source["features"]]
    assert sorted(codes) == sorted(munis["municipality_code"]), "border codes differ"
    shapes = simplified_borders(source["features"])
    names = dict(zip(munis["municipality_code"], munis["name"], strict=True))
    features = []
    for code in sorted(shapes):
        polygons = shapes[code]
        coords = [[[list(p) for p in ring] for ring in rings] for rings in polygons]
        geometry = (
            {"type": "Polygon", "coordinates": coords[0]}
            if len(coords) == 1
            else {"type": "MultiPolygon", "coordinates": coords}
        )
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"municipality_code": code, "name": names[code]},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_borders(collection: dict, path: Path) -> None:
    """Compact JSON (no spaces), one feature to a line so that a change shows in a diff."""
    lines = [
        json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]
    ]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="the shared raw data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the CSVs")
    args = parser.parse_args(argv)
    if not args.raw.is_dir():
        sys.stderr.write(f"Raw data folder {args.raw} not found: pass --raw PATH.\n")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    munis = municipalities(args.raw)
    munis.write_csv(args.out / "fi_municipalities.csv")
    unemployed_monthly(args.raw, munis["municipality_code"]).write_csv(
        args.out / "fi_unemployed_monthly.csv"
    )
    write_borders(
        borders(args.raw, munis), args.out / f"fi_municipal_borders_{BORDERS_YEAR}.geojson"
    )
    (args.out / "published").mkdir(exist_ok=True)
    for target, name in PUBLISHED.items():
        published_copy(args.raw, name).write_parquet(
            args.out / "published" / target, compression="zstd", compression_level=19
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
