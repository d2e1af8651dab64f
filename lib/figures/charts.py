"""Chart builders: pure functions from an aggregated DataFrame to an Altair chart.

No Streamlit and no I/O: tests assert on `chart.to_dict()`. Every chart gets a few hundred rows
at most (one per month and series), already aggregated by lib/engine/indicators.py.

Months arrive as 'YYYY-MM' labels; they are plotted at the month's first day as ISO date
strings, which Vega parses as UTC, with `utcyearmonth` on the axis so a browser's time zone can
never shift a month. Tooltips show preformatted text (lib/figures/format.py), never raw column
names.

The page charts come back as `Spec`s: Altair writes each chart's shape once (its marks,
encodings, axes, legend) with the data, colour domains and sort orders left as slots, and
every call binds its own values into a copy. Building a layered Altair chart and writing it out
costs about 40 ms; a filter switch redraws up to eight charts, and their shapes repeat.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import altair as alt
import polars as pl

from lib.engine.months import first_day_iso, first_day_iso_expr, month_index
from lib.figures.format import axis_title, format_month, format_number, format_value, texts
from lib.figures.i18n import current_language, t

TRIAL_START_MONTH = "2021-03"  # the Finnish municipal employment trials began on 1 March 2021

# Okabe & Ito's colour-blind-safe palette, yellow left out (unreadable on white). When there are
# more areas than colours, the next cycle adds a dash pattern so two areas never look the same.
AREA_PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
)
AREA_DASHES = ((1, 0), (6, 3), (2, 2), (8, 3, 2, 3))

TRIAL_COLOR = "#0B4F8A"  # trial municipalities: dark blue, solid
COMPARISON_COLOR = "#7A7A7A"  # comparison municipalities: grey, dashed
COMPARISON_DASH = (5, 3)
RULE_COLOR = "#555555"
HIGHLIGHT_COLOR_REF = "#D55E00"  # reference lines (a plan): vermillion, dashed
BAND_COLOR = "#009E73"

SPARK_HEIGHT = 170
CHART_HEIGHT = 260
LEGEND_HEIGHT = 26
# A bar chart's plot is at least this tall, and its bars keep their own thickness: one area's
# bar would otherwise be drawn in a strip of 20-odd px (or fill a tall box as a slab).
MIN_BAR_CHART_HEIGHT = 90


# ---------------------------------------------------------------------------------------------
# Compiled charts: a shape written once by Altair, bound to each call's values

SLOT = "\x00"  # a slot's marker: no label, field or colour starts with a NUL character
SHAPES_KEPT = 256


def slot(name: str) -> str:
    """A placeholder in a chart's shape for a value bound per call (a dataset, a list)."""
    return SLOT + name


def slot_list(name: str) -> list[str]:
    """A placeholder where Altair expects a list (a scale's domain or range, a sort order)."""
    return [slot(name)]


def shape(fn: Callable[..., alt.TopLevelMixin]) -> Callable[..., dict]:
    """`fn(*args)` -> an Altair chart, as a Vega-Lite dict kept per language and arguments.

    `fn` sees only its (hashable) arguments, so everything that shapes the chart is in the key;
    what varies with the data reaches it as slots."""
    kept: OrderedDict = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(fn)
    def compiled(*args) -> dict:
        key = (current_language(), *args)
        with lock:
            hit = kept.get(key)
            if hit is not None:
                kept.move_to_end(key)
                return hit
        spec = fn(*args).to_dict(validate=False)
        with lock:
            kept[key] = spec
            while len(kept) > SHAPES_KEPT:
                kept.popitem(last=False)
        return spec

    return compiled


