"""Small valid extracts built in code, and helpers to write them and break one cell or line.

`valid_extract()` has a few rows in every table of the contract. Tests write it to a folder
(`write_valid`), corrupt it (`set_value`, `edit_rows`, ...) and check what `read_extract` says.
Rows are addressed by their 0-based data row; CSV line = row + 2 (the header is line 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl

from lib.register.contract import Extract, polars_schema
from lib.register.extract import write_extract

D = dt.date.fromisoformat

AS_OF = D("2024-06-30")


def _frame(table: str, rows: list[tuple]) -> pl.DataFrame:
    schema = polars_schema(table)
    return pl.DataFrame(rows, schema=schema, orient="row")


def valid_extract() -> Extract:
    """A tiny but complete extract: one Finnish trial, every table, every rule satisfied."""
    persons = [f"p{i:02d}" for i in range(1, 7)]
    frames = {
        "trials": _frame(
            "trials",
            [("fi-2021", "Työllisyyden kuntakokeilu", "FI", D("2021-03-01"), D("2024-12-31"))],
        ),
        "trial_areas": _frame(
            "trial_areas",
            [("ta-1", "fi-2021", "Helsinki area"), ("ta-2", "fi-2021", "Åland coast")],
        ),
        "municipalities": _frame(
            "municipalities",
            [
                ("005", "Alajärvi", None, "South Ostrobothnia", "ta-2", 9_500),
                ("091", "Helsinki", "Helsingfors", "Uusimaa", "ta-1", 658_000),
                ("020", "Akaa", None, "Pirkanmaa", None, 16_500),
                ("0180", "Stockholm", None, "Stockholm", None, None),
            ],
        ),
        "job_seekers": _frame(
            "job_seekers",
            [
                ("p01", 1990, "F", "fi", False, "tertiary", False, D("2019-05-01")),
                ("p02", 1960, "M", "sv", False, "basic", True, D("2015-01-15")),
                ("p03", 2001, "X", "other", True, "upper_secondary", False, D("2022-02-01")),
                ("p04", 1975, "F", None, None, None, None, None),
                ("p05", 1985, "M", "fi", True, "unknown", False, D("2023-08-01")),
                ("p06", 1999, "F", "fi", False, "basic", False, D("2020-01-01")),
            ],
        ),
        "responsibility_spells": _frame(
            "responsibility_spells",
            [
                ("p01", "091", "state", D("2020-01-01"), D("2021-02-28")),
                ("p01", "091", "municipal", D("2021-03-01"), None),
                ("p02", "005", "state", D("2019-06-01"), D("2021-02-28")),
                ("p02", "005", "municipal", D("2021-03-01"), D("2023-05-31")),
                ("p02", "005", "state", D("2023-06-01"), None),
                ("p03", "020", "state", D("2022-02-01"), None),
                ("p04", "091", "municipal", D("2022-01-10"), D("2022-12-31")),
                ("p05", "091", "state", D("2023-08-01"), D("2023-09-30")),
                ("p05", "091", "municipal", D("2023-10-01"), None),
                ("p06", "0180", "state", D("2020-01-01"), None),
            ],
        ),
        "status_spells": _frame(
            "status_spells",
            [
                ("p01", "unemployed", D("2020-01-01"), D("2022-03-31")),
                ("p01", "services", D("2022-04-01"), D("2022-06-30")),
                ("p01", "employed", D("2022-07-01"), None),
                ("p02", "unemployed", D("2019-06-01"), D("2023-05-31")),
                ("p02", "inactive", D("2023-06-01"), None),
                ("p03", "unemployed", D("2022-02-01"), None),
                ("p04", "unemployed", D("2022-01-10"), D("2022-12-31")),
                ("p05", "unemployed", D("2023-08-01"), D("2024-01-31")),
                ("p05", "subsidised_employment", D("2024-02-01"), None),
                ("p06", "education", D("2020-01-01"), None),
            ],
        ),
        "service_episodes": _frame(
            "service_episodes",
            [
                ("e1", "p01", "coaching", "prov-1", D("2021-09-01"), D("2021-11-30")),
                ("e2", "p01", "training", "prov-2", D("2022-04-01"), D("2022-06-30")),
                ("e3", "p02", "coaching", None, D("2022-01-10"), D("2022-03-10")),
                ("e4", "p05", "wage_subsidy", "prov-1", D("2024-02-01"), None),
            ],
        ),
        "providers": _frame(
            "providers",
            [
                ("prov-1", "Helsinki coaching unit", "municipal"),
                ("prov-2", "Coach & Co, Ltd", "external"),
            ],
        ),
        "staff_months": _frame(
            "staff_months",
            [
                ("091", "2021-03", "coach", "transferred", 12.5),
                ("091", "2021-03", "advisor", "municipal", 4.0),
                ("005", "2021-03", "coach", "transferred", 1.0),
                ("005", "2021-04", "coach", "transferred", 0.5),
            ],
        ),
        "client_contacts": _frame(
            "client_contacts",
            [
                (p, month, n)
                for i, p in enumerate(persons[:5])
                for j, month in enumerate(("2021-03", "2021-04", "2021-05", "2021-06"))
                for n in [(i + j) % 5]
            ],
        ),
        "employer_contacts": _frame(
            "employer_contacts",
            [("091", "2021-03", 40), ("091", "2021-04", 38), ("005", "2021-03", 3)],
        ),
        "payments": _frame(
            "payments",
            [
                ("pay-1", "prov-2", "e2", 1250.0, "EUR", D("2022-07-15")),
                ("pay-2", "prov-1", None, 99.95, "EUR", D("2023-01-31")),
            ],
        ),
    }
    return Extract(
        frames=frames,
        as_of=AS_OF,
        source="tests/extract_factory.py",
        description="Synthetic test extract: every table, a few rows",
    )


def write_valid(folder: Path, fmt: str = "csv", extract: Extract | None = None) -> Path:
    """Write the valid extract (or `extract`) to `folder` as csv or parquet."""
    return write_extract(extract or valid_extract(), folder, fmt=fmt)


# --------------------------------------------------------------------------- corrupting


def _path(folder: Path, table: str) -> Path:
    for fmt in ("csv", "parquet"):
        path = Path(folder) / f"{table}.{fmt}"
        if path.exists():
            return path
    raise FileNotFoundError(f"{table} is not in {folder}")


def read_rows(folder: Path, table: str) -> list[dict[str, str | None]]:
    """The table's rows as text (CSV as written; Parquet cast to text)."""
    path = _path(folder, table)
    if path.suffix == ".csv":
        frame = pl.read_csv(path, infer_schema=False)
    else:
        frame = pl.read_parquet(path)
        frame = frame.select(
            pl.col(c).dt.to_string("%Y-%m-%d") if t == pl.Date else
            pl.col(c).cast(pl.String).str.to_lowercase() if t == pl.Boolean else
            pl.col(c).cast(pl.String)
            for c, t in frame.schema.items()
        )  # fmt: skip
    return frame.to_dicts()


