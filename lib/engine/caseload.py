"""Counts of persons that no indicator gives yet, and the plan they are measured against.

- the state office's caseload on a month end (`state_caseload_table`): the Caseload page's
  plan, the job seekers the trial was to take over at its start;
- `plan_status`: the initial transfer set against that plan, a share and a status.

Read through lib/engine/access.py (`Reader.state_caseload`, `Reader.state_caseload_table`),
like every figure; counts perturbed and thresholded as every count of persons
(lib/engine/disclosure.py).
"""

from __future__ import annotations

import polars as pl

from lib.engine.cohort import Cohort
from lib.engine.disclosure import keyed, perturb_counts
from lib.engine.indicators import age_band_expr
from lib.engine.months import month_index
from lib.engine.snapshot import Snapshot

# The initial transfer is on plan when it is within PLAN_TOLERANCE per cent of the plan
# (95-105 %): wider than the perturbation's +-2 persons moves the share of an area of a few
# hundred job seekers, narrower than a shortfall anyone would call on plan.
PLAN_TOLERANCE = 5.0
PLAN_STATUSES = ("below", "on_plan", "above")

_TABLE_SCHEMA = {"unit": pl.String, "value": pl.Float64, "suppressed": pl.Boolean}


def state_caseload_table(
    snap: Snapshot,
    month: str,
    units: tuple[tuple[str, tuple[str, ...]], ...],
    cohort: Cohort,
    min_count: int,
) -> pl.DataFrame:
    """unit, value, suppressed: per unit (an id and its municipalities, e.g. a trial area) the
    job seekers with an open state responsibility spell there on the last day of the month
    before `month` ('YYYY-MM'), the cohort read that day; in the order of `units`.

    With a threshold (min_count > 0) each count is perturbed by its cell key and suppressed
    (value null) under the threshold, as an indicator's counts are. Empty when the extract
    does not reach back to that month."""
    before = month_index(month) - 1
    if before < snap.first_month or not units:
        return pl.DataFrame(schema=_TABLE_SCHEMA)
    rows = snap.panel.filter(
        (pl.col("midx") == before) & (pl.col("organisation") == "state")
    ).with_columns(age_band=age_band_expr())
    rows = keyed(
        cohort.apply(rows).select("pid", pl.col("municipality_code").cast(pl.String)),
        snap.record_keys(),
    )
    membership = pl.DataFrame(
        [(i, u, m) for i, (u, ms) in enumerate(units) for m in ms],
        schema={"order": pl.Int64, "unit": pl.String, "municipality_code": pl.String},
        orient="row",
    )
    cells = (
        membership.join(rows, on="municipality_code", how="left")
        .group_by("order", "unit")
        .agg(n=pl.col("pid").count().cast(pl.Float64), k=pl.col("rkey").sum())
    )
    # units without municipalities still get their row (zero)
    cells = (
        pl.DataFrame(
            {"order": list(range(len(units))), "unit": [u for u, _ in units]},
            schema={"order": pl.Int64, "unit": pl.String},
        )
        .join(cells, on=["order", "unit"], how="left")
        .with_columns(pl.col("n").fill_null(0.0), pl.col("k").fill_null(0))
        .sort("order")
    )
    if min_count <= 0:
        return cells.select("unit", value="n", suppressed=pl.lit(False))
    cells = perturb_counts(cells, {"n": "k"}, snap.disclosure_key)
    hidden = pl.col("n") < min_count
    return cells.select(
        "unit",
        value=pl.when(hidden).then(None).otherwise(pl.col("n").cast(pl.Float64)),
        suppressed=hidden,
    )


def state_caseload_before(
    snap: Snapshot,
    month: str,
    municipalities: tuple[str, ...],
    cohort: Cohort,
    min_count: int,
) -> tuple[float | None, bool]:
    """(number, suppressed): `state_caseload_table` for these municipalities together.
    (None, False) when the extract does not reach back to that month; (None, True) when the
    number is under the disclosure threshold.

    The Caseload page's plan: those the trial was to take over at its start."""
    table = state_caseload_table(snap, month, (("all", tuple(municipalities)),), cohort, min_count)
    if table.height == 0:
        return None, False
    row = table.row(0, named=True)
    return row["value"], bool(row["suppressed"])


def plan_status(frame: pl.DataFrame, tolerance: float = PLAN_TOLERANCE) -> pl.DataFrame:
    """`frame` (columns planned and initial, null where not shown) with share (the initial
    transfer in % of the plan) and status: 'below' under 100 - tolerance, 'above' over
    100 + tolerance, else 'on_plan'; both null where either number is missing or the plan is
    zero. Later transfers are not part of it: the plan is the stock on the day before the
    start, which only the initial transfer is measured against."""
    share = (
        pl.when(pl.col("planned") > 0)
        .then(100.0 * pl.col("initial") / pl.col("planned"))
        .otherwise(None)
    )
    status = (
        pl.when(pl.col("share").is_null())
        .then(None)
        .when(pl.col("share") < 100.0 - tolerance)
        .then(pl.lit("below"))
        .when(pl.col("share") > 100.0 + tolerance)
        .then(pl.lit("above"))
        .otherwise(pl.lit("on_plan"))
    )
    return frame.with_columns(share=share).with_columns(status=status)
