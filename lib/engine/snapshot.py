"""The analytic snapshot: the register turned into frames the indicators read.

Built once per loaded batch (pure Polars, no I/O here; lib/register/store.py caches it as Parquet).
Every derived fact of the contract is computed in exactly one place in this module:

- a person's municipality and organisation on a day (the covering responsibility spell);
- transfer in / transfer out / new client / initial transfer (`_transfer_events`);
- unemployment duration with back-to-back spells merged, and days unemployed in a window
  (`_merged_unemployment`, `attributes_at`);
- the groups, evaluated on any day (`attributes_at`).

Days are held as Int32 day numbers (days since 1970-01-01) so spell arithmetic is integer
arithmetic; an open end is `OPEN`. Months are held as an integer index `year * 12 + month - 1`
(lib/engine/months.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import polars as pl

from lib.engine.disclosure import key_for, record_keys
from lib.engine.months import (
    last_date,
    last_day_expr,
    month_index_expr,
    month_of_date,
    month_of_day_expr,
)
from lib.register.contract import EDUCATIONS, GENDERS, LANGUAGES, ORGANISATIONS, STATUSES, Extract

OPEN = 2**31 - 1  # day number of an open end
EPOCH = dt.date(1970, 1, 1)

GENDER = pl.Enum(GENDERS)
LANGUAGE = pl.Enum(LANGUAGES)
EDUCATION = pl.Enum(EDUCATIONS)
ORGANISATION = pl.Enum(ORGANISATIONS)
STATUS = pl.Enum(STATUSES)
EVENT_KINDS = ("transfer_in", "transfer_out", "new_client")
EVENT = pl.Enum(EVENT_KINDS)

# Group thresholds of the contract (days).
LONG_TERM_DAYS = 365
VERY_LONG_TERM_DAYS = 730
REPEATED_WINDOW_DAYS = 487
REPEATED_MIN_DAYS = 365
NEWLY_ARRIVED_DAYS = 1095
PLACEMENT_DAYS = (14, 90, 180)
# Statuses in which a person keeps the unemployment duration they entered with (the activated).
ACTIVATION_STATUSES = ("services", "subsidised_employment")


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def day_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def _days(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Int32)


class Kept:
    """Tables kept by key up to a number of bytes, the least recently used dropped first."""

    def __init__(self, max_bytes: int = 256 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict = OrderedDict()  # key -> (table, its bytes)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key, make: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """The table kept under `key`, made by `make()` the first time."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[0]
        table = make()
        size = table.estimated_size()
        with self._lock:
            if key not in self._items:
                self._items[key] = (table, size)
                self._bytes += size
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
        return table

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class Derived:
    """Tables derived from one snapshot kept as Parquet files in a folder beside it (see
    lib/engine/cache.py), so that a restarted server reads them in milliseconds rather than
    scanning twenty million person-months again (and without the memory such a scan takes).

    A file is named by a hash of its key and of `tag`, which names everything the table
    depends on besides the snapshot's own frames: the code that computes it and the
    disclosure secret (the record keys and the key sums under them). Written atomically (a
    reader never sees half a file); a file that cannot be read is made again; the folder is
    kept under `max_bytes`, the least recently used files dropped first."""

    def __init__(self, folder: Path, tag: str, max_bytes: int = 512 * 2**20) -> None:
        self.folder, self.tag, self.max_bytes = folder, tag, max_bytes
        self._bytes: int | None = None  # the folder's size as last counted, plus what was written

    def path(self, key) -> Path:
        name = hashlib.sha256(f"{self.tag}|{key!r}".encode()).hexdigest()[:32]
        return self.folder / f"{name}.parquet"

    def get(self, key, make: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """The table for `key`: read from its file, else made by `make()` and written."""
        path = self.path(key)
        if path.exists():
            try:
                table = pl.read_parquet(path)
                os.utime(path)  # recently used
                return table
            except Exception:  # noqa: BLE001 -- a damaged file is made again, never trusted
                pass
        table = make()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
            table.write_parquet(tmp)
            written = tmp.stat().st_size
            os.replace(tmp, path)
            self._written(written)
        except OSError:  # a full or read-only disk: the table is still returned
            pass
        return table

    def _written(self, size: int) -> None:
        """Count a written file; the folder is listed only when it may be over its size (a
        write is on a filter change's path: no listing of every file each time)."""
        if self._bytes is None:
            self._bytes = sum(p.stat().st_size for p in self.folder.glob("*.parquet"))
        else:
            self._bytes += size
        if self._bytes > self.max_bytes:
            self._prune()

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        for p in files[:-1]:
            if total <= self.max_bytes:
                break
            total -= p.stat().st_size
            p.unlink(missing_ok=True)
        self._bytes = total


@dataclass
class Snapshot:
    """The analytic representation of one loaded extract."""

    as_of: dt.date
    source: str | None
    description: str | None
    trials: pl.DataFrame
    trial_areas: pl.DataFrame
    municipalities: pl.DataFrame  # + trial_id, area_name, trial_or_comparison, trial_start
    persons: pl.DataFrame  # pid + static attributes
    resp: pl.DataFrame  # responsibility spells as day numbers
    status: pl.DataFrame  # status spells as day numbers
    unemp: pl.DataFrame  # merged unemployment spells with cumulative days before
    activation: pl.DataFrame  # runs in services / subsidised employment, with entry duration
    panel: pl.DataFrame  # person x month end, for persons with a responsibility spell then
    events: pl.DataFrame  # transfers in / out and new clients with attributes
    episodes: pl.DataFrame  # service episodes with attributes at start and status at end + D
    staff: pl.DataFrame  # staff months
    employer_contacts: pl.DataFrame | None
    providers: pl.DataFrame | None
    payments: pl.DataFrame | None  # payments with their person, municipality and flags
    has_client_contacts: bool
    first_month: int  # month index
    last_month: int  # last complete month on or before as_of
    # The cell-key perturbation's secret (lib/engine/disclosure.py): from the settings when the
    # snapshot is built or read back, never written with it. None: a store of real persons
    # without the setting, which shows exact counts to the operator only.
    disclosure_key: bytes | None = field(default=None, repr=False, compare=False)
    # Tables lib/engine/indicators.py has computed from these frames, kept with them (and dropped
    # with
    # them when a new extract is loaded). Not an init field, so a snapshot made with
    # dataclasses.replace() starts with an empty store of its own.
    aggregates: Kept = field(default_factory=Kept, init=False, repr=False, compare=False)
    # Where derived tables are kept on disk (lib/engine/cache.py sets it for a cached snapshot;
    # None: made in memory only, as for a snapshot a test builds).
    derived: Derived | None = field(default=None, init=False, repr=False, compare=False)

    def on_disk(self, key, make: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """The derived table for `key`, read from this snapshot's folder of derived tables when
        it has one and the table was made before (by this process or an earlier one)."""
        return make() if self.derived is None else self.derived.get(key, make)

    def record_keys(self) -> pl.Series:
        """Each person's record key (Int64, 0..255), indexed by pid: computed once per snapshot
        (zeros without a secret, where nothing is perturbed)."""

        def make() -> pl.DataFrame:
            if self.disclosure_key is None:
                return pl.DataFrame({"rkey": [0] * self.persons.height}, schema={"rkey": pl.Int64})
            return record_keys(self.persons["person_id"], self.disclosure_key).to_frame()

        key = ("record_keys",)
        return self.aggregates.get(key, lambda: self.on_disk(key, make))["rkey"]

    @property
    def months(self) -> list[int]:
        return list(range(self.first_month, self.last_month + 1))

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pl.DataFrame)
        }


