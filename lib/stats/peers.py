"""Peers: for any municipality, the municipalities most like it (as Kolada offers).

Pure Polars/NumPy: the analytic snapshot in, frames out. `municipality_features` builds one row
per municipality from the register; `nearest` ranks the others by a standardised distance and is
all the method there is (tested on a hand-built feature table); `peers` is the two together.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from lib.engine.disclosure import keyed, perturb_counts
from lib.engine.errors import FigureError
from lib.engine.months import month_index, month_label
from lib.engine.snapshot import Snapshot
from lib.stats.memo import PerSnapshot

FEATURES = ("log_population", "unemployment_rate", "long_term_share", "foreign_share")
DEFAULT_WINDOW = 12
DEFAULT_REGION_WEIGHT = 1.0
AMONG = ("all", "comparison", "trial")

METHOD = (
    "Peers are the municipalities most like the chosen one on four measures: population (on a "
    "log scale, so that 10,000 against 20,000 weighs as much as 100,000 against 200,000), "
    "unemployed job seekers per 100 inhabitants, the share of long-term unemployed (12 months "
    "or more) among them, and the share of foreign citizens among them. The register measures "
    "are averages of the month ends of the 12 months up to the chosen month. Each measure is "
    "turned into a z-score (its distance from the mean of all municipalities in standard "
    "deviations), so that each weighs the same; a measure a municipality lacks (no unemployed "
    "job seekers) counts as average. The distance between two municipalities is the square root "
    "of the sum of their squared z-score differences, plus 1 when they are in different regions "
    "(as much as one standard deviation on one measure). The municipalities with the smallest "
    "distance are the peers. Like Kolada's similar municipalities, this finds municipalities with "
    "similar conditions, not ones that would have had the same results: it is a starting point "
    "for comparison, not a counterfactual."
)


class PeersError(FigureError):
    """A request that cannot be answered, with a message that says why and what to do."""


def municipality_features(
    snap: Snapshot, month: str | None = None, window: int = DEFAULT_WINDOW
) -> pl.DataFrame:
    """One row per municipality: identity, population, unemployed and the FEATURES.

    unemployed: mean month-end count of unemployed job seekers (municipality of the
    responsibility spell) over the `window` months ending with `month` (default: the last
    complete month); the shares pool those person-months.
    """
    last = snap.last_month if month is None else month_index(month)
    if not snap.first_month <= last <= snap.last_month:
        raise PeersError(
            f"Month {month} is outside the data ({month_label(snap.first_month)} .. "
            f"{month_label(snap.last_month)})."
        )
    if window < 1:
        raise PeersError("window must be at least 1 month.")
    first = max(snap.first_month, last - window + 1)
    n_months = last - first + 1
    rows = snap.panel.filter(
        (pl.col("status") == "unemployed") & pl.col("midx").is_between(first, last)
    )
    unemployed = (
        keyed(rows, snap.record_keys())
        .group_by("municipality_code")
        .agg(
            _n=pl.len(),
            _lt=pl.col("long_term").sum(),
            _fr=pl.col("foreign").sum(),
            # the cell keys of the person-months counted (for the perturbed figures shown)
            _nk=pl.col("rkey").sum(),
            _ltk=pl.col("rkey").filter(pl.col("long_term")).sum(),
            _frk=pl.col("rkey").filter(pl.col("foreign")).sum(),
        )
        .with_columns(pl.col("municipality_code").cast(pl.String))  # the panel's: categorical
    )
    muni = snap.municipalities.select(
        "municipality_code", "name", "region", "trial_area_id", "trial_or_comparison", "population"
    )
    out = muni.join(unemployed, on="municipality_code", how="left").with_columns(
        pl.col("_n", "_lt", "_fr", "_nk", "_ltk", "_frk").fill_null(0), _months=pl.lit(n_months)
    )
    pop = pl.col("population").cast(pl.Float64)
    return (
        _figures(out)
        .with_columns(log_population=pl.when(pop > 0).then(pop.log()).otherwise(None))
        .sort("municipality_code")
    )


def _figures(out: pl.DataFrame) -> pl.DataFrame:
    """unemployed (person-months over the months), the unemployment rate and the shares, from
    the counts _n, _lt, _fr (exact, or perturbed)."""
    pop = pl.col("population").cast(pl.Float64)
    has_pop = pop.is_not_null() & (pop > 0)
    has_u = pl.col("_n") > 0
    return out.with_columns(unemployed=pl.col("_n") / pl.col("_months")).with_columns(
        unemployment_rate=pl.when(has_pop).then(100 * pl.col("unemployed") / pop),
        long_term_share=pl.when(has_u).then(pl.col("_lt") / pl.col("_n")),
        foreign_share=pl.when(has_u).then(pl.col("_fr") / pl.col("_n")),
    )


def standardise(features: pl.DataFrame, cols=FEATURES) -> np.ndarray:
    """z-scores of `cols` (rows x cols): (x - mean) / standard deviation over the rows
    (population SD, ddof 0), missing values and constant columns as 0 (the average)."""
    z = np.zeros((features.height, len(cols)))
    for j, c in enumerate(cols):
        x = features[c].cast(pl.Float64).to_numpy()
        ok = ~np.isnan(x)
        if ok.sum() == 0:
            continue
        mean, sd = x[ok].mean(), x[ok].std()
        if sd > 0:
            z[ok, j] = (x[ok] - mean) / sd
    return z


def nearest(
    features: pl.DataFrame,
    municipality_code: str,
    n: int = 5,
    region_weight: float = DEFAULT_REGION_WEIGHT,
    among: str = "all",
) -> pl.DataFrame:
    """The n municipalities nearest to `municipality_code` in `features` (one row each).

    distance = sqrt(sum over FEATURES of (z_i - z_j)^2 + region_weight * [regions differ]),
    z-scores over every row of `features` (see `standardise`). `among` restricts the candidates
    to comparison or trial municipalities (column trial_or_comparison). Sorted by distance, then
    code; adds columns distance and same_region.
    """
    if among not in AMONG:
        raise PeersError(f"among must be one of: {', '.join(AMONG)}.")
    codes = features["municipality_code"].to_list()
    if municipality_code not in codes:
        raise PeersError(
            f"Unknown municipality '{municipality_code}'. Give its code as text with its leading "
            "zeros, e.g. 091."
        )
    z = standardise(features)
    i = codes.index(municipality_code)
    region = features["region"].to_list()
    differ = np.array([r != region[i] for r in region], dtype=float)
    dist = np.sqrt(((z - z[i]) ** 2).sum(axis=1) + region_weight * differ)
    out = features.with_columns(
        distance=pl.Series(dist), same_region=pl.Series(differ == 0)
    ).filter(pl.col("municipality_code") != municipality_code)
    if among != "all":
        out = out.filter(pl.col("trial_or_comparison") == among)
    return out.sort("distance", "municipality_code").head(n)


# The features do not depend on the municipality asked about: a pass over the panel's last
# months, made once per snapshot, month and window, and shared by every session of the process.
_FEATURES = PerSnapshot(kept=4)


def peers(
    snap: Snapshot,
    municipality_code: str,
    n: int = 5,
    month: str | None = None,
    window: int = DEFAULT_WINDOW,
    region_weight: float = DEFAULT_REGION_WEIGHT,
    among: str = "all",
    min_count: int = 5,
) -> pl.DataFrame:
    """The n most similar municipalities to `municipality_code`, nearest first.

    Columns: municipality_code, name, distance, region, same_region, trial_area_id,
    trial_or_comparison, population, unemployed, unemployment_rate, long_term_share,
    foreign_share, suppressed. A municipality whose mean number of unemployed is under
    `min_count` keeps its place (the distance discloses nothing) but its register figures are
    hidden (suppressed). With a threshold the register figures are made from the person-months
    perturbed by their cell keys (lib/engine/disclosure.py), as the unemployed indicator's are;
    the distances use the exact features (a distance is not a count and discloses none).
    """
    key = ("features", month, window)
    feats = _FEATURES.get(
        snap, key, lambda: snap.on_disk(key, lambda: municipality_features(snap, month, window))
    )
    out = nearest(feats, municipality_code, n, region_weight, among)
    if min_count > 0:  # the register figures shown: from the perturbed person-months
        counts = {"_n": "_nk", "_lt": "_ltk", "_fr": "_frk"}
        out = perturb_counts(out, counts, snap.disclosure_key)
        out = out.with_columns(pl.min_horizontal("_lt", "_n"), pl.min_horizontal("_fr", "_n"))
        out = _figures(out)
    return with_disclosure(out, min_count).select(
        "municipality_code",
        "name",
        "distance",
        "region",
        "same_region",
        "trial_area_id",
        "trial_or_comparison",
        "population",
        "unemployed",
        "unemployment_rate",
        "long_term_share",
        "foreign_share",
        "suppressed",
    )


def with_disclosure(features: pl.DataFrame, min_count: int) -> pl.DataFrame:
    """Hide the register figures of municipalities with fewer than min_count unemployed."""
    hide = pl.col("unemployed") < min_count if min_count > 0 else pl.lit(False)
    cols = ("unemployed", "unemployment_rate", "long_term_share", "foreign_share")
    return features.with_columns(suppressed=hide).with_columns(
        *[pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in cols]
    )


def peer_codes(snap: Snapshot, municipality_code: str, n: int = 5, **kw) -> list[str]:
    """Codes of the peers (the Compare page's default peer set)."""
    return peers(snap, municipality_code, n, **kw)["municipality_code"].to_list()