def write_rows(folder: Path, table: str, rows: list[dict[str, str | None]], columns=None) -> None:
    """Replace the table's file (same format) with these rows, every column as text."""
    path = _path(folder, table)
    columns = list(columns or (rows[0].keys() if rows else polars_schema(table)))
    frame = pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in columns}, schema={c: pl.String for c in columns}
    )
    if path.suffix == ".csv":
        frame.write_csv(path, null_value="")
    else:
        frame.write_parquet(path)


def edit_rows(folder: Path, table: str, edit: Callable[[list[dict]], list[dict]]) -> None:
    """Rewrite a table through `edit(rows) -> rows`."""
    rows = read_rows(folder, table)
    columns = list(rows[0].keys()) if rows else None
    new_rows = edit(rows)
    write_rows(folder, table, new_rows, columns=list(new_rows[0]) if new_rows else columns)


def set_value(folder: Path, table: str, row: int, column: str, value: str | None) -> int:
    """Set one cell (0-based data row); returns its CSV line (row + 2)."""

    def edit(rows: list[dict]) -> list[dict]:
        rows[row][column] = value
        return rows

    edit_rows(folder, table, edit)
    return row + 2


def drop_column(folder: Path, table: str, column: str) -> None:
    def edit(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != column} for r in rows]

    edit_rows(folder, table, edit)


def append_row(folder: Path, table: str, row: dict[str, str | None]) -> int:
    """Append a row; returns its CSV line."""
    rows = read_rows(folder, table)
    columns = list(rows[0].keys())
    rows.append({c: row.get(c) for c in columns})
    write_rows(folder, table, rows, columns=columns)
    return len(rows) + 1


def remove_table(folder: Path, table: str) -> None:
    _path(folder, table).unlink()