# --------------------------------------------------------------------------------------------
# Building blocks


def _back_to_back_runs(spells: pl.DataFrame) -> pl.DataFrame:
    """Spells (pid, start, end) with back-to-back records (one ends the day before the next
    starts) merged into runs: pid, run_start, run_end (inclusive, OPEN if open)."""
    s = spells.select("pid", "start", "end").sort("pid", "start")
    prev_end = pl.col("end").cast(pl.Int64).shift(1).over("pid")
    s = s.with_columns(
        new_run=(prev_end.is_null() | (pl.col("start") != prev_end + 1)).cast(pl.Int32)
    ).with_columns(run=pl.col("new_run").cum_sum().over("pid"))
    return (
        s.group_by("pid", "run")
        .agg(run_start=pl.col("start").min(), run_end=pl.col("end").max())
        .sort("pid", "run_start")
        .drop("run")
    )


def _merged_unemployment(status: pl.DataFrame) -> pl.DataFrame:
    """Unemployment spells with back-to-back records merged into one.

    Returns pid, ustart, uend (inclusive, OPEN if open), cum_before: unemployed days of the
    person before ustart (over all earlier merged spells).
    """
    merged = _back_to_back_runs(status.filter(pl.col("status") == "unemployed")).rename(
        {"run_start": "ustart", "run_end": "uend"}
    )
    length = (pl.col("uend").cast(pl.Int64) - pl.col("ustart") + 1).clip(upper_bound=OPEN)
    return merged.with_columns(cum_before=(length.cum_sum().over("pid") - length).cast(pl.Int64))


