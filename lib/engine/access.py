"""The one door figures are read through: every read names its viewer.

`Reader(viewer, source)` reads, for one viewer, every figure a person can see: indicator tables,
the trial effect and its event study, time to employment, peers, actual against expected, the
state office's caseload, and the reference facts that are not person data (trials, areas,
municipalities, providers, the months and the as-of date). The page builders (lib/figures), the
web layer (lib/web, which caches these reads) and the command line (lib/cli) read through it and
never touch the analytic snapshot or the store; the statistics (lib/stats) stay pure functions
of a snapshot that only this module calls. lib/engine/door.py is the same door for changes to the
store (imports, saved views, published tables).

The viewer's rule lives in one place, `Reader.figure` (with `restrict` for an indicator query's
rows, and `permit` for what a viewer may do at all). Today every viewer has full access;
role rules (ministry, municipal lead, evaluator: issue 13) go here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from lib.engine.caseload import state_caseload_before
from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.errors import Refused
from lib.engine.indicators import IndicatorError, Query, compute
from lib.engine.months import month_label
from lib.engine.snapshot import Snapshot
from lib.settings import get_settings
from lib.stats import effect as _effect
from lib.stats import expected as _expected
from lib.stats import peers as _peers
from lib.stats import survival as _survival


@dataclass(frozen=True)
class Viewer:
    name: str = "Full access"
    role: str = "full"  # full | ministry | municipal | evaluator
    municipalities: tuple[str, ...] | None = None  # None: all


FULL_ACCESS = Viewer()


class NoData(RuntimeError):
    """The store holds no loaded extract yet."""


@dataclass(frozen=True)
class DataInfo:
    db_url: str
    batch_id: int
    loaded_at: dt.datetime
    as_of: dt.date
    source: str | None
    description: str | None
    source_path: str
    row_counts: dict
    content_hash: str

    @property
    def synthetic(self) -> bool:
        text = f"{self.source or ''} {self.description or ''}".lower()
        return "synthetic" in text


def _engine_and_url(db_url: str | None):
    from lib.register.store import get_engine

    url = get_settings(db_url).db_url
    return get_engine(url), url


def data_info(db_url: str | None = None) -> DataInfo | None:
    """What is loaded: the latest batch, or None for an empty store."""
    from lib.register.store import latest_batch

    engine, url = _engine_and_url(db_url)
    b = latest_batch(engine)
    if b is None:
        return None
    return DataInfo(
        db_url=url,
        batch_id=b.batch_id,
        loaded_at=b.loaded_at,
        as_of=b.as_of,
        source=b.source,
        description=b.description,
        source_path=b.source_path,
        row_counts=json.loads(b.row_counts),
        content_hash=b.content_hash,
    )


def snapshot(db_url: str | None = None) -> Snapshot:
    """The analytic snapshot of the loaded extract (cached per batch). Only the access layer
    and the store door use it; everything else reads through a `Reader`."""
    from lib.engine.cache import snapshot_for

    engine, url = _engine_and_url(db_url)
    snap = snapshot_for(engine, url)
    if snap is None:
        raise NoData(
            "The store is empty: load an extract with `trialwatch import FOLDER` "
            "or build the demo register with `trialwatch demo`."
        )
    return snap


# ---------------------------------------------------------------------------------------------
# The rule


LIMITED_VIEWER_MAY = ("indicator", "facts", "read history", "saved views", "read published")


def permit(viewer: Viewer, what: str) -> None:
    """Raise Refused unless `viewer` may do `what` (a figure's kind, or a change to the store).

    Today: everything, for every viewer; except that a viewer limited to some municipalities
    gets only indicator tables (restricted to their rows by `restrict`), reference facts, the
    load history, saved views and published tables: the statistics compare all
    municipalities and have no row rule yet, and loads are not theirs to make.
    """
    if not isinstance(viewer, Viewer):
        raise TypeError(f"a read names its viewer (a Viewer), not {viewer!r}")
    if viewer.municipalities is None or what in LIMITED_VIEWER_MAY:
        return
    raise Refused(
        f"{viewer.name} may read indicator tables of their own municipalities only; "
        f"'{what}' is not available to them."
    )


def restrict(query: Query, viewer: Viewer) -> Query:
    """Apply the viewer's access rules to a query."""
    if viewer.municipalities is None:
        return query
    allowed = set(viewer.municipalities)
    for dim, values in query.where:
        if dim == "municipality_code":
            allowed &= set(values)
    return query.with_where("municipality_code", sorted(allowed))


# ---------------------------------------------------------------------------------------------
# The reader


@dataclass(frozen=True)
class Facts:
    """What the loaded extract is about, not person data: the trials, trial areas,
    municipalities and providers as loaded, the months it covers and its as-of date."""

    as_of: dt.date
    source: str | None
    description: str | None
    first_month: str  # 'YYYY-MM'
    last_month: str  # the last complete month on or before as_of
    trials: pl.DataFrame
    trial_areas: pl.DataFrame
    municipalities: pl.DataFrame  # + trial_id, area_name, trial_or_comparison, trial_start
    providers: pl.DataFrame | None  # None: the extract has no providers table


class Source:
    """The loaded data behind a Reader: one batch's analytic snapshot, opaque outside this
    module (lib/web/data.py keeps one per process and batch)."""

    def __init__(self, snap: Snapshot):
        self._snap = snap


def open_source(db_url: str | None = None) -> Source:
    """The store's loaded batch as a Source (raises NoData for an empty store)."""
    return Source(snapshot(db_url))


def _facts(snap: Snapshot) -> Facts:
    return Facts(
        as_of=snap.as_of,
        source=snap.source,
        description=snap.description,
        first_month=month_label(snap.first_month),
        last_month=month_label(snap.last_month),
        trials=snap.trials,
        trial_areas=snap.trial_areas,
        municipalities=snap.municipalities,
        providers=snap.providers,
    )


# Each kind of figure: (snapshot, viewer, *arguments) -> its result. The statistics are called
# here and nowhere else.
FIGURES: dict[str, Callable] = {
    "facts": lambda snap, viewer: _facts(snap),
    "indicator": lambda snap, viewer, query: compute(snap, restrict(query, viewer)),
    "effect": lambda snap, viewer, cohort, by: _effect.effect_table(snap, by, cohort),
    "event_study": lambda snap, viewer, cohort, area: _effect.event_study(snap, area, cohort),
    "survival": lambda snap, viewer, cohort, start, by, min_count: _survival.curve_and_median(
        snap, start, by, cohort, min_count
    ),
    "peers": lambda snap, viewer, code, n, min_count: _peers.peers(
        snap, code, n, min_count=min_count
    ),
    "peer_codes": lambda snap, viewer, code, n: _peers.peer_codes(snap, code, n),
    "expected_exit": lambda snap, viewer, cohort, by, min_count: _expected.expected_exit(
        snap, by=by, cohort=cohort, min_count=min_count
    ),
    "expected_placement": lambda snap, viewer, cohort, by, min_count: _expected.expected_placement(
        snap, by=by, cohort=cohort, min_count=min_count
    ),
    "state_caseload": lambda snap, viewer, month, municipalities, cohort, min_count: (
        state_caseload_before(snap, month, municipalities, cohort, min_count)
    ),
}


class Reader:
    """Every figure a person can see, read for one viewer.

    source: a `Source` (the web layer's cached batch), a db URL or None (the settings' store:
    the command line), or a snapshot (tests and benchmarks). The snapshot is loaded on the
    first read. Every read goes through `figure`, the one place the viewer's rule is applied
    (and the one place lib/web/data.py's cached reader hooks into).
    """

    def __init__(self, viewer: Viewer, source: Source | Snapshot | str | None = None):
        if not isinstance(viewer, Viewer):
            raise TypeError(f"a Reader names its viewer (a Viewer), not {viewer!r}")
        self.viewer = viewer
        self._source = source

    def _snapshot(self) -> Snapshot:
        if isinstance(self._source, Source):
            return self._source._snap
        if isinstance(self._source, Snapshot):
            return self._source
        self._source = open_source(self._source)
        return self._source._snap

    def figure(self, kind: str, *args):
        """The figure of this kind (a key of FIGURES) for these arguments, if the viewer may
        see it: the one place every read passes."""
        permit(self.viewer, kind)
        return FIGURES[kind](self._snapshot(), self.viewer, *args)

    # --- reference facts and indicators --------------------------------------------------

    def facts(self) -> Facts:
        """The trials, areas, municipalities and providers, the months and the as-of date."""
        return self.figure("facts")

    def indicator(self, query: Query) -> pl.DataFrame:
        """The indicator table: the same numbers the dashboard and the command line show."""
        return self.figure("indicator", query)

    def indicators(self, queries: list[Query]) -> list[pl.DataFrame | None]:
        """Several indicator tables; None for a query the extract cannot answer."""
        out = []
        for query in queries:
            try:
                out.append(self.indicator(query))
            except IndicatorError:
                out.append(None)
        return out

    def prefetch(self, queries: list[Query]) -> None:
        """Read these queries ahead of time where that saves time (a cached reader reads them
        side by side); nothing to gain without a cache."""

    # --- the statistics --------------------------------------------------------------------

    def effect(self, cohort: Cohort = EVERYONE, by: str | None = None) -> pl.DataFrame:
        """The trial effect on the exit rate: one row, or one per trial area."""
        return self.figure("effect", cohort, by)

    def event_study(self, cohort: Cohort = EVERYONE, area: str | None = None) -> pl.DataFrame:
        """The effect month by month around the start, for the trial or one trial area."""
        return self.figure("event_study", cohort, area)

    def survival(
        self,
        cohort: Cohort = EVERYONE,
        start: str = "coaching",
        by: str | None = "trial_or_comparison",
        min_count: int = 5,
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Time to employment: the Kaplan-Meier curves and the medians per stratum."""
        return self.figure("survival", cohort, start, by, min_count)

    def peers(self, municipality_code: str, n: int = 5, min_count: int = 5) -> pl.DataFrame:
        """The n municipalities most similar to this one, nearest first."""
        return self.figure("peers", municipality_code, n, min_count)

    def peer_codes(self, municipality_code: str, n: int = 5) -> list[str]:
        """The codes of those peers (the Compare page's default peer set)."""
        return self.figure("peer_codes", municipality_code, n)

    def expected_exit(
        self, cohort: Cohort = EVERYONE, by: str = "trial_area_id", min_count: int = 5
    ) -> pl.DataFrame:
        """The exit rate, actual against expected, per `by` unit."""
        return self.figure("expected_exit", cohort, by, min_count)

    def expected_placement(
        self, cohort: Cohort = EVERYONE, by: str = "provider_id", min_count: int = 5
    ) -> pl.DataFrame:
        """Placement at 90 days, actual against expected, per `by` unit."""
        return self.figure("expected_placement", cohort, by, min_count)

    def state_caseload(
        self,
        month: str,
        municipalities: tuple[str, ...],
        cohort: Cohort = EVERYONE,
        min_count: int = 5,
    ) -> tuple[float | None, bool]:
        """(number, suppressed): job seekers served by the state office in these
        municipalities at the end of the month before `month`."""
        return self.figure("state_caseload", month, tuple(municipalities), cohort, min_count)


# What the statistics say about their methods and results, for the pages (no reads).
METHODS = {"survival": _survival.METHOD, "peers": _peers.METHOD, "expected": _expected.METHOD}
pre_trend = _effect.pre_trend
PreTrend = _effect.PreTrend


def read_indicator(
    query: Query,
    viewer: Viewer,
    *,
    db_url: str | None = None,
) -> pl.DataFrame:
    """The indicator table for this viewer: the same numbers the dashboard and CLI show."""
    return Reader(viewer, db_url).indicator(query)


def default_query(indicator: str, **kw) -> Query:
    """A query with the deployment's settings (threshold, youth age, weekly contacts)."""
    s = get_settings()
    base = Query(
        indicator, min_count=s.min_count, youth_age=s.youth_age, weekly_contacts=s.weekly_contacts
    )
    return replace(base, **kw)
