"""Derive the small reference tables that ship with the project from the raw public data.

Reads ../shared/data/raw (Statistics Finland / THL, CC BY 4.0; see data/reference/SOURCES.md) and
writes data/reference/fi_municipalities.csv, data/reference/fi_unemployed_monthly.csv and the
compact copies of the published series the demo shows beside the register,
data/reference/published/*.parquet (the raw tables' rows and columns, values as published, text
as in the CSV files, so that `trialwatch published import` reads them exactly as the downloads).

    python scripts/derive_reference.py [--raw PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
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
    (args.out / "published").mkdir(exist_ok=True)
    for target, name in PUBLISHED.items():
        published_copy(args.raw, name).write_parquet(
            args.out / "published" / target, compression="zstd", compression_level=19
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