def _activation_runs(status: pl.DataFrame, unemp: pl.DataFrame) -> pl.DataFrame:
    """Runs of back-to-back `services` / `subsidised_employment` spells, each with the
    unemployment duration its person entered with (the contract's "Unemployment duration").

    Returns pid, astart, aend (inclusive, OPEN if open), entry_days: the unemployment duration
    on the day before astart when the person was unemployed that day, else null (undefined).
    """
    runs = _back_to_back_runs(status.filter(pl.col("status").is_in(ACTIVATION_STATUSES))).rename(
        {"run_start": "astart", "run_end": "aend"}
    )
    eve = runs.with_columns(_eve=(pl.col("astart") - 1).cast(pl.Int32)).sort("_eve")
    j = eve.join_asof(
        unemp.select("pid", "ustart", "uend").sort("ustart"),
        left_on="_eve",
        right_on="ustart",
        by="pid",
        check_sortedness=False,
    )
    return j.select(
        "pid",
        "astart",
        "aend",
        entry_days=pl.when(pl.col("uend") >= pl.col("_eve"))
        .then(pl.col("_eve") - pl.col("ustart"))
        .otherwise(None)
        .cast(pl.Int32),
    ).sort("pid", "astart")


def _unemployed_days_through(frame: pl.DataFrame, unemp: pl.DataFrame, day: str) -> pl.Series:
    """Unemployed days of each row's person on or before day `day` (a column of day numbers)."""
    left = frame.select("pid", day).with_row_index("_row").sort(day)
    right = unemp.sort("ustart")
    j = left.join_asof(right, left_on=day, right_on="ustart", by="pid", check_sortedness=False)
    covered = (pl.col(day).cast(pl.Int64) - pl.col("ustart") + 1).clip(
        lower_bound=0,
        upper_bound=pl.col("uend").cast(pl.Int64) - pl.col("ustart") + 1,
    )
    j = j.with_columns(
        _u=pl.when(pl.col("ustart").is_null()).then(0).otherwise(pl.col("cum_before") + covered)
    )
    return j.sort("_row")["_u"]


def group_parts(snap: Snapshot, people: pl.DataFrame | None = None) -> dict:
    """What `attributes_at` reads, from a snapshot (only these people's rows when `people`, a
    frame with a `pid` column, is given)."""
    parts = {
        "persons": snap.persons.drop("person_id"),
        "unemp": snap.unemp,
        "activation": snap.activation,
    }
    if people is None:
        return parts
    return {k: v.join(people.select("pid"), on="pid", how="semi") for k, v in parts.items()}


