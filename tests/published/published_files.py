"""The published CSV files the published-statistics tests read, on any machine.

Where the developers' downloads are (../shared/data/raw/), the tests read them. Elsewhere (a
user's or CI's clone without ../shared/) they read the same files rebuilt from the compact copies
the project ships under data/reference/published/: scripts/derive_reference.py writes those from
the downloads, keeping every row, column and value as text in the file's order, so that written
back as CSV they are the downloads byte for byte (tests/published/test_shipped.py checks that
where both exist).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from lib.published.specs import PUBLISHED_DIR, RAW_DIR
from lib.settings import DATA_DIR

# (folder under raw/, the download's name) -> the shipped copy's name
DOWNLOADS = {
    ("statfin_tyonv_12r5", "tyonv_12r5_unemployed_jobseekers_monthly_2006_2023.csv"): (
        "statfin_12r5.parquet"
    ),
    ("statfin_tyonv_services_national", "tyonv_12u4_services_stock_national_monthly.csv"): (
        "statfin_12u4.parquet"
    ),
    ("thl_sotkanet_population", "sotkanet_population_by_municipality.csv"): (
        "thl_population.parquet"
    ),
}


def raw_files(raw: Path = RAW_DIR) -> list[Path]:
    return [raw / folder / name for folder, name in DOWNLOADS]


def rebuilt_files(out: Path) -> list[Path]:
    """The downloads rebuilt from the shipped copies under `out` (written once)."""
    paths = []
    for (folder, name), copy in DOWNLOADS.items():
        path = out / folder / name
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            pl.read_parquet(PUBLISHED_DIR / copy).write_csv(tmp)
            tmp.replace(path)  # atomic: a parallel reader never sees half a file
        paths.append(path)
    return paths


def csv_files() -> tuple[Path, Path, Path, Path]:
    """(folder, 12r5 file, 12u4 file, population file): the downloads, or their rebuilt copies."""
    raw = raw_files()
    if all(p.is_file() for p in raw):
        return (RAW_DIR, *raw)
    out = DATA_DIR / "cache" / "published-csv"
    return (out, *rebuilt_files(out))
