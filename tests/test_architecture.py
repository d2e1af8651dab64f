"""The architecture rules of STYLE.md, checked on the source.

Pages are thin: no Polars expressions, no Altair charts, no SQL. Only lib/ui.py,
lib/filters_ui.py (the sidebar's widgets) and lib/explorer_ui.py (the Explorer's) import Streamlit
among the lib modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
FRAME = [ROOT / "dashboard.py"]
LIB = sorted((ROOT / "lib").glob("*.py"))
UI_MODULES = {"ui.py", "filters_ui.py", "explorer_ui.py"}  # the Streamlit layer

FORBIDDEN_IN_PAGES = {
    "a Polars expression": re.compile(r"\bpl\.col\b|\bpl\.lit\b|\bimport polars\b"),
    "an Altair chart": re.compile(r"\balt\.Chart\b|\bimport altair\b"),
    "a select(": re.compile(r"\bselect\("),
    "SQL": re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s|\bsqlalchemy\b|\btext\("),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_there_are_pages_to_check():
    assert PAGES, "no pages found under pages/"


@pytest.mark.parametrize("path", PAGES + FRAME, ids=lambda p: p.name)
@pytest.mark.parametrize("what", FORBIDDEN_IN_PAGES)
def test_pages_are_thin(path: Path, what: str):
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN_IN_PAGES[what].search(line)
    ]
    assert not hits, f"{what} in a page (move it to lib/): " + "; ".join(hits)


@pytest.mark.parametrize("path", LIB, ids=lambda p: p.name)
def test_only_the_ui_module_imports_streamlit(path: Path):
    uses = {m for m in imported_modules(path) if m == "streamlit" or m.startswith("streamlit.")}
    if path.name in UI_MODULES:
        assert uses, f"lib/{path.name} is the Streamlit layer"
    else:
        assert not uses, f"lib/{path.name} imports {sorted(uses)}: only {sorted(UI_MODULES)} may"


def test_pages_reach_data_only_through_lib():
    for path in PAGES:
        mods = imported_modules(path)
        assert not {m for m in mods if m in ("lib.store", "lib.analytic", "lib.panel")}, path


def test_ruff_lint_is_clean():
    """The code base stays lint-clean (rules in pyproject.toml)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    ruff = Path(sys.executable).parent / "ruff"
    r = subprocess.run(
        [str(ruff), "check", "lib", "tests", "pages", "dashboard.py", "benchmarks", "scripts"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-3000:]
