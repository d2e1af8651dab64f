"""Disclosure control: primary and secondary (complementary) suppression.

Primary: a count of persons under the threshold is suppressed, and so is a rate whose
denominator is under it (and a filtered figure that would show a small difference: see
reference_queries in lib/engine/indicators.py). Secondary: in every line of the table (the
cells that share the values of all dimensions but one, whose total the product also shows), a
single suppressed cell could be recovered by subtracting the others from the total; so the smallest
unsuppressed cell of such a line is suppressed too, repeated until no line has exactly one
suppressed cell.
"""

from __future__ import annotations

import polars as pl

DEFAULT_MIN_COUNT = 5
_MAX_ROUNDS = 50


def primary(magnitude: pl.Expr, min_count: int) -> pl.Expr:
    """True where the disclosure magnitude (count or denominator) is under the threshold."""
    return magnitude < min_count


def apply_disclosure_control(
    df: pl.DataFrame,
    dims: list[str],
    basis: str | None,
    min_count: int,
    *,
    also: str | None = None,
) -> pl.DataFrame:
    """Add a boolean `suppressed` column to an aggregated table with `num` and `den` columns.

    basis: which column the threshold applies to: value/numerator -> num, denominator -> den;
    None (staff FTE, employer contacts: no persons counted) -> nothing is suppressed.
    also: a boolean column of further cells to suppress before the complements are chosen
    (lib/engine/indicators.py: filtered figures that would show a small difference); dropped.
    """
    extra = pl.col(also).fill_null(False) if also and also in df.columns else pl.lit(False)
    if basis is None or min_count <= 0:
        return df.with_columns(suppressed=pl.lit(False)).drop(also or [], strict=False)
    mag_col = "den" if basis == "denominator" else "num"
    df = df.sort(dims, nulls_last=True) if dims else df
    df = df.with_columns(
        _mag=pl.col(mag_col).cast(pl.Float64),
        suppressed=primary(pl.col(mag_col), min_count) | extra,
    ).drop(also or [], strict=False)
    return secondary_suppression(df, dims).drop("_mag")


def secondary_suppression(df: pl.DataFrame, dims: list[str]) -> pl.DataFrame:
    """Suppress complementary cells until no line has exactly one suppressed cell."""
    if df.height <= 1 or not df["suppressed"].any():
        return df  # nothing hidden: nothing to protect
    for _ in range(_MAX_ROUNDS):
        changed = False
        for dim in dims:
            others = [d for d in dims if d != dim]
            n_supp = pl.col("suppressed").sum()
            n_cells = pl.len()
            candidate_mag = (
                pl.when(pl.col("suppressed")).then(float("inf")).otherwise(pl.col("_mag"))
            )
            rank = candidate_mag.rank("ordinal")
            if others:
                n_supp, n_cells, rank = n_supp.over(others), n_cells.over(others), rank.over(others)
            newly = (n_supp == 1) & (n_cells > 1) & ~pl.col("suppressed") & (rank == 1)
            flagged = df.select(newly.alias("_new"))["_new"]
            if flagged.any():
                df = df.with_columns(suppressed=pl.col("suppressed") | flagged)
                changed = True
        if not changed:
            break
    return df
