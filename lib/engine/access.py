"""The one entry point for reading figures: every read names its viewer.

Today every viewer has full access; role rules (ministry, municipal lead, evaluator) will be
enforced here and nowhere else, so no page or export can bypass them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace

import polars as pl

from lib.engine.indicators import Query, compute
from lib.engine.snapshot import Snapshot
from lib.settings import get_settings


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


def load_history(db_url: str | None = None) -> list:
    """Every loaded batch, newest first (the Data and definitions page)."""
    from lib.register.store import load_history as _load_history

    engine, _ = _engine_and_url(db_url)
    return _load_history(engine)


def snapshot(db_url: str | None = None) -> Snapshot:
    """The analytic snapshot of the loaded extract (cached per batch)."""
    from lib.engine.cache import snapshot_for

    engine, url = _engine_and_url(db_url)
    snap = snapshot_for(engine, url)
    if snap is None:
        raise NoData(
            "The store is empty: load an extract with `trialwatch import FOLDER` "
            "or build the demo register with `trialwatch demo`."
        )
    return snap


def restrict(query: Query, viewer: Viewer) -> Query:
    """Apply the viewer's access rules to a query."""
    if viewer.municipalities is None:
        return query
    allowed = set(viewer.municipalities)
    for dim, values in query.where:
        if dim == "municipality_code":
            allowed &= set(values)
    return query.with_where("municipality_code", sorted(allowed))


def read_indicator(
    query: Query,
    viewer: Viewer = FULL_ACCESS,
    *,
    db_url: str | None = None,
    snap: Snapshot | None = None,
) -> pl.DataFrame:
    """The indicator table for this viewer: the same numbers the dashboard and CLI show."""
    snap = snap if snap is not None else snapshot(db_url)
    return compute(snap, restrict(query, viewer))


def default_query(indicator: str, **kw) -> Query:
    """A query with the deployment's settings (threshold, youth age, weekly contacts)."""
    s = get_settings()
    base = Query(
        indicator, min_count=s.min_count, youth_age=s.youth_age, weekly_contacts=s.weekly_contacts
    )
    return replace(base, **kw)
