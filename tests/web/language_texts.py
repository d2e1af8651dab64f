"""What a reader reads on a page drawn by AppTest, gathered for the language acceptance tests
(tests/web/test_language_pages.py): every text element with where it is, the metric values, the
table cells as drawn, and the charts' titles."""

from __future__ import annotations

import json
import re

from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from lib.figures.text import as_read

# Element types whose `value` is text a reader reads (code blocks are commands and programs).
_VALUE_TYPES = {
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "info",
    "warning",
    "error",
    "success",
}
# Widgets: their label, and their options as drawn (the format function applied).
_LABELLED = {
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "slider",
    "select_slider",
    "date_input",
    "text_input",
    "text_area",
    "number_input",
    "button",
    "download_button",
    "link_button",
    "page_link",
    "button_group",
}


def nodes(at: AppTest):
    """Every node of the AppTest tree, main and sidebar."""

    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return walk(at._tree)


def _vega_texts(spec) -> list[str]:
    """A chart's titles: its own, its axes' and legends' (also in layers and encodings)."""
    out = []

    def title_text(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, str))
        elif isinstance(value, dict):
            title_text(value.get("text"))
            title_text(value.get("subtitle"))

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "title":
                    title_text(value)
                elif key not in ("data", "datasets", "config"):  # data: names, values
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return out


def texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for every text a reader reads: headings, markdown, captions, alerts,
    metric labels, widget labels and options, tab, expander and popover labels, tables' column
    headers and charts' titles."""
    out: list[tuple[str, str]] = []
    for node in nodes(at):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in _VALUE_TYPES:
            out.append((kind, as_read(str(node.value))))
        elif kind == "metric":
            out.append(("metric label", as_read(node.label)))
        elif kind in _LABELLED and proto is not None:
            if getattr(proto, "label", ""):
                out.append((f"{kind} label", as_read(proto.label)))
            for option in getattr(proto, "options", []) or []:
                text = option if isinstance(option, str) else getattr(option, "content", "")
                if text:
                    out.append((f"{kind} option", as_read(str(text))))
        elif kind in ("tab", "expandable", "popover") and proto is not None:
            label = getattr(node, "label", None) or getattr(proto, "label", "")
            if label:
                out.append((kind, as_read(str(label))))
        elif kind == "dataframe":
            for name, config in json.loads(proto.columns or "{}").items():
                if isinstance(config, dict) and config.get("label"):
                    out.append(("table header", config["label"]))
                elif config is None or not isinstance(config, dict):
                    out.append(("table header", name))
        elif kind == "vega_lite_chart":
            out += [("chart title", s) for s in _vega_texts(json.loads(proto.spec))]
    return out


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def table_cells(at: AppTest) -> list[str]:
    """Every shown table's cells as the browser draws them (a Styler's display values; a plain
    table's text cells)."""
    out = []
    for frame in at.dataframe:
        raw = frame.proto.arrow_data.styler.display_values
        df = dataframe_util.convert_arrow_bytes_to_pandas_df(raw) if raw else frame.value
        for name in df.columns:
            out += [v for v in df[name].tolist() if isinstance(v, str)]
    return out


_CODE = re.compile(r"`[^`]*`")  # inline code: technical names, commands


def words(text: str) -> list[str]:
    """The words of a text, inline code left out."""
    return re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", _CODE.sub(" ", text))


_NUMBER = re.compile(r"[-+]?\d[\d\u00a0 ,.]*")
_NORDIC_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ENGLISH_DATE = re.compile(r"^(\d{1,2})\u00a0([A-Z][a-z]{2})\u00a0(\d{4})$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_figure(text: str, lang: str):
    """A metric's value as a number ('1 234,5 %' in fi/sv, '1,234.5 %' in en), a date as
    (year, month, day) ('30.6.2021', '30 Jun 2021'); None for '–'."""
    text = text.strip()
    date = _NORDIC_DATE.match(text) if lang != "en" else _ENGLISH_DATE.match(text)
    if date:
        day, month, year = date.groups()
        month = int(month) if lang != "en" else _MONTHS.index(month) + 1
        return int(year), month, int(day)
    found = _NUMBER.search(text.replace("\u2212", "-"))
    if not found:
        return None
    digits = found.group(0).strip().replace("\u00a0", "").replace(" ", "")
    if lang == "en":
        digits = digits.replace(",", "")
    else:
        digits = digits.replace(".", "").replace(",", ".")
    return float(digits.rstrip("."))
