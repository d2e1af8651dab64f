"""A one-line progress bar on standard error for long loads in a terminal; silent otherwise."""

from __future__ import annotations

import sys
import time
from typing import Self, TextIO


class TerminalProgress:
    """A `progress(table, rows_done, rows_total)` callable that redraws one line on a terminal.

    Silent when the stream (default: stderr) is not a TTY, so logs and pipes stay clean.
    Use it as a context manager (or call `close()`) to end the line.
    """

    def __init__(
        self,
        label: str = "Loading",
        *,
        stream: TextIO | None = None,
        width: int = 30,
        interval: float = 0.2,
    ):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.width = width
        self.interval = interval
        self._last = float("-inf")
        self._drawn = False

    def __call__(self, table: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if 0 < done < total and now - self._last < self.interval:
            return  # redraw a few times a second at most, but always the start and the end
        self._last = now
        share = min(done / total, 1.0) if total else 1.0
        filled = round(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{self.label} {table:<22} [{bar}] {share:4.0%} {done:>11,}/{total:,} rows"
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
