"""The shared data made ready when the server starts, not when the first visitor asks (issue 18).

`python -m lib.web.serve` (scripts/start.sh) starts `warm_in_background` before Streamlit
serves: one thread loads the loaded batch's analytic snapshot (lib/engine/cache.py keeps it
once per process) and computes what the first pages read for everyone, which the engine and the
statistics keep per snapshot and share between every session (Snapshot.aggregates and
lib/stats/memo.py; nothing here is per session or per viewer): the Overview's and the
Evaluation page's figures for the default selection. A visitor who arrives during the warm-up
waits for the values being made (PerSnapshot) rather than making them again. Afterwards the
thread looks at the store every `interval` seconds and warms a newly imported batch the same
way, so the first visitor after an import does not pay either.

Everything is read through the access layer's Reader as the operator (FULL_ACCESS): what is
warmed are the engine's shared tables, never a figure shown to anyone; each session still reads
its figures through its own viewer's reader, with the viewer's rule and the disclosure control.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

from lib.engine import access
from lib.figures import evaluation, overview
from lib.figures.blocks import PageContext
from lib.figures.filters import Selection, options_from_facts
from lib.settings import get_settings
from lib.web import data

log = logging.getLogger("trialwatch")

_STARTED = threading.Event()
_LOCK = threading.Lock()
_WARMED: set[tuple[str, str]] = set()  # (db url, content hash) warmed in this process


def warm(db_url: str | None = None) -> dict[str, float] | None:
    """Load the store's latest batch and compute the default pages' figures, once per batch and
    process; the seconds each step took (None: an empty store, or this batch already warm)."""
    s = get_settings(db_url)
    info = access.data_info(s.db_url)
    if info is None:
        return None
    with _LOCK:
        if (info.db_url, info.content_hash) in _WARMED:
            return None
        _WARMED.add((info.db_url, info.content_hash))
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    source = access.open_source(s.db_url)
    times["snapshot"] = time.perf_counter() - t0
    reader = access.Reader(access.FULL_ACCESS, source)
    opts = options_from_facts(reader.facts())
    ctx = PageContext(
        sel=Selection(opts.default_state(), opts, "en"),
        reader=reader,
        as_of=info.as_of,
        min_count=s.min_count,
        fte_band=s.fte_band,
        weekly_contacts=s.weekly_contacts,
        youth_age=s.youth_age,
        source=info.source,
    )
    steps = (
        # what the first page draws with, imported (and compiled) once per process
        ("modules", lambda: [importlib.import_module(m) for m in ("pandas", "pyarrow")]),
        # the pages' figures, their charts made as the pages make them (lib/web/data.build)
        ("overview", lambda: data.frozen(overview.build(ctx))),
        (
            "evaluation",
            lambda: data.frozen(evaluation.build(ctx, peer_of=evaluation.default_peer(ctx))),
        ),
        ("survival from transfers", lambda: reader.survival(ctx.cohort(False), "transfer")),
    )
    for name, step in steps:
        t = time.perf_counter()
        try:
            step()
        except Exception:  # noqa: BLE001 -- a page that cannot be warmed is computed on demand
            log.warning("warm-up: %s not warmed", name, exc_info=True)
        times[name] = time.perf_counter() - t
    log.info("warm-up of batch %s: %s", info.batch_id, {k: round(v, 2) for k, v in times.items()})
    return times


def _loop(db_url: str | None, interval: float) -> None:
    while True:
        try:
            warm(db_url)
        except Exception:  # noqa: BLE001 -- an unreachable store: tried again, pages say why
            log.warning("warm-up: the store could not be read", exc_info=True)
        time.sleep(interval)


def warm_in_background(db_url: str | None = None, interval: float = 30.0) -> None:
    """Start the warm-up thread (once per process): warm now, then every `interval` seconds
    warm a newly loaded batch."""
    if _STARTED.is_set():
        return
    _STARTED.set()
    threading.Thread(
        target=_loop, args=(db_url, interval), name="trialwatch-warmup", daemon=True
    ).start()
