"""What a page shows, as data: a `View` is an ordered sequence of parts, and every page's builder
returns one (lib/figures/<page>.py `build`). lib/web/render.py `view` draws any of them, part by
part, so a page file is its header, its choices, `data.build(builder.build, ctx, ...)` and
`render.view(view)`.

Pure (no Streamlit). The parts:

- `Heading`: a section's heading (level 1 is the page's title, 2 a section's);
- `Text`: a caption, a paragraph of markdown, or an info or warning box (the whole page, when
  there is nothing else to show);
- `Metrics`: large numbers in a row (lib/figures/blocks.py `Metric`); `Stat`: one plain number;
- a `Block` (lib/figures/blocks.py): one figure with its definition, table and downloads;
- `Row`: blocks side by side; `Columns`: any parts side by side;
- `Legend`: a legend shared by several charts;
- `Control`: where the page's control of that name goes (lib/web/frame.py `controls`);
- `Table`: a table with its downloads and no chart (the definitions page's);
- `Chart`: a chart with a heading and a caption, without a table (the published page's);
- `Expander`: parts folded away under a heading;
- `EffectCard`: the Evaluation's estimate, its interval and what it means;
- `Headlines`, `AreaTable`, `NationalContext`: the Overview's headline cards, its per-area
  table and the published national activation rate beside them;
- `Explorer`: the Explorer's slice (its pivot, chart, downloads and the command behind it).

A page-specific view (StaffingView, CompareView, ...) is a `View` whose parts are laid out from
its named figures, so tests can read a figure by name and the renderer still sees one sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl

from lib.figures.blocks import Block, Metric


@dataclass
class Heading:
    text: str
    level: int = 2  # 1: the page's title; 2: a section


@dataclass
class Text:
    text: str
    kind: str = "caption"  # caption | markdown | info | warning
    icon: str | None = None  # a box's icon (":material/info:" and the like)


@dataclass
class Metrics:
    items: list[Metric]
    per_row: int | None = None  # None: all in one row


@dataclass
class Stat:
    """One plain number with its label (not an indicator's: a load's date, a published count)."""

    label: str
    value: str
    help: str | None = None


@dataclass
class Row:
    """Blocks side by side, `per_row` to a row, each row's boxes as tall as its tallest."""

    blocks: list[Block]
    per_row: int = 2


@dataclass
class Columns:
    """Parts side by side: one sequence of parts per column, `widths` relative."""

    columns: list[Sequence]
    widths: tuple[float, ...] | None = None


@dataclass
class Legend:
    items: list[tuple[str, str, bool]]  # (label, colour, dashed)


@dataclass
class Control:
    """Where the page's control `name` is drawn (the page makes it, the view places it)."""

    name: str


@dataclass
class Table:
    """A table with its downloads (no chart). wrap: long texts wrap in a static table;
    list_body: the column written as a paragraph under each row's first (a definition list)."""

    table: pl.DataFrame
    columns: tuple
    key: str
    title: str
    wrap: bool = False
    list_body: str | None = None


@dataclass
class Chart:
    """A chart under a bold heading, a caption beneath; no table or downloads."""

    title: str
    chart: Any
    caption: str = ""


@dataclass
class Expander:
    title: str
    parts: list
    kind: str = "parts"  # parts | dataframe (a plain table: `parts` is [DataFrame])


@dataclass
class EffectCard:
    """The Evaluation's estimate in a box: `summary` is lib/figures/evaluation.py's
    EffectSummary (estimate, interval, verdict, trend_text, counts), under `label`."""

    label: str
    summary: Any
    help: str = ""


@dataclass
class Headlines:
    """The Overview's headline cards (lib/figures/overview.py Headline), `per_row` to a row;
    `specs`: each card's trend chart (Vega-Lite), by headline key."""

    headlines: list
    context: Any  # lib/figures/overview.py OverviewContext
    specs: dict = field(default_factory=dict)
    per_row: int = 3


@dataclass
class AreaTable:
    """The Overview's headline indicators per trial area."""

    table: pl.DataFrame
    context: Any  # OverviewContext
    placement: Any  # the placement Headline (its period), or None
    fte_band: tuple[float, float] | None = None
    filters: tuple = ()


@dataclass
class NationalContext:
    """The published national activation rate in `month`, as a line of context."""

    month: str


@dataclass
class Explorer:
    """The Explorer's slice (lib/figures/explorer.py ExplorerView) and its downloads."""

    view: Any


class PageView(Protocol):
    """What render.view draws: anything with its parts in order (a View, or a page's own
    view whose `parts` lays out its named figures)."""

    @property
    def parts(self) -> Sequence: ...


@dataclass
class View:
    """A page: its parts in order."""

    parts: list = field(default_factory=list)


def blocks_of(parts: Sequence) -> list[Block]:
    """Every block among `parts`, in order (those inside rows, columns and expanders too)."""
    return list(_blocks(parts))


def _blocks(parts):
    for part in parts:
        if isinstance(part, Block):
            yield part
        elif isinstance(part, Row):
            yield from part.blocks
        elif isinstance(part, Columns):
            for column in part.columns:
                yield from _blocks(column)
        elif isinstance(part, Expander) and part.kind == "parts":
            yield from _blocks(part.parts)
