"""Time to employment: Kaplan-Meier curves from a start event to the first `employed` spell.

Pure Polars: the analytic snapshot in, frames out. The pipeline: one row per start
(`durations`), the groups and filters, the product-limit estimate per stratum with Greenwood's
variance and a log(-log) 95 % interval (`kaplan_meier`), the median with the interval where that
band crosses 0.5 (`median_from_curve`), then disclosure control: with a threshold the counts
that leave (persons, starts and events per stratum; at risk, events and censored per day of a
curve) are perturbed by their cell keys (lib/engine/disclosure.py), a stratum with fewer
persons than the threshold after perturbation is left out, and a curve stops where fewer than
the threshold are at risk after perturbation. The curve, the medians and their intervals are
estimates, shown as computed.

Definitions (also in METHOD, the text the page shows):

- **start**: the start day of a `coaching` service episode (`start="coaching"`), or of a
  transfer in (`"transfer"`; `"initial_transfer"` / `"later_transfer"` pick one kind). A person
  can contribute several starts (two coaching episodes are two starts).
- **event**: the first `employed` status spell starting after the start day (strictly later);
  time = its start day minus the start day.
- **leaving the register**: the last day of the person's *stay* that covers the start day, a stay
  being a run of back-to-back responsibility spells (one ends the day before the next starts,
  whatever the organisation or municipality: moving is no leaving). An employed spell starting the
  day after that last day still counts as an event (people leave the register for work); otherwise
  the start is censored at the last day in the register. A later return to the register does not
  reopen the observation.
- **censoring** at as_of (employment starting on as_of still counts) or at leaving, whichever is
  first. Starts on days no responsibility spell covers, or after as_of, are left out.
- **groups and attributes** (age, long-term unemployed, ...) are those of the day before the start;
  the municipality is that of the start day.
"""

from __future__ import annotations

import polars as pl

from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.disclosure import apply_disclosure_control, keyed, perturb_counts
from lib.engine.errors import FigureError
from lib.engine.indicators import GEO_DIMS, GROUPS, PERSON_DIMS, age_band_expr, group_expr
from lib.engine.intervals import Z95
from lib.engine.snapshot import Snapshot, attributes_at, day_number, group_parts
from lib.stats.memo import PerSnapshot

STARTS = ("coaching", "transfer", "initial_transfer", "later_transfer")

METHOD = (
    "Time to employment is estimated with the Kaplan-Meier (product-limit) method. Each start "
    "(the start of a coaching episode, or a transfer in to municipal services) is followed day "
    "by day until the person's first open-market employment spell starting after it. A start is "
    "censored (followed no further, but counted as long as it was followed) at the as-of date, "
    "or when the person leaves the register: the last day of the uninterrupted run of "
    "responsibility spells covering the start (moving between municipalities or between the "
    "state and the municipality is not leaving). Employment starting the day after leaving "
    "counts as employment. The share not yet employed on day t is the product, over the days "
    "up to t on which someone found work, of (1 - found work / still followed). Its 95 % "
    "interval uses Greenwood's variance on the log(-log) scale, which keeps it within 0-1. The "
    "median is the first day on which the curve reaches 50 %; its interval runs from the first "
    "day the lower band reaches 50 % to the first day the upper band does (Brookmeyer-Crowley), "
    "and is open-ended when the upper band has not reached 50 % by the as-of date. Groups with "
    "fewer persons than the disclosure threshold are not shown, and each curve stops where fewer "
    "than that many are still followed. Curves describe; they do not say what caused the "
    "differences between groups or areas."
)


class SurvivalError(FigureError):
    """A request that cannot be answered, with a message that says why and what to do."""


# --------------------------------------------------------------------------------------------
# Durations


