"""Disclosure control: consistent (cell-key) perturbation of counts, then the threshold.

The contract's rule (DATA_CONTRACT.md, "Disclosure control"), as the statistics offices' table
builders apply it (ABS TableBuilder, ONS, DWP Stat-Xplore):

- Every person has a record key in 0..255: the last byte of HMAC-SHA256(secret, person_id), the
  secret being the deployment's `TRIALWATCH_DISCLOSURE_KEY` (the synthetic demo store has its own
  fixed key, DEMO_KEY, which is public). `record_keys` computes them once per person.
- A cell's key is the sum, modulo 256, of the record keys of the units it counts (a person
  counted in two months of a quarter adds their key twice). lib/engine/indicators.py sums the keys
  in the same aggregations that sum the counts, so a key costs one more column.
- A count n >= 1 gets the noise the perturbation table (data/reference/ptable.csv) gives for
  (n, cell key): an integer in -2..+2 whose mean over the keys is 0, never taking the count below
  zero. Zero stays zero. The same units give the same cell key in every table, so the same figure.
- Then the threshold: a count under it (a rate's denominator under it) is suppressed. Nothing
  else is: secondary suppression is not needed, since differencing perturbed cells gives
  perturbed differences.

Why not the ONS `cell-key-perturbation` package (PyPI): it takes a pandas frame of microdata and
builds whole tables from it; here the key has to ride along the engine's own Polars aggregations
(per municipality and month, cached, then summed to the query's cells), which is the few lines
below.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Iterable

import polars as pl

from lib.engine.errors import FigureUnavailable
from lib.settings import REFERENCE_DIR, get_settings

DEFAULT_MIN_COUNT = 5
KEY_RANGE = 256
PTABLE_PATH = REFERENCE_DIR / "ptable.csv"
# The synthetic demo store's secret: public on purpose (its persons are invented), and fixed so
# that a rebuilt demo store shows the same figures. Never used for a store of real persons.
DEMO_KEY = b"trialwatch synthetic demo register: public cell-key secret"
DEMO_SOURCE_RE = re.compile(r"Trialwatch synthetic demo register \(seed \d+, scale \w+\)")
METHOD = (
    "cell-key perturbation (consistent noise of at most 2 per count; cells need not add up to "
    "totals)"
)


class DisclosureKeyMissing(FigureUnavailable):
    """A store of real persons without the deployment secret: perturbed figures cannot be made."""


MISSING_KEY_MESSAGE = (
    "Counts cannot be shown: this store holds real persons and TRIALWATCH_DISCLOSURE_KEY (the "
    "secret of the cell-key perturbation) is not set. Ask the operator to set it once for the "
    "deployment and keep it secret; only the operator sees exact counts (--min-count 0)."
)


def key_for(source: str | None, configured: str | None = None) -> bytes | None:
    """The perturbation secret of a store: the setting, else the demo's own key for the
    synthetic demo register (recognised by its manifest source), else None (refuse)."""
    configured = configured if configured is not None else get_settings().disclosure_key
    if configured:
        return configured.encode()
    if source and DEMO_SOURCE_RE.fullmatch(source):
        return DEMO_KEY
    return None


def record_keys(person_ids: Iterable[str], secret: bytes) -> pl.Series:
    """Each person's record key: HMAC-SHA256(secret, person_id) mod 256 (its last byte)."""
    base = hmac.new(secret, digestmod=hashlib.sha256)

    def one(pid: str) -> int:
        h = base.copy()
        h.update(pid.encode())
        return h.digest()[-1]

    return pl.Series("rkey", [one(p) for p in person_ids], dtype=pl.Int64)


# --------------------------------------------------------------------------------------------
# The perturbation table


