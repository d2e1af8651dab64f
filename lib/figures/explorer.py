"""The Explorer: any indicator by up to three dimensions, for the sidebar's selection.

Pure (no Streamlit). A slice is a `SliceSpec` (the indicator and the dimensions laid out as
rows, columns and colour) applied to the sidebar's `Selection` (trial, areas, municipalities,
period, groups, person filters). `build` turns it into an `ExplorerView`: the indicator table in
the contract's long form (exactly what `trialwatch indicators` writes), the pivot the page
shows, a chart that fits the dimensions, and the command and Polars snippet that reproduce it.

Geography (the slice's scope, said in its caption): the sidebar's areas or municipalities when
picked; for the whole trial, the trial's municipalities as on the Overview, or with the page's
"Municipalities" choice (while the sidebar shows the comparison) the comparison municipalities,
or both: pooled, or apart when `trial_or_comparison` is a dimension (then both by default).

Intervals: for a rate, `ci` adds the 95 % Wilson interval (ci_low, ci_high), as
`trialwatch indicators --ci` does; the reproduce command carries `--ci` then.

Guard rail: before anything is computed, the number of cells is estimated from what the
extract offers (periods x places x values); above `MAX_CELLS` the page asks to narrow the slice.

Symbols in the pivot follow Statistics Finland's: `..` suppressed by disclosure control, `.`
not defined (no one in the denominator).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

import polars as pl

from lib.engine.indicators import (
    AGE_BANDS,
    GEO_DIMS,
    INDICATORS,
    PERSON_DIMS,
    STAFF_DIMS,
    TIME_DIMS,
    IndicatorUnavailable,
    Query,
)
from lib.engine.intervals import with_wilson
from lib.engine.months import month_range
from lib.figures.blocks import PageContext, value_columns, with_names
from lib.figures.engine_texts import indicator_label
from lib.figures.explorer_charts import (
    NONE,
    dim_label,
    dropped_series,
    label_column,
    slice_chart,
    value_decimals,
)
from lib.figures.exports import Column
from lib.figures.filters import COMPARISON, NO_GEO, SELECTION, region_label, value_label
from lib.figures.format import format_month, format_number, unit_text
from lib.figures.i18n import t
from lib.figures.view import Explorer, Text
from lib.register.contract import EDUCATIONS, GENDERS, LANGUAGES

MAX_CELLS = 100_000
SUPPRESSED = ".."
UNDEFINED = "."
PARQUET_NAME = "trialwatch-slice.parquet"

# URL parameter of each SliceSpec field
PARAMS = {
    "indicator": "indicator",
    "rows": "rows",
    "cols": "cols",
    "colour": "colour",
    "scope": "scope",
    "ci": "ci",
}
SCOPES = ("trial", "both", "comparison")  # the whole trial's municipalities, by the page's choice
ROLES = ("rows", "cols", "colour")
ROLE_VALUES = ("coach", "advisor", "employer_services", "management", "other")
ORIGIN_VALUES = ("transferred", "municipal")


@dataclass(frozen=True)
class SliceSpec:
    """The indicator and its dimensions: rows, columns and colour (None: not used)."""

    indicator: str = "exit_rate"
    rows: str | None = "month"
    cols: str | None = None
    colour: str | None = None
    scope: str | None = None  # one of SCOPES; None: `default_scope`
    ci: bool = False  # the 95 % Wilson interval beside a rate

    @property
    def dims(self) -> tuple[str, ...]:
        """The dimensions in the order of the table: rows, colour, columns."""
        return tuple(d for d in (self.rows, self.colour, self.cols) if d)

    @property
    def chosen_scope(self) -> str:
        return self.scope if self.scope in SCOPES else default_scope(self)

    @property
    def intervals(self) -> bool:
        """Whether the slice has intervals: asked for, and the indicator is a rate."""
        return self.ci and INDICATORS[self.indicator].kind == "rate"

    def to_params(self) -> dict[str, str]:
        out = {PARAMS[k]: getattr(self, k) or NONE for k in ("indicator", *ROLES)}
        if self.scope in SCOPES and self.scope != default_scope(self):
            out[PARAMS["scope"]] = self.scope
        if self.ci:
            out[PARAMS["ci"]] = "1"
        return out


def default_scope(spec: SliceSpec) -> str:
    """The Overview's scope, the trial's municipalities; both sides when the slice splits by
    trial or comparison (else that dimension would hold the trial alone)."""
    return "both" if "trial_or_comparison" in spec.dims else "trial"


def dimensions_for(indicator: str) -> list[str]:
    """The dimensions an indicator can be broken down by."""
    return list(INDICATORS[indicator].dims)


def free_dimensions(indicator: str, taken: list[str]) -> list[str]:
    """The dimensions the next role (rows, then columns, then colour) can take: those the
    indicator allows, not already taken, and no second time dimension."""
    time_taken = any(d in TIME_DIMS for d in taken)
    return [
        d
        for d in dimensions_for(indicator)
        if d not in taken and not (d in TIME_DIMS and time_taken)
    ]


# ---------------------------------------------------------------------------------------------
# The query


def scope_offered(ctx: PageContext) -> bool:
    """Whether the slice's municipalities are a choice: for the whole trial, while the sidebar
    shows the comparison. With several trials in one extract the comparison municipalities
    belong to none of them in particular, so the trial's own areas are shown."""
    state = ctx.state
    return state.whole_trial and state.comparison and len(ctx.options.trials) <= 1