def attributes_at(frame: pl.DataFrame, snap_parts: dict, day: str = "day") -> pl.DataFrame:
    """Add the person's attributes and group flags on day `day` to each row (pid, day, ...).

    Adds: age, unemployment_days (the contract's unemployment duration: for a person unemployed
    on the day, the days since the covering merged unemployment spell began; for a person in
    services or subsidised employment, the duration they entered that run with, which does not
    grow while they are in it; null otherwise), unemployed_days_487 (days unemployed in the
    window ending on the day), long_term, very_long_term, repeated (not long-term, unemployed or
    in services on the day, and at least 365 days unemployed in the window), newly_arrived,
    foreign, reduced_work_capacity, gender, language, education. `snap_parts`: `group_parts`.
    """
    persons: pl.DataFrame = snap_parts["persons"]
    unemp: pl.DataFrame = snap_parts["unemp"]
    activation: pl.DataFrame = snap_parts["activation"]
    out = frame.with_row_index("_row")
    left = out.select("_row", "pid", day).sort(day)
    # duration of the covering merged unemployment spell
    j = left.join_asof(
        unemp.select("pid", "ustart", "uend").sort("ustart"),
        left_on=day,
        right_on="ustart",
        by="pid",
        check_sortedness=False,
    ).with_columns(
        _unemployed_days=pl.when(pl.col("uend") >= pl.col(day))
        .then(pl.col(day) - pl.col("ustart"))
        .otherwise(None)
        .cast(pl.Int32)
    )
    # or the duration a person in services entered the covering run with
    a = left.join_asof(
        activation.sort("astart"),
        left_on=day,
        right_on="astart",
        by="pid",
        check_sortedness=False,
    ).with_columns(
        _activated=(pl.col("aend") >= pl.col(day)).fill_null(False),
    )
    a = a.with_columns(_entry_days=pl.when("_activated").then("entry_days").otherwise(None))
    out = out.join(j.select("_row", "_unemployed_days"), on="_row", how="left").join(
        a.select("_row", "_activated", "_entry_days"), on="_row", how="left"
    )
    out = out.with_columns(
        unemployment_days=pl.coalesce("_unemployed_days", "_entry_days").cast(pl.Int32),
        _unemployed_or_activated=pl.col("_unemployed_days").is_not_null() | pl.col("_activated"),
    )
    # days unemployed in the window of REPEATED_WINDOW_DAYS days ending on `day`
    through = _unemployed_days_through(out, unemp, day)
    out = out.with_columns(
        _before=(pl.col(day) - REPEATED_WINDOW_DAYS).cast(pl.Int32), _through=through
    )
    before = _unemployed_days_through(out, unemp, "_before")
    out = out.with_columns(unemployed_days_487=(pl.col("_through") - before).cast(pl.Int32))
    out = out.join(persons, on="pid", how="left")
    long_term = pl.col("unemployment_days").fill_null(-1) >= LONG_TERM_DAYS
    return (
        out.with_columns(
            age=(pl.col(day).cast(pl.Date).dt.year().cast(pl.Int16) - pl.col("birth_year")).cast(
                pl.Int16
            ),
            long_term=long_term,
            very_long_term=pl.col("unemployment_days").fill_null(-1) >= VERY_LONG_TERM_DAYS,
            repeated=~long_term
            & pl.col("_unemployed_or_activated")
            & (pl.col("unemployed_days_487") >= REPEATED_MIN_DAYS),
            newly_arrived=pl.col("foreign")
            & pl.col("first_registered").is_not_null()
            & (pl.col("first_registered") <= pl.col(day))
            & (pl.col("first_registered") > pl.col(day) - NEWLY_ARRIVED_DAYS),
        )
        .sort("_row")
        .drop(
            "_row",
            "_before",
            "_through",
            "_unemployed_days",
            "_activated",
            "_entry_days",
            "_unemployed_or_activated",
            "birth_year",
            "first_registered",
        )
    )


