"""Did the trial work? Difference-in-differences of the exit rate and the event study.

The unit that was treated is the municipality, so the estimate is built from one contrast per
municipality and its uncertainty from how those contrasts vary between municipalities:

1. For each municipality m, its exit rate before the trial's start (all person-months at risk
   pooled) and from the start to as_of: the change d_m = after_m - before_m (percentage points).
2. The estimate is the at-risk-weighted mean change of the trial municipalities minus that of
   the comparison municipalities (weights w_m = person-months at risk in m, before and after).
   With two municipalities and two periods this is the textbook difference-in-differences.
3. Its variance adds the two sides' variances of a weighted mean of independent municipal
   changes. Each change varies by binomial sampling (s_m^2 = p(1-p)/n before + after) and by
   municipality-level shocks (tau^2, estimated from the comparison municipalities as in a
   random-effects meta-analysis). A side with 20 municipalities or more uses the empirical
   spread of its municipalities' changes instead (cluster-robust); with fewer, the model
   variance (tau^2 + s_m^2) is used, because an empirical variance from a handful of clusters
   is far too small. The 95 % interval is estimate +- 1.96 standard errors.

Disclosure (lib/engine/disclosure.py): the estimates and intervals are shown as computed (they
are not counts), but only where each side has at least the threshold of person-months (or
episodes) at risk after perturbation; the counts of person-months and episodes that leave are
perturbed by their cell keys, which the cells carry (k: the sum of the record keys of the
person-months, or episodes, a cell counts). min_count 0 gives exact counts (the operator's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.disclosure import keyed, perturb_counts
from lib.engine.indicators import IndicatorError
from lib.engine.intervals import Z95
from lib.engine.months import month_label, month_of_date
from lib.engine.snapshot import Snapshot
from lib.stats import cells as at_risk
from lib.stats.memo import PerSnapshot

MIN_EMPIRICAL_CLUSTERS = 20


# --------------------------------------------------------------------------------------------
# The at-risk cells


def trial_start_month(snap: Snapshot) -> int:
    """Month index of the trial's start (the trial with the most trial municipalities)."""
    counts = (
        snap.municipalities.filter(pl.col("trial_id").is_not_null())
        .group_by("trial_id")
        .len()
        .sort("len", descending=True)
    )
    if counts.height == 0:
        raise IndicatorError(
            "No trial municipalities in the loaded extract: nothing to compare.", key="no_trial"
        )
    tid = counts["trial_id"][0]
    start = snap.trials.filter(pl.col("trial_id") == tid)["start_date"][0]
    return month_of_date(start)


# The page reads the effect, the effect per area and the event study of one cohort, each from
# the same cells, whose making is the costly part (a pass over every person-month of the panel).
_CELLS = PerSnapshot(kept=8)


def exit_cells(snap: Snapshot, cohort: Cohort = EVERYONE) -> pl.DataFrame:
    """Person-months at risk (n), exits (y) and the cell key of n (k) per municipality and
    month t.

    At risk in t: unemployed on the last day of t-1 (the exit_rate indicator's denominator);
    exit: an employed spell starts in t. The cohort is read on the last day of t-1. Kept for
    the last few snapshots and cohorts (the frame is small: municipalities x months)."""
    return _CELLS.get(snap, cohort, lambda: _exit_cells(snap, cohort))


def _exit_cells(snap: Snapshot, cohort: Cohort) -> pl.DataFrame:
    """From the snapshot's cube of at-risk person-months (lib/stats/cells.py) where it answers
    the cohort (groups, no person filters), else from the panel: the same cells."""
    if not at_risk.answers(cohort):
        return exit_cells_direct(snap, cohort)
    summed = (
        at_risk.cube_for(snap, cohort)
        .filter(pl.col("midx").is_between(snap.first_month + 1, snap.last_month))
        .group_by("municipality_code", "midx")
        .agg(pl.col("n").sum(), pl.col("y").sum(), pl.col("k").sum())
        .collect()
    )
    return _finish_cells(snap, summed)


def exit_cells_direct(snap: Snapshot, cohort: Cohort = EVERYONE) -> pl.DataFrame:
    """`exit_cells` from a pass over the panel (nothing kept): the definition."""
    rows = cohort.apply(snap.panel.filter(pl.col("status") == "unemployed"))
    summed = (
        keyed(rows, snap.record_keys())
        .with_columns(midx=pl.col("midx") + 1)
        .filter(pl.col("midx").is_between(snap.first_month + 1, snap.last_month))
        .group_by("municipality_code", "midx")
        .agg(n=pl.len(), y=pl.col("employed_next").sum(), k=pl.col("rkey").sum())
    )
    return _finish_cells(snap, summed)


