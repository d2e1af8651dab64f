"""Counts of persons that no indicator gives yet: the state office's caseload on a month end.

Read through lib/engine/access.py (`Reader.state_caseload`), like every figure.
"""

from __future__ import annotations

import polars as pl

from lib.engine.cohort import Cohort
from lib.engine.indicators import age_band_expr
from lib.engine.months import month_index
from lib.engine.snapshot import Snapshot


def state_caseload_before(
    snap: Snapshot,
    month: str,
    municipalities: tuple[str, ...],
    cohort: Cohort,
    min_count: int,
) -> tuple[float | None, bool]:
    """(number, suppressed): job seekers with an open state responsibility spell in these
    municipalities on the last day of the month before `month` ('YYYY-MM'), the cohort read that
    day. (None, False) when the extract does not reach back to that month; (None, True) when the
    number is under the disclosure threshold.

    The Caseload page's planned transfers: those the trial was planned to take over."""
    before = month_index(month) - 1
    if before < snap.first_month:
        return None, False
    rows = snap.panel.filter(
        (pl.col("midx") == before) & (pl.col("organisation") == "state")
    ).with_columns(age_band=age_band_expr())
    rows = cohort.apply(rows)
    n = rows.filter(pl.col("municipality_code").is_in(list(municipalities))).height
    if min_count > 0 and n < min_count:
        return None, True
    return float(n), False
