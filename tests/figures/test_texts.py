"""No user-facing text bypasses the catalogue (issue 17): an AST scan of lib/figures, lib/web,
pages and dashboard.py (the sources extraction reads, lib/figures/catalog.py SOURCES) for string
literals in the places a reader sees them, not passed through `t()`:

- any call's text keywords (`title=`, `label=`, `caption=`, `help=`, `description=`, ... :
  page parts, Altair axes, legends and tooltips, Streamlit widgets);
- the positional arguments of Streamlit calls (`st.markdown("...")`, `col.metric(...)`,
  `st.tabs([...])`, `st.column_config.NumberColumn("...")`);
- the text fields of the page parts given by position (`Heading("...")`, `Column(name,
  "Label")`, `Metric(key, "Label", ...)`, `Block(key, "Title", ...)`, ...);
- column headers made by `.alias("...")` or `.rename({...: "..."})`;
- what fills a text's placeholders (`t("{m} days", m="not reached")`).

A literal counts as text when it has a word of two letters or more and is not an identifier, a
Vega-Lite field shorthand (`value:Q`), a colour, an icon (`:material/...:`), HTML/CSS or a
format. What the scan cannot see, a variable given to t(), tests/web/test_texts_pages.py finds
by drawing every page. The allow-list below is short and says why each entry may stay.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lib.figures import catalog

ROOT = Path(__file__).resolve().parents[2]

TEXT_KEYWORDS = {
    "label",
    "help",
    "title",
    "caption",
    "description",
    "placeholder",
    "text",
    "message",
    "subtitle",
    "header",
    "body",
    "page_title",
    "notes",
}
# page parts and their text fields by position (lib/figures/view.py, blocks.py, exports.py)
TEXT_POSITIONS = {
    "Heading": (0,),
    "Text": (0,),
    "Stat": (0, 2),
    "Chart": (0, 2),
    "Expander": (0,),
    "Column": (1, 4),
    "Metric": (1, 6),
    "Block": (1, 6),
    "Table": (3,),
    "EffectCard": (0, 2),
    "ExportMeta": (0,),
    "Legend": (0,),
    "page_header": (0, 1),
}
STREAMLIT_ELEMENTS = {
    "markdown",
    "caption",
    "write",
    "text",
    "title",
    "header",
    "subheader",
    "info",
    "warning",
    "error",
    "success",
    "toast",
    "metric",
    "button",
    "download_button",
    "link_button",
    "page_link",
    "form_submit_button",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "slider",
    "select_slider",
    "segmented_control",
    "pills",
    "expander",
    "popover",
    "tabs",
    "status",
    "spinner",
    "file_uploader",
    "dialog",
    "Page",
    "TextColumn",
    "NumberColumn",
    "LinkColumn",
    "LineChartColumn",
    "BarChartColumn",
    "CheckboxColumn",
    "DateColumn",
    "ListColumn",
    "ProgressColumn",
    "SelectboxColumn",
    "Column",
}
NOT_STREAMLIT = {"log", "logger", "logging", "warnings", "parser", "console"}

# (file, literal): why it may be shown as it is
ALLOWED = {
    ("dashboard.py", "Trialwatch"): "the product's name, the browser tab's title",
    ("lib/web/frame.py", "Kieli · Språk · Language"): (
        "the language switch's label names itself in all three languages, so a reader who "
        "cannot read the current one still finds it"
    ),
}

_WORD = re.compile(r"[A-Za-z]{2,}")


def is_text(s: str) -> bool:
    s = s.strip()
    if not _WORD.search(s):
        return False
    if re.fullmatch(r"[a-z0-9_.:/\-%]+", s):  # an id, a key, a path, a field
        return False
    if re.fullmatch(r"[\w ,()%.]+:[QNOT]", s):  # a Vega-Lite field shorthand
        return False
    if s[0] in "#:<%{" or s.startswith(("http://", "https://")):  # colour, icon, HTML, format
        return False
    return False if re.fullmatch(r"[A-Z_][A-Z0-9_]+", s) else True  # a setting's name


def _literals(node: ast.AST):
    """The literal strings (and f-strings' literal parts) an argument is made of; none inside a
    call (t("...") is the catalogue's, str(x) is not a literal)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.JoinedStr):
        for v in node.values:
            if isinstance(v, ast.Constant):
                yield v
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for e in node.elts:
            yield from _literals(e)
    elif isinstance(node, ast.BinOp):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.Dict):
        for v in node.values:
            yield from _literals(v)


def _names(node: ast.AST) -> set[str]:
    """The names along a receiver (`data.log` -> {"data", "log"})."""
    out = set()
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            out.add(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        out.add(node.id)
    return out


def _shown_args(call: ast.Call):
    """The arguments of `call` that a reader sees."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    for kw in call.keywords:
        if kw.arg in TEXT_KEYWORDS:
            yield kw.value
    if name in TEXT_POSITIONS:
        for i in TEXT_POSITIONS[name]:
            if i < len(call.args):
                yield call.args[i]
    is_st = isinstance(func, ast.Attribute) and name in STREAMLIT_ELEMENTS
    if is_st and not _names(func.value) & NOT_STREAMLIT:
        yield from call.args
    if name == "t":  # what fills a text's placeholders is read with it
        yield from (kw.value for kw in call.keywords)
    if name == "alias" and call.args:
        yield call.args[0]
    if name == "rename" and call.args and isinstance(call.args[0], ast.Dict):
        yield call.args[0]


def bypasses(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every user-facing literal in `path` not given to t()."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in _shown_args(node):
                for lit in _literals(arg):
                    if is_text(lit.value):
                        found.append((lit.lineno, lit.value))
    return sorted(set(found))


def _sources() -> list[Path]:
    out = []
    for src in catalog.SOURCES:
        p = ROOT / src
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return out


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_user_facing_literal_bypasses_the_catalogue(path):
    rel = str(path.relative_to(ROOT))
    left = [(line, s) for line, s in bypasses(path) if (rel, s) not in ALLOWED]
    assert left == [], f"{rel}: pass these through t() (lib/figures/i18n.py): {left}"


def test_the_allow_list_is_used():
    found = {(str(p.relative_to(ROOT)), s) for p in _sources() for _line, s in bypasses(p)}
    assert set(ALLOWED) <= found, "an allowed literal is gone: drop it from ALLOWED"


SAMPLE = """
import streamlit as st
st.markdown("Hello there")
st.caption(t("ok.key"))
col.metric("Clients", 3, help=f"Share of {x} clients")
st.tabs(["Values", t("Change")])
log.error("not for a reader: %s", e)
data.log.warning("nor this: %s", e)
Heading("Section heading")
Column("value", "Value %", "number", description="What it is")
alt.X("month:T", title="Month")
alt.Tooltip("value:Q", title=t("Value"))
df.select(pl.col("n").alias("Persons"), pl.col("x").alias("x_code"))
df.rename({"a": "Trial area", "b": "b_id"})
st.markdown("<style>div {color: red}</style>", unsafe_allow_html=True)
st.markdown(f"**{name}**")
Text(t("a.b") + " (" + unit + ")")
st.title("Data as of " + date if x else t("y"))
t("median {m}", m="not reached" if x is None else fmt(x), n=3)
"""


def test_the_scan_finds_literals_where_readers_see_them(tmp_path):
    p = tmp_path / "sample.py"
    p.write_text(SAMPLE)
    assert [s for _line, s in bypasses(p)] == [
        "Hello there",
        "Clients",
        "Share of ",
        "Values",
        "Section heading",
        "Value %",
        "What it is",
        "Month",
        "Persons",
        "Trial area",
        "Data as of ",
        "not reached",
    ]