def _finish_cells(snap: Snapshot, summed: pl.DataFrame) -> pl.DataFrame:
    """The cells with their trial area, in one order (municipality, month) and one type per
    column whichever way they were summed, so that everything computed from them (sums of
    floats over the cells in their order) is the same to the last bit."""
    return (
        summed.with_columns(
            pl.col("municipality_code").cast(pl.String),  # the panel's is categorical
            pl.col("n").cast(pl.Int64),
            pl.col("y").cast(pl.Int64),
            pl.col("k").cast(pl.Int64),
        )
        .join(
            snap.municipalities.select("municipality_code", "trial_area_id"),
            on="municipality_code",
        )
        .sort("municipality_code", "midx")
    )


# --------------------------------------------------------------------------------------------
# Difference-in-differences


@dataclass(frozen=True)
class Effect:
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    trial_municipalities: int
    comparison_municipalities: int
    method_trial: str  # empirical | model
    method_comparison: str


def municipal_changes(cells: pl.DataFrame, start: int) -> pl.DataFrame:
    """Per municipality: before and after rates (%), their change, weight and sampling variance
    (and the cell keys of its before and after counts, k0 and k1)."""
    if "k" not in cells.columns:
        cells = cells.with_columns(k=pl.lit(0, pl.Int64))
    per = (
        cells.with_columns(after=pl.col("midx") >= start)
        .group_by("municipality_code", "trial_area_id", "after")
        .agg(n=pl.col("n").sum(), y=pl.col("y").sum(), k=pl.col("k").sum())
    )
    before = per.filter(~pl.col("after")).select(
        "municipality_code", "trial_area_id", n0="n", y0="y", k0="k"
    )
    after = per.filter(pl.col("after")).select("municipality_code", n1="n", y1="y", k1="k")
    m = before.join(after, on="municipality_code", how="inner").filter(
        (pl.col("n0") > 0) & (pl.col("n1") > 0)
    )
    p0 = pl.col("y0") / pl.col("n0")
    p1 = pl.col("y1") / pl.col("n1")
    return m.with_columns(
        rate_before=100 * p0,
        rate_after=100 * p1,
        change=100 * (p1 - p0),
        weight=(pl.col("n0") + pl.col("n1")).cast(pl.Float64),
        # binomial variance of the change, in percentage points squared
        s2=1e4 * (p0 * (1 - p0) / pl.col("n0") + p1 * (1 - p1) / pl.col("n1")),
    ).sort("municipality_code")


def _tau2(d: np.ndarray, s2: np.ndarray, w: np.ndarray) -> float:
    """Between-municipality variance of true changes (method of moments, DerSimonian-Laird)."""
    if len(d) < 2:
        return 0.0
    iv = 1 / np.maximum(s2, 1e-12)
    mean = np.sum(iv * d) / np.sum(iv)
    q = np.sum(iv * (d - mean) ** 2)
    c = np.sum(iv) - np.sum(iv**2) / np.sum(iv)
    return max(0.0, (q - (len(d) - 1)) / c) if c > 0 else 0.0


def _side(d: np.ndarray, s2: np.ndarray, w: np.ndarray, tau2: float) -> tuple[float, float, str]:
    """Weighted mean change of one side and its variance."""
    wn = w / w.sum()
    mean = float(np.sum(wn * d))
    g = len(d)
    if g >= MIN_EMPIRICAL_CLUSTERS:
        var = g / (g - 1) * float(np.sum(wn**2 * (d - mean) ** 2))
        return mean, var, "empirical"
    return mean, float(np.sum(wn**2 * (tau2 + s2))), "model"


def did(changes: pl.DataFrame, treated: pl.Expr, control: pl.Expr) -> Effect:
    """The difference-in-differences from per-municipality changes (see the module docstring)."""
    t = changes.filter(treated)
    c = changes.filter(control)
    if t.height == 0 or c.height == 0:
        return Effect(None, None, None, None, t.height, c.height, "-", "-")

    def cols(f: pl.DataFrame) -> tuple[np.ndarray, ...]:
        return tuple(f[k].to_numpy().astype(float) for k in ("change", "s2", "weight"))

    (dt_, st, wt), (dc, sc, wc) = cols(t), cols(c)
    tau2 = _tau2(dc, sc, wc)
    mt, vt, how_t = _side(dt_, st, wt, tau2)
    mc, vc, how_c = _side(dc, sc, wc, tau2)
    est = mt - mc
    se = math.sqrt(vt + vc)
    return Effect(est, est - Z95 * se, est + Z95 * se, se, t.height, c.height, how_t, how_c)


