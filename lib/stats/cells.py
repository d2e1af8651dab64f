"""The person-months at risk of an exit to employment, summed once per snapshot over every
attribute a statistic's cohort or model reads (issue 18: a group switch on a national register
re-read 15 million person-months for each of the effect, the event study and expected against
actual).

A row of the panel is at risk in month t when its person was unemployed on the last day of t-1
(the exit_rate indicator's denominator; `midx` below is t). `exit_cube` sums those rows by
municipality, month, the groups' columns, education, the unemployment-duration band and the
age, the age coarsened to classes that every age rule a cohort or the model applies sees alike
(`coarse_age`): n (person-months), y (exits), k and yk (the sums of the record keys of the
person-months and of the exits, the cell keys of the disclosure control). The sums are of
integers, so any cohort's cells summed from the cube are the very numbers a pass over the panel
gives (tests/stats/test_precomputed.py). About 2.7 million cells at national size (75 MB)
against 15 million rows; kept per snapshot, shared by every session of the process.
"""

from __future__ import annotations

import polars as pl

from lib.engine.cohort import Cohort
from lib.engine.disclosure import keyed
from lib.engine.indicators import GROUPS, OLDER_AGE
from lib.engine.snapshot import Snapshot
from lib.stats.memo import PerSnapshot

# The age limits every rule reads: the age bands' (lib.engine.indicators.age_band_expr and
# lib/stats/expected.py's codes) and the older group's; the youth group's limit is a setting,
# added per cube.
AGE_LIMITS = (25, 35, 45, OLDER_AGE)
# The groups held as columns (the age groups read the age)
GROUP_COLUMNS = tuple(dict.fromkeys(g.column for g in GROUPS.values() if g.column))
CUBE_KEYS = ("municipality_code", "midx", "age", "education", "duration_band", *GROUP_COLUMNS)
# Younger and older than this, a youth limit is not a limit the cube can stand for.
YOUTH_AGES = range(16, OLDER_AGE + 1)


def duration_code(days: str = "unemployment_days") -> pl.Expr:
    """Index into lib/stats/expected.py's DURATION_BANDS, then 5 ('not unemployed') when not
    unemployed on the day."""
    d = pl.col(days)
    bands = pl.when(d.is_null()).then(5).when(d < 91).then(0).when(d < 182).then(1)
    return bands.when(d < 365).then(2).when(d < 730).then(3).otherwise(4).cast(pl.Int8)


def coarse_age(youth_age: int) -> pl.Expr:
    """The age replaced by the lowest age of its class between the limits (AGE_LIMITS and
    youth_age; below the first limit, the limit minus one): for every limit b, `age < b` and
    `age >= b` are the same for the coarse age as for the age itself, so the youth and older
    groups, the age bands and the model's age codes read it alike. Null stays null."""
    limits = sorted({*AGE_LIMITS, youth_age})
    age = pl.col("age")
    expr = pl.when(age < limits[0]).then(pl.lit(limits[0] - 1))
    for low, high in zip(limits, limits[1:], strict=False):
        expr = expr.when(age < high).then(pl.lit(low))
    return expr.when(age.is_not_null()).then(pl.lit(limits[-1])).cast(pl.Int16).alias("age")


def answers(cohort: Cohort) -> bool:
    """Whether the cube answers this cohort: groups only (no person filters, which read
    attributes the cube does not keep) and a youth limit it can stand for."""
    return not cohort.where and cohort.youth_age in YOUTH_AGES and cohort.problem() is None


_CUBES = PerSnapshot(kept=4)


def exit_cube(snap: Snapshot, youth_age: int) -> pl.DataFrame:
    """The at-risk person-months summed by CUBE_KEYS (see the module docstring), kept per
    snapshot and youth limit."""
    key = ("exit cube", youth_age)
    return _CUBES.get(snap, key, lambda: snap.on_disk(key, lambda: _exit_cube(snap, youth_age)))


def _exit_cube(snap: Snapshot, youth_age: int) -> pl.DataFrame:
    rows = (
        snap.panel.lazy()
        .filter((pl.col("status") == "unemployed") & (pl.col("midx") + 1 <= snap.last_month))
        .select(
            "pid",
            "municipality_code",
            *GROUP_COLUMNS,
            "education",
            "employed_next",
            midx=pl.col("midx") + 1,
            age=coarse_age(youth_age),
            duration_band=duration_code(),
        )
    )
    y = pl.col("employed_next").cast(pl.Int64)
    return (
        keyed(rows, snap.record_keys())
        .group_by(*CUBE_KEYS)
        .agg(
            n=pl.len().cast(pl.Int64),
            y=y.sum(),
            k=pl.col("rkey").sum(),
            yk=(pl.col("rkey") * y).sum(),
        )  # fmt: skip
        .with_columns(pl.col("municipality_code").cast(pl.String))  # the panel's: categorical
        .collect()
    )


def cube_for(snap: Snapshot, cohort: Cohort) -> pl.LazyFrame:
    """The cube's cells of the cohort's persons (its groups applied)."""
    cube = exit_cube(snap, cohort.youth_age).lazy()
    g = cohort.group_filter()
    return cube if g is None else cube.filter(g)