def _arrow_bytes(df: pl.DataFrame) -> bytes:
    """Arrow IPC stream bytes, the form Streamlit sends a chart's datasets in (plain strings:
    the browser's Arrow reader predates Polars' string views)."""
    import pyarrow as pa

    table = df.to_arrow(compat_level=pl.CompatLevel.oldest())
    table = table.cast(
        pa.schema(
            [
                pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f
                for f in table.schema
            ]
        )
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@dataclass
class Spec:
    """A chart: its shape (Vega-Lite with slots) and the values bound to the slots (a
    DataFrame for a dataset, a list or scalar otherwise)."""

    shape: dict
    values: dict = field(default_factory=dict)

    @property
    def height(self) -> int | None:
        return self.shape.get("height")

    def _bind(self, rows: bool) -> dict:
        """The shape with every slot bound; each dataset named by its content, as rows or
        (rows=False) as the Arrow bytes the name was taken from."""
        datasets: dict = {}  # the bound datasets first, then the shape's own
        names: dict[str, str] = {}

        def name_of(key: str) -> str:
            if key not in names:
                df = self.values[key]
                payload = _arrow_bytes(df)
                names[key] = f"data-{hashlib.sha1(payload).hexdigest()[:16]}"
                datasets[names[key]] = df.to_dicts() if rows else payload
            return names[key]

        def walk(node):
            if isinstance(node, dict):
                return {k: walk(v) for k, v in node.items() if k != "datasets"}
            if isinstance(node, list):
                if len(node) == 1 and isinstance(node[0], str) and node[0].startswith(SLOT):
                    return list(self.values[node[0][1:]])
                return [walk(v) for v in node]
            if isinstance(node, str) and node.startswith(SLOT):
                value = self.values[node[1:]]
                return name_of(node[1:]) if isinstance(value, pl.DataFrame) else value
            return node

        out = walk(self.shape)
        datasets |= self.shape.get("datasets", {})
        if datasets:
            out["datasets"] = datasets
        return out

    def to_dict(self, validate: bool = False) -> dict:
        """The Vega-Lite spec with its datasets as rows (as Altair's `to_dict` gives them);
        `validate` checks it against the Vega-Lite schema."""
        spec = self._bind(rows=True)
        if validate:
            alt.LayerChart.from_dict(spec, validate=True)
        return spec

    def vega_lite(self) -> dict:
        """The spec for `st.vega_lite_chart`: datasets as Arrow bytes, which Streamlit sends
        as they are (rows would go through pandas first)."""
        spec = self._bind(rows=False)
        spec["datasets"] = {
            k: v if isinstance(v, bytes) else _arrow_bytes(pl.DataFrame(v))
            for k, v in spec.get("datasets", {}).items()
        }
        return spec

    @classmethod
    def layered(cls, *parts: Spec, **props) -> Spec:
        """The parts' layers in one flat layer, in order, with `props` at the top level."""
        layers, values, datasets = [], {}, {}
        for i, part in enumerate(parts):
            rename = {k: f"p{i}.{k}" for k in part.values}
            shared = {"data": part.shape["data"]} if "data" in part.shape else {}
            layers += [
                _rename_slots({**shared, **layer}, rename)
                for layer in part.shape.get("layer", [part.shape])
            ]
            values.update({rename[k]: v for k, v in part.values.items()})
            datasets.update(part.shape.get("datasets", {}))
        shape = {"layer": layers, **props}
        if datasets:
            shape["datasets"] = datasets
        return cls(shape, values)


def _rename_slots(node, rename: dict[str, str]):
    if isinstance(node, dict):
        return {k: _rename_slots(v, rename) for k, v in node.items() if k != "datasets"}
    if isinstance(node, list):
        return [_rename_slots(v, rename) for v in node]
    if isinstance(node, str) and node.startswith(SLOT) and node[1:] in rename:
        return slot(rename[node[1:]])
    return node


# ---------------------------------------------------------------------------------------------
# Helpers


def _x(title: bool = True) -> alt.X:
    return alt.X(
        "utcyearmonth(date):T",
        title=t("chart.month") if title else None,
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6, labelOverlap=True, grid=False),
    )


def _y_axis(unit: str) -> alt.Axis:
    # "~" drops trailing zeros: ticks read 0, 10, 20 and 2.5, not 0.0, 10.0, 20.0.
    fmt = ",.0f" if unit in ("persons", "contacts", "EUR") else ",.1~f"
    return alt.Axis(format=fmt, tickCount=4, titleFontWeight="normal")