def counted(frame: pl.DataFrame, *pairs: tuple[str, str]) -> tuple[int, int]:
    """(count, cell key) of a side: the sums of its (count column, key column) pairs."""
    return (
        sum(int(frame[c].sum()) for c, _ in pairs),
        sum(int(frame[k].sum()) for _, k in pairs),
    )


def protected(
    snap: Snapshot, sides: list[tuple[int, int]], min_count: int
) -> tuple[list[int], int, bool]:
    """The counts behind an estimate as they may leave: each side's (count, cell key) and
    their total, perturbed with a threshold (min_count > 0), exact without; and whether the
    estimate may be shown (every side at least min_count after perturbation)."""
    n = [c for c, _ in sides]
    if min_count <= 0:
        return n, sum(n), True
    k = [key for _, key in sides]
    cells = pl.DataFrame(
        {"n": [*n, sum(n)], "k": [*k, sum(k)]}, schema={"n": pl.Int64, "k": pl.Int64}
    )
    out = perturb_counts(cells, {"n": "k"}, snap.disclosure_key)["n"].to_list()
    return out[:-1], out[-1], all(v >= min_count for v in out[:-1])


def effect_table(
    snap: Snapshot, by: str | None = None, cohort: Cohort = EVERYONE, min_count: int = 0
) -> pl.DataFrame:
    """The trial effect on the exit rate: overall, or per trial area (`by="trial_area_id"`).

    With a threshold (min_count > 0) person_months is perturbed and the estimate and its
    interval are left out (null) where either side has fewer person-months than min_count."""
    if by not in (None, "trial_area_id"):
        raise IndicatorError("The effect can be broken down by trial_area_id only.")
    start = trial_start_month(snap)
    if start <= snap.first_month + 1:
        raise IndicatorError(
            "The extract has no months before the trial's start: a before-after comparison "
            "needs data from before it.",
            key="no_before",
        )
    changes = municipal_changes(exit_cells(snap, cohort), start)
    control = pl.col("trial_area_id").is_null()
    if by is None:
        keys = [({}, pl.col("trial_area_id").is_not_null())]
    else:
        areas = snap.trial_areas["trial_area_id"].sort().to_list()
        keys = [({"trial_area_id": a}, pl.col("trial_area_id") == a) for a in areas]
    records = []
    for key, treated in keys:
        e = did(changes, treated, control)
        t, c = changes.filter(treated), changes.filter(control)
        sides = [counted(f, ("n0", "k0"), ("n1", "k1")) for f in (t, c)]
        _, pm, shown = protected(snap, sides, min_count)
        shown = shown and e.estimate is not None
        records.append(
            {
                **key,
                "estimate": e.estimate if shown else None,
                "ci_low": e.ci_low if shown else None,
                "ci_high": e.ci_high if shown else None,
                "trial_municipalities": e.trial_municipalities,
                "comparison_municipalities": e.comparison_municipalities,
                "person_months": pm if t.height else 0,
            }
        )
    schema = ({"trial_area_id": pl.String} if by else {}) | {
        "estimate": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "trial_municipalities": pl.Int64,
        "comparison_municipalities": pl.Int64,
        "person_months": pl.Int64,
    }
    return pl.DataFrame(records, schema=schema, orient="row")


# --------------------------------------------------------------------------------------------
# Event study


