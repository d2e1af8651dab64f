"""lib/engine/snapshot.py's store of tables kept with a snapshot (the snapshot itself: test_indicators)."""

from __future__ import annotations

import polars as pl

from lib.engine.snapshot import Kept


def test_kept_tables_drop_the_least_recently_used_beyond_their_bytes():
    one = pl.DataFrame({"x": [1.0] * 100})  # 800 bytes
    kept = Kept(max_bytes=2_000)
    made = []

    def make(name):
        def _make():
            made.append(name)
            return one

        return _make

    kept.get("a", make("a"))
    kept.get("b", make("b"))
    kept.get("a", make("a"))  # kept: not made again, and now the most recently used
    kept.get("c", make("c"))  # 2,400 bytes: "b", the least recently used, goes
    assert made == ["a", "b", "c"] and len(kept) == 2
    kept.get("a", make("a"))
    kept.get("b", make("b"))  # made again
    assert made == ["a", "b", "c", "b"]
    kept.clear()
    assert len(kept) == 0