def _plot_frame(df: pl.DataFrame, unit: str, value: str, series: str | None) -> pl.DataFrame:
    """The rows a chart plots: date, value, text for the tooltip, and the series if any."""
    suppressed = (
        pl.col("suppressed").fill_null(False) if "suppressed" in df.columns else pl.lit(False)
    )
    cols = [
        first_day_iso_expr(pl.col("month")).alias("date"),
        texts(df["month"], format_month, "month_text"),
        pl.col(value).cast(pl.Float64).alias("value"),
    ]
    if series:
        cols.append(pl.col(series).cast(pl.String).alias("series"))
    out = df.with_columns(_supp=suppressed).select(*cols, "_supp")
    text = [
        t("chart.suppressed") if supp else format_value(v, unit)
        for v, supp in zip(out["value"].to_list(), out["_supp"].to_list(), strict=True)
    ]
    return out.with_columns(value_text=pl.Series(text, dtype=pl.String)).drop("_supp")


def _in_range(month: str | None, months: Iterable[str]) -> bool:
    months = [m for m in months if m is not None]
    return bool(month) and bool(months) and min(months) <= month <= max(months)


def _start(start_month: str | None, months: list[str]) -> tuple[str, str] | None:
    """(start month, side of its label) when the trial's start lies within the chart's months,
    else None (no rule drawn): part of a chart's shape."""
    if start_month and _in_range(start_month, months):
        return start_month, _label_side(start_month, months)
    return None


def _label_side(month: str, months: list[str]) -> str:
    """'left' when the month lies in the last third of the range, else 'right'."""
    first, last = min(months), max(months)
    span = month_index(last) - month_index(first)
    position = (month_index(month) - month_index(first)) / span if span else 0.0
    return "left" if position > 2 / 3 else "right"


def _start_layers(start_month: str, label: bool = True, label_side: str = "right") -> list:
    data = pl.DataFrame({"date": [first_day_iso(start_month)], "label": [t("chart.trial_starts")]})
    base = alt.Chart(data)
    x = alt.X("utcyearmonth(date):T")
    layers = [base.mark_rule(color=RULE_COLOR, strokeDash=[4, 3], strokeWidth=1.2).encode(x=x)]
    if label:
        # At the foot of the rule: values sit on a zero-based scale, so the bottom is where a
        # line is least likely to run (caseloads start from zero at the trial's start). A white
        # outline beneath the label keeps it readable over a line or a filled area.
        text = {
            "align": "left" if label_side == "right" else "right",
            "baseline": "bottom",
            "dx": 4 if label_side == "right" else -4,
            "dy": -3,
            "fontSize": 11,
        }
        enc = {"x": x, "y": alt.YValue("height"), "text": alt.Text("label:N")}
        layers.append(
            base.mark_text(
                **text, stroke="white", strokeWidth=7, strokeOpacity=1, color="white"
            ).encode(**enc)
        )
        layers.append(base.mark_text(**text, color=RULE_COLOR).encode(**enc))
    return layers


def _band_layers(low: float, high: float, label: bool = True) -> list:
    text = t("chart.target_band", low=format_number(low), high=format_number(high))
    data = pl.DataFrame({"low": [float(low)], "high": [float(high)], "label": [text]})
    base = alt.Chart(data)
    layers = [
        base.mark_rect(color=BAND_COLOR, opacity=0.14).encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    ]
    if label:
        # Inside the band at its top left: before a trial starts, its lines sit at zero.
        layers.append(
            base.mark_text(
                align="left", baseline="top", dx=4, dy=2, fontSize=11, color=BAND_COLOR
            ).encode(x=alt.XValue(0), y=alt.Y("high:Q"), text=alt.Text("label:N"))
        )
    return layers


def _minimum_layers(low: float, label: str) -> list:
    """A shaded band from a minimum target up to the top of the chart, labelled."""
    data = pl.DataFrame({"low": [float(low)], "label": [label]})
    base = alt.Chart(data)
    return [
        base.mark_rect(color=BAND_COLOR, opacity=0.12).encode(y=alt.Y("low:Q"), y2=alt.Y2Value(0)),
        base.mark_rule(color=BAND_COLOR, strokeWidth=1).encode(y=alt.Y("low:Q")),
        base.mark_text(
            align="left", baseline="bottom", dx=4, dy=-2, fontSize=11, color=BAND_COLOR
        ).encode(x=alt.XValue(0), y=alt.Y("low:Q"), text=alt.Text("label:N")),
    ]