def event_study(
    snap: Snapshot, trial_area_id: str | None = None, cohort: Cohort = EVERYONE, min_count: int = 0
) -> pl.DataFrame:
    """Effect by month relative to the start (k = 0 is the first trial month), with intervals.

    Each municipality's monthly rate is taken relative to its own before-period rate; the
    coefficient of month k is the trial side's weighted mean of those deviations minus the
    comparison side's, with the same variance rules as the overall estimate. Before the start
    the coefficients should hover around zero if the trends were parallel. With a threshold
    (min_count > 0) a month's person_months is perturbed and its coefficient left out (null)
    where either side has fewer person-months at risk than min_count.
    """
    start = trial_start_month(snap)
    cells = exit_cells(snap, cohort)
    base = (
        cells.filter(pl.col("midx") < start)
        .group_by("municipality_code")
        .agg(b=pl.col("y").sum() / pl.col("n").sum())
    )
    treated = (
        pl.col("trial_area_id") == trial_area_id
        if trial_area_id
        else pl.col("trial_area_id").is_not_null()
    )
    control = pl.col("trial_area_id").is_null()
    c = (
        cells.join(base, on="municipality_code", how="inner")
        .with_columns(
            dev=100 * (pl.col("y") / pl.col("n") - pl.col("b")),
            s2=1e4 * pl.col("b") * (1 - pl.col("b")) / pl.col("n"),
            side=pl.when(treated).then(pl.lit("trial")).when(control).then(pl.lit("comparison")),
        )
        .filter(pl.col("side").is_not_null() & (pl.col("n") > 0))
    )
    out = []
    for (midx,), part in c.partition_by("midx", as_dict=True, maintain_order=True).items():
        t = part.filter(pl.col("side") == "trial")
        k = part.filter(pl.col("side") == "comparison")
        if t.height == 0 or k.height == 0:
            continue
        dc, sc, wc = (k[x].to_numpy().astype(float) for x in ("dev", "s2", "n"))
        tau2 = _tau2(dc, sc, wc)
        mt, vt, _ = _side(*(t[x].to_numpy().astype(float) for x in ("dev", "s2", "n")), tau2)
        mc, vc, _ = _side(dc, sc, wc, tau2)
        est, se = mt - mc, math.sqrt(vt + vc)
        _, pm, shown = protected(snap, [counted(f, ("n", "k")) for f in (t, k)], min_count)
        out.append(
            {
                "relative_month": midx - start,
                "month": month_label(midx),
                "estimate": est if shown else None,
                "ci_low": est - Z95 * se if shown else None,
                "ci_high": est + Z95 * se if shown else None,
                "person_months": pm,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "relative_month": pl.Int64,
            "month": pl.String,
            "estimate": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "person_months": pl.Int64,
        },
    ).sort("relative_month")


@dataclass(frozen=True)
class PreTrend:
    slope_per_year: float | None  # percentage points a year, before the start
    ci_low: float | None
    ci_high: float | None
    months: int
    share_covering_zero: float | None
    parallel: bool | None


def pre_trend(events: pl.DataFrame) -> PreTrend:
    """Is there a trend in the before-period event coefficients? (weighted least squares)"""
    pre = events.filter((pl.col("relative_month") < 0) & pl.col("estimate").is_not_null())
    if pre.height < 3:
        return PreTrend(None, None, None, pre.height, None, None)
    x = pre["relative_month"].to_numpy().astype(float)
    y = pre["estimate"].to_numpy()
    se = ((pre["ci_high"] - pre["ci_low"]) / (2 * Z95)).to_numpy()
    w = 1 / np.maximum(se, 1e-9) ** 2
    xm = np.sum(w * x) / np.sum(w)
    ym = np.sum(w * y) / np.sum(w)
    sxx = np.sum(w * (x - xm) ** 2)
    slope = np.sum(w * (x - xm) * (y - ym)) / sxx
    resid = y - ym - slope * (x - xm)
    # scale by the residual spread when it exceeds the stated errors (overdispersion)
    phi = max(1.0, float(np.sum(w * resid**2) / (len(x) - 2)))
    se_slope = math.sqrt(phi / sxx)
    covering = float(((pre["ci_low"] <= 0) & (pre["ci_high"] >= 0)).mean())
    lo, hi = slope - Z95 * se_slope, slope + Z95 * se_slope
    return PreTrend(12 * slope, 12 * lo, 12 * hi, pre.height, covering, bool(lo <= 0 <= hi))


# --------------------------------------------------------------------------------------------
# The effect on placement at N days
#
# The same difference-in-differences as the exit rate's, with coaching episodes in place of
# person-months at risk: an episode belongs to the month it ended and to the municipality its
# person was in on the day before it started (the placement indicator's rules); "before" is the
# episodes that ended before the trial's start month, "after" those that ended from it on, each
# only when its outcome day (end + N) is on or before the as-of date. Each municipality's
# before and after shares are pooled over its episodes; the estimate and its interval are built
# by `did` exactly as for the exit rate, weighted by the municipality's episodes.