def durations(
    starts: pl.DataFrame, resp: pl.DataFrame, status: pl.DataFrame, as_of_day: int
) -> pl.DataFrame:
    """Add `time` (days) and `event` (employment observed) to start rows (pid, day, ...).

    resp: responsibility spells (pid, start, end; end OPEN when open); status: status spells
    (pid, status, start, end). Rows whose day no responsibility spell covers, or after
    `as_of_day`, are dropped. See the module docstring for the definitions.
    """
    rows = starts.filter(pl.col("day") <= as_of_day).with_row_index("_row")
    people = rows.select("pid").unique()
    resp = resp.join(people, on="pid", how="semi")
    status = status.join(people, on="pid", how="semi")
    stays = _stays(resp)
    covering = (
        rows.select("_row", "pid", "day")
        .sort("day")
        .join_asof(
            stays.sort("start"),
            left_on="day",
            right_on="start",
            by="pid",
            check_sortedness=False,
        )
        .filter(pl.col("stay_end") >= pl.col("day"))
        .select("_row", "stay_end")
    )
    employed = (
        status.filter(pl.col("status") == "employed")
        .select("pid", emp_start=pl.col("start").cast(pl.Int64))
        .sort("emp_start")
    )
    nxt = (
        rows.select("_row", "pid", after=pl.col("day").cast(pl.Int64) + 1)
        .sort("after")
        .join_asof(
            employed,
            left_on="after",
            right_on="emp_start",
            by="pid",
            strategy="forward",
            check_sortedness=False,
        )
        .select("_row", "emp_start")
    )
    out = rows.join(covering, on="_row", how="inner").join(nxt, on="_row", how="left")
    stay_end = pl.col("stay_end").cast(pl.Int64)
    last_seen = pl.min_horizontal(stay_end, pl.lit(as_of_day, pl.Int64))
    # employment is seen up to as_of, and up to the day after leaving the register
    horizon = pl.min_horizontal(stay_end + 1, pl.lit(as_of_day, pl.Int64))
    event = pl.col("emp_start").is_not_null() & (pl.col("emp_start") <= horizon)
    return (
        out.with_columns(event=event)
        .with_columns(
            time=(
                pl.when(pl.col("event")).then(pl.col("emp_start")).otherwise(last_seen)
                - pl.col("day")
            ).cast(pl.Int32),
            left_register=~pl.col("event") & (stay_end < as_of_day),
        )
        .sort("_row")
        .drop("_row", "stay_end", "emp_start")
    )


def _stays(resp: pl.DataFrame) -> pl.DataFrame:
    """One row per stay (a run of back-to-back responsibility spells): pid, start, stay_end."""
    r = resp.select("pid", "start", "end").sort("pid", "start")
    prev_end = pl.col("end").cast(pl.Int64).shift(1)
    same_person = pl.col("pid") == pl.col("pid").shift(1)
    continues = same_person & (pl.col("start").cast(pl.Int64) == prev_end + 1)
    # the data are sorted by person, so a running count of new stays numbers them globally
    r = r.with_columns(_stay=(~continues.fill_null(False)).cast(pl.UInt32).cum_sum())
    return (
        r.group_by("_stay")
        .agg(pl.col("pid").first(), pl.col("start").min(), stay_end=pl.col("end").max())
        .drop("_stay")
    )


# --------------------------------------------------------------------------------------------
# Kaplan-Meier


def kaplan_meier(rows: pl.DataFrame, strata: str | None = None) -> pl.DataFrame:
    """The product-limit curve of rows with `time` and `event`, per value of column `strata`.

    Columns: stratum, day, at_risk, events, censored, survival, std_err (Greenwood), ci_low,
    ci_high (log(-log) 95 %). One row per stratum at day 0, then one per day with an event or a
    censoring. At a day with both, events come first (the censored are still at risk). Before the
    first event the band is (1, 1); once survival is 0 it is (0, null): undefined above.
    """
    key = pl.col(strata).cast(pl.String) if strata else pl.lit("all")
    base = rows.select(stratum=key, day=pl.col("time").cast(pl.Int32), ev=pl.col("event"))
    counts = base.group_by("stratum", "day").agg(
        events=pl.col("ev").sum().cast(pl.Int64),
        censored=(~pl.col("ev")).sum().cast(pl.Int64),
    )
    day0 = (
        base.select("stratum")
        .unique()
        .with_columns(
            day=pl.lit(0, pl.Int32), events=pl.lit(0, pl.Int64), censored=pl.lit(0, pl.Int64)
        )
    )
    counts = (
        pl.concat([counts, day0])
        .group_by("stratum", "day")
        .agg(pl.col("events").sum(), pl.col("censored").sum())
        .sort("stratum", "day")
    )
    leaving = pl.col("events") + pl.col("censored")
    total = leaving.sum().over("stratum")
    curve = counts.with_columns(
        at_risk=(total - leaving.cum_sum().over("stratum") + leaving).cast(pl.Int64)
    )
    n = pl.col("at_risk").cast(pl.Float64)
    d = pl.col("events").cast(pl.Float64)
    curve = curve.with_columns(
        survival=(1.0 - d / n).cum_prod().over("stratum"),
        # Greenwood's sum; infinite once everyone at risk has had the event
        _gw=pl.when(d > 0).then(d / (n * (n - d))).otherwise(0.0).cum_sum().over("stratum"),
    )
    s = pl.col("survival")
    log_s = s.log()
    se_loglog = pl.col("_gw").sqrt() / log_s.abs()
    positive = (s > 0) & (s < 1)
    return curve.with_columns(
        std_err=pl.when(s > 0).then(s * pl.col("_gw").sqrt()).otherwise(None),
        ci_low=pl.when(positive)
        .then(s.pow((Z95 * se_loglog).exp()))
        .when(s == 1)
        .then(1.0)
        .otherwise(0.0),
        ci_high=pl.when(positive)
        .then(s.pow((-Z95 * se_loglog).exp()))
        .when(s == 1)
        .then(1.0)
        .otherwise(None),
    ).select(
        "stratum",
        "day",
        "at_risk",
        "events",
        "censored",
        "survival",
        "std_err",
        "ci_low",
        "ci_high",
    )