def _covering(frame: pl.DataFrame, spells: pl.DataFrame, day: str, cols: list[str]) -> pl.DataFrame:
    """Add `cols` of the spell (pid, start, end, ...) covering day `day`; null where none does."""
    left = frame.with_row_index("_row")
    j = (
        left.select("_row", "pid", day)
        .sort(day)
        .join_asof(
            spells.select("pid", "start", "end", *cols).sort("start"),
            left_on=day,
            right_on="start",
            by="pid",
            check_sortedness=False,
        )
    )
    covered = pl.col("end") >= pl.col(day)
    j = j.select("_row", *[pl.when(covered).then(pl.col(c)).otherwise(None).alias(c) for c in cols])
    return left.join(j, on="_row", how="left").sort("_row").drop("_row")


def _transfer_events(resp: pl.DataFrame, municipalities: pl.DataFrame) -> pl.DataFrame:
    """Transfers in, transfers out and new clients, one row each, with their evaluation day.

    transfer_in: a municipal spell whose person's previous spell is state and ended the day
    before it starts; new_client: any other municipal spell; transfer_out: a municipal spell
    followed by a state spell starting the day after it ends. In and new are dated at the
    municipal spell's start and evaluated the day before; out is dated and evaluated at the
    municipal spell's last day. The municipality is that of the municipal spell.
    """
    r = resp.sort("pid", "start").with_columns(
        prev_org=pl.col("organisation").shift(1).over("pid"),
        prev_end=pl.col("end").cast(pl.Int64).shift(1).over("pid"),
        next_org=pl.col("organisation").shift(-1).over("pid"),
        next_start=pl.col("start").shift(-1).over("pid"),
    )
    municipal = r.filter(pl.col("organisation") == "municipal")
    is_in = (pl.col("prev_org") == "state") & (pl.col("prev_end") == pl.col("start") - 1)
    starts = municipal.select(
        "pid",
        "municipality_code",
        kind=pl.when(is_in).then(pl.lit("transfer_in")).otherwise(pl.lit("new_client")),
        day=pl.col("start"),
        eval_day=(pl.col("start") - 1).cast(pl.Int32),
    )
    outs = municipal.filter(
        (pl.col("next_org") == "state") & (pl.col("next_start") == pl.col("end").cast(pl.Int64) + 1)
    ).select("pid", "municipality_code", kind=pl.lit("transfer_out"), day="end", eval_day="end")
    ev = pl.concat([starts, outs]).with_columns(pl.col("kind").cast(EVENT))
    ev = ev.join(
        municipalities.select("municipality_code", "trial_start"),
        on="municipality_code",
        how="left",
    )
    return ev.with_columns(
        initial=(pl.col("kind") == "transfer_in") & (pl.col("day") == pl.col("trial_start")),
        midx=month_of_day_expr(pl.col("day")),
    ).drop("trial_start")


# --------------------------------------------------------------------------------------------
# The build


