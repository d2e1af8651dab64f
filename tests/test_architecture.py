"""The architecture rules of STYLE.md and the layout of lib/, checked on the source.

Layers, lowest first: `register` (contract, store, extracts), `engine` (snapshot, indicators,
disclosure, access), `stats`, `published`, then `figures` (page builders, charts, texts, exports)
and `web` (the only Streamlit code); `cli` sits beside `figures`. Pages are thin: they import only
`web` and `figures`, and hold no Polars expressions, Altair charts or SQL. Figures are read only
through the access layer (lib/engine/access.py, which alone calls the statistics) and the store
changed only through its door (lib/engine/door.py).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
FRAME = [ROOT / "dashboard.py"]
LIB = sorted(p for p in (ROOT / "lib").rglob("*.py"))

# What each layer may import from lib (besides itself and the top-level settings module).
LAYERS = ("register", "engine", "stats", "published", "figures", "web", "cli")
MAY_IMPORT = {
    "register": set(),
    "engine": {"register"},
    "stats": {"register", "engine"},
    "published": {"register", "engine"},
    "figures": {"register", "engine", "stats", "published"},
    "web": {"register", "engine", "stats", "published", "figures"},
    "cli": {"register", "engine", "stats", "published", "figures"},
}

# The one read path: outside the access layer (lib/engine/access.py, the store door
# lib/engine/door.py, and the engine, stats and register modules they call) no module reads the
# analytic snapshot or the store. These may not import the modules that hold them, nor call what
# loads them, nor take a Snapshot.
OUTSIDE_ACCESS = (
    sorted(p for layer in ("figures", "web", "cli") for p in (ROOT / "lib" / layer).rglob("*.py"))
    + PAGES
    + FRAME
)
BEHIND_THE_DOOR = (
    "lib.engine.cache",
    "lib.engine.snapshot",
    "lib.register.store",
    "lib.register.views",
    "lib.stats",
)
LOADERS = {"snapshot", "snapshot_for", "build_snapshot", "read_snapshot", "read_register"}
# The access layer sits on the statistics: it is the one module that calls them.
ACCESS = ROOT / "lib" / "engine" / "access.py"

FORBIDDEN_IN_PAGES = {
    "a Polars expression": re.compile(r"\bpl\.col\b|\bpl\.lit\b|\bimport polars\b"),
    "an Altair chart": re.compile(r"\balt\.Chart\b|\bimport altair\b"),
    "a select(": re.compile(r"\bselect\("),
    "SQL": re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s|\bsqlalchemy\b|\btext\("),
}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function, as a dotted name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "lib" or node.module in {f"lib.{x}" for x in LAYERS}:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer_of(path: Path) -> str | None:
    """The layer a lib module belongs to (None: lib/settings.py, lib/__main__.py)."""
    parts = path.relative_to(ROOT / "lib").parts
    return parts[0] if len(parts) > 1 else None


def lib_layers(modules: set[str]) -> set[str]:
    return {m.split(".")[1] for m in modules if m.startswith("lib.") and m.count(".") >= 1} & set(
        LAYERS
    )


def test_there_are_pages_to_check():
    assert PAGES, "no pages found under pages/"


def test_lib_is_only_subpackages():
    """lib/ holds the layers' folders; at its top only the settings and the module entry."""
    top = {p.name for p in (ROOT / "lib").glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "settings.py"}, sorted(top)
    folders = {p.name for p in (ROOT / "lib").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYERS), sorted(folders)


@pytest.mark.parametrize("path", PAGES + FRAME, ids=lambda p: p.name)
@pytest.mark.parametrize("what", FORBIDDEN_IN_PAGES)
def test_pages_are_thin(path: Path, what: str):
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN_IN_PAGES[what].search(line)
    ]
    assert not hits, f"{what} in a page (move it to lib/): " + "; ".join(hits)


@pytest.mark.parametrize("path", PAGES + FRAME, ids=lambda p: p.name)
def test_pages_import_only_web_and_figures(path: Path):
    layers = lib_layers(imported_modules(path))
    assert layers <= {"web", "figures"}, f"{path.name} imports lib layers {sorted(layers)}"


@pytest.mark.parametrize("path", LIB, ids=lambda p: str(p.relative_to(ROOT / "lib")))
def test_only_web_imports_streamlit(path: Path):
    uses = {m for m in imported_modules(path) if m == "streamlit" or m.startswith("streamlit.")}
    if layer_of(path) != "web":
        assert not uses, f"{path.relative_to(ROOT)} imports {sorted(uses)}: only lib/web may"


@pytest.mark.parametrize("path", LIB, ids=lambda p: str(p.relative_to(ROOT / "lib")))
def test_layers_import_only_downwards(path: Path):
    layer = layer_of(path)
    if layer is None:
        return
    allowed = MAY_IMPORT[layer] | ({"stats"} if path == ACCESS else set())
    wrong = lib_layers(imported_modules(path)) - allowed - {layer}
    assert not wrong, f"lib/{layer} may not import {sorted(wrong)}: {path.relative_to(ROOT)}"


def reads_behind_the_door(source: str, filename: str = "<source>") -> list[str]:
    """What in this source reads the snapshot or the store other than through the access
    layer: an import of a module behind the door, a call of a loader, a Snapshot parameter."""
    tree = ast.parse(source, filename=filename)
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if any(name == m or name.startswith(m + ".") for m in BEHIND_THE_DOOR):
                found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in LOADERS:
                found.append(f"line {node.lineno}: calls {called}()")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            a = node.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs:
                text = ast.unparse(arg.annotation) if arg.annotation is not None else ""
                if "Snapshot" in text or arg.arg in ("snap", "snapshot"):
                    found.append(f"line {node.lineno}: takes a snapshot ({arg.arg})")
    return sorted(set(found))


