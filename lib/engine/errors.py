"""What cannot be computed, as one hierarchy of typed errors whose message says why in words.

- `FigureError`: a request that cannot be answered (a bad parameter, or data the extract lacks);
  the base of every error below, so a block or a command catches one class.
- `FigureUnavailable`: the figure cannot be computed for this extract or selection (a table
  that is not loaded, no months before the trial's start); the block shows the reason as a note.
- `Refused`: the viewer may not see this figure (lib/engine/access.py's rule).

`lib.engine.indicators.IndicatorError` (and its `IndicatorUnavailable`) and the statistics'
own errors (`SurvivalError`, `ExpectedError`, `PeersError`) are `FigureError`s.
"""

from __future__ import annotations


class FigureError(ValueError):
    """A request that cannot be answered, with a message that says why and what to do.

    The message is English (the command line's and the audit trail's). `key` and `params` name
    it for a reader in another language: lib/figures/engine_texts.py ERROR_TEXTS gives the key's
    catalogue text, whose English is the message with `{name}` for each param
    (tests/figures/test_engine_texts.py checks each raise against it). No key: shown as it is.
    """

    def __init__(self, message: str = "", *, key: str | None = None, **params: object):
        super().__init__(message)
        self.key = key
        self.params = params


class FigureUnavailable(FigureError):
    """The figure cannot be computed for this extract or selection; the message says why."""


class Refused(FigureError):
    """The viewer may not see this figure; the message says what would be allowed."""