def side(ctx: PageContext, spec: SliceSpec | None = None) -> str:
    """SELECTION (the sidebar's areas or municipalities; for the whole trial, the trial's),
    COMPARISON, or NO_GEO (every municipality), by the slice's scope where it is offered."""
    if not scope_offered(ctx):
        return SELECTION
    scope = (spec or SliceSpec()).chosen_scope
    return {"both": NO_GEO, "comparison": COMPARISON}.get(scope, SELECTION)


def scope_text(ctx: PageContext, spec: SliceSpec) -> str:
    """The slice's municipalities in words, for its caption."""
    where = side(ctx, spec)
    if where == NO_GEO:
        split = "trial_or_comparison" in spec.dims
        return t("explorer.scope.caption.apart" if split else "explorer.scope.caption.pooled")
    if where == COMPARISON:
        return t("explorer.scope.caption.comparison")
    if ctx.state.whole_trial:
        return t("explorer.scope.caption.trial")
    return t("explorer.scope.caption.selection")


def slice_query(ctx: PageContext, spec: SliceSpec) -> Query:
    return ctx.query(spec.indicator, spec.dims, side=side(ctx, spec))


def command(query: Query, *, ci: bool = False) -> str:
    """The `trialwatch indicators` command that writes the same table (`ci`: with intervals)."""
    parts = ["trialwatch", "indicators", query.indicator, "--by", ",".join(query.by)]
    if query.groups:
        parts += ["--group", *query.groups, "--match", query.match]
    if query.month_from:
        parts += ["--from", query.month_from]
    if query.month_to:
        parts += ["--to", query.month_to]
    for dim, values in query.where:
        parts += ["--where", f"{dim}={','.join(values)}"]
    # always written: the runner's own default threshold may differ from this deployment's
    parts += ["--min-count", str(query.min_count)]
    if ci:
        parts += ["--ci"]
    parts += ["--format", "parquet", "--out", PARQUET_NAME]
    return " ".join(shlex.quote(p) for p in parts)


def snippet(spec: SliceSpec, file: str = PARQUET_NAME) -> str:
    """Polars code that lays the exported (or CLI-written) table out as the page's pivot."""
    lines = ["import polars as pl", "", f'df = pl.read_parquet("{file}")']
    index = [d for d in (spec.rows, spec.colour) if d]
    if spec.cols:
        lines.append(
            f'table = df.pivot(on="{spec.cols}", index={index!r}, values="value")'
            + (f".sort({index!r})" if index else "")
        )
    else:
        keep = [*index, "value"]
        lines.append(f"table = df.select({keep!r})")
    lines.append("# suppressed cells are null with suppressed = true in df")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The guard rail


