"""What the statistics compute once per analytic snapshot and read again: kept per snapshot.

A page reads several statistics of one cohort from the same intermediate tables (the effect,
the effect per area and the event study from the same exit cells), and a group switch refits
a model whose reference rows do not depend on the group. `PerSnapshot` keeps such tables for
the last few keys. Each entry holds its snapshot weakly: a new batch's snapshot replaces the old
one in the cache and never keeps it alive; an id that Python reuses for another object is told
apart because the weak reference then no longer points at the snapshot asked about.

The tables are shared by every session of a server process (one copy, never one per session),
and each is computed once: a caller asking for a value another thread is computing (a second
session, or the start-up warm-up of lib/web/warmup.py) waits for it rather than computing it
again.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from lib.engine.snapshot import Snapshot


class PerSnapshot:
    """A small least-recently-used cache of values computed from one snapshot."""

    def __init__(self, kept: int = 8):
        self._kept = kept
        self._values: OrderedDict[tuple[int, Hashable], tuple[weakref.ref, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._busy: dict[tuple[int, Hashable], threading.Lock] = {}  # slot -> its computation

    def _found(self, snap: Snapshot, slot) -> tuple[bool, Any]:
        found = self._values.get(slot)
        if found is not None and found[0]() is snap:
            self._values.move_to_end(slot)
            return True, found[1]
        return False, None

    def get(self, snap: Snapshot, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value for (snap, key), computed by `compute()` the first time (once: a caller
        asking while another thread computes it waits for that value)."""
        slot = (id(snap), key)
        with self._lock:
            hit, value = self._found(snap, slot)
            if hit:
                return value
            busy = self._busy.setdefault(slot, threading.Lock())
        with busy:  # one computation per slot; the others wait here, then read its value
            with self._lock:
                hit, value = self._found(snap, slot)
                if hit:
                    return value
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._busy.pop(slot, None)
                raise
            with self._lock:
                self._values[slot] = (weakref.ref(snap), value)
                self._values.move_to_end(slot)
                while len(self._values) > self._kept:
                    self._values.popitem(last=False)
                self._busy.pop(slot, None)
        return value
