"""Lint steps the suite runs: ruff (tests/test_infra.py) and vulture, which finds unused code.

Dead code misleads the next engineer (a second way that is not the way) and hides behind
passing tests; vulture reads the product's code (lib, pages, the frame, the benchmark and the
scripts), so code that only tests call shows up too. tests/vulture_whitelist.py lists, with
reasons, what is used in ways vulture cannot see.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["lib", "pages", "dashboard.py", "benchmarks", "scripts", "tests/vulture_whitelist.py"]


def test_no_unused_code():
    run = subprocess.run(
        [sys.executable, "-m", "vulture", *SCANNED, "--min-confidence", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, (
        "vulture finds unused code: remove it, or, if it is used in a way vulture cannot see, "
        "add it with its reason to tests/vulture_whitelist.py:\n" + run.stdout + run.stderr
    )