def median_from_curve(curve: pl.DataFrame) -> pl.DataFrame:
    """Median days per stratum: the first day survival <= 0.5, and where each band gets there.

    Null where the curve (or band) never reaches 0.5: the median (or its upper limit) is beyond
    the follow-up.
    """

    def first_day(col: str) -> pl.Expr:
        return pl.col("day").filter(pl.col(col) <= 0.5).min()

    return (
        curve.group_by("stratum")
        .agg(
            median_days=first_day("survival"),
            ci_low=first_day("ci_low"),
            ci_high=first_day("ci_high"),
        )
        .sort("stratum")
    )


# --------------------------------------------------------------------------------------------
# From the snapshot


def start_rows(snap: Snapshot, start: str) -> pl.DataFrame:
    """One row per start: pid, day, municipality_code, [provider_id], person attributes.

    The attributes and groups are those of the day before the start (as for transfers).
    """
    if start not in STARTS:
        raise SurvivalError(f"Unknown start '{start}'. Choose one of: {', '.join(STARTS)}.")
    if start == "coaching":
        ep = snap.episodes
        if "start" not in ep.columns:
            raise SurvivalError(
                "Time from coaching needs the 'service_episodes' table, which the loaded "
                "extract does not have."
            )
        # The person's groups on the day before the start: on the start day itself a
        # `services` spell has usually replaced the unemployment spell, so the duration of
        # unemployment (long-term etc.) would read as none.
        coaching = ep.filter(pl.col("service_type") == "coaching").select(
            "episode_id",
            "pid",
            "provider_id",
            "municipality_code",
            day="start",
            eval_day=(pl.col("start") - 1).cast(pl.Int32),
        )
        people = coaching.select("pid").unique()
        parts = group_parts(snap, people)
        return attributes_at(coaching, parts, "eval_day").drop("eval_day")
    kind = pl.col("kind") == "transfer_in"
    if start == "initial_transfer":
        kind = kind & pl.col("initial")
    elif start == "later_transfer":
        kind = kind & ~pl.col("initial")
    return snap.events.filter(kind).drop("eval_day")


def _stratum_expr(by: str | None, youth_age: int) -> pl.Expr | None:
    if by is None:
        return None
    if by == "age_band":
        return age_band_expr()
    if by == "trial_area_id":
        return pl.col("trial_area_id").fill_null("comparison")
    if by in GROUPS:
        flag = group_expr((by,), "all", youth_age)
        return pl.when(flag).then(pl.lit(by)).otherwise(pl.lit(f"not {by}"))
    return pl.col(by).cast(pl.String)


BY_DIMS = (*GEO_DIMS, *PERSON_DIMS, "provider_id")


def _validate(snap: Snapshot, start: str, by, cohort: Cohort) -> None:
    if by is not None and by not in BY_DIMS and by not in GROUPS:
        raise SurvivalError(
            f"Unknown dimension '{by}'. Choose from: {', '.join(BY_DIMS)}, or a group: "
            f"{', '.join(GROUPS)}."
        )
    if by == "provider_id" and start != "coaching":
        raise SurvivalError("'provider_id' applies to time from coaching only.")
    problem = cohort.problem()
    if problem:
        raise SurvivalError(problem)