def build_snapshot(extract: Extract) -> Snapshot:
    """Turn a validated extract into the analytic snapshot."""
    f = extract.frames
    as_of = extract.as_of
    as_of_day = day_number(as_of)

    trials = f["trials"]
    areas = f["trial_areas"]
    muni = (
        f["municipalities"]
        .join(areas.rename({"name": "area_name"}), on="trial_area_id", how="left")
        .join(trials.select("trial_id", trial_start=_days("start_date")), on="trial_id", how="left")
        .with_columns(
            trial_or_comparison=pl.when(pl.col("trial_area_id").is_null())
            .then(pl.lit("comparison"))
            .otherwise(pl.lit("trial"))
        )
    )

    persons = (
        f["job_seekers"]
        .sort("person_id")
        .with_row_index("pid")
        .select(
            pl.col("pid").cast(pl.UInt32),
            "person_id",
            pl.col("birth_year").cast(pl.Int16),
            pl.col("gender").cast(GENDER),
            pl.col("language").cast(LANGUAGE),
            pl.col("education").cast(EDUCATION),
            foreign=pl.col("foreign_citizen").fill_null(False),
            reduced_work_capacity=pl.col("reduced_work_capacity").fill_null(False),
            first_registered=_days("first_registered"),
        )
    )
    pid_map = persons.select("person_id", "pid")

    def spells(frame: pl.DataFrame, *cols: str) -> pl.DataFrame:
        return (
            frame.join(pid_map, on="person_id", how="inner")
            .select(
                "pid",
                *cols,
                start=_days("start_date"),
                end=_days("end_date").fill_null(OPEN),
            )
            .sort("pid", "start")
        )

    resp = spells(f["responsibility_spells"], "municipality_code", "organisation").with_columns(
        pl.col("organisation").cast(ORGANISATION)
    )
    status = spells(f["status_spells"], "status").with_columns(pl.col("status").cast(STATUS))
    unemp = _merged_unemployment(status)
    activation = _activation_runs(status, unemp)
    parts = {"persons": persons.drop("person_id"), "unemp": unemp, "activation": activation}

    # Months covered: from the extract's period start (or first responsibility spell) to the
    # last complete month.
    if extract.period_start is not None:
        first_month = month_of_date(extract.period_start)
    elif resp.height:
        first_month = month_of_date(day_date(resp["start"].min()))
    else:
        first_month = month_of_date(as_of)
    last_month = (
        month_of_date(as_of)
        if last_date(month_of_date(as_of)) <= as_of
        else (month_of_date(as_of) - 1)
    )

    # Person x month-end panel for every month end a responsibility spell covers.
    me_first = month_of_day_expr(pl.col("start"))
    cap = pl.col("end").clip(upper_bound=as_of_day)  # last day that counts
    me_last = month_of_day_expr(cap)
    panel = (
        resp.select(
            "pid",
            "municipality_code",
            "organisation",
            # first month whose last day the spell covers, and the last one (complete months)
            first=pl.max_horizontal(
                pl.when(last_day_expr(me_first) >= pl.col("start"))
                .then(me_first)
                .otherwise(me_first + 1),
                pl.lit(first_month),
            ),
            last=pl.min_horizontal(
                pl.when(last_day_expr(me_last) <= cap).then(me_last).otherwise(me_last - 1),
                pl.lit(last_month),
            ),
        )
        .filter(pl.col("last") >= pl.col("first"))
        .with_columns(midx=pl.int_ranges("first", pl.col("last") + 1, dtype=pl.Int32))
        .explode("midx")
        .drop("first", "last")
        .with_columns(day=last_day_expr(pl.col("midx")))
    )
    panel = _covering(panel, status, "day", ["status"])
    panel = attributes_at(panel, parts, "day")
    # exit numerator: an employed spell starts in the month after this month end
    emp_starts = (
        status.filter(pl.col("status") == "employed")
        .select("pid", midx=month_of_day_expr(pl.col("start")) - 1)
        .unique()
        .with_columns(employed_next=pl.lit(True))
    )
    panel = panel.join(emp_starts, on=["pid", "midx"], how="left").with_columns(
        pl.col("employed_next").fill_null(False)
    )
    has_contacts = "client_contacts" in f
    if has_contacts:
        contacts = (
            f["client_contacts"]
            .join(pid_map, on="person_id", how="inner")
            .select(
                "pid",
                midx=month_index_expr(pl.col("month")),
                coaching_contacts=pl.col("coaching_contacts").cast(pl.Int32),
            )
        )
        panel = panel.join(contacts, on=["pid", "midx"], how="left")
    else:
        panel = panel.with_columns(coaching_contacts=pl.lit(None, dtype=pl.Int32))
    panel = panel.with_columns(pl.col("coaching_contacts").fill_null(0)).drop("day")

    # Transfer events with attributes on their evaluation day.
    events = _transfer_events(resp, muni)
    events = events.filter(pl.col("midx").is_between(first_month, last_month))
    events = attributes_at(events, parts, "eval_day")

    # Service episodes: municipality and attributes at start, status at end + D.
    episodes = _episodes(f, pid_map, resp, status, parts, as_of_day)
    payments = (
        _payments(f, episodes, resp, contacts if has_contacts else None, as_of_day)
        if "payments" in f
        else None
    )

    staff = (
        f["staff_months"].select(
            "municipality_code",
            midx=month_index_expr(pl.col("month")),
            role="role",
            origin="origin",
            fte="fte",
        )
        if "staff_months" in f
        else pl.DataFrame(
            schema={
                "municipality_code": pl.String,
                "midx": pl.Int32,
                "role": pl.String,
                "origin": pl.String,
                "fte": pl.Float64,
            }
        )
    )
    employer = None
    if "employer_contacts" in f:
        employer = f["employer_contacts"].select(
            "municipality_code",
            midx=month_index_expr(pl.col("month")),
            employer_contacts="employer_contacts",
        )

    return Snapshot(
        as_of=as_of,
        source=extract.source,
        description=extract.description,
        trials=trials,
        trial_areas=areas,
        municipalities=muni,
        persons=persons,
        resp=resp,
        status=status,
        unemp=unemp,
        activation=activation,
        panel=panel.with_columns(pl.col("municipality_code").cast(pl.Categorical)),
        events=events,
        episodes=episodes,
        staff=staff,
        employer_contacts=employer,
        providers=f.get("providers"),
        payments=payments,
        has_client_contacts=has_contacts,
        first_month=first_month,
        last_month=last_month,
        disclosure_key=key_for(extract.source),
    )


