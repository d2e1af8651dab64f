"""Filter switches on every page (Streamlit's AppTest, the real dashboard.py) and on the command
line, timed: the median and 95th percentile of a set of realistic changes, cold and warm.

A page's changes are those an official makes: trial areas, a municipality, target groups,
person filters (gender, age band), the period (a preset and the first month), the comparison
toggle, the reset, and the page's own controls. *Cold*: each change leads to a selection this
page has not shown before (each page gets its own areas and groups, so no page rides on the
tables of the one before); *warm*: the same changes once more, every selection seen before, as
when an official goes back and forth. The sessions share one process, as on a server.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (page script, its own controls: (widget kind, key, value); value ("index", i) picks the i-th
# option of a select box whose options depend on the data)
PAGES = {
    "overview": ("dashboard.py", [
        ("selectbox", "p_sort", "exit_rate"), ("segmented_control", "p_order", "desc"),
    ]),
    "caseload": ("pages/caseload.py", [
        ("segmented_control", "p_view", "municipality"), ("toggle", "p_initial", True),
    ]),
    "staffing": ("pages/staffing.py", []),
    "placements": ("pages/placements.py", [
        ("segmented_control", "p_days", 14), ("segmented_control", "p_days", 180),
    ]),
    "money": ("pages/money.py", []),
    "compare": ("pages/compare.py", [
        ("selectbox", "p_focus", ("index", 7)), ("segmented_control", "p_level", "region"),
        ("segmented_control", "p_rank_on", "latest"),
    ]),
    "evaluation": ("pages/evaluation.py", [
        ("selectbox", "p_effect_area", ("index", 3)),
        ("segmented_control", "p_km_start", "transfer"),
        ("selectbox", "p_km_by", "long_term_unemployed"),
        ("selectbox", "p_peer_of", ("index", 4)),
    ]),
    "explorer": ("pages/explorer.py", [
        ("selectbox", "p_indicator", "activation_rate"), ("selectbox", "p_cols", "gender"),
        ("toggle", "p_ci", True),
    ]),
    "published": ("pages/published.py", [
        ("selectbox", "published-level", "region"), ("toggle", "published-history", True),
    ]),
    "definitions": ("pages/definitions.py", []),
}  # fmt: skip
GROUPS = ("long_term_unemployed", "youth", "older", "foreign", "reduced_work_capacity",
          "very_long_term_unemployed", "repeatedly_unemployed", "newly_arrived")  # fmt: skip
AGES = ("16-24", "25-34", "35-44", "45-54", "55-64")


def sidebar_changes(page_no: int, areas: list[str], munis_of: dict, months: list[str]) -> list:
    """The sidebar's changes for the page numbered page_no: its own areas and groups."""
    n = len(areas)
    a1, a2, a3 = (areas[(3 * page_no + k) % n] for k in (0, 1, 2))
    g1, g2 = GROUPS[page_no % len(GROUPS)], GROUPS[(page_no + 3) % len(GROUPS)]
    muni = sorted(munis_of[a2])[0]
    return [
        ("multiselect", "f_areas", [a1]),
        ("multiselect", "f_groups", [g1]),
        ("multiselect", "f_areas", [a2, a3]),
        ("multiselect", "f_munis", [muni]),
        ("multiselect", "f_gender", ["F"]),
        ("multiselect", "f_age", [AGES[page_no % len(AGES)]]),
        ("pills", "f_period_preset", "last12"),
        ("selectbox", "f_from", months[len(months) // 2]),
        ("multiselect", "f_groups", [g1, g2]),
        ("toggle", "f_comparison", True),
        ("button", "f_reset", None),
    ]


def _apply(at, kind: str, key: str, value) -> None:
    widget = getattr(at, kind)(key=key)
    if kind == "button":
        widget.click()
    elif isinstance(value, tuple) and value[0] == "index":
        widget.select_index(min(value[1], len(widget.options) - 1))
    else:
        widget.set_value(value)


def _p95(values: list[float]) -> float:
    """The 95th percentile, linear between the order statistics (numpy's default)."""
    s = sorted(values)
    k = (len(s) - 1) * 0.95
    lo = int(k)
    return s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (k - lo)


def stats(values: list[float]) -> dict:
    return {"n": len(values), "median": statistics.median(values), "p95": _p95(values),
            "max": max(values)}  # fmt: skip


def dashboard(store_url: str, cache_dir: Path, limit: int = 0) -> dict:
    """Every page in its own AppTest session of one process: first open, then the sidebar's
    changes (the first `limit` of them, when given) and the page's own, cold and warm. Admin:
    the audit trail as the demo admin."""
    os.environ["TRIALWATCH_DB"] = store_url
    os.environ["TRIALWATCH_CACHE_DIR"] = str(cache_dir)
    from streamlit.testing.v1 import AppTest

    from lib.engine import access
    from lib.web import data

    pages = {}
    t_process = time.perf_counter()
    audit = [
        ("selectbox", "audit_action", "export"),
        ("text_input", "audit_user", "a@b.fi"),
        ("text_input", "audit_user", ""),
        ("selectbox", "audit_action", ("index", 0)),
    ]
    for page_no, (page, (script, own)) in enumerate([*PAGES.items(), ("audit", ("", audit))]):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
        if page == "audit":  # the admin's audit trail, the demo visitor as admin
            at.session_state[data.VIEWER_KEY] = access.demo_viewer("admin")
            at.switch_page("pages/audit.py")
        elif script != "dashboard.py":
            at.switch_page(script)
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        _check(at, page, "first open")
        if page_no == 0:  # the store's areas, their municipalities and months
            areas, munis_of, months = places(store_url, cache_dir)
        changes = own
        if page != "audit":
            sidebar = sidebar_changes(page_no, areas, munis_of, months)
            changes = sidebar[:limit] + own if limit else sidebar + own
        times: dict[str, list[float]] = {"cold": [], "warm": []}
        cpu: dict[str, list[float]] = {"cold": [], "warm": []}
        for kind in ("cold", "warm"):
            for wkind, key, value in changes:
                _apply(at, wkind, key, value)
                t, c = time.perf_counter(), _cpu_s()
                at.run()
                times[kind].append(time.perf_counter() - t)
                cpu[kind].append(_cpu_s() - c)
                _check(at, page, f"{kind} {key}={value}")
        print(f"  {page}: first {first:.2f} s, cold {sorted(times['cold'])}", file=sys.stderr)
        pages[page] = {
            "first_s": first,
            "changes": len(changes),
            **{kind: stats(v) for kind, v in times.items()},
            "cpu": {kind: statistics.median(v) for kind, v in cpu.items()},
        }
    return {"pages": pages, "total_s": time.perf_counter() - t_process, "peak_mb": _peak_mb(),
            "limit": limit}  # fmt: skip


def _cpu_s() -> float:
    """CPU seconds of this process so far (every thread: the script runs in one, Polars in
    others): beside the wall time, what a switch costs when other work shares the cores."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def places(store_url: str, cache_dir: Path) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The trial areas, the municipalities of each and the months the filters offer."""
    os.environ["TRIALWATCH_CACHE_DIR"] = str(cache_dir)
    from lib.engine.access import FULL_ACCESS, Reader, snapshot
    from lib.figures.filters import options_from_facts

    snap = snapshot(store_url)
    opts = options_from_facts(Reader(FULL_ACCESS, snap).facts())
    areas = sorted(a.id for a in opts.areas)
    munis_of = {a: [m.code for m in opts.municipalities_of(opts.trials[0].id, (a,))] for a in areas}
    return areas, munis_of, list(opts.months)


def _check(at, page: str, what: str) -> None:
    if at.exception:
        raise SystemExit(f"{page}, {what}: {[e.value for e in at.exception]}")


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the command line ------------------------------------------------------------------------


def cli_commands(areas: list[str], months: list[str]) -> list[list[str]]:
    """Realistic `trialwatch` calls of a script or an analyst: indicators with groups, places,
    person filters and periods, and the effect."""
    last_year = [m for m in months if m.startswith(months[-1][:4])]
    return [
        ["indicators", "exit_rate"],
        ["indicators", "exit_rate", "--group", "long_term_unemployed"],
        ["indicators", "active_caseload", "--by", "trial_area_id,month",
         "--where", f"trial_area_id={areas[2]}"],
        ["indicators", "unemployed", "--by", "region,gender", "--from", last_year[0],
         "--to", last_year[-1]],
        ["indicators", "activation_rate", "--by", "month", "--where", "gender=F",
         "--group", "youth"],
        ["indicators", "placement_rate_90", "--by", "trial_area_id,quarter"],
        ["indicators", "clients_per_fte", "--by", "trial_area_id,month"],
        ["indicators", "contact_rate", "--by", "month,age_band", "--ci"],
        ["indicators", "transfers_in", "--by", "municipality_code,year", "--format", "json"],
        ["effect"],
        ["effect", "--by", "trial_area_id"],
        ["effect", "--group", "long_term_unemployed"],
    ]  # fmt: skip


def cli(store_url: str, cache_dir: Path) -> dict:
    """Each command as a script runs it (a new process: start, imports, the cached snapshot
    read, the figure), then the same commands inside one process (lib.cli.commands.main) after
    its first, the snapshot in memory: first call of each (cold) and again (warm)."""
    env = {**os.environ, "TRIALWATCH_DB": store_url, "TRIALWATCH_CACHE_DIR": str(cache_dir)}
    os.environ.update(env)
    areas, _, months = places(store_url, cache_dir)
    commands = cli_commands(areas, months)
    process = []
    for argv in commands:
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "lib", *argv],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        process.append(time.perf_counter() - t)
        if r.returncode != 0:
            raise SystemExit(f"trialwatch {' '.join(argv)}: {r.stderr[-2000:]}")
    from lib.cli.commands import main

    inproc: dict[str, list[float]] = {"cold": [], "warm": []}
    for kind in ("cold", "warm"):
        for argv in commands:
            t = time.perf_counter()
            out = io.TextIOWrapper(io.BytesIO())  # with .buffer, as the CLI writes bytes too
            with contextlib.redirect_stdout(out):
                code = main(argv)
            inproc[kind].append(time.perf_counter() - t)
            if code != 0:
                raise SystemExit(f"trialwatch {' '.join(argv)}: exit {code}")
    return {"commands": [" ".join(c) for c in commands], "process": stats(process),
            **{f"in_process_{k}": stats(v) for k, v in inproc.items()}}  # fmt: skip