def _reference_layers(value: float, label: str) -> list:
    """A labelled horizontal reference line (e.g. the planned number)."""
    data = pl.DataFrame({"value": [float(value)], "label": [label]})
    base = alt.Chart(data)
    return [
        base.mark_rule(color=HIGHLIGHT_COLOR_REF, strokeDash=[6, 3], strokeWidth=1.5).encode(
            y=alt.Y("value:Q")
        ),
        base.mark_text(
            align="left", baseline="bottom", dx=4, dy=-3, fontSize=11, color=HIGHLIGHT_COLOR_REF
        ).encode(x=alt.XValue(0), y=alt.Y("value:Q"), text=alt.Text("label:N")),
    ]


# ---------------------------------------------------------------------------------------------
# Trend lines


def trend_chart(
    df: pl.DataFrame,
    *,
    unit: str,
    value: str = "value",
    start_month: str | None = TRIAL_START_MONTH,
    series: str | None = None,
    series_colors: Mapping[str, str] | None = None,
    series_dashes: Mapping[str, tuple[int, ...]] | None = None,
    series_title: str | None = None,
    band: tuple[float, float] | None = None,
    height: int = SPARK_HEIGHT,
    zero: bool = True,
    legend_columns: int | None = None,
    min_target: tuple[float, str] | None = None,
    legend: bool = True,
    reference: tuple[float, str] | None = None,
) -> Spec:
    """A small monthly trend line (one line, or one per `series`), the trial's start marked.

    `df` has `month` ('YYYY-MM'), `value`, optionally `suppressed` (shown as a gap) and the
    `series` column. The y axis is titled with the unit, the x axis 'Month'. legend_columns:
    wrap a long legend into rows of this many entries. min_target: (value, label) of a
    minimum target, shaded from the value up. reference: (value, label) of a reference line
    (a plan).
    """
    data = _plot_frame(df, unit, value, series)
    values: dict = {"data": data}
    series_shape = None
    extra = 0
    if series:
        names = list(dict.fromkeys(data["series"].to_list()))
        colors = series_colors or dict(
            zip(names, AREA_PALETTE * (len(names) // 7 + 1), strict=False)
        )
        dashes = series_dashes or {}
        # Legend order: as series_colors lists them (e.g. trial before comparison), then others.
        domain = [n for n in colors if n in names] + [n for n in names if n not in colors]
        values |= {
            "domain": domain,
            "colors": [colors.get(n, RULE_COLOR) for n in domain],
            "dashes": [list(dashes.get(n, (1, 0))) for n in domain],
        }
        series_shape = (series_title or t("chart.series"), legend, legend_columns)
        # A legend takes its room out of the chart's height: give it back, so the plot keeps
        # its size.
        if legend:
            rows = -(-len(names) // legend_columns) if legend_columns else 1
            extra = LEGEND_HEIGHT + 18 * (rows - 1)
    start = _start(start_month, df["month"].to_list())
    shape = _trend_shape(
        unit, zero, series_shape, band, min_target, reference, start, height + extra
    )
    return Spec(shape, values)


@shape
def _trend_shape(unit, zero, series, band, min_target, reference, start, height) -> alt.LayerChart:
    data = alt.NamedData(name=slot("data"))
    tooltip = [
        alt.Tooltip("month_text:N", title=t("chart.month")),
        alt.Tooltip("value_text:N", title=axis_title(unit)),
    ]
    enc = {
        "x": _x(),
        "y": alt.Y(
            "value:Q",
            title=axis_title(unit),
            axis=_y_axis(unit),
            scale=alt.Scale(zero=zero, nice=True),
        ),
    }
    mark = {"strokeWidth": 2, "invalid": "break-paths-show-domains"}
    if series:
        title, legend, legend_columns = series
        tooltip.insert(0, alt.Tooltip("series:N", title=title))
        enc["color"] = alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=slot_list("domain"), range=slot_list("colors")),
            legend=alt.Legend(
                orient="top",
                direction="horizontal",
                symbolStrokeWidth=2,
                labelFontSize=11,
                labelLimit=220,
                offset=4,
                **({"columns": legend_columns} if legend_columns else {}),
            )
            if legend
            else None,
        )
        enc["strokeDash"] = alt.StrokeDash(
            "series:N",
            scale=alt.Scale(domain=slot_list("domain"), range=slot_list("dashes")),
            legend=None,
        )
        line = alt.Chart(data).mark_line(**mark).encode(**enc, tooltip=tooltip)
    else:
        line = alt.Chart(data).mark_line(color=TRIAL_COLOR, **mark).encode(**enc, tooltip=tooltip)
    points = (
        alt.Chart(data)
        .mark_point(opacity=0, size=60)  # invisible: widens the tooltip's hover target
        .encode(x=enc["x"], y=alt.Y("value:Q"), tooltip=tooltip)
    )
    # One flat layer: every nested layer would cost Altair a deep copy of its parts.
    layers: list = []
    if band is not None:
        layers += _band_layers(*band)
    if min_target is not None:
        layers += _minimum_layers(*min_target)
    layers += [line, points]
    if reference is not None:
        layers += _reference_layers(*reference)
    if start is not None:
        layers += _start_layers(start[0], label_side=start[1])
    return alt.layer(*layers, height=height)


# ---------------------------------------------------------------------------------------------
# Trial areas: a stable colour per area


def area_colors(area_ids: Iterable[str]) -> dict[str, str]:
    """A colour per trial area, assigned by sorted area id: the same area, the same colour."""
    ids = sorted(set(area_ids))
    return {a: AREA_PALETTE[i % len(AREA_PALETTE)] for i, a in enumerate(ids)}


def area_dashes(area_ids: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """A dash pattern per area: solid for the first cycle of colours, then dashed, dotted..."""
    ids = sorted(set(area_ids))
    n = len(AREA_PALETTE)
    return {a: AREA_DASHES[(i // n) % len(AREA_DASHES)] for i, a in enumerate(ids)}


# ---------------------------------------------------------------------------------------------
# Fixed colours for kinds of series (Okabe & Ito; the same meaning, the same colour everywhere)

FLOW_COLORS = {
    "initial_transfer": "#0072B2",  # blue
    "later_transfers_in": "#56B4E9",  # sky blue
    "new_clients": "#009E73",  # bluish green
    "transfers_out": "#D55E00",  # vermillion
}
ROLE_COLORS = {
    "coach": "#0072B2",
    "advisor": "#56B4E9",
    "employer_services": "#009E73",
    "management": "#E69F00",
    "other": "#999999",
}
ORIGIN_COLORS = {"transferred": "#0072B2", "municipal": "#E69F00"}
COMPARE_COLORS = {
    "focus": "#000000",
    "peers": "#E69F00",
    "region": "#009E73",
    "trial": "#0072B2",
    "comparison": COMPARISON_COLOR,
}
HIGHLIGHT_COLOR = "#D55E00"
OTHER_BAR_COLOR = "#A6C8E0"
GROUP_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#999999",
)


def _legend(orient: str = "top", columns: int | None = None) -> alt.Legend:
    kw = {"columns": columns} if columns else {}
    return alt.Legend(
        orient=orient,
        direction="horizontal" if orient in ("top", "bottom") else "vertical",
        labelFontSize=11,
        labelLimit=220,
        symbolStrokeWidth=2,
        offset=4,
        title=None,
        **kw,
    )


def flow_chart(
    df: pl.DataFrame,
    *,
    colors: Mapping[str, str],
    start_month: str | None = TRIAL_START_MONTH,
    height: int = CHART_HEIGHT,
) -> Spec:
    """Monthly flows as bars stacked above (in) and below (out) zero.

    `df`: month, series (the label), value (persons; outflows negative), suppressed."""
    data = _plot_frame(df, "persons", "value", "series").with_columns(
        value_text=pl.Series(
            [
                t("chart.suppressed")
                if s
                else format_value(abs(v) if v is not None else v, "persons")
                for v, s in zip(
                    df["value"].cast(pl.Float64).to_list(),
                    df["suppressed"].fill_null(False).to_list(),
                    strict=True,
                )
            ],
            dtype=pl.String,
        )
    )
    data, values = _series_order(data, colors)
    start = _start(start_month, df["month"].to_list())
    return Spec(_flow_shape(start, height + LEGEND_HEIGHT), {"data": data, **values})


def _series_order(data: pl.DataFrame, colors: Mapping[str, str]) -> tuple[pl.DataFrame, dict]:
    """The rows with `series_order` (the position of their series in `colors`), and the
    colour scale's slot values: the series present, in that order, and their colours."""
    order = {n: i for i, n in enumerate(colors)}
    names = set(data["series"].to_list())
    domain = [n for n in colors if n in names]
    data = data.with_columns(
        series_order=pl.col("series").replace_strict(
            order, default=len(order), return_dtype=pl.Int32
        )
    )
    return data, {"domain": domain, "colors": [colors[n] for n in domain]}


def _slot_scale() -> alt.Scale:
    return alt.Scale(domain=slot_list("domain"), range=slot_list("colors"))


@shape
def _flow_shape(start, height) -> alt.LayerChart:
    tooltip = [
        alt.Tooltip("series:N", title=t("chart.flow")),
        alt.Tooltip("month_text:N", title=t("chart.month")),
        alt.Tooltip("value_text:N", title=t("unit.persons")),
    ]
    bars = (
        alt.Chart(alt.NamedData(name=slot("data")))
        .mark_bar()
        .encode(
            x=_x(),
            y=alt.Y(
                "value:Q",
                title=t("chart.flow_axis"),
                axis=_y_axis("persons"),
                stack="zero",
            ),
            color=alt.Color("series:N", scale=_slot_scale(), legend=_legend("top")),
            order=alt.Order("series_order:Q"),
            tooltip=tooltip,
        )
    )
    zero = alt.Chart(pl.DataFrame({"y": [0]})).mark_rule(color=RULE_COLOR).encode(y="y:Q")
    layers: list = [bars, zero]
    if start is not None:
        layers += _start_layers(start[0], label_side=start[1])
    return alt.layer(*layers, height=height)


def stacked_area_chart(
    df: pl.DataFrame,
    *,
    unit: str,
    colors: Mapping[str, str],
    start_month: str | None = TRIAL_START_MONTH,
    height: int = CHART_HEIGHT,
) -> Spec:
    """Monthly values stacked by series (e.g. FTE by role). `df`: month, series, value."""
    data, values = _series_order(_plot_frame(df, unit, "value", "series"), colors)
    n = len(set(data["series"].to_list()))
    start = _start(start_month, df["month"].to_list())
    columns = 3 if n > 3 else None
    rows = -(-n // 3) if n > 3 else 1
    height += LEGEND_HEIGHT + 18 * (rows - 1)
    return Spec(_stacked_shape(unit, columns, start, height), {"data": data, **values})


@shape
def _stacked_shape(unit, legend_columns, start, height) -> alt.LayerChart:
    area = (
        alt.Chart(alt.NamedData(name=slot("data")))
        .mark_area(opacity=0.85, line={"strokeWidth": 0.5, "color": "white"})
        .encode(
            x=_x(),
            y=alt.Y("value:Q", title=axis_title(unit), axis=_y_axis(unit), stack="zero"),
            color=alt.Color(
                "series:N", scale=_slot_scale(), legend=_legend("top", columns=legend_columns)
            ),
            order=alt.Order("series_order:Q"),
            tooltip=[
                alt.Tooltip("series:N", title=t("chart.series_kind")),
                alt.Tooltip("month_text:N", title=t("chart.month")),
                alt.Tooltip("value_text:N", title=axis_title(unit)),
            ],
        )
    )
    layers: list = [area]
    if start is not None:
        layers += _start_layers(start[0], label_side=start[1])
    return alt.layer(*layers, height=height)


def ranked_bar_chart(
    df: pl.DataFrame,
    *,
    label: str,
    unit: str,
    value: str = "value",
    label_title: str | None = None,
    highlight: Mapping[str, str] | None = None,
    band: tuple[float, float] | None = None,
    ci: tuple[str, str] | None = None,
    descending: bool = True,
    bar_height: int = 18,
    max_label: int = 200,
    note: str | None = None,
) -> Spec:
    """Horizontal bars, one per row of `df`, ranked by value, the value written at each bar.

    highlight: label -> colour for rows to pick out (others are light blue); band: a target
    band shaded behind the bars; ci: (low, high) columns drawn as error bars; note: a text
    column written after the value ('67.0 % · below plan'). Suppressed rows (value null) are
    listed at the end with the word 'suppressed'."""
    rows = df.with_columns(pl.col(value).cast(pl.Float64).alias("_v"))
    rows = rows.sort("_v", descending=descending, nulls_last=True)
    order = rows[label].cast(pl.String).to_list()
    supp = (
        rows["suppressed"].fill_null(False).to_list()
        if "suppressed" in rows.columns
        else [False] * rows.height
    )
    texts = [
        t("chart.suppressed") if s else format_value(v, unit)
        for v, s in zip(rows["_v"].to_list(), supp, strict=True)
    ]
    if note is not None:
        texts = [
            f"{x} · {n}" if n and not s else x
            for x, n, s in zip(texts, rows[note].to_list(), supp, strict=True)
        ]
    colors = highlight or {}
    data = rows.select(
        pl.col(label).cast(pl.String).alias("label"),
        pl.col("_v").alias("value"),
        pl.Series("value_text", texts, dtype=pl.String),
        pl.Series(
            "color",
            [colors.get(x, OTHER_BAR_COLOR) for x in order],
            dtype=pl.String,
        ),
        *([pl.col(ci[0]).alias("ci_low"), pl.col(ci[1]).alias("ci_high")] if ci else []),
    ).with_columns(text_pos=pl.col("value").fill_null(0.0))
    height = max(MIN_BAR_CHART_HEIGHT, bar_height * len(order))
    shape = _ranked_shape(
        unit, label_title or t("chart.name"), band, bool(ci), max_label, height, bar_height
    )
    return Spec(shape, {"data": data, "order": order})


@shape
def _ranked_shape(unit, label_title, band, ci, max_label, height, bar_height) -> alt.LayerChart:
    data = alt.NamedData(name=slot("data"))
    y = alt.Y(
        "label:N",
        sort=slot_list("order"),
        title=None,
        scale=alt.Scale(paddingInner=0.25, paddingOuter=0.15),
        axis=alt.Axis(
            labelLimit=max_label, labelFontSize=11, ticks=False, domain=False, labelOverlap=False
        ),
    )
    x_title = axis_title(unit)
    tooltip = [
        alt.Tooltip("label:N", title=label_title),
        alt.Tooltip("value_text:N", title=x_title),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(height=round(bar_height * 0.75))  # as thick with one bar as with twenty
        .encode(
            y=y,
            x=alt.X("value:Q", title=x_title, axis=_y_axis(unit), scale=alt.Scale(zero=True)),
            color=alt.Color("color:N", scale=None, legend=None),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=4, fontSize=11, color="#333333")
        .encode(y=y, x=alt.X("text_pos:Q"), text="value_text:N")
    )
    layers: list = []
    if band is not None:
        band_data = pl.DataFrame(
            {
                "low": [float(band[0])],
                "high": [float(band[1])],
                "label": [
                    t("chart.target_band", low=format_number(band[0]), high=format_number(band[1]))
                ],
            }
        )
        layers.append(
            alt.Chart(band_data)
            .mark_rect(color=BAND_COLOR, opacity=0.14)
            .encode(x="low:Q", x2="high:Q", tooltip=alt.Tooltip("label:N", title=None))
        )
    layers += [bars]
    if ci:
        layers.append(
            alt.Chart(data)
            .mark_rule(color="#333333", strokeWidth=1)
            .encode(y=y, x="ci_low:Q", x2="ci_high:Q")
        )
    layers.append(text)
    return alt.layer(*layers, height=height)


def paired_bar_chart(
    df: pl.DataFrame,
    *,
    label: str,
    series: str,
    unit: str,
    colors: Mapping[str, str],
    order: list[str] | None = None,
    ci: tuple[str, str] | None = None,
    label_title: str | None = None,
    bar_height: int = 14,
) -> Spec:
    """Horizontal bars of two (or more) series side by side per row (e.g. open-market and
    subsidised employment per trial area), rows in `order` (default: as they come)."""
    supp = (
        df["suppressed"].fill_null(False).to_list()
        if "suppressed" in df.columns
        else [False] * df.height
    )
    values = df["value"].cast(pl.Float64).to_list()
    data = df.select(
        pl.col(label).cast(pl.String).alias("label"),
        pl.col(series).cast(pl.String).alias("series"),
        pl.col("value").cast(pl.Float64).alias("value"),
        pl.Series(
            "value_text",
            [
                t("chart.suppressed") if s else format_value(v, unit)
                for v, s in zip(values, supp, strict=True)
            ],
            dtype=pl.String,
        ),
        *([pl.col(ci[0]).alias("ci_low"), pl.col(ci[1]).alias("ci_high")] if ci else []),
    )
    rows = order or list(dict.fromkeys(data["label"].to_list()))
    names = set(data["series"].to_list())
    domain = [n for n in colors if n in names]
    # The height as a step per row, not in pixels: with a fixed pixel height Vega-Lite drew two
    # rows of paired bars (yOffset) as one hairline with the labels on top of each other (seen
    # in Chromium on the Money page's costs); a step is each row's band, at least the minimum
    # height over all rows.
    step = max(bar_height * len(names) + 6, -(-MIN_BAR_CHART_HEIGHT // max(len(rows), 1)))
    shape = _paired_shape(unit, label_title or t("chart.name"), bool(ci), step)
    return Spec(
        shape,
        {"data": data, "order": rows, "domain": domain, "colors": [colors[n] for n in domain]},
    )


@shape
def _paired_shape(unit, label_title, ci, step) -> alt.LayerChart:
    data = alt.NamedData(name=slot("data"))
    y = alt.Y(
        "label:N",
        sort=slot_list("order"),
        title=None,
        axis=alt.Axis(
            labelLimit=200, labelFontSize=11, ticks=False, domain=False, labelOverlap=False
        ),
    )
    offset = alt.YOffset("series:N", sort=slot_list("domain"))
    x_title = axis_title(unit)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=y,
            yOffset=offset,
            x=alt.X("value:Q", title=x_title, axis=_y_axis(unit), scale=alt.Scale(zero=True)),
            color=alt.Color("series:N", scale=_slot_scale(), legend=_legend("top")),
            tooltip=[
                alt.Tooltip("label:N", title=label_title),
                alt.Tooltip("series:N", title=t("chart.series_kind")),
                alt.Tooltip("value_text:N", title=x_title),
            ],
        )
    )
    layers: list = [bars]
    if ci:
        layers.append(
            alt.Chart(data)
            .mark_rule(color="#333333", strokeWidth=1)
            .encode(y=y, yOffset=offset, x="ci_low:Q", x2="ci_high:Q")
        )
    return alt.layer(*layers, height=alt.Step(step))


def legend_chart(items: list[tuple[str, str, bool]]) -> alt.LayerChart:
    """A legend shared by several charts, drawn by Vega-Lite itself (no HTML): a coloured line,
    dashed or solid, and the name of each series (label, colour, dashed), side by side in
    their order, each placed by pixel after the one before (about 7 px a character)."""
    rows, x = [], 0
    for label, color, dashed in items:
        dash = [6, 4] if dashed else [1, 0]
        rows.append({"label": label, "color": color, "dash": dash, "x": x, "x2": x + 22})
        x += 22 + 6 + 7 * len(label) + 24
    base = alt.Chart(alt.Data(values=rows), height=20)
    line = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("x:Q", scale=None, axis=None),
        x2="x2:Q",
        y=alt.value(10),
        color=alt.Color("color:N", scale=None, legend=None),
        strokeDash=alt.StrokeDash("dash:N", scale=None, legend=None),
    )
    text = base.mark_text(align="left", baseline="middle", dx=6, fontSize=13).encode(
        x=alt.X("x2:Q", scale=None, axis=None), y=alt.value(10), text="label:N"
    )
    return alt.layer(line, text).configure_view(strokeWidth=0)