def _episodes(f, pid_map, resp, status, parts, as_of_day: int) -> pl.DataFrame:
    if "service_episodes" not in f:
        return pl.DataFrame(
            schema={"episode_id": pl.String, "pid": pl.UInt32, "service_type": pl.String}
        )
    ep = (
        f["service_episodes"]
        .join(pid_map, on="person_id", how="inner")
        .select(
            "episode_id",
            "pid",
            "service_type",
            "provider_id",
            start=_days("start_date"),
            end=_days("end_date"),
        )
    )
    # Evaluated on the day before the episode starts: the person's situation as they entered
    # coaching (on the start day itself they are already in services).
    ep = ep.with_columns(eval_day=(pl.col("start") - 1).cast(pl.Int32))
    ep = _covering(ep, resp, "eval_day", ["municipality_code"])
    for d in PLACEMENT_DAYS:
        ep = ep.with_columns(**{f"_d{d}": (pl.col("end") + d).cast(pl.Int32)})
        ep = _covering(ep, status, f"_d{d}", ["status"]).rename({"status": f"status_{d}"})
        # left out where end + D is after as_of (or the episode has not ended)
        ep = ep.with_columns(
            pl.when(pl.col(f"_d{d}") <= as_of_day).then(pl.col(f"status_{d}")).otherwise(None),
            **{f"observable_{d}": pl.col(f"_d{d}").is_not_null() & (pl.col(f"_d{d}") <= as_of_day)},
        ).drop(f"_d{d}")
    ep = attributes_at(ep, parts, "eval_day")
    return ep.with_columns(midx=month_of_day_expr(pl.col("end")))


# The reasons a payment has no delivered coaching behind it (the contract's
# `unsupported_payments`), as the flag columns of Snapshot.payments.
UNSUPPORTED_REASONS = ("no_episode", "starts_after_payment", "no_coaching_contact")
UNKNOWN_MUNICIPALITY = "unknown"


