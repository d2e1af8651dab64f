"""The published series shipped under data/reference/published/: what the demo shows beside the
register on a machine that has no ../shared/ (every real user's)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lib.figures.text import as_read
from lib.published import readers, specs, storage
from lib.register.store import get_engine
from tests.conftest import skip_or_fail
from tests.published.published_files import DOWNLOADS, raw_files, rebuilt_files

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_copies_are_the_demo_files_and_are_small():
    files = storage.demo_files()
    assert [p.name for p in files] == list(specs.DEMO_FILES) == list(DOWNLOADS.values())
    assert sum(p.stat().st_size for p in files) < 1_000_000  # compact: about 0.34 MB in all
    assert "CC BY 4.0" in (specs.REFERENCE_DIR / "SOURCES.md").read_text()
    assert "data/reference/published/" in (specs.REFERENCE_DIR / "SOURCES.md").read_text()


def test_the_shipped_copies_are_the_downloads_byte_for_byte(tmp_path):
    raw = raw_files()
    if not all(p.is_file() for p in raw):
        skip_or_fail(f"the downloads are not at {specs.RAW_DIR} (../shared/data/raw/)")
    for download, rebuilt in zip(raw, rebuilt_files(tmp_path)):
        assert rebuilt.read_bytes() == download.read_bytes(), download.name


def test_a_shipped_copy_reads_to_the_same_cells_as_its_csv(tmp_path):
    u4_copy = specs.PUBLISHED_DIR / "statfin_12u4.parquet"
    u4_csv = rebuilt_files(tmp_path)[1]
    from_copy, from_csv = readers.read_published_file(u4_copy), readers.read_published_file(u4_csv)
    assert (from_copy.fmt, from_csv.fmt, from_copy.table_id) == ("parquet", "csv", "12u4")
    cells = ["area_code", "month", "measure", "value"]
    assert from_copy.frame.select(cells).equals(from_csv.frame.select(cells))


def test_the_demo_loads_the_shipped_series(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    message = storage.load_demo_series(engine)
    assert "12r5 2006-01..2023-10" in message
    assert "12u4 2006-01..2022-02" in message
    assert "population 2000..2022" in message
    assert set(storage.current_loads(engine)) == {"12r5", "12u4", "population"}


def test_a_project_without_shared_beside_it_builds_the_demo_and_shows_the_published_page(
    tmp_path, monkeypatch
):
    """A copy of the project in a folder with no ../shared/ beside it, as a user's clone is:
    the demo store is built there with its published series, and the Published statistics page
    shows them."""
    project = tmp_path / "clone" / "trialwatch"
    for part in ("lib", "pages"):
        shutil.copytree(ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "reference", project / "data" / "reference")
    shutil.copy(ROOT / "dashboard.py", project / "dashboard.py")
    assert not (project.parent / "shared").exists()
    url = f"sqlite:///{tmp_path}/demo.sqlite"
    script = (
        "import sys\n"
        "from lib.published import specs, storage\n"
        "from lib.register.demo import generate\n"
        "from lib.register.store import get_engine, replace_register\n"
        "assert not specs.RAW_DIR.exists(), specs.RAW_DIR\n"
        "engine = get_engine(sys.argv[1])\n"
        "replace_register(engine, generate('test', 0), source_path='demo:test:0')\n"
        "print(storage.load_demo_series(engine))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, url],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"loaded from {project / 'data' / 'reference' / 'published'}" in done.stdout
    assert "12r5 2006-01..2023-10" in done.stdout

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TRIALWATCH_DB", url)
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    # The page in the dashboard's frame (it reads through the frame's selection and reader).
    at = AppTest.from_file(str(project / "dashboard.py"), default_timeout=120)
    at.switch_page("pages/published.py")
    at.run()
    assert not at.exception
    assert as_read(at.subheader[0].value) == "Helsinki (091) in Oct\u00a02023"  # as read
    assert any("Statistics Finland" in as_read(c.value) for c in at.caption)


@pytest.mark.parametrize("name", ["x*", "ex [2024-06]"])
def test_demo_files_are_named_files_in_the_folder_never_patterns(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    (tmp_path / "xother").mkdir()
    shutil.copy(specs.PUBLISHED_DIR / "statfin_12u4.parquet", tmp_path / "xother")
    assert storage.demo_files(folder) == []
    shutil.copy(specs.PUBLISHED_DIR / "statfin_12u4.parquet", folder)
    assert storage.demo_files(folder) == [folder / "statfin_12u4.parquet"]