# Every start's follow-up (time, event) depends on that start's person alone, not on the cohort
# or the strata: it is worked out once per snapshot and kind of start (a pass over the starts,
# the responsibility and the status spells: seconds on a national register), and a group or
# strata switch then filters these rows (`follow_up`). Shared by every session of the process.
_FOLLOWED = PerSnapshot(kept=4)


def _followed(snap: Snapshot, start: str) -> pl.DataFrame:
    """Every start of this kind with its attributes, geography, time and event (no cohort)."""
    rows = start_rows(snap, start).with_columns(age_band=age_band_expr())
    rows = rows.join(snap.municipalities.select(*GEO_DIMS), on="municipality_code", how="left")
    return durations(rows, snap.resp, snap.status, day_number(snap.as_of))


def followed(snap: Snapshot, start: str) -> pl.DataFrame:
    """`_followed`, kept per snapshot and start (see _FOLLOWED)."""
    key = ("followed", start)
    return _FOLLOWED.get(snap, key, lambda: snap.on_disk(key, lambda: _followed(snap, start)))


def follow_up(
    snap: Snapshot,
    start: str = "coaching",
    by: str | None = None,
    cohort: Cohort = EVERYONE,
) -> pl.DataFrame:
    """One row per start with its stratum, time and event (the input of the curves); the
    cohort's groups and person filters narrow the starts.

    The same rows, in the same order, as narrowing the starts before following them up
    (`follow_up_direct`): a start's time and event are its own person's, and the cohort and the
    stratum read the start's own attributes (tests/stats/test_precomputed.py)."""
    _validate(snap, start, by, cohort)
    rows = cohort.apply(followed(snap, start))
    expr = _stratum_expr(by, cohort.youth_age)
    return _with_stratum(rows, expr)


def follow_up_direct(
    snap: Snapshot,
    start: str = "coaching",
    by: str | None = None,
    cohort: Cohort = EVERYONE,
) -> pl.DataFrame:
    """`follow_up` computed from the starts for this cohort alone (nothing kept): the
    definition the kept path is tested against."""
    _validate(snap, start, by, cohort)
    rows = start_rows(snap, start).with_columns(age_band=age_band_expr())
    rows = rows.join(snap.municipalities.select(*GEO_DIMS), on="municipality_code", how="left")
    rows = cohort.apply(rows)
    expr = _stratum_expr(by, cohort.youth_age)
    rows = rows.with_columns(stratum=expr if expr is not None else pl.lit("all"))
    return durations(rows, snap.resp, snap.status, day_number(snap.as_of))


def _with_stratum(rows: pl.DataFrame, expr: pl.Expr | None) -> pl.DataFrame:
    """rows with `stratum` where durations() puts it: after the start's own columns, before
    event, time and left_register."""
    rows = rows.with_columns(stratum=expr if expr is not None else pl.lit("all"))
    tail = ["event", "time", "left_register"]
    head = [c for c in rows.columns if c not in tail]
    return rows.select(*head, *tail)


def _summary(rows: pl.DataFrame, min_count: int, secret: bytes | None) -> pl.DataFrame:
    """Persons, starts and events per stratum, perturbed with a threshold (rows then carry
    `rkey`), and `suppressed` where the persons are under it."""
    summary = rows.group_by("stratum").agg(
        num=pl.col("pid").n_unique().cast(pl.Int64),
        starts=pl.len().cast(pl.Int64),
        events=pl.col("event").sum().cast(pl.Int64),
    )
    if min_count > 0:
        keys = rows.group_by("stratum").agg(
            starts_k=pl.col("rkey").sum(),
            events_k=pl.col("rkey").filter(pl.col("event")).sum(),
        )
        person_keys = (
            rows.unique(["stratum", "pid"]).group_by("stratum").agg(num_k=pl.col("rkey").sum())
        )
        summary = summary.join(keys, on="stratum").join(person_keys, on="stratum")
        counts = {"num": "num_k", "starts": "starts_k", "events": "events_k"}
        summary = perturb_counts(summary, counts, secret)
    summary = summary.with_columns(den=pl.col("num"))
    summary = apply_disclosure_control(summary, "value", min_count)
    return summary.rename({"num": "persons"}).drop("den")