def _payments(f, episodes, resp, contacts, as_of_day: int) -> pl.DataFrame:
    """Payments with: paid_on as a day number, midx (the month paid), pid and service_type of the
    episode's person, municipality_code (the paid person's responsibility spell on paid_on; a
    payment without an episode: its provider's municipality if the provider is municipal, else
    "unknown"), the flags of UNSUPPORTED_REASONS and `unsupported` (any of them).

    A municipal provider's municipality is the one where most of its episodes' persons were on
    the day before their episode started (the providers table carries no municipality); the
    smaller code on a tie. `no_coaching_contact` is only set where `client_contacts` is loaded
    (`contacts`: pid, midx, coaching_contacts): no month from the episode's start month to its
    end month (or the as-of month while it is open) has a coaching contact of its person.
    """
    kinds = (
        f["providers"].select("provider_id", provider_kind="kind")
        if "providers" in f
        else pl.DataFrame(schema={"provider_id": pl.String, "provider_kind": pl.String})
    )
    ep_cols = ["episode_id", "pid", "service_type", "start", "end"]
    if "start" not in episodes.columns:  # no service_episodes table: no payment has an episode
        episodes = pl.DataFrame(
            schema={
                "episode_id": pl.String,
                "pid": pl.UInt32,
                "service_type": pl.String,
                "start": pl.Int32,
                "end": pl.Int32,
                "provider_id": pl.String,
                "municipality_code": pl.String,
            }
        )
    pay = (
        f["payments"]
        .select(
            "payment_id",
            "provider_id",
            "episode_id",
            pl.col("amount").cast(pl.Float64),
            "currency",
            paid_on=_days("paid_on"),
        )
        .join(kinds, on="provider_id", how="left")
        .join(episodes.select(ep_cols), on="episode_id", how="left")
    )
    pay = _covering(
        pay.with_columns(pl.col("pid").fill_null(0)), resp, "paid_on", ["municipality_code"]
    )
    pay = pay.with_columns(
        pid=pl.when(pl.col("start").is_null()).then(None).otherwise(pl.col("pid")),
        municipality_code=pl.when(pl.col("start").is_null())
        .then(None)
        .otherwise(pl.col("municipality_code")),
    )
    # a payment without an episode: the municipal provider's own municipality
    home = (
        episodes.filter(pl.col("municipality_code").is_not_null())
        .group_by("provider_id", "municipality_code")
        .agg(n=pl.len())
        .sort(["provider_id", "n", "municipality_code"], descending=[False, True, False])
        .unique("provider_id", keep="first")
        .select("provider_id", _home="municipality_code")
    )
    pay = pay.join(home, on="provider_id", how="left").with_columns(
        municipality_code=pl.coalesce(
            "municipality_code",
            pl.when(pl.col("start").is_null() & (pl.col("provider_kind") == "municipal")).then(
                "_home"
            ),
            pl.lit(UNKNOWN_MUNICIPALITY),
        )
    )
    if contacts is not None:
        months = episodes.select(
            "episode_id",
            "pid",
            _m0=month_of_day_expr(pl.col("start")),
            _m1=month_of_day_expr(pl.col("end").fill_null(as_of_day).clip(upper_bound=as_of_day)),
        )
        contacted = (
            months.join(
                contacts.filter(pl.col("coaching_contacts") >= 1).select("pid", "midx"), on="pid"
            )
            .filter(pl.col("midx").is_between(pl.col("_m0"), pl.col("_m1")))
            .select("episode_id")
            .unique()
            .with_columns(_contacted=pl.lit(True))
        )
        pay = pay.join(contacted, on="episode_id", how="left")
        no_contact = pl.col("start").is_not_null() & pl.col("_contacted").is_null()
    else:
        no_contact = pl.lit(False)
    pay = pay.with_columns(
        no_episode=pl.col("start").is_null(),
        starts_after_payment=(pl.col("start") > pl.col("paid_on")).fill_null(False),
        no_coaching_contact=no_contact,
    )
    return (
        pay.with_columns(unsupported=pl.any_horizontal(UNSUPPORTED_REASONS))
        .with_columns(
            pl.col("municipality_code").cast(pl.String),
            midx=month_of_day_expr(pl.col("paid_on")),
        )
        .select(
            "payment_id",
            "provider_id",
            "provider_kind",
            "episode_id",
            "amount",
            "currency",
            "paid_on",
            "midx",
            "pid",
            "service_type",
            "municipality_code",
            *UNSUPPORTED_REASONS,
            "unsupported",
        )
        .sort("payment_id")
    )