def value_count(
    dim: str, ctx: PageContext, n_providers: int = 0, spec: SliceSpec | None = None
) -> int:
    """How many values `dim` can take in the selection (an upper bound)."""
    opts, state = ctx.options, ctx.state
    if dim in TIME_DIMS:
        first, last = ctx.period
        months = month_range(first, last)
        if dim == "month":
            return len(months)
        if dim == "quarter":
            return len({(m[:4], (int(m[5:]) - 1) // 3) for m in months})
        return len({m[:4] for m in months})
    if dim in GEO_DIMS:
        munis = state.selected_municipalities(opts)
        comparison = [m for m in opts.municipalities if m.area_id is None]
        where = side(ctx, spec)
        if where == NO_GEO:
            munis = munis + comparison
        elif where == COMPARISON:
            munis = comparison
        if dim == "municipality_code":
            return len(munis)
        if dim == "trial_area_id":
            return len({m.area_id for m in munis})
        if dim == "region":
            return len({m.region for m in munis})
        return len({m.area_id is None for m in munis})
    chosen = getattr(state, dim, ()) if dim in PERSON_DIMS else ()
    sizes = {
        "gender": len(GENDERS),
        "age_band": len(AGE_BANDS),
        "language": len(LANGUAGES),
        "education": len(EDUCATIONS),
        "role": len(ROLE_VALUES),
        "origin": len(ORIGIN_VALUES),
        "provider_id": max(n_providers, 1),
    }
    return len(chosen) or sizes[dim]


def estimate_cells(spec: SliceSpec, ctx: PageContext, n_providers: int = 0) -> int:
    n = 1
    for dim in spec.dims:
        n *= value_count(dim, ctx, n_providers, spec)
    return n


# ---------------------------------------------------------------------------------------------
# Labels


def value_labels(dim: str, values, ctx: PageContext) -> dict:
    """Each (non-null) value of a dimension in words (areas and municipalities by name)."""
    values = [v for v in values if v is not None]
    if dim == "month":
        return {v: format_month(v) for v in values}
    if dim == "trial_area_id":
        names = ctx.area_names
        return {v: names.get(v, v) for v in values}
    if dim == "municipality_code":
        names = ctx.municipality_names
        return {v: names.get(v, v) for v in values}
    if dim == "trial_or_comparison":
        return {v: t(f"series.{v}") for v in values}
    if dim == "region":
        return {v: region_label(v, ctx.lang) for v in values}
    if dim in (*PERSON_DIMS, *STAFF_DIMS):
        return {v: value_label(dim, v) for v in values}
    if dim == "provider_id":
        names = provider_names(ctx)
        return {v: names.get(v, v) for v in values}
    return {v: str(v) for v in values}


def provider_names(ctx: PageContext) -> dict[str, str]:
    providers = ctx.facts().providers
    if providers is None:
        return {}
    return dict(zip(providers["provider_id"], providers["name"], strict=True))


def label_expr(dim: str, values, ctx: PageContext) -> pl.Expr:
    """The dimension's values in words; a missing value (a comparison municipality's trial
    area, an unrecorded language) as such."""
    missing = t("explorer.no_area") if dim == "trial_area_id" else t("explorer.unknown")
    labels = value_labels(dim, values, ctx)
    return (
        pl.col(dim)
        .replace_strict(labels, default=None, return_dtype=pl.String)
        .fill_null(pl.lit(missing))
    )


def display_order(table: pl.DataFrame, dims: tuple[str, ...]) -> pl.DataFrame:
    """The table in the order people read the values: age bands youngest first, genders and
    the other categories in the contract's order; codes, regions and periods as sorted."""
    canonical = {
        "gender": GENDERS,
        "age_band": AGE_BANDS,
        "language": LANGUAGES,
        "education": EDUCATIONS,
        "role": ROLE_VALUES,
        "origin": ORIGIN_VALUES,
    }
    keys = []
    for dim in dims:
        if dim in canonical:
            rank = {v: i for i, v in enumerate(canonical[dim])}
            keys.append(
                pl.col(dim)
                .cast(pl.String)
                .replace_strict(rank, default=len(rank), return_dtype=pl.Int32)
            )
        else:
            keys.append(pl.col(dim))
    return table.sort(keys, nulls_last=True, maintain_order=True) if keys else table


# ---------------------------------------------------------------------------------------------
# The view


@dataclass
class ExplorerView:
    spec: SliceSpec
    query: Query | None
    cells: int
    table: pl.DataFrame = field(default_factory=pl.DataFrame)  # the CLI's table + names
    columns: tuple[Column, ...] = ()
    pivot: pl.DataFrame = field(default_factory=pl.DataFrame)  # as shown: text cells
    pivot_index: tuple[str, ...] = ()  # the pivot's row-heading columns
    chart: object | None = None
    message: str | None = None  # instead of the table: too large, unavailable
    command: str = ""
    snippet: str = ""
    caption: str = ""
    notes: tuple[str, ...] = ()

    @property
    def suppressed(self) -> int:
        if "suppressed" not in self.table.columns:
            return 0
        return int(self.table["suppressed"].fill_null(False).sum())

    @property
    def parts(self) -> list:
        if self.message:
            return [Text(self.message, kind="warning", icon=":material/filter_alt:")]
        return [Explorer(self)]


def build(ctx: PageContext, spec: SliceSpec, *, n_providers: int = 0) -> ExplorerView:
    """The slice: guard rail, indicator table, pivot, chart and how to reproduce it."""

    ind = INDICATORS[spec.indicator]
    cells = estimate_cells(spec, ctx, n_providers)
    query = slice_query(ctx, spec)
    view = ExplorerView(
        spec=spec,
        query=query,
        cells=cells,
        command=command(query, ci=spec.intervals),
        snippet=snippet(spec),
        caption=caption(ctx, spec),
    )
    if cells > MAX_CELLS:
        view.message = t(
            "explorer.too_large", cells=format_number(cells), max=format_number(MAX_CELLS)
        )
        return view
    try:
        df = ctx.read(query)
    except IndicatorUnavailable:
        view.message = t("block.unavailable", table=", ".join(ind.needs))
        return view
    if spec.intervals:
        df = with_wilson(df)  # as `trialwatch indicators --ci`
    table = with_names(df, ctx).with_columns(pl.col("^area_name$").fill_null(t("explorer.no_area")))
    for dim in spec.dims:
        if dim not in ("trial_area_id", "municipality_code", "month", "quarter", "year"):
            table = table.with_columns(
                label_expr(dim, table[dim].unique().to_list(), ctx).alias(label_column(dim))
            )
    view.table = table
    view.columns = tuple(table_columns(spec, table))
    ordered = display_order(table, tuple(d for d in (spec.rows, spec.colour, spec.cols) if d))
    view.pivot, view.pivot_index = pivot(ordered, spec, ctx)
    view.chart = slice_chart(ordered, spec, ctx)
    notes = [n for n in (dropped_series(table, spec),) if n]
    not_applied = ctx.state.not_applied(spec.indicator)
    if not_applied:
        notes.append(t("block.not_applied", filters=", ".join(not_applied)))
    if view.suppressed:
        notes.append(t("explorer.suppressed", n=format_number(view.suppressed), min=ctx.min_count))
    view.notes = tuple(notes)
    return view


def caption(ctx: PageContext, spec: SliceSpec) -> str:
    ind = INDICATORS[spec.indicator]
    parts = [indicator_label(ind.id), unit_text(ind.unit), scope_text(ctx, spec)]
    if spec.intervals:
        parts.append(t("explorer.ci.caption"))
    summary = ctx.state.summary(ctx.options, ctx.lang)
    if summary:
        parts.append(summary)
    parts.append(ctx.as_of_text())
    return " · ".join(parts)


def table_columns(spec: SliceSpec, table: pl.DataFrame) -> list[Column]:
    """The long table's columns: each dimension (with its name column), then the values."""
    cols: list[Column] = []
    for dim in spec.dims:
        if dim in ("month",):
            cols.append(Column(dim, dim_label(dim), "month", description=t("column.month")))
        elif dim in ("quarter", "year"):
            cols.append(Column(dim, dim_label(dim), "text"))
        else:
            cols.append(Column(dim, t("explorer.code", dim=dim_label(dim)), "code", shown=False))
            cols.append(Column(label_column(dim), dim_label(dim), "text"))
    cols += value_columns(spec.indicator)
    if spec.intervals:
        cols += [
            Column("ci_low", t("explorer.ci.low"), "number", "%", t("explorer.ci.help")),
            Column("ci_high", t("explorer.ci.high"), "number", "%", t("explorer.ci.help")),
        ]
    return [c for c in cols if c.name in table.columns]


def cell_text(value: float | None, suppressed: bool | None, unit: str) -> str:
    if suppressed:
        return SUPPRESSED
    if value is None:
        return UNDEFINED
    return format_number(value, value_decimals(value, unit))


def interval_text(low: float, high: float, unit: str) -> str:
    """'8.1–18.0': an interval as the pivot shows it beside the value."""
    lo = format_number(low, value_decimals(low, unit))
    return f"{lo}–{format_number(high, value_decimals(high, unit))}"


def metric_text(value: float | None, unit: str) -> str:
    """One number as shown large: '1.8', '12.3 %', '4.5 FTE'."""
    if value is None:
        return t("explorer.undefined")
    text = format_number(value, value_decimals(value, unit))
    return f"{text}\u00a0%" if unit == "%" else text


def pivot(table: pl.DataFrame, spec: SliceSpec, ctx: PageContext) -> tuple[pl.DataFrame, tuple]:
    """The table as the page shows it: rows (and colour) down, columns across, text cells
    with the symbols for suppressed and undefined values. Returns it and its heading columns."""
    unit = INDICATORS[spec.indicator].unit
    texts = [
        cell_text(v, s, unit)
        for v, s in zip(table["value"].to_list(), table["suppressed"].to_list(), strict=True)
    ]
    if spec.intervals and "ci_low" in table.columns:
        lows, highs = table["ci_low"].to_list(), table["ci_high"].to_list()
        texts = [
            f"{text} ({interval_text(lo, hi, unit)})" if lo is not None and hi is not None else text
            for text, lo, hi in zip(texts, lows, highs, strict=True)
        ]
    df = table.with_columns(cell=pl.Series(texts, dtype=pl.String))
    index = [d for d in (spec.rows, spec.colour) if d]
    shown_index = []
    for dim in index:
        heading = dim_label(dim)
        df = df.with_columns(label_expr(dim, df[dim].unique().to_list(), ctx).alias(heading))
        shown_index.append(heading)
    value_heading = indicator_label(spec.indicator)
    if not spec.cols:
        out = df.select(*shown_index, pl.col("cell").alias(value_heading))
        return out, tuple(shown_index)
    df = df.with_columns(label_expr(spec.cols, df[spec.cols].unique().to_list(), ctx).alias("_col"))
    order = df["_col"].unique(maintain_order=True).to_list()
    if shown_index:
        out = df.pivot(on="_col", index=shown_index, values="cell", aggregate_function="first")
        out = out.select(*shown_index, *[c for c in order if c in out.columns])
        # A combination no one in scope has (the engine crosses only observed combinations):
        # a zero, shown as such only when disclosure control is off.
        absent = SUPPRESSED if ctx.min_count > 0 else cell_text(0, False, unit)
        out = out.with_columns(pl.col(c).fill_null(absent) for c in order if c in out.columns)
    else:
        row = {c: df.filter(pl.col("_col") == c)["cell"][0] for c in order}
        out = pl.DataFrame(
            {t("explorer.all_rows"): [value_heading], **{k: [v] for k, v in row.items()}}
        )
        shown_index = [t("explorer.all_rows")]
    return out, tuple(shown_index)
