"""Expected against actual: each municipality's and provider's rate beside the rate its clients'
make-up predicts (as Denmark ranks municipalities and Sweden rates coaching providers).

Pure Polars/NumPy: the analytic snapshot in, frames out. Three steps, each testable on its own:

1. `fit` a model of the outcome given the make-up (age band, unemployment-duration band, foreign
   citizenship, education, reduced work capacity, and optionally the calendar month, quarter or
   year) on the reference rows: a main-effects logistic regression fitted by iteratively
   reweighted least squares (NumPy only) on the rows grouped into cells, or the cell means
   (`kind="cells"`, saturated) with the logistic prediction for thin cells;
2. `predict` each unit row's probability;
3. `compare`: per unit (municipality, trial area, provider), actual rate, expected rate (the mean
   predicted probability of its own rows), the difference and its 95 % interval
   (var = sum p (1 - p) / n^2, the binomial variance of the actual rate if the model were right,
   plus for the logistic model the variance of the expected rate from the model's estimation,
   by the delta method), the rating rule (providers rated from 18 finished episodes up) and
   disclosure control.

`expected_exit` (monthly exit to employment of the unemployed) and `expected_placement`
(placement D days after coaching) put the three together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.disclosure import apply_disclosure_control, keyed, perturb_counts
from lib.engine.errors import FigureError
from lib.engine.indicators import AGE_BANDS, GEO_DIMS
from lib.engine.intervals import Z95
from lib.engine.months import month_index, month_label_expr, quarter_label_expr
from lib.engine.snapshot import PLACEMENT_DAYS, Snapshot, attributes_at, group_parts
from lib.stats import cells as at_risk
from lib.stats.memo import PerSnapshot

COVARIATES = ("age_band", "duration_band", "foreign", "education", "reduced_work_capacity")
DURATION_BANDS = ("<3 months", "3-6 months", "6-12 months", "12-24 months", "24+ months")
NOT_UNEMPLOYED = "not unemployed"
CALENDARS = ("month", "quarter", "year")
REFERENCES = ("comparison", "all")
KINDS = ("logit", "cells")
MIN_RATED_PROVIDER = 18  # Sweden's employment service rates providers from 18 participants up
MIN_CELL = 20  # cells model: thinner cells take the logistic prediction

METHOD = (
    "Expected against actual compares each municipality's (or provider's) result with the "
    "result its own clients would have been expected to reach, given who they are. A model of "
    "the outcome - moving from unemployment to open-market employment within the month, or "
    "being employed 90 days after coaching ended - is estimated on the reference group (the "
    "comparison municipalities, before and after the trial's start, unless the whole register "
    "is chosen) from the clients' age band, how long they have been unemployed (under 3, 3-6, "
    "6-12, 12-24, 24+ months), foreign citizenship, education and reduced work capacity, with "
    "the calendar month (or quarter) so that seasons and the business cycle weigh the same for "
    "everyone. The model is a logistic regression with one term per characteristic. A "
    "municipality's expected rate is the average of its own clients' predicted chances; the "
    "difference is actual minus expected, in percentage points, with a 95 % interval from the "
    "binomial variation of the actual rate around the predicted chances (sum of p(1-p) over n "
    "squared) plus the uncertainty of the model's own estimates. It does not allow for the same"
    " person counting in many months, nor for lasting local differences, so it is on the narrow"
    " side. Providers are rated only from 18 finished episodes up, as the Swedish employment "
    "service does; figures for fewer clients than the disclosure threshold are not shown. Trial"
    " areas applied to join, so trial and comparison municipalities differ in ways the model "
    "does not see (local labour markets, employers, services): a difference is descriptive, not"
    " the trial's effect, unless the before-period trends ran parallel; the difference-in-"
    "differences on the Evaluation page is the estimate of the effect."
)


# Base level first: the most common make-up, so the terms read as "against 25-34, ...".
_LEVEL_ORDER = {
    "age_band": ("25-34", "<25", "35-44", "45-54", "55+"),
    "duration_band": (*DURATION_BANDS, NOT_UNEMPLOYED),
    "foreign": ("false", "true"),
    "education": ("upper_secondary", "basic", "tertiary", "unknown"),
    "reduced_work_capacity": ("false", "true"),
}


class ExpectedError(FigureError):
    """A request that cannot be answered, with a message that says why and what to do."""


# --------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Model:
    """A fitted model of a 0/1 outcome given categorical covariates."""

    covariates: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]  # per covariate, the reference data's levels (first: base)
    coef: np.ndarray  # intercept, then one per non-base level, in covariate order
    cov: np.ndarray  # estimated covariance of coef
    mean_dummies: np.ndarray  # reference share of each dummy (stands in for unseen levels)
    kind: str = "logit"
    cells: pl.DataFrame | None = None  # kind="cells": covariates..., _cell_p
    n: int = 0
    events: int = 0
    iterations: int = 0
    converged: bool = True


def _as_text(frame: pl.DataFrame, covariates) -> pl.DataFrame:
    return frame.with_columns([pl.col(c).cast(pl.String).fill_null("unknown") for c in covariates])


def _ordered_levels(covariate: str, seen: list[str]) -> tuple[str, ...]:
    """The levels in their natural order (the first is the model's base level)."""
    order = _LEVEL_ORDER.get(covariate, ())
    known = [lv for lv in order if lv in seen]
    return tuple(known + sorted(lv for lv in seen if lv not in order))


def _block(frame: pl.DataFrame, c: str, levels, mean_dummies=None) -> np.ndarray:
    """The dummies of covariate c (one per non-base level); a level unseen in the reference
    takes `mean_dummies`, the reference's average of those dummies."""
    k = len(levels) - 1
    if k == 0:
        return np.zeros((frame.height, 0))
    block = frame.select(
        [(pl.col(c) == lv).cast(pl.Float64).alias(str(j)) for j, lv in enumerate(levels[1:])]
    ).to_numpy(writable=True)
    if mean_dummies is not None:
        unseen = (~frame[c].is_in(list(levels))).to_numpy()
        if unseen.any():
            block[unseen] = mean_dummies
    return block


def _design(frame: pl.DataFrame, model_levels: dict, covariates, mean_dummies=None) -> np.ndarray:
    """Intercept + dummies of every covariate."""
    blocks = [np.ones((frame.height, 1))]
    offset = 0
    for c in covariates:
        k = len(model_levels[c]) - 1
        mean = None if mean_dummies is None else mean_dummies[offset : offset + k]
        blocks.append(_block(frame, c, model_levels[c], mean))
        offset += k
    return np.hstack(blocks)


def irls(
    x: np.ndarray,
    y: np.ndarray,
    n: np.ndarray,
    max_iter: int = 50,
    tol: float = 1e-12,
    ridge: float = 1e-9,
) -> tuple[np.ndarray, int, bool]:
    """Binomial logistic regression on grouped rows (y successes of n) by IRLS.

    Stops when the log-likelihood changes by less than `tol` (relative), as R's glm does, so a
    level with only successes or only failures (separation: its coefficient drifts off to
    infinity) still converges, to a probability of almost 0 or 1. A tiny ridge on the
    non-intercept terms keeps the normal equations solvable. Returns (coef, iterations,
    converged).
    """
    rate = min(max(y.sum() / n.sum(), 1e-6), 1 - 1e-6)
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(rate / (1 - rate))
    penalty = np.full(x.shape[1], ridge)
    penalty[0] = 0.0

    def loglik(b: np.ndarray) -> float:
        p = np.clip(1 / (1 + np.exp(-(x @ b))), 1e-300, 1 - 1e-16)
        return float(np.sum(y * np.log(p) + (n - y) * np.log1p(-p)))

    old = loglik(beta)
    for it in range(1, max_iter + 1):
        eta = x @ beta
        p = np.clip(1 / (1 + np.exp(-eta)), 1e-12, 1 - 1e-12)
        w = n * p * (1 - p)
        z = eta + (y - n * p) / w
        xtw = x.T * w
        beta = np.linalg.solve(xtw @ x + np.diag(penalty), xtw @ z)
        new = loglik(beta)
        if abs(new - old) / (abs(new) + 0.1) < tol:
            return beta, it, True
        old = new
    return beta, max_iter, False


def _information_inverse(x: np.ndarray, n: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """The estimated covariance of the coefficients: (X' W X)^-1 at the fit, W = n p (1 - p)."""
    p = np.clip(1 / (1 + np.exp(-(x @ beta))), 1e-12, 1 - 1e-12)
    xtw = x.T * (n * p * (1 - p))
    return np.linalg.pinv(xtw @ x, hermitian=True)


def fit(
    rows: pl.DataFrame,
    outcome: str = "y",
    covariates: tuple[str, ...] = COVARIATES,
    weight: str | None = None,
    kind: str = "logit",
    min_cell: int = MIN_CELL,
) -> Model:
    """Fit the model on reference rows: one row per unit (outcome 0/1), or grouped rows with
    `weight` = the number of units and `outcome` = the number of successes."""
    if kind not in KINDS:
        raise ExpectedError(f"Unknown model '{kind}'. Choose one of: {', '.join(KINDS)}.")
    if rows.height == 0:
        raise ExpectedError(
            "No reference rows to estimate the expected rates from: choose reference='all' or a "
            "wider period."
        )
    covariates = tuple(covariates)
    if weight is None:
        rows, weight = rows.with_columns(_unit=pl.lit(1)), "_unit"
    w = pl.col(weight)
    cells = (
        _as_text(rows, covariates)
        .group_by(*covariates)
        .agg(_n=w.sum().cast(pl.Float64), _y=pl.col(outcome).sum().cast(pl.Float64))
        .sort(*covariates)
    )
    levels = {c: _ordered_levels(c, cells[c].unique().to_list()) for c in covariates}
    x = _design(cells, levels, covariates)
    n = cells["_n"].to_numpy()
    y = cells["_y"].to_numpy()
    coef, iterations, converged = irls(x, y, n)
    mean_dummies = (x[:, 1:] * n[:, None]).sum(axis=0) / n.sum()
    cell_p = None
    if kind == "cells":
        cell_p = cells.filter(pl.col("_n") >= min_cell).select(
            *covariates, _cell_p=pl.col("_y") / pl.col("_n")
        )
    return Model(
        covariates=covariates,
        levels=levels,
        coef=coef,
        cov=_information_inverse(x, n, coef),
        mean_dummies=mean_dummies,
        kind=kind,
        cells=cell_p,
        n=int(n.sum()),
        events=int(y.sum()),
        iterations=iterations,
        converged=converged,
    )


def predict(model: Model, rows: pl.DataFrame) -> pl.Series:
    """The predicted probability of each row (a Float64 Series named `p`)."""
    keys = list(model.covariates)
    text = _as_text(rows.select(keys), keys)
    combos = text.unique()  # predict each combination of covariates once
    eta = _design(combos, model.levels, keys, model.mean_dummies) @ model.coef
    combos = combos.with_columns(p=pl.Series(1 / (1 + np.exp(-eta))))
    if model.kind == "cells" and model.cells is not None:
        combos = combos.join(model.cells, on=keys, how="left").select(
            *keys, p=pl.coalesce("_cell_p", "p")
        )
    return text.join(combos, on=keys, how="left", maintain_order="left", nulls_equal=True)["p"]


def coefficients(model: Model) -> pl.DataFrame:
    """The fitted terms as a table (term, level, coefficient, odds_ratio)."""
    terms = [("intercept", "")]
    for c in model.covariates:
        terms += [(c, level) for level in model.levels[c][1:]]
    return pl.DataFrame(
        {
            "term": [t for t, _ in terms],
            "level": [lv for _, lv in terms],
            "coefficient": model.coef,
            "odds_ratio": np.exp(model.coef),
        }
    )


# --------------------------------------------------------------------------------------------
# Actual against expected


def compare(
    rows: pl.DataFrame,
    by: list[str],
    outcome: str = "y",
    p: str = "p",
    weight: str | None = None,
    min_count: int = 5,
    min_rated: int = 0,
    model: Model | None = None,
    keys: tuple[str, str] | None = None,
    secret: bytes | None = None,
) -> pl.DataFrame:
    """Actual against expected per value of the `by` columns.

    rows: unit rows (outcome 0/1 and predicted probability p), or grouped rows whose `weight`
    column counts the units and `outcome` the successes. Columns out: the by columns, n,
    numerator, expected_count, actual, expected, difference, ci_low, ci_high (%, percentage
    points), rated (n >= min_rated), suppressed (n under min_count, or to protect one, see
    lib/engine/disclosure.py). Hidden values are null; unrated units keep their actual rate only.

    The interval's variance is sum p (1 - p) / n^2 (the actual rate's binomial variance around
    the predicted probabilities); with a logistic `model` (whose covariates `rows` carries) the
    variance of the expected rate from the model's own estimation is added (delta method).

    keys: the columns of the cell keys of `weight` and `outcome` (sums of record keys): with a
    threshold (min_count > 0) n and the numerator are perturbed by them (lib/engine/disclosure.py,
    secret the store's) before the threshold, the actual rate is their ratio, and the expected
    count is the expected rate (an estimate, as computed) times the shown n, so that no exact
    count can be read back from the two.
    """
    if weight is None:
        rows, weight = rows.with_columns(_unit=pl.lit(1)), "_unit"
    w = pl.col(weight)
    perturb = min_count > 0 and keys is not None
    key_sums = (
        [pl.col(keys[0]).sum().alias("_dk"), pl.col(keys[1]).sum().alias("_nk")] if perturb else []
    )
    agg = rows.group_by(*by).agg(
        *key_sums,
        den=w.sum().cast(pl.Float64),
        num=pl.col(outcome).sum().cast(pl.Float64),
        expected_count=(w * pl.col(p)).sum(),
        _var=(w * pl.col(p) * (1 - pl.col(p))).sum(),
    )
    if model is not None and model.kind == "logit":
        mvar = expected_count_variance(model, rows, by, p, weight)
        if by:
            agg = agg.join(mvar, on=by, how="left", nulls_equal=True)
        else:
            agg = agg.with_columns(_mvar=mvar["_mvar"])
        agg = agg.with_columns(_var=pl.col("_var") + pl.col("_mvar")).drop("_mvar")
    n = pl.col("den")
    agg = agg.with_columns(
        expected=100 * pl.col("expected_count") / n, _se=100 * pl.col("_var").sqrt() / n
    )
    if perturb:
        agg = perturb_counts(agg, {"den": "_dk", "num": "_nk"}, secret).with_columns(
            pl.col("den").cast(pl.Float64), pl.col("num").cast(pl.Float64)
        )
        agg = agg.with_columns(
            num=pl.min_horizontal("num", "den"), expected_count=pl.col("expected") * n / 100
        )
    agg = agg.with_columns(actual=100 * pl.col("num") / n).with_columns(
        difference=pl.col("actual") - pl.col("expected")
    )
    agg = agg.with_columns(
        ci_low=pl.col("difference") - Z95 * pl.col("_se"),
        ci_high=pl.col("difference") + Z95 * pl.col("_se"),
        rated=n >= min_rated,
    )
    agg = apply_disclosure_control(agg, "denominator", min_count)
    hide = pl.col("suppressed")
    unrated = hide | ~pl.col("rated")
    out = agg.with_columns(
        *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in ("den", "num", "actual")],
        *[
            pl.when(unrated).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("expected_count", "expected", "difference", "ci_low", "ci_high")
        ],
    ).rename({"den": "n", "num": "numerator"})
    out = out.with_columns(pl.col("n").cast(pl.Int64), pl.col("numerator").cast(pl.Int64))
    cols = [*by, "n", "numerator", "expected_count", "actual", "expected", "difference"]
    cols += ["ci_low", "ci_high", "rated", "suppressed"]
    return out.select(cols).sort(by, nulls_last=True) if by else out.select(cols)


def expected_count_variance(
    model: Model, rows: pl.DataFrame, by: list[str], p: str = "p", weight: str | None = None
) -> pl.DataFrame:
    """Per unit, the variance of its expected count sum(w p) from the model's estimation:
    g' V g with g = sum(w p (1 - p) x) and V the coefficients' covariance (delta method).

    The unit's own rows are treated as independent of the reference (exact for units outside
    it; for units inside it, such as comparison municipalities, the interval is a little wide).
    """
    keys = list(model.covariates)
    w = pl.col(weight) if weight else pl.lit(1.0)
    base = _as_text(rows.select(*by, *keys, p, *([weight] if weight else [])), keys)
    base = base.with_columns(_q=w * pl.col(p) * (1 - pl.col(p)))
    if by:
        units = base.select(by).unique().with_row_index("_u")
        base = base.join(units, on=by, how="left", nulls_equal=True)
    else:
        units = pl.DataFrame({"_u": [0]}, schema={"_u": pl.UInt32})
        base = base.with_columns(_u=pl.lit(0, pl.UInt32))
    m = units.height
    grads = [np.bincount(base["_u"].to_numpy(), weights=base["_q"].to_numpy(), minlength=m)]
    grads = [grads[0][:, None]]
    offset = 0
    for c in keys:
        levels = model.levels[c]
        k = len(levels) - 1
        agg = base.group_by("_u", c).agg(pl.col("_q").sum())
        block = _block(agg, c, levels, model.mean_dummies[offset : offset + k])
        g = np.zeros((m, k))
        np.add.at(g, agg["_u"].to_numpy(), agg["_q"].to_numpy()[:, None] * block)
        grads.append(g)
        offset += k
    g = np.hstack(grads)
    var = np.einsum("ij,jk,ik->i", g, model.cov, g)
    return units.with_columns(_mvar=pl.Series(np.maximum(var, 0.0))).drop("_u")


# --------------------------------------------------------------------------------------------
# From the snapshot


def _age_code() -> pl.Expr:
    """Index into AGE_BANDS (the bands of lib.engine.indicators.age_band_expr)."""
    age = pl.col("age")
    bands = pl.when(age < 25).then(0).when(age < 35).then(1).when(age < 45).then(2)
    return bands.when(age < 55).then(3).otherwise(4).cast(pl.Int8)


# Index into DURATION_BANDS, then NOT_UNEMPLOYED (5) when not unemployed on the day (one
# definition with the cube's, lib/stats/cells.py).
_duration_code = at_risk.duration_code


def _labelled(frame: pl.DataFrame, calendar: str | None) -> pl.DataFrame:
    """Band codes to their labels, and the calendar period of midx (done on grouped cells:
    text keys on millions of person-months would be slow)."""
    ages = dict(enumerate(AGE_BANDS))
    durations = dict(enumerate((*DURATION_BANDS, NOT_UNEMPLOYED)))
    return frame.with_columns(
        age_band=pl.col("age_band").replace_strict(ages, return_dtype=pl.String),
        duration_band=pl.col("duration_band").replace_strict(durations, return_dtype=pl.String),
        calendar=_calendar_expr(calendar),
    )


def _calendar_expr(calendar: str | None, midx: str = "midx") -> pl.Expr:
    m = pl.col(midx)
    if calendar is None:
        return pl.lit("all")
    if calendar == "month":
        return month_label_expr(m)
    if calendar == "quarter":
        return quarter_label_expr(m)
    if calendar == "year":
        return (m // 12).cast(pl.String)
    raise ExpectedError(f"calendar must be one of: {', '.join(CALENDARS)}, or None.")


def _check_calendar(calendar: str | None) -> str | None:
    if calendar is not None and calendar not in CALENDARS:
        raise ExpectedError(f"calendar must be one of: {', '.join(CALENDARS)}, or None.")
    return calendar


def _period(snap: Snapshot, period) -> tuple[int, int]:
    lo, hi = period if period is not None else (None, None)
    first = month_index(lo) if lo else snap.first_month
    last = month_index(hi) if hi else snap.last_month
    if first > last:
        raise ExpectedError(f"The period starts ({lo}) after it ends ({hi}).")
    return first, last


def _validate(by, reference, cohort: Cohort, allowed) -> list[str]:
    dims = [] if by is None else [by] if isinstance(by, str) else list(by)
    for d in dims:
        if d not in allowed:
            raise ExpectedError(f"Unknown dimension '{d}'. Choose from: {', '.join(allowed)}.")
    if reference not in REFERENCES:
        raise ExpectedError(f"reference must be one of: {', '.join(REFERENCES)}.")
    problem = cohort.problem()
    if problem:
        raise ExpectedError(problem)
    if cohort.where:
        raise ExpectedError("Actual against expected takes groups, not person filters.")
    return dims


def _reference(rows: pl.DataFrame, reference: str) -> pl.DataFrame:
    if reference == "all":
        return rows
    return rows.filter(pl.col("trial_or_comparison") == "comparison")


# What a group switch need not compute again: the cells of every unit row and the model fitted
# on the reference (neither depends on the cohort, which filters the evaluated rows only), and
# the coded placement rows. Each is a pass over the panel or the episodes (seconds on a
# national register).
_KEPT = PerSnapshot(kept=16)


def _run(
    snap: Snapshot,
    source: tuple,
    rows: pl.LazyFrame,
    geo: pl.DataFrame,
    unit_keys: list[str],
    dims: list[str],
    reference: str,
    ref_range: tuple[int, int],
    eval_range: tuple[int, int],
    group: pl.Expr | None,
    kind: str,
    calendar: str | None,
    min_count: int,
    min_rated: int,
    cube: pl.LazyFrame | None = None,
) -> pl.DataFrame:
    """Group the unit rows into cells, fit on the reference, predict and compare.

    snap, source: the snapshot and what the rows are (("exit",) or the placement's days and
    service), which key what is kept; rows: one row per unit (columns unit_keys, midx, the
    COVARIATES with the bands as codes, y, and what `group` reads); geo: the municipalities'
    geographic dimensions, joined on the (much smaller) cells. cube: the same rows already
    summed (lib/stats/cells.py: n, y, k, yk by the unit keys, midx, the coarse age, the
    duration band's code, education and the groups' columns), which gives the same cells
    without a pass over the rows; rows is then not read.
    """
    keys = [*COVARIATES, "calendar"] if calendar else list(COVARIATES)
    cell_keys = [*unit_keys, "midx", *COVARIATES]
    # the cell keys of the units (_k) and of those with the outcome (_yk), for the perturbation
    if cube is None:
        rows = keyed(rows, snap.record_keys())
        source_rows = rows
        count = [
            pl.len().alias("_w"),
            pl.col("y").sum(),
            pl.col("rkey").sum().alias("_k"),
            (pl.col("rkey") * pl.col("y")).sum().alias("_yk"),
        ]
    else:
        source_rows = cube.with_columns(age_band=_age_code())
        count = [
            pl.col("n").sum().alias("_w"),
            pl.col("y").sum(),
            pl.col("k").sum().alias("_k"),
            pl.col("yk").sum().alias("_yk"),
        ]

    def cells_of(predicate: pl.Expr | None, by_dims: bool = False) -> pl.DataFrame:
        chosen = source_rows if predicate is None else source_rows.filter(predicate)
        by = cell_keys
        if by_dims:  # the geography joined before the sum: the same integers, on fewer rows
            chosen = chosen.join(geo.lazy(), on="municipality_code", how="left")
            by = list(dict.fromkeys([*dims, "midx", *COVARIATES]))
        summed = chosen.group_by(by).agg(count).collect()
        # one type per count whichever way they were summed
        return _labelled(
            summed.with_columns(pl.col("_w", "y", "_k", "_yk").cast(pl.Int64)), calendar
        )

    in_period = pl.col("midx").is_between(*eval_range)
    summed = [pl.col("_w").sum(), pl.col("y").sum()]

    def all_cells() -> pl.DataFrame:
        # from rows, kept (a pass over them); from the cube, made when needed (a sum of it,
        # kept by no one: the model and the results made from it are)
        if cube is not None:
            return cells_of(None)
        key = (*source, "cells", calendar)
        return _KEPT.get(
            snap, key, lambda: snap.on_disk(("expected", *key), lambda: cells_of(None))
        )

    if group is None:  # the evaluated cells are a subset of all
        ev_cells = all_cells().filter(in_period).join(geo, on="municipality_code", how="left")
    else:
        ev_cells = cells_of(in_period & group, by_dims=True)

    def fitted() -> Model:
        ref = _reference(all_cells().join(geo, on="municipality_code", how="left"), reference)
        ref = ref.filter(pl.col("midx").is_between(*ref_range)).group_by(keys).agg(summed)
        return fit(ref, "y", keys, weight="_w", kind=kind)

    model = _KEPT.get(snap, (*source, "model", calendar, reference, ref_range, kind), fitted)
    cells = (
        ev_cells.group_by(*dims, *keys)
        .agg(*summed, pl.col("_k").sum(), pl.col("_yk").sum())
        .sort(*dims, *keys, nulls_last=True)  # one order: the sums of floats below alike
    )
    cells = cells.with_columns(predict(model, cells))
    return compare(
        cells, dims, "y", "p", "_w", min_count, min_rated, model=model,
        keys=("_k", "_yk"), secret=snap.disclosure_key,
    )  # fmt: skip


def _exit_lazy(snap: Snapshot) -> pl.LazyFrame:
    return (
        snap.panel.lazy()
        .filter((pl.col("status") == "unemployed") & (pl.col("midx") + 1 <= snap.last_month))
        .with_columns(
            pl.col("municipality_code").cast(pl.String),  # the panel's is categorical
            midx=pl.col("midx") + 1,
        )
        .with_columns(
            y=pl.col("employed_next").cast(pl.Int32),
            age_band=_age_code(),
            duration_band=_duration_code(),
        )
    )


def _geo(snap: Snapshot) -> pl.DataFrame:
    return snap.municipalities.select(*GEO_DIMS)


EXIT_DIMS = GEO_DIMS
PLACEMENT_DIMS = (*GEO_DIMS, "provider_id")


def expected_exit(
    snap: Snapshot,
    period: tuple[str | None, str | None] | None = ("2021-03", None),
    by: str | list[str] | None = "municipality_code",
    reference: str = "comparison",
    reference_period: tuple[str | None, str | None] | None = None,
    model: str = "logit",
    calendar: str | None = "month",
    cohort: Cohort = EVERYONE,
    min_count: int = 5,
    *,
    precomputed: bool = True,
) -> pl.DataFrame:
    """Actual against expected monthly exit to employment (%) per `by` unit over `period`.

    The model is fitted on the reference rows (comparison municipalities, or all) of
    `reference_period` (default: all months) and applied to every unit's rows in `period`
    (months t as YYYY-MM, inclusive; None = open). The cohort's groups filter the evaluated rows
    only.
    Columns: see `compare`; n and numerator are person-months and exits. precomputed: the
    cells from the snapshot's cube of at-risk person-months (lib/stats/cells.py) where it
    answers the cohort; False: from a pass over the panel (the definition, for tests; the two
    give the same figures, and the kept cells and model are shared by both).
    """
    dims = _validate(by, reference, cohort, EXIT_DIMS)
    # the cube of at-risk person-months gives the same cells without a pass over the panel
    use = precomputed and at_risk.answers(cohort)
    cube = at_risk.exit_cube(snap, cohort.youth_age).lazy() if use else None
    return _run(
        snap,
        ("exit",),
        _exit_lazy(snap),
        _geo(snap),
        ["municipality_code"],
        dims,
        reference,
        _period(snap, reference_period),
        _period(snap, period),
        cohort.group_filter(),
        model,
        _check_calendar(calendar),
        min_count,
        0,
        cube=cube,
    )


def _placement_coded(snap: Snapshot, days: int, service_type: str) -> pl.DataFrame:
    if days not in PLACEMENT_DAYS:
        raise ExpectedError(f"days must be one of {', '.join(map(str, PLACEMENT_DAYS))}.")
    ep = snap.episodes
    if "start" not in ep.columns:
        raise ExpectedError(
            "Expected placement needs the 'service_episodes' table, which the loaded extract "
            "does not have."
        )
    ep = ep.filter(
        (pl.col("service_type") == service_type)
        & pl.col(f"observable_{days}")
        & pl.col("municipality_code").is_not_null()
        & (pl.col("midx") <= snap.last_month)
    ).select(
        "pid",
        "episode_id",
        "provider_id",
        "municipality_code",
        "midx",
        y=(pl.col(f"status_{days}") == "employed").fill_null(False).cast(pl.Int32),
        eval_day=(pl.col("start") - 1).cast(pl.Int32),
    )
    people = ep.select("pid").unique()
    parts = group_parts(snap, people)
    ep = attributes_at(ep, parts, "eval_day")
    return ep.with_columns(age_band=_age_code(), duration_band=_duration_code())


def placement_rows(
    snap: Snapshot, days: int = 90, calendar: str | None = "quarter", service_type="coaching"
) -> pl.DataFrame:
    """One row per finished episode observable at `days`: y = employed on end + days.

    midx is the month the episode ended. Covariates: age on the start day's year, the duration of
    unemployment on the day before the start (a services spell usually starts with the episode),
    foreign, education, reduced work capacity; geography of the municipality at the start.
    """
    rows = _labelled(_placement_coded(snap, days, service_type), _check_calendar(calendar))
    return rows.join(_geo(snap), on="municipality_code", how="left")


def expected_placement(
    snap: Snapshot,
    days: int = 90,
    period: tuple[str | None, str | None] | None = None,
    by: str | list[str] | None = "provider_id",
    reference: str = "comparison",
    reference_period: tuple[str | None, str | None] | None = None,
    model: str = "logit",
    calendar: str | None = "quarter",
    cohort: Cohort = EVERYONE,
    min_count: int = 5,
    min_rated: int | None = None,
    service_type: str = "coaching",
) -> pl.DataFrame:
    """Actual against expected placement at `days` (%) of coaching episodes ending in `period`.

    min_rated: episodes needed for a rating; default 18 when rating providers, else 0. With
    by="provider_id" the provider's name and kind are added. Columns: see `compare`.
    """
    dims = _validate(by, reference, cohort, PLACEMENT_DIMS)
    if min_rated is None:
        min_rated = MIN_RATED_PROVIDER if "provider_id" in dims else 0
    calendar = _check_calendar(calendar)
    key = ("placement", days, service_type, "rows")
    coded = _KEPT.get(
        snap,
        key,
        lambda: snap.on_disk(
            ("expected", *key), lambda: _placement_coded(snap, days, service_type)
        ),
    )
    out = _run(
        snap,
        ("placement", days, service_type),
        coded.lazy(),
        _geo(snap),
        ["municipality_code", "provider_id"],
        dims,
        reference,
        _period(snap, reference_period),
        _period(snap, period),
        cohort.group_filter(),
        model,
        calendar,
        min_count,
        min_rated,
    )
    if "provider_id" in dims and snap.providers is not None:
        names = snap.providers.select("provider_id", provider_name="name", provider_kind="kind")
        out = out.join(names, on="provider_id", how="left")
        at = out.columns.index("provider_id") + 1
        cols = out.columns[:at] + ["provider_name", "provider_kind"] + out.columns[at:-2]
        out = out.select(cols)
    return out


def fitted_model(
    snap: Snapshot,
    outcome: str = "exit",
    reference: str = "comparison",
    calendar: str | None = "auto",
    days: int = 90,
) -> Model:
    """The reference model itself (for the page's table of terms, via `coefficients`).

    outcome: "exit" or "placement"; calendar "auto": month for exit, quarter for placement.
    """
    if outcome not in ("exit", "placement"):
        raise ExpectedError("outcome must be 'exit' or 'placement'.")
    if calendar == "auto":
        calendar = "month" if outcome == "exit" else "quarter"
    calendar = _check_calendar(calendar)
    rows = (
        _exit_lazy(snap) if outcome == "exit" else _placement_coded(snap, days, "coaching").lazy()
    )
    covariates = (*COVARIATES, "calendar") if calendar else COVARIATES
    cells = rows.group_by("municipality_code", "midx", *COVARIATES).agg(
        _w=pl.len(), y=pl.col("y").sum()
    )
    cells = _labelled(cells.collect(), calendar).join(
        _geo(snap), on="municipality_code", how="left"
    )
    ref = _reference(cells, reference).group_by(*covariates).agg(pl.col("_w", "y").sum())
    return fit(ref, "y", covariates, weight="_w")
