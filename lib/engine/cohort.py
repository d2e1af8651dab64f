"""Whom a statistic counts: the one parameter object the statistics modules share.

A `Cohort` is frozen and hashable, so it is a cache key as it is (lib/web/data.py caches the
access layer's reads by it). Indicators take the same filters inside their `Query`; the
statistics (lib/stats/effect.py, survival.py, expected.py) and the caseload's state count take a
`Cohort`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.engine.indicators import GROUPS, age_band_expr, group_expr

Where = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Cohort:
    """The persons a statistic counts.

    groups/match: the target groups (lib.engine.indicators.GROUPS), all or any of them;
    youth_age: the youth group is under this age; where: person filters as (dimension, values)
    pairs (gender, age_band, language, education), a value kept when it is one of the values.
    """

    groups: tuple[str, ...] = ()
    match: str = "all"
    youth_age: int = 25
    where: Where = ()

    def problem(self) -> str | None:
        """Why this cohort cannot be read (an unknown group, a bad match), or None."""
        for g in self.groups:
            if g not in GROUPS:
                return f"Unknown group '{g}'. Choose from: {', '.join(GROUPS)}."
        if self.match not in ("all", "any"):
            return "match must be 'all' or 'any'."
        return None

    def group_filter(self) -> pl.Expr | None:
        """The groups as a filter on rows with the persons' attributes (None: no groups)."""
        return group_expr(tuple(self.groups), self.match, self.youth_age)

    def apply(self, rows: pl.DataFrame) -> pl.DataFrame:
        """`rows` (with the persons' attributes) narrowed to the cohort: groups, then filters."""
        g = self.group_filter()
        if g is not None:
            rows = rows.filter(g)
        for dim, values in self.where:
            col = age_band_expr() if dim not in rows.columns and dim == "age_band" else pl.col(dim)
            rows = rows.filter(col.cast(pl.String).is_in(list(values)))
        return rows


EVERYONE = Cohort()  # no groups, no person filters (the default of every statistic)