def _perturbed_curve(curve: pl.DataFrame, rows: pl.DataFrame, secret: bytes | None) -> pl.DataFrame:
    """The curve's counts perturbed: events and censored of a day by the keys of the starts
    that end that day, at risk by the keys of the starts still followed (a reverse running sum,
    as the count itself is)."""
    day_keys = rows.group_by(
        stratum=pl.col("stratum").cast(pl.String), day=pl.col("time").cast(pl.Int32)
    ).agg(
        events_k=pl.col("rkey").filter(pl.col("event")).sum(),
        censored_k=pl.col("rkey").filter(~pl.col("event")).sum(),
    )
    out = (
        curve.join(day_keys, on=["stratum", "day"], how="left")
        .with_columns(pl.col("events_k").fill_null(0), pl.col("censored_k").fill_null(0))
        .sort("stratum", "day")
    )
    leaving = pl.col("events_k") + pl.col("censored_k")
    out = out.with_columns(
        at_risk_k=leaving.sum().over("stratum") - leaving.cum_sum().over("stratum") + leaving
    )
    counts = {"at_risk": "at_risk_k", "events": "events_k", "censored": "censored_k"}
    return perturb_counts(out, counts, secret).select(curve.columns)


def time_to_employment(
    snap: Snapshot,
    start: str = "coaching",
    by: str | None = None,
    cohort: Cohort = EVERYONE,
    min_count: int = 5,
) -> pl.DataFrame:
    """The Kaplan-Meier table per stratum (see `kaplan_meier` for the columns).

    by: None (one stratum 'all'), a dimension (municipality_code, trial_area_id - comparison
    municipalities as 'comparison' -, region, trial_or_comparison, gender, age_band, language,
    education, provider_id) or a group name (strata '<group>' and 'not <group>'); the cohort
    narrows the starts. Strata with fewer than min_count persons are left out (see
    `median_time` for which), and each curve stops where fewer than min_count are at risk.
    """
    return curve_and_median(snap, start, by, cohort, min_count)[0]


def median_time(
    snap: Snapshot,
    start: str = "coaching",
    by: str | None = None,
    cohort: Cohort = EVERYONE,
    min_count: int = 5,
) -> pl.DataFrame:
    """Median days to employment per stratum with its 95 % interval.

    Columns: stratum, persons, starts, events, median_days, ci_low, ci_high, suppressed. Null
    median or ci_high: not reached within the follow-up. Suppressed strata keep their row with
    nulls.
    """
    return curve_and_median(snap, start, by, cohort, min_count)[1]


def curve_and_median(
    snap: Snapshot,
    start: str = "coaching",
    by: str | None = None,
    cohort: Cohort = EVERYONE,
    min_count: int = 5,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`time_to_employment` and `median_time` from one follow-up and one product-limit
    estimate (the curve is computed per stratum, so the shown strata are a filter of it)."""
    rows = follow_up(snap, start, by, cohort)
    if min_count > 0:
        rows = keyed(rows, snap.record_keys())
    summary = _summary(rows, min_count, snap.disclosure_key)
    km = kaplan_meier(rows, "stratum")
    shown = summary.filter(~pl.col("suppressed"))["stratum"]
    curve = km.filter(pl.col("stratum").is_in(shown.implode()))
    if min_count > 0:
        curve = _perturbed_curve(curve, rows, snap.disclosure_key)
        curve = curve.filter(pl.col("at_risk") >= min_count)
    out = summary.join(median_from_curve(km), on="stratum", how="left").sort("stratum")
    hide = pl.col("suppressed")
    median = out.select(
        "stratum",
        *[
            pl.when(hide).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("persons", "starts", "events", "median_days", "ci_low", "ci_high")
        ],
        "suppressed",
    )
    return curve, median


def survival_at(curve: pl.DataFrame, day: int) -> pl.DataFrame:
    """The curve's value on a given day per stratum (the last row on or before it)."""
    return (
        curve.filter(pl.col("day") <= day)
        .group_by("stratum")
        .agg(pl.all().sort_by("day").last())
        .with_columns(day=pl.lit(day, pl.Int32))
        .sort("stratum")
    )
