"""The analytic snapshot's cache: built once per loaded batch, kept in memory and as Parquet.

The key is the store URL plus the latest batch's content hash, so a new import (from this or
any other process sharing the store) is picked up on the next read, and an identical re-import
reuses the cached files.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import shutil
import threading
from pathlib import Path

import polars as pl

from lib.engine.disclosure import key_for
from lib.engine.snapshot import Derived, Snapshot, build_snapshot
from lib.register.contract import Extract
from lib.register.store import latest_batch, read_register
from lib.settings import get_settings

_LOCK = threading.Lock()
_MEMORY: dict[str, tuple[str, Snapshot]] = {}
_FORMAT = "4"  # bump when the snapshot's frames change shape


@functools.cache
def code_fingerprint() -> str:
    """A hash of the source of the layers that compute the snapshot and what is derived from
    it (lib/register, lib/engine, lib/stats): derived tables written by other code are not
    read (a changed indicator definition is never answered from an old file)."""
    lib = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for layer in ("register", "engine", "stats"):
        for path in sorted((lib / layer).rglob("*.py")):
            h.update(path.relative_to(lib).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _cache_dir(db_url: str, content_hash: str) -> Path:
    url_key = hashlib.sha256(db_url.encode()).hexdigest()[:12]
    return get_settings().cache_dir / f"{url_key}" / f"{content_hash[:16]}-v{_FORMAT}"


def _scalars(snap: Snapshot) -> dict:
    return {
        "as_of": snap.as_of.isoformat(),
        "source": snap.source,
        "description": snap.description,
        "has_client_contacts": snap.has_client_contacts,
        "first_month": snap.first_month,
        "last_month": snap.last_month,
        "optional": [
            n
            for n in ("employer_contacts", "providers", "payments")
            if getattr(snap, n) is not None
        ],
    }


def save_snapshot(snap: Snapshot, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, frame in snap.frames().items():
        frame.write_parquet(tmp / f"{name}.parquet")
    (tmp / "snapshot.json").write_text(json.dumps(_scalars(snap)))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)  # atomic: a reader never sees half a snapshot


def read_snapshot(folder: Path) -> Snapshot:
    meta = json.loads((folder / "snapshot.json").read_text())
    frames = {p.stem: pl.read_parquet(p, glob=False) for p in folder.glob("*.parquet")}
    for name in ("employer_contacts", "providers", "payments"):
        if name not in meta["optional"]:
            frames[name] = None
    return Snapshot(
        as_of=dt.date.fromisoformat(meta["as_of"]),
        source=meta["source"],
        description=meta["description"],
        has_client_contacts=meta["has_client_contacts"],
        first_month=meta["first_month"],
        last_month=meta["last_month"],
        disclosure_key=key_for(meta["source"]),
        **frames,
    )


def snapshot_for(engine, db_url: str, *, extract: Extract | None = None) -> Snapshot | None:
    """The snapshot of the store's latest batch (None for an empty store).

    `extract` may be passed right after an import to skip reading the register back.
    """
    batch = latest_batch(engine)
    if batch is None:
        return None
    # the secret is part of the key: a changed setting gives a snapshot with the new record keys
    secret = key_for(batch.source) or b""
    key = batch.content_hash + hashlib.sha256(secret).hexdigest()[:8]
    with _LOCK:
        hit = _MEMORY.get(db_url)
        if hit and hit[0] == key:
            return hit[1]
        folder = _cache_dir(db_url, batch.content_hash)
        snap = None
        if (folder / "snapshot.json").exists():
            try:
                snap = read_snapshot(folder)
            except Exception:  # a damaged cache is rebuilt, never trusted
                snap = None
        if snap is None:
            snap = build_snapshot(extract if extract is not None else read_register(engine))
            save_snapshot(snap, folder)
        # the derived tables: per code and secret (their record keys), beside the snapshot
        snap.derived = Derived(folder.with_name(folder.name + "-derived"), code_fingerprint() + key)
        _MEMORY[db_url] = (key, snap)
        return snap