@pytest.mark.parametrize("path", OUTSIDE_ACCESS, ids=lambda p: str(p.relative_to(ROOT)))
def test_figures_are_read_only_through_the_access_layer(path: Path):
    found = reads_behind_the_door(path.read_text(), str(path))
    assert not found, (
        f"{path.relative_to(ROOT)} reads the snapshot or the store itself (read through "
        "lib/engine/access.Reader, change the store through lib/engine/door.py): "
        + "; ".join(found)
    )


@pytest.mark.parametrize(
    "plant",
    [
        "from lib.engine.snapshot import Snapshot\n",
        "from lib.stats import survival\n",
        "import lib.register.store\n",
        "from lib.engine import cache\n",
        "def f(ctx):\n    return access.snapshot(ctx.url).panel\n",
        "def f(engine):\n    return read_register(engine)\n",
        "def f(snap):\n    return snap.panel\n",
        "def f(x: 'Snapshot'):\n    return x\n",
        "from lib.register import views\n",
    ],
)
def test_the_read_path_rule_finds_a_planted_violation(plant: str):
    clean = (ROOT / "lib" / "figures" / "evaluation.py").read_text()
    assert reads_behind_the_door(clean) == []
    assert reads_behind_the_door(clean + "\n" + plant), plant


def test_no_import_cycle_between_modules():
    """No two lib modules import each other, directly or round a longer loop."""
    graph: dict[str, set[str]] = {}
    mods = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for p in LIB
    }
    for name, path in mods.items():
        graph[name] = {m for m in imported_modules(path) if m in mods and m != name}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_ruff_lint_is_clean():
    """The code base stays lint-clean (rules in pyproject.toml)."""
    ruff = Path(sys.executable).parent / "ruff"
    r = subprocess.run(
        [str(ruff), "check", "lib", "tests", "pages", "dashboard.py", "benchmarks", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-3000:]


@pytest.mark.parametrize("path", LIB + PAGES + FRAME, ids=lambda p: str(p.relative_to(ROOT)))
def test_lib_is_imported_at_the_top(path: Path):
    """A `from lib...` inside a function hides a dependency (or a cycle): imports of lib stand at
    the top of the module, unless a comment on the line says which cycle forces it there."""
    source = path.read_text()
    lines = source.splitlines()
    hidden = []
    for fn in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(n == "lib" or n.startswith("lib.") for n in names):
                if "cycle" not in lines[node.lineno - 1]:
                    hidden.append(f"line {node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not hidden, f"{path.relative_to(ROOT)} imports lib inside a function: " + "; ".join(
        hidden
    )


def test_no_html_of_ours_reaches_the_page():
    """Streamlit's advice: no unsafe HTML. Nothing writes HTML into a page (no
    unsafe_allow_html, st.html or components' html), so no text can become markup that way."""
    unsafe = re.compile(r"unsafe_allow_html\s*=\s*True|\bst\.html\(|components\.v1\.html|\.html\(")
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in [*LIB, *PAGES, *FRAME]
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if unsafe.search(line)
    ]
    assert found == []


def test_streamlit_s_security_settings_are_set():
    """.streamlit/config.toml as Streamlit's docs advise: XSRF (and the CORS protection it needs)
    on, uploads at most the Import page's limit, no traceback shown to users."""
    import tomllib

    from lib.settings import SETTINGS_HELP, Settings

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    limit = config["server"]["maxUploadSize"]
    assert limit == SETTINGS_HELP["TRIALWATCH_UPLOAD_MB"][0] == Settings(db_url="").upload_mb
    assert config["client"]["showErrorDetails"] == "none"


# Polars methods that call back into Python from Polars' own thread pool.
PYTHON_CALLBACKS = {"map_elements", "map_batches", "map_groups", "map_rows", "rolling_map"}
# Code that never runs in a server process: the demo generator (`trialwatch demo`) and the CLI.
CALLBACKS_ALLOWED = ("lib/register/demo.py", "lib/cli/")


def _python_callbacks(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in PYTHON_CALLBACKS
    ]


@pytest.mark.parametrize("path", [*LIB, *PAGES, *FRAME], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_python_callbacks_inside_polars_queries(path: Path):
    """A Polars query that calls Python (map_elements, map_batches, ...) runs the callback on a
    Polars pool thread, which must take the GIL; a session thread holding the GIL in a Polars
    call that waits for the pool (pickling a cached frame, a rechunk) then waits for ever. Ten
    sessions deadlocked one server so (the benchmark's `sessions` phase, gdb's stacks: the
    pool's two threads in PythonUdfExpression waiting for the GIL, a session thread in
    serialize_binary waiting for the pool). Texts are made on the session's thread
    (lib/figures/format.texts); months are indexed by expressions (months.month_index_expr)."""
    rel = str(path.relative_to(ROOT))
    if rel.startswith(CALLBACKS_ALLOWED):
        return
    assert _python_callbacks(path.read_text()) == []


def test_the_callback_rule_finds_a_planted_callback():
    planted = 'df.with_columns(pl.col("month").map_elements(str, return_dtype=pl.String))'
    assert _python_callbacks(planted) == [1]
