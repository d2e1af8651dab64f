"""Confidence intervals of the tables the engine writes: the Wilson score interval of a rate.

`Z95` is the one normal quantile of a two-sided 95 % interval that every module uses.
"""

from __future__ import annotations

import math

import polars as pl

Z95 = 1.959963984540054


def wilson(numerator, denominator, z: float = Z95) -> tuple[float | None, float | None]:
    """The 95 % Wilson score interval of a proportion, in per cent; (None, None) if n = 0."""
    if denominator is None or numerator is None or denominator <= 0:
        return (None, None)
    n = float(denominator)
    p = numerator / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (100 * (centre - half), 100 * (centre + half))


def with_wilson(df: pl.DataFrame, z: float = Z95) -> pl.DataFrame:
    """Add ci_low / ci_high (per cent) to a rate table with numerator and denominator."""
    n = pl.col("denominator").cast(pl.Float64)
    p = pl.col("numerator").cast(pl.Float64) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)).sqrt() / (1 + z * z / n)
    ok = n > 0
    return df.with_columns(
        ci_low=pl.when(ok).then(100 * (centre - half)).otherwise(None),
        ci_high=pl.when(ok).then(100 * (centre + half)).otherwise(None),
    )
