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
    """A request that cannot be answered, with a message that says why and what to do."""


class FigureUnavailable(FigureError):
    """The figure cannot be computed for this extract or selection; the message says why."""


class Refused(FigureError):
    """The viewer may not see this figure; the message says what would be allowed."""
