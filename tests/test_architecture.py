"""The architecture rules of STYLE.md and the layout of lib/, checked on the source.

Layers, lowest first: `register` (contract, store, extracts), `engine` (snapshot, indicators,
disclosure, access), `stats`, `published`, then `figures` (page builders, charts, texts, exports)
and `web` (the only Streamlit code); `cli` sits beside `figures`. Pages are thin: they import only
`web` and `figures`, and hold no Polars expressions, Altair charts or SQL.
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
    wrong = lib_layers(imported_modules(path)) - MAY_IMPORT[layer] - {layer}
    assert not wrong, f"lib/{layer} may not import {sorted(wrong)}: {path.relative_to(ROOT)}"


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