@functools.cache
def perturbation_table() -> pl.DataFrame:
    """data/reference/ptable.csv, checked: per count row, the keys 0..255 exactly once, noise in
    -2..+2 with mean 0, and no count taken below zero."""
    t = pl.read_csv(PTABLE_PATH, schema_overrides={"count_to": pl.Int64})
    for (lo,), rows in t.group_by("count_from"):
        keys = sorted(
            k for a, b in rows.select("key_from", "key_to").rows() for k in range(a, b + 1)
        )
        width = rows["key_to"] - rows["key_from"] + 1
        if keys != list(range(KEY_RANGE)):
            raise ValueError(f"ptable.csv: the keys of count {lo} do not cover 0..255 once")
        if (rows["noise"].abs() > 2).any() or (rows["noise"] + lo < 0).any():
            raise ValueError(f"ptable.csv: count {lo} has noise outside -2..+2 or below zero")
        if (rows["noise"] * width).sum() != 0:
            raise ValueError(f"ptable.csv: the noise of count {lo} does not average 0")
    return t


@functools.cache
def _lookup() -> tuple[int, list[int]]:
    """(K, noise by (min(n, K) - 1) * 256 + key): K is the first count of the open last row."""
    t = perturbation_table()
    top = int(t["count_from"].max())
    noise = [0] * (top * KEY_RANGE)
    for lo, hi, k0, k1, e in t.select(
        "count_from", "count_to", "key_from", "key_to", "noise"
    ).rows():
        for n in range(lo, (hi if hi is not None else top) + 1):
            for k in range(k0, k1 + 1):
                noise[(n - 1) * KEY_RANGE + k] = e
    return top, noise


def noise_of(n: int, key: int) -> int:
    """The table's noise for a count n >= 1 with a cell key (any non-negative sum of keys)."""
    top, noise = _lookup()
    return noise[(min(n, top) - 1) * KEY_RANGE + key % KEY_RANGE] if n > 0 else 0


@functools.cache
def _noise_series() -> pl.Series:
    """_lookup's noise as a Series, to be gathered from (a lookup by position, not a map)."""
    return pl.Series("noise", _lookup()[1], dtype=pl.Int64)


def perturbed(count: pl.Expr, key: pl.Expr) -> pl.Expr:
    """The perturbed count: count + the table's noise for (count, key); zero stays zero."""
    top, _ = _lookup()
    n = count.round(0).cast(pl.Int64)
    idx = (n.clip(1, top) - 1) * KEY_RANGE + key.cast(pl.Int64) % KEY_RANGE
    e = pl.lit(_noise_series()).gather(idx)
    return pl.when(n > 0).then(n + e).otherwise(pl.lit(0, dtype=pl.Int64))


def keyed(rows, keys: pl.Series):
    """rows (a frame with `pid`) with each row's record key `rkey`, by its person."""
    return rows.with_columns(rkey=pl.lit(keys).gather(pl.col("pid")))


def perturb_counts(df: pl.DataFrame, counts: dict[str, str], secret: bytes | None) -> pl.DataFrame:
    """The statistics' counts of persons (or of their months and episodes) perturbed: each
    column of `counts` by its key column (a sum of record keys), which is then dropped. A store
    of real persons without the secret refuses (DisclosureKeyMissing)."""
    if secret is None:
        raise DisclosureKeyMissing(MISSING_KEY_MESSAGE, key="missing_key")
    return df.with_columns(**{c: perturbed(pl.col(c), pl.col(k)) for c, k in counts.items()}).drop(
        *set(counts.values())
    )


# --------------------------------------------------------------------------------------------
# The threshold


def primary(magnitude: pl.Expr, min_count: int) -> pl.Expr:
    """True where the disclosure magnitude (count or denominator) is under the threshold."""
    return magnitude < min_count


def apply_disclosure_control(df: pl.DataFrame, basis: str | None, min_count: int) -> pl.DataFrame:
    """Add a boolean `suppressed` column to a table with `num` and `den` columns (perturbed
    already, where they are counts of persons): true where the magnitude is under the threshold.

    basis: value/numerator -> num, denominator -> den; None (staff FTE, money: no persons
    counted) -> nothing is suppressed. Nothing else is hidden: no secondary suppression.
    """
    if basis is None or min_count <= 0:
        return df.with_columns(suppressed=pl.lit(False))
    mag = pl.col("den" if basis == "denominator" else "num")
    return df.with_columns(suppressed=primary(mag, min_count).fill_null(True))