def placement_cells(snap: Snapshot, days: int = 90, cohort: Cohort = EVERYONE) -> pl.DataFrame:
    """Observable coaching episodes (n) and those employed `days` after the end (y), per
    municipality and month of ending (the placement_rate_{days} indicator's units)."""
    if days not in (14, 90, 180):
        raise IndicatorError("Placement is measured at 14, 90 or 180 days.")
    ep = snap.episodes
    if "end" not in ep.columns:
        raise IndicatorError(
            "The loaded extract has no service episodes: placement cannot be compared."
        )
    ep = cohort.apply(
        ep.filter(
            (pl.col("service_type") == "coaching")
            & pl.col(f"observable_{days}")
            & pl.col("municipality_code").is_not_null()
            & (pl.col("midx") <= snap.last_month)
        )
    )
    return (
        keyed(ep, snap.record_keys())
        .group_by("municipality_code", "midx")
        .agg(
            n=pl.len(),
            y=(pl.col(f"status_{days}") == "employed").fill_null(False).sum(),
            k=pl.col("rkey").sum(),
        )
        .join(
            snap.municipalities.select("municipality_code", "trial_area_id"),
            on="municipality_code",
        )
    )


def _weighted(frame: pl.DataFrame, column: str) -> float | None:
    if frame.height == 0:
        return None
    w = frame["weight"].to_numpy().astype(float)
    return float(np.sum(w * frame[column].to_numpy().astype(float)) / w.sum())


def placement_effect_table(
    snap: Snapshot,
    by: str | None = None,
    cohort: Cohort = EVERYONE,
    days: int = 90,
    min_count: int = 0,
) -> pl.DataFrame:
    """The trial effect on placement at `days` days, overall or per trial area: each side's
    before and after means (of its municipalities' shares, weighted by their episodes before
    and after, the weights of the estimate, so that after - before of the trial minus that of
    the comparison is the estimate), the estimate with its 95 % interval, the municipalities
    and the episodes behind it. With a threshold (min_count > 0) the episodes are perturbed, a
    mean over fewer than `min_count` episodes (after perturbation) is left out (`suppressed`),
    as a rate with a denominator under the threshold is, and the estimate where either side has
    fewer, as the exit rate's is."""
    if by not in (None, "trial_area_id"):
        raise IndicatorError("The effect can be broken down by trial_area_id only.")
    start = trial_start_month(snap)
    changes = municipal_changes(placement_cells(snap, days, cohort), start)
    control = pl.col("trial_area_id").is_null()
    if by is None:
        keys = [({}, pl.col("trial_area_id").is_not_null())]
    else:
        areas = snap.trial_areas["trial_area_id"].sort().to_list()
        keys = [({"trial_area_id": a}, pl.col("trial_area_id") == a) for a in areas]
    records = []
    for key, treated in keys:
        e = did(changes, treated, control)
        t, c = changes.filter(treated), changes.filter(control)
        parts = [
            (f"{name}_{when}", side, pair)
            for name, side in (("trial", t), ("comparison", c))
            for when, pair in (("before", ("n0", "k0")), ("after", ("n1", "k1")))
        ]
        counts, _, _ = protected(snap, [counted(side, pair) for _, side, pair in parts], min_count)
        means = {
            column: _weighted(side, f"rate_{column.split('_')[1]}")
            if n >= max(min_count, 1)
            else None
            for (column, side, _), n in zip(parts, counts, strict=True)
        }
        sides = [counted(f, ("n0", "k0"), ("n1", "k1")) for f in (t, c)]
        _, episodes, shown = protected(snap, sides, min_count)
        shown = shown and e.estimate is not None
        hidden = any(v is None for v in means.values()) and t.height > 0 and c.height > 0
        records.append(
            {
                **key,
                **means,
                "estimate": e.estimate if shown else None,
                "ci_low": e.ci_low if shown else None,
                "ci_high": e.ci_high if shown else None,
                "trial_municipalities": e.trial_municipalities,
                "comparison_municipalities": e.comparison_municipalities,
                "episodes": episodes if t.height else 0,
                "suppressed": hidden,
            }
        )
    schema = ({"trial_area_id": pl.String} if by else {}) | {
        "trial_before": pl.Float64,
        "trial_after": pl.Float64,
        "comparison_before": pl.Float64,
        "comparison_after": pl.Float64,
        "estimate": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "trial_municipalities": pl.Int64,
        "comparison_municipalities": pl.Int64,
        "episodes": pl.Int64,
        "suppressed": pl.Boolean,
    }
    return pl.DataFrame(records, schema=schema, orient="row")
