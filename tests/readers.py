"""The access layer's reader for tests: full access over a snapshot the test built.

Builders and pages read every figure through lib/engine/access.Reader; a test gives them one over
its own snapshot (`reader(snap)`), or one whose indicator reads it answers itself (to count the
reads, or to fail on any), the other reads going to the snapshot as in the product.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from lib.engine.access import FULL_ACCESS, Facts, Reader
from lib.engine.indicators import Query


class _Answering(Reader):
    def __init__(self, snap, indicator: Callable[[Query], pl.DataFrame]):
        super().__init__(FULL_ACCESS, snap)
        self._answer = indicator

    def indicator(self, query: Query) -> pl.DataFrame:
        return self._answer(query)


def reader(snap, indicator: Callable[[Query], pl.DataFrame] | None = None) -> Reader:
    """A full-access Reader over `snap`; `indicator(query)`, if given, answers the indicator
    reads instead of the engine."""
    return Reader(FULL_ACCESS, snap) if indicator is None else _Answering(snap, indicator)


def facts(snap) -> Facts:
    """The snapshot's reference facts, as a Reader gives them."""
    return Reader(FULL_ACCESS, snap).facts()
