"""Speed and memory of what ships, as figures: one command, every figure printed and written to
benchmarks/RESULTS.md (the raw figures to benchmarks/results.json).

    .venv/bin/python benchmarks/run.py                                 # demo and national scale
    .venv/bin/python benchmarks/run.py --scale demo                    # just the demo scale
    .venv/bin/python benchmarks/run.py --reuse national=/work/national # a national store built once
    .venv/bin/python benchmarks/run.py --pg postgresql+psycopg://u:p@127.0.0.1:5432/db

A store is built (generate, load into SQLite, analytic snapshot) into a scratch folder, or
reused from a folder an earlier `--phase build SCALE DIR` wrote (its build.json, or the last
line of its build.log): that folder is only read; the app's store is a copy of its SQLite file
in the scratch folder, with the published series loaded beside it as `trialwatch demo` does.

Phases per scale: the build, the imports, every indicator, the Explorer's slices, the disclosure
control, the first page after a server start (a real `streamlit run` and headless Chromium),
every page's filter switches (AppTest) and the command line's (benchmarks/app.py), memory with 1
and 10 concurrent browser sessions (benchmarks/server.py), and the plainest pandas way to the
Overview's headline figures beside ours, checked equal (benchmarks/baseline.py). Then how each
cost grows from demo to national size and where one machine's ceiling lies.

Each phase runs in its own process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GROUP = "long_term_unemployed"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- phases (run in a child process) ----------------------------------------------------------


def phase_build(scale: str, workdir: Path) -> dict:
    from lib.engine.cache import save_snapshot
    from lib.engine.snapshot import build_snapshot
    from lib.register.demo import generate
    from lib.register.extract import write_extract
    from lib.register.store import get_engine, replace_register

    t0 = time.perf_counter()
    extract = generate(scale, 0)
    t1 = time.perf_counter()
    engine = get_engine(f"sqlite:///{workdir / 'demo.sqlite'}")
    replace_register(engine, extract, source_path=f"demo:{scale}")
    t2 = time.perf_counter()
    snap = build_snapshot(extract)
    t3 = time.perf_counter()
    save_snapshot(snap, workdir / "snapshot")
    write_extract(extract, workdir / "extract", fmt="csv")
    return {
        "persons": extract.frames["job_seekers"].height,
        "rows": {k: v.height for k, v in extract.frames.items()},
        "panel_rows": snap.panel.height,
        "generate_s": t1 - t0,
        "load_sqlite_s": t2 - t1,
        "snapshot_s": t3 - t2,
        "demo_build_s": t3 - t0,
        "peak_mb": _peak_mb(),
    }


def phase_import(workdir: Path, url: str) -> dict:
    from lib.register.extract import read_extract
    from lib.register.store import get_engine, replace_register

    t0 = time.perf_counter()
    extract = read_extract(workdir / "extract")
    t1 = time.perf_counter()
    replace_register(get_engine(url), extract, source_path=str(workdir / "extract"))
    t2 = time.perf_counter()
    return {"validate_s": t1 - t0, "load_s": t2 - t1, "import_s": t2 - t0, "peak_mb": _peak_mb()}


def phase_indicators(folder: Path) -> dict:
    from lib.engine.cache import read_snapshot
    from lib.engine.indicators import CONTRACT_INDICATORS, IndicatorError, Query, compute

    t0 = time.perf_counter()
    snap = read_snapshot(folder)
    load_s = time.perf_counter() - t0
    times = {}
    for ind in CONTRACT_INDICATORS:
        row = {}
        for label, groups in (("all", ()), ("group", (GROUP,))):
            if groups and ind in ("staff_fte", "clients_per_fte"):
                row[label] = None
                continue
            q = Query(ind, by=("municipality_code", "month"), groups=groups)
            t = time.perf_counter()
            try:
                compute(snap, q)
            except IndicatorError:  # e.g. a group of an indicator not counted per person
                row[label] = None
                continue
            row[label] = time.perf_counter() - t
        times[ind] = row
    return {"snapshot_load_s": load_s, "indicators": times, "peak_mb": _peak_mb()}


def phase_disclosure(folder: Path, scale: str) -> dict:
    """Cell-key perturbation (issue 14): how much it changes, what it shows, what it costs.

    Every contract indicator that counts persons, by municipality and month: the share of
    nonzero cells whose value changed (counts: the perturbed count; rates: numerator or
    denominator) and the largest change; women's cells by trial area; the engine's time exact
    (min_count 0) and perturbed (min_count 5); and at demo size the six differencing attacks of
    tests/engine/attacks.py with the share of hidden counts each recovers."""
    import polars as pl

    from lib.engine.cache import read_snapshot
    from lib.engine.indicators import CONTRACT_INDICATORS, INDICATORS, Query, compute

    snap = read_snapshot(folder)
    by = ("municipality_code", "month")
    counted = [i for i in CONTRACT_INDICATORS if INDICATORS[i].perturbed]
    cells = changed = 0
    largest = 0.0
    columns = {"num": "numerator", "den": "denominator"}
    for ind in counted:
        exact = compute(snap, Query(ind, by=by, min_count=0))
        shown = compute(snap, Query(ind, by=by, min_count=1))  # perturbed, only zeros hidden
        both = exact.join(shown, on=list(by), suffix="_p")
        for part in INDICATORS[ind].perturbed:  # the counts of persons: num and/or den
            c = columns[part] if columns[part] in exact.columns else "value"
            nonzero = both.filter(pl.col(c) > 0)
            diff = (nonzero[f"{c}_p"].fill_null(0) - nonzero[c]).abs()  # hidden: shown as 0
            cells += nonzero.height
            changed += int((diff > 1e-9).sum())
            largest = max(largest, float(diff.max() or 0))
    women = {}
    for ind in ("unemployed", "exit_rate", "active_caseload"):
        t = compute(snap, Query(ind, by=("trial_area_id", "gender"), min_count=5))
        f = t.filter(pl.col("gender") == "F")
        women[ind] = [int((~f["suppressed"]).sum()), f.height]

    def every_indicator(min_count: int) -> float:
        t0 = time.perf_counter()
        for ind in CONTRACT_INDICATORS:
            compute(snap, Query(ind, by=by, min_count=min_count))
        return time.perf_counter() - t0

    fresh = read_snapshot(folder)  # cold: the first queries of a loaded snapshot
    snap, kept = fresh, snap
    timing = {"exact_cold": every_indicator(0), "perturbed_cold": every_indicator(5)}
    snap = kept
    for label, mc in (("exact", 0), ("perturbed", 5)):
        timing[label] = sorted(every_indicator(mc) for _ in range(3))[1]
    attacks = {}
    if scale == "demo":
        from tests.engine.attacks import FAMILIES, attack, recovered_share

        for fam in FAMILIES:
            exact_a = attack(snap, fam, perturbed=False)
            pert_a = attack(snap, fam, perturbed=True)
            attacks[fam] = {
                "attempts": len(pert_a),
                "recovered": recovered_share(pert_a),
                "recovered_exact": recovered_share(exact_a),
            }
    return {
        "indicators": len(counted),
        "cells": cells,
        "changed": changed,
        "largest": largest,
        "women": women,
        "areas": snap.trial_areas.height,
        "timing": timing,
        "attacks": attacks,
    }


EXPLORER_SLICES = (
    # (indicator, rows, columns, colour): three dimensions over the whole period
    ("exit_rate", "region", "age_band", "gender"),
    ("unemployed", "municipality_code", "month", "gender"),
    ("active_caseload", "quarter", "trial_area_id", "age_band"),
)


def phase_explorer(folder: Path) -> dict:
    """Explorer slices as the page builds them (indicator table, pivot, chart), each cold:
    the engine's table alone, then the whole build (which computes the table again)."""
    import datetime as dt

    from lib.engine.access import FULL_ACCESS, Reader
    from lib.engine.cache import read_snapshot
    from lib.engine.indicators import compute
    from lib.figures import explorer
    from lib.figures.blocks import PageContext
    from lib.figures.filters import Selection, options_from_facts

    snap = read_snapshot(folder)
    reader = Reader(FULL_ACCESS, snap)
    opts = options_from_facts(reader.facts())
    ctx = PageContext(
        sel=Selection(opts.default_state(), opts, "en"), reader=reader, as_of=dt.date.today()
    )
    explorer.build(ctx, explorer.SliceSpec("exit_rate", None))  # warm-up: Polars' first query
    out = {}
    for ind, rows, cols, colour in EXPLORER_SLICES:
        spec = explorer.SliceSpec(ind, rows, cols, colour)
        snap.aggregates.clear()  # cold: nothing kept from the slices before
        t = time.perf_counter()
        table = compute(snap, explorer.slice_query(ctx, spec))
        engine_s = time.perf_counter() - t
        snap.aggregates.clear()
        t = time.perf_counter()
        view = explorer.build(ctx, spec)
        build_s = time.perf_counter() - t
        key = f"{ind} by {rows} × {cols} × {colour}"
        out[key] = {"cells": table.height, "engine_s": engine_s, "build_s": build_s,
                    "refused": view.message is not None}  # fmt: skip
    return {"slices": out, "peak_mb": _peak_mb()}


def phase_prepare(src: Path, work: Path) -> dict:
    """The app's store: a copy of the built SQLite file (the source folder is only read), with
    the published series beside it as `trialwatch demo` loads them."""
    from lib.published.storage import load_demo_series
    from lib.register.store import get_engine

    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    shutil.copyfile(src / "demo.sqlite", work / "store.sqlite")
    copy_s = time.perf_counter() - t
    said = load_demo_series(get_engine(store_url(work)))
    size = (work / "store.sqlite").stat().st_size / 2**20
    return {"copy_s": copy_s, "published": said, "store_mb": size}


def snapshot_folder(src: Path, work: Path) -> Path:
    """The analytic snapshot the app built from the store (the server phase's first start:
    this code's format), else the one the build saved."""
    built = sorted((work / "cache").glob("*/*/snapshot.json"))
    return built[-1].parent if built else src / "snapshot"


def store_url(work: Path) -> str:
    return f"sqlite:///{work / 'store.sqlite'}"


def phase_first_start(work: Path) -> dict:
    """The first start after an import in another process: no snapshot cached, the server
    builds it from the store (and caches it for the phases after)."""
    from benchmarks import server

    shutil.rmtree(work / "cache", ignore_errors=True)
    return {"start_uncached": server.first_page(store_url(work), work / "cache", work, "uncached")}


def phase_restart(work: Path) -> dict:
    """A restart: the snapshot cached on disk (run after first-start, or on a kept folder)."""
    from benchmarks import server

    if not list((work / "cache").glob("*/*/snapshot.json")):
        raise SystemExit("no snapshot cached yet: run the first-start phase first")
    return {"start_cached": server.first_page(store_url(work), work / "cache", work, "cached")}


def phase_sessions(work: Path) -> dict:
    """Memory with 1 and 10 concurrent sessions (benchmarks/server.py)."""
    from benchmarks import server
    from benchmarks.app import places

    url, cache = store_url(work), work / "cache"
    areas = places(url, cache)[0]
    return {f"sessions_{n}": server.sessions(url, cache, work, n, areas) for n in (1, 10)}


def phase_pages(work: Path) -> dict:
    from benchmarks import app

    limit = int(os.environ.get("TRIALWATCH_BENCH_CHANGES") or 0)
    return app.dashboard(store_url(work), work / "cache", limit)


def phase_cli(work: Path) -> dict:
    from benchmarks import app

    return app.cli(store_url(work), work / "cache")


# The national run's row-by-row loop is timed on this many months of the exit rate and scaled
# to all of them (its cost is one pass over the spells per month; at demo size it runs whole).
ROW_MONTHS = {"national": 4}
PLAIN_MONTHS = {"national": 13}


def phase_baseline(src: Path, scale: str) -> dict:
    """The Overview's headline figures and the exit rate by municipality and month: ours (from
    the CSV extract: read and validate, the snapshot, the queries; and the queries alone, as
    the app serves them from its snapshot) against pandas month by month and row by row
    (benchmarks/baseline.py), every number checked equal."""
    from benchmarks import baseline
    from lib.engine.indicators import Query, compute
    from lib.engine.snapshot import build_snapshot
    from lib.register.extract import read_extract

    folder = src / "extract"
    trial = ("trial_or_comparison", ("trial",))
    comparison = ("trial_or_comparison", ("comparison",))
    queries = {
        "active_caseload": Query("active_caseload", by=("month",), where=(trial,)),
        "cumulative_transferred": Query("cumulative_transferred", by=("month",), where=(trial,)),
        "client_facing_fte": Query(
            "staff_fte", by=("month",), where=(trial, ("role", ("coach", "advisor")))
        ),
        "clients_per_fte": Query("clients_per_fte", by=("month",), where=(trial,)),
        "exit_rate_trial": Query("exit_rate", by=("month",), where=(trial,)),
        "exit_rate_comparison": Query("exit_rate", by=("month",), where=(comparison,)),
        "placement_rate_90": Query("placement_rate_90", by=("month",), where=(trial,)),
        "exit_rate_by_municipality": Query("exit_rate", by=("municipality_code", "month")),
    }
    queries = {k: replace(q, min_count=0) for k, q in queries.items()}  # exact, as pandas
    t = time.perf_counter()
    extract = read_extract(folder)
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    snap = build_snapshot(extract)
    snapshot_s = time.perf_counter() - t
    del extract
    t = time.perf_counter()
    ours = {k: compute(snap, q) for k, q in queries.items()}
    queries_s = time.perf_counter() - t
    months = ours["active_caseload"]["month"].to_list()

    t = time.perf_counter()
    tables = baseline.read(folder)
    pandas_read_s = time.perf_counter() - t
    k = PLAIN_MONTHS.get(scale, len(months))
    t = time.perf_counter()
    plain = baseline.month_by_month(tables, months[-k:])
    plain_s = time.perf_counter() - t
    r = ROW_MONTHS.get(scale, len(months) - 1)
    t = time.perf_counter()
    rows = baseline.row_by_row(tables, months[-(r + 1) :])
    rows_s = time.perf_counter() - t

    checked = {}
    for name, table in ours.items():
        theirs = plain[name]
        checked[name] = _same(table, theirs)
    checked["exit_rate_by_municipality (row by row)"] = _same(
        ours["exit_rate_by_municipality"], rows
    )
    return {
        "months": len(months),
        "plain_months": k,
        "row_months": r,
        "ours": {"read_s": read_s, "snapshot_s": snapshot_s, "queries_s": queries_s},
        "pandas": {"read_s": pandas_read_s, "month_by_month_s": plain_s, "row_by_row_s": rows_s},
        "checked": checked,
        "peak_mb": _peak_mb(),
    }


def _same(table, theirs: dict) -> dict:
    """Compare the engine's table with the baseline's {key: value or (num, den)} on the
    baseline's keys (months it computed): cells compared and how many differ. Rates are
    compared by numerator and denominator (cells with denominator 0 are no rate on either
    side); FTE within 1e-6."""
    keys = [c for c in ("municipality_code", "month") if c in table.columns]
    has_parts = "numerator" in table.columns
    mine = {}
    for row in table.iter_rows(named=True):
        key = row[keys[0]] if len(keys) == 1 else tuple(row[c] for c in keys)
        mine[key] = (row["numerator"], row["denominator"]) if has_parts else row["value"]
    compared = differ = 0
    for key, value in theirs.items():
        if isinstance(value, tuple) and not value[1]:
            if mine.get(key, (0, 0))[1]:
                differ += 1  # a rate here, none there
            continue
        got = mine.get(key)
        compared += 1
        a = value if isinstance(value, tuple) else (value,)
        b = got if isinstance(got, tuple) else (got,)
        if got is None or any(abs(float(x) - float(y)) > 1e-6 for x, y in zip(a, b)):
            differ += 1
    return {"cells": compared, "differ": differ}


def _child(args: list) -> dict:
    args = ["--phase", *map(str, args)]
    r = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"phase {args} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# --- the report -------------------------------------------------------------------------------


# first-start first: it builds the app's snapshot from the store, which the phases after read
SERVER_PHASES = ("first-start", "restart", "sessions")
PHASES = (*SERVER_PHASES, "pages", "cli", "baseline", "indicators", "explorer", "disclosure",
          "import")  # fmt: skip


def read_build(folder: Path) -> dict:
    """The build figures of a folder built earlier: build.json, else build.log's JSON line."""
    if (folder / "build.json").exists():
        return json.loads((folder / "build.json").read_text())
    lines = (folder / "build.log").read_text().splitlines()
    if "rc=0" not in lines:
        raise SystemExit(f"{folder}/build.log does not end in rc=0: the build is not finished")
    return json.loads(next(x for x in reversed(lines) if x.startswith("{")))


def run_scale(scale: str, args, save) -> dict:
    reuse = dict(r.split("=", 1) for r in args.reuse).get(scale)
    with tempfile.TemporaryDirectory(prefix=f"tw-bench-{scale}-") as tmp:
        base = Path(args.keep) / scale if args.keep else Path(tmp)
        src = Path(reuse) if reuse else base / "build"
        work = base / "work"
        res = {"scale": scale}
        save(res)
        if reuse:
            res["build"] = {**read_build(src), "reused": str(src)}
        else:
            src.mkdir(parents=True, exist_ok=True)
            res["build"] = _child(["build", scale, src, work])
        res["prepare"] = _child(["prepare", scale, src, work])
        for phase in args.phases:
            print(f"  {scale}: {phase}...", file=sys.stderr)
            try:
                if phase == "import":
                    res["import_sqlite"] = _child(
                        ["import", scale, src, work, f"sqlite:///{work / 'import.sqlite'}"]
                    )
                    if args.pg:
                        res["import_postgresql"] = _child(["import", scale, src, work, args.pg])
                elif phase in SERVER_PHASES:  # their figures together under "server"
                    got = _child([phase, scale, src, work])
                    meta = got.pop("phase")
                    for key, value in got.items():
                        res.setdefault("server", {})[key] = {**value, "phase": meta}
                else:
                    res[phase] = _child([phase, scale, src, work])
                res.setdefault("succeeded", []).append(phase)
            except SystemExit as e:  # said in the report; the other phases still run
                print(f"  {scale}: {phase} failed: {str(e)[-1500:]}", file=sys.stderr)
                res.setdefault("failed", {})[phase] = str(e)[-1500:]
            save(res)
    return res


TARGET = {"median": 0.5, "p95": 1.0, "first_page": 5.0, "steady_mb": 2048, "peak_mb": 3072}


def _ok(good: bool) -> str:
    return "yes" if good else "**no**"


def report(results: list[dict]) -> str:
    load = [x for r in results for p in [*r.values(), *r.get("server", {}).values()]
            if isinstance(p, dict) and "phase" in p for x in p["phase"]["load"]]  # fmt: skip
    out = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {_cpus()} cores, {_ram_gb():.0f} GB RAM. Generated by "
        "`benchmarks/run.py`.",
        "",
    ]
    if load:
        out += [
            f"The machine's load average (runnable processes, {_cpus()} cores) lay between "
            f"{min(load):.1f} and {max(load):.1f} at the phases' starts and ends: other work "
            "ran beside the benchmark, so its times are upper bounds of this code on a quiet "
            "machine.",
            "",
        ]
    for r in results:
        out += scale_report(r)
    if len(results) > 1:
        out += slope_report(results)
    return "\n".join(out)


def scale_report(r: dict) -> list[str]:
    b = r["build"]
    out = [
        f"## Scale `{r['scale']}`: {b['persons']:,} persons, "
        f"{sum(b['rows'].values()):,} register rows, {b['panel_rows']:,} person-months",
        "",
    ]
    for note in r.get("notes", []):  # what the run's operator wrote into results.json
        out += [f"*Note*: {note}", ""]
    if b.get("reused"):
        out += ["The store was built earlier (`--phase build`) and reused; its build figures:", ""]
    out += [
        "| step | seconds | peak memory (MB) |",
        "| --- | ---: | ---: |",
        f"| demo build: generate | {b['generate_s']:.1f} | |",
        f"| demo build: load into SQLite | {b['load_sqlite_s']:.1f} | |",
        f"| demo build: analytic snapshot | {b['snapshot_s']:.1f} | |",
        f"| **demo build, total** | **{b['demo_build_s']:.1f}** | {b['peak_mb']:,.0f} |",
    ]
    for key, name in (("import_sqlite", "SQLite"), ("import_postgresql", "PostgreSQL")):
        if key in r:
            i = r[key]
            out.append(
                f"| import of the CSV extract into {name} (validate {i['validate_s']:.1f} s + "
                f"load {i['load_s']:.1f} s) | {i['import_s']:.1f} | {i['peak_mb']:,.0f} |"
            )
    if "indicators" in r:
        ind = r["indicators"]
        out.append(
            f"| load the cached analytic snapshot | {ind['snapshot_load_s']:.2f} | "
            f"{ind['peak_mb']:,.0f} |"
        )
    out.append("")
    ran = {}
    for name, p in [*r.items(), *r.get("server", {}).items()]:
        if isinstance(p, dict) and "phase" in p:
            key = f"{p['phase']['at']}, code {p['phase'].get('commit', '?')}"
            ran.setdefault(key, []).append(name)
    if ran:
        out += [
            "Phases run: "
            + "; ".join(f"{', '.join(names)} at {when}" for when, names in sorted(ran.items()))
            + ".",
            "",
        ]
    for phase, why in r.get("failed", {}).items():
        last = why.strip().splitlines()[-1] if why.strip() else ""
        out += [f"The {phase} phase failed: `{last[:300]}`.", ""]
    if "server" in r:
        out += server_report(r["server"])
    if "pages" in r:
        out += pages_report(r["pages"])
    if "cli" in r:
        out += cli_report(r["cli"])
    if "baseline" in r:
        out += baseline_report(r["baseline"])
    if "indicators" in r:
        out += [
            f"Indicator by municipality and month (seconds), without and with the group "
            f"filter `{GROUP}`:",
            "",
            "| indicator | no filter | with group |",
            "| --- | ---: | ---: |",
        ]
        for name, t in r["indicators"]["indicators"].items():
            grp = "n/a" if t["group"] is None else f"{t['group']:.3f}"
            out.append(f"| {name} | {t['all']:.3f} | {grp} |")
        out.append("")
    if "explorer" in r:
        out += explorer_report(r["explorer"])
    if "disclosure" in r:
        out += disclosure_report(r["disclosure"])
    return out


def server_report(s: dict) -> list[str]:
    out = [
        "A real server on loopback, started as scripts/start.sh starts it, and headless "
        "Chromium. *First page*: from starting the server until the Overview's headline metrics "
        f"and first chart are drawn (target: {TARGET['first_page']:.0f} s once the store exists).",
        "",
        "| start | server answers (s) | then figures drawn (s) | first page, total (s) | "
        "meets | server RSS then (MB) | its peak (MB) |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for key, label in (("start_uncached", "first start, no snapshot cached (it is built)"),
                       ("start_cached", "restart, snapshot cached on disk")):  # fmt: skip
        x = s.get(key)
        if not x:
            continue
        meets = _ok(x["total_s"] <= TARGET["first_page"]) if key == "start_cached" else ""
        out.append(
            f"| {label} | {x['healthy_s']:.1f} | {x['figures_s']:.1f} | {x['total_s']:.1f} | "
            f"{meets} | {x['rss_mb']:,.0f} | {x['peak_mb']:,.0f} |"
        )
    out += [
        "",
        "Memory of one server process with concurrent sessions, each an official going "
        "through all ten figure pages with their own areas and group, over Streamlit's "
        "websocket protocol as a browser speaks it (its drawing left out; a fresh server each "
        "time, the Overview run once before the sessions start). *Peak*: the "
        "process's highest RSS since its start (loading included); *during*: the highest "
        "sampled while the sessions ran; *steady*: 10 s after they went idle, sessions still "
        f"open. Targets: steady {TARGET['steady_mb'] / 1024:.0f} GB, peak "
        f"{TARGET['peak_mb'] / 1024:.0f} GB with ten sessions.",
        "",
        "| sessions | RSS loaded (MB) | during (MB) | peak (MB) | steady (MB) | meets | "
        "page views | view median (s) | view p95 (s) | wall (s) |",
        "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for n in (1, 10):
        x = s.get(f"sessions_{n}")
        if not x:
            continue
        if "stalled" in x:
            out.append(
                f"| {n} | | | {x['peak_mb']:,.0f} | | **no: the server stopped** (no message "
                f"to any session for 3 minutes, under a tenth of a core used, "
                f"{x['after_s']:.0f} s in, {x['views_done']} of {x['views']} views done; its "
                "threads' stacks: results.json) | | | | |"
            )
            continue
        meets = _ok(x["steady_mb"] <= TARGET["steady_mb"] and x["peak_mb"] <= TARGET["peak_mb"])
        out.append(
            f"| {n} | {x['rss_loaded_mb']:,.0f} | {x['peak_sampled_mb']:,.0f} | "
            f"{x['peak_mb']:,.0f} | {x['steady_mb']:,.0f} | {meets} | {x['views']} | "
            f"{x['view']['median']:.2f} | {x['view']['p95']:.2f} | {x['wall_s']:.0f} |"
        )
    out.append("")
    return out


def pages_report(d: dict) -> list[str]:
    out = [
        "Every page, filter changes re-rendered (seconds; Streamlit's AppTest running "
        "dashboard.py, the sessions in one process as on a server). Each page: trial areas, a "
        "municipality, groups, gender, age band, a period preset and a first month, two groups, "
        "the comparison toggle, the reset, then the page's own controls. *Cold*: selections "
        "this page has not shown (each page its own areas and groups); *warm*: the same again. "
        "*First open*: a new session opening the page (the Overview's: the process's first, "
        f"the snapshot read). Target: median {TARGET['median']} s, 95th percentile "
        f"{TARGET['p95']:.0f} s."
        + (
            f" Here only the first {d['limit']} sidebar changes (areas, a group, two areas, "
            "...) and the page's own: the machine was too busy for all of them."
            if d.get("limit")
            else ""
        ),
        "",
        "| page | first open | changes | cold median | cold p95 | warm median | warm p95 | "
        "meets | cold CPU median |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for page, p in d["pages"].items():
        c, w = p["cold"], p["warm"]
        meets = _ok(c["median"] <= TARGET["median"] and c["p95"] <= TARGET["p95"])
        name = "audit trail (admin)" if page == "audit" else page
        out.append(
            f"| {name} | {p['first_s']:.2f} | {p['changes']} | {c['median']:.2f} | "
            f"{c['p95']:.2f} | {w['median']:.2f} | {w['p95']:.2f} | {meets} | "
            f"{p['cpu']['cold']:.2f} |"
        )
    out += [
        f"| peak memory (MB) | {d['peak_mb']:,.0f} | | | | | | | |",
        "",
        "*CPU*: the process's CPU seconds per change (all threads), beside the wall time when "
        "other work shares the cores.",
        "",
    ]
    return out


def cli_report(c: dict) -> list[str]:
    rows = [("a new process per command (start, imports, cached snapshot read, figure)",
             c["process"]),
            ("in one process, first call of each command (snapshot in memory)",
             c["in_process_cold"]),
            ("in one process, the same again", c["in_process_warm"])]  # fmt: skip
    out = [
        f"The command line, {len(c['commands'])} realistic calls (seconds): "
        + "; ".join(f"`trialwatch {x}`" for x in c["commands"])
        + ".",
        "",
        "| how | median | p95 | max |",
        "| --- | ---: | ---: | ---: |",
    ]
    out += [f"| {label} | {x['median']:.2f} | {x['p95']:.2f} | {x['max']:.2f} |"
            for label, x in rows]  # fmt: skip
    out.append("")
    return out


def baseline_report(b: dict) -> list[str]:
    o, pd_ = b["ours"], b["pandas"]
    months, k, r = b["months"], b["plain_months"], b["row_months"]
    plain = pd_["month_by_month_s"] * months / k
    rows = pd_["row_by_row_s"] * (months - 1) / r
    ours_all = o["read_s"] + o["snapshot_s"] + o["queries_s"]
    cells = sum(x["cells"] for x in b["checked"].values())
    differ = sum(x["differ"] for x in b["checked"].values())
    plain_note = "" if k == months else f" (timed on the last {k} of {months} months, scaled)"
    rows_note = (
        "" if r == months - 1 else f" (timed on the last {r} of {months - 1} months, scaled)"
    )
    each = ", ".join(f"{name}: {v['cells']:,}" for name, v in b["checked"].items())
    out = [
        "The plainest way to the same figures (benchmarks/baseline.py): the Overview's headline "
        "series of the whole trial (active caseload, cumulative transferred, client-facing FTE, "
        "clients per FTE, exit rate of trial and comparison, placement at 90 days) and the exit "
        "rate by municipality and month, from the CSV extract, exact (ours with min_count 0).",
        "",
        "| how | seconds | pandas ÷ ours |",
        "| --- | ---: | ---: |",
        f"| ours: read and validate the extract | {o['read_s']:.1f} | |",
        f"| ours: the analytic snapshot | {o['snapshot_s']:.1f} | |",
        f"| ours: the eight tables from the snapshot (what a page does) | {o['queries_s']:.2f} | |",
        f"| **ours, from the CSV files** | **{ours_all:.1f}** | |",
        f"| pandas: read the CSV files | {pd_['read_s']:.1f} | |",
        f"| pandas, month by month (masks, merges, groupby){plain_note} | {plain:.1f} | "
        f"{(pd_['read_s'] + plain) / ours_all:.1f} × from the files, "
        f"{plain / o['queries_s']:,.0f} × the tables |",
        f"| Python row by row (`itertuples`), exit rate by municipality and month only"
        f"{rows_note} | {rows:.1f} | {(pd_['read_s'] + rows) / ours_all:.1f} × from the files |",
        "",
        f"Checked equal: {cells:,} cells compared, {differ} differ ({each}).",
        "",
    ]
    return out


def _ram_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def slope_report(results: list[dict]) -> list[str]:
    """How each cost grows from the smallest to the largest scale, and the ceiling."""
    import math

    small, large = results[0], results[-1]
    ps, pl_ = small["build"]["persons"], large["build"]["persons"]
    ratio = pl_ / ps
    rows = []

    def add(label: str, a: float | None, b: float | None, unit: str) -> None:
        if a is None or b is None or a <= 0 or b <= 0:
            return
        rows.append((label, a, b, unit, math.log(b / a) / math.log(ratio)))

    def get(r: dict, *path):
        for p in path:
            if not isinstance(r, dict) or p not in r:
                return None
            r = r[p]
        return r

    add("analytic snapshot build", get(small, "build", "snapshot_s"),
        get(large, "build", "snapshot_s"), "s")  # fmt: skip
    add("load the cached snapshot", get(small, "indicators", "snapshot_load_s"),
        get(large, "indicators", "snapshot_load_s"), "s")  # fmt: skip
    add("first page after a restart", get(small, "server", "start_cached", "total_s"),
        get(large, "server", "start_cached", "total_s"), "s")  # fmt: skip
    for page in get(large, "pages", "pages") or {}:
        add(f"{page}: cold median", get(small, "pages", "pages", page, "cold", "median"),
            get(large, "pages", "pages", page, "cold", "median"), "s")  # fmt: skip
    add("exit rate by municipality and month (engine)",
        get(small, "indicators", "indicators", "exit_rate", "all"),
        get(large, "indicators", "indicators", "exit_rate", "all"), "s")  # fmt: skip
    add("pandas month by month, per month",
        _per_month(small), _per_month(large), "s")  # fmt: skip
    for n in (1, 10):
        add(f"server RSS steady, {n} session(s)",
            get(small, "server", f"sessions_{n}", "steady_mb"),
            get(large, "server", f"sessions_{n}", "steady_mb"), "MB")  # fmt: skip
        add(f"server RSS peak, {n} session(s)",
            get(small, "server", f"sessions_{n}", "peak_mb"),
            get(large, "server", f"sessions_{n}", "peak_mb"), "MB")  # fmt: skip
    out = [
        f"## How cost grows: `{small['scale']}` to `{large['scale']}` ({ratio:.1f} × the persons)",
        "",
        "*Exponent*: log(large ÷ small) ÷ log(persons ratio): 1 grows as the register, 0 not at "
        "all, below 1 a fixed part dominates.",
        "",
        f"| figure | {small['scale']} | {large['scale']} | ratio | exponent |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, a, b, unit, e in rows:
        digits = ",.0f" if unit == "MB" else ".2f"
        out.append(
            f"| {label} | {a:{digits}} {unit} | {b:{digits}} {unit} | {b / a:.1f} | {e:.2f} |"
        )
    out.append("")
    out += ceiling_report(small, large)
    return out


def _per_month(r: dict) -> float | None:
    b = r.get("baseline")
    return b["pandas"]["month_by_month_s"] / b["plain_months"] if b else None


def ceiling_report(small: dict, large: dict) -> list[str]:
    """Straight lines through the two scales (memory grows with the persons held; time with
    the rows scanned): at what size does one machine's memory run out, and at what size does
    the slowest page pass its target."""
    ps, pl_ = small["build"]["persons"], large["build"]["persons"]
    ram = _ram_gb() * 1024
    out = [f"### The ceiling on one machine ({_cpus()} cores, {ram / 1024:.0f} GB)", ""]
    lines = []
    for label, path in (
        ("building the snapshot (an import)", ("build", "peak_mb")),
        ("a server with ten sessions, at its peak", ("server", "sessions_10", "peak_mb")),
    ):
        a, b = _dig(small, path), _dig(large, path)
        if a and b and b > a:
            per = (b - a) / (pl_ - ps)  # MB per person
            fits = ps + (ram - a) / per
            lines.append(
                f"- Memory, {label}: {a:,.0f} MB at {ps:,} persons, {b:,.0f} MB at {pl_:,}: "
                f"{per * 1e6 / 1024:.1f} GB per million persons, so {ram / 1024:.0f} GB hold "
                f"about {fits / 1e6:.1f} million persons."
            )
    worst = None
    for page, p in (_dig(large, ("pages", "pages")) or {}).items():
        small_p = _dig(small, ("pages", "pages", page, "cold", "median"))
        if small_p and (worst is None or p["cold"]["median"] > worst[1]):
            worst = (page, p["cold"]["median"], small_p)
    if worst:
        page, t_large, t_small = worst
        per = (t_large - t_small) / (pl_ - ps)
        at = pl_ + (TARGET["median"] - t_large) / per if per > 0 else None
        where = (
            f"passes {TARGET['median']} s at about {at / 1e6:.1f} million persons"
            if at and at > pl_
            else f"is over {TARGET['median']} s already"
            if t_large > TARGET["median"]
            else "does not grow"
        )
        lines.append(
            f"- Time: the slowest page's cold median ({page}) is {t_small:.2f} s at demo size "
            f"and {t_large:.2f} s at national size; on that line it {where}."
        )
    return out + lines + [""]


def _dig(r: dict, path: tuple):
    for p in path:
        if not isinstance(r, dict) or p not in r:
            return None
        r = r[p]
    return r


def disclosure_report(d: dict) -> list[str]:
    t = d["timing"]
    out = [
        "Disclosure control (cell-key perturbation, threshold 5), by municipality and month over "
        f"the {d['indicators']} contract indicators that count persons:",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| nonzero counts changed by the perturbation | {d['changed']:,} of {d['cells']:,} "
        f"({d['changed'] / max(d['cells'], 1):.1%}) |",
        f"| largest change | {d['largest']:.0f} |",
    ]
    for ind, (shown, of) in d["women"].items():
        line = f"| women's cells by trial area shown, {ind} (before: 2 of 26) | {shown} of {of} |"
        out.append(line)
    out += [
        "| engine, every contract indicator by municipality and month, exact: first queries "
        f"of a loaded snapshot / again, median of 3 (s) | {t['exact_cold']:.2f} / "
        f"{t['exact']:.2f} |",
        f"| the same, perturbed (s) | {t['perturbed_cold']:.2f} / {t['perturbed']:.2f} |",
        "",
    ]
    if d["attacks"]:
        out += [
            "Differencing attacks (tests/engine/attacks.py): hidden counts of 1-4 derived from "
            "released cells, and the share where the derived figure is the true count:",
            "",
            "| family | attempts | recovered, perturbed | recovered, exact tables |",
            "| --- | ---: | ---: | ---: |",
        ]
        for fam, a in d["attacks"].items():
            out.append(
                f"| {fam} | {a['attempts']:,} | {a['recovered']:.1%} | {a['recovered_exact']:.0%} |"
            )
        out.append("")
    return out


def explorer_report(e: dict) -> list[str]:
    out = [
        "Explorer: three-dimension slices over the whole period (seconds, cold). *Engine*: the "
        "indicator table; *page build*: table, pivot and chart, as the page makes them. "
        "Target: under 2 s at national size.",
        "",
        "| slice | cells | engine | page build |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, x in e["slices"].items():
        build = "refused (over 100,000 cells)" if x["refused"] else f"{x['build_s']:.2f}"
        out.append(f"| {name} | {x['cells']:,} | {x['engine_s']:.2f} | {build} |")
    out.append(f"| peak memory (MB) | | {e['peak_mb']:,.0f} | |")
    out.append("")
    return out


def _commit() -> str:
    """The code measured: the checkout's commit, '+' when it has changes not committed."""

    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + ("+" if dirty else "")


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", nargs="+", default=["demo", "national"])
    p.add_argument("--pg", help="also import into this PostgreSQL URL")
    p.add_argument(
        "--reuse",
        action="append",
        default=[],
        metavar="SCALE=DIR",
        help="use the store built earlier in DIR (by --phase build SCALE DIR) instead of "
        "building one; DIR is only read",
    )
    p.add_argument("--keep", metavar="DIR", help="keep the scratch folders under DIR/SCALE")
    p.add_argument("--phases", nargs="+", default=list(PHASES), choices=PHASES)
    p.add_argument(
        "--changes",
        type=int,
        default=0,
        help="only the first N sidebar changes per page (a busy machine; default all 11)",
    )
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    p.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    p.add_argument(
        "--report-only", action="store_true", help="write RESULTS.md again from --json's figures"
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="keep --json's figures of the phases not run now (per scale)",
    )
    p.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.changes:
        os.environ["TRIALWATCH_BENCH_CHANGES"] = str(args.changes)  # for the pages phase
    if args.phase:
        name, scale, src, work, *rest = args.phase
        src, work = Path(src), Path(work)
        fn = {
            "build": lambda: phase_build(scale, src),
            "prepare": lambda: phase_prepare(src, work),
            "import": lambda: phase_import(src, rest[0]),
            "indicators": lambda: phase_indicators(snapshot_folder(src, work)),
            "explorer": lambda: phase_explorer(snapshot_folder(src, work)),
            "disclosure": lambda: phase_disclosure(snapshot_folder(src, work), scale),
            "first-start": lambda: phase_first_start(work),
            "restart": lambda: phase_restart(work),
            "sessions": lambda: phase_sessions(work),
            "pages": lambda: phase_pages(work),
            "cli": lambda: phase_cli(work),
            "baseline": lambda: phase_baseline(src, scale),
        }[name]
        load, t = os.getloadavg()[0], time.perf_counter()
        out = fn()
        out["phase"] = {
            "seconds": time.perf_counter() - t,
            "load": [load, os.getloadavg()[0]],
            "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": _commit(),
        }
        print(json.dumps(out))
        return
    earlier = json.loads(args.json.read_text())["results"] if args.json.exists() else []
    if args.report_only:
        results = earlier
    else:
        # --merge: the figures of the phases run now replace those of an earlier run, per
        # scale; the others stay (each phase says when it ran)
        results = earlier if args.merge else []

        def save(current: dict) -> None:
            for i, r in enumerate(results):
                if r["scale"] == current["scale"]:
                    merged = {**r, **current} if args.merge else current
                    if args.merge and "server" in r and "server" in current:
                        merged["server"] = {**r["server"], **current["server"]}
                    if args.merge:  # a phase that succeeded now failed no more
                        failed = {**r.get("failed", {}), **current.get("failed", {})}
                        done = current.get("succeeded", [])
                        merged["failed"] = {k: v for k, v in failed.items() if k not in done}
                    results[i] = merged
                    break
            else:
                results.append(current)
            order = {s: i for i, s in enumerate(("test", "demo", "national"))}
            results.sort(key=lambda r: order.get(r["scale"], 9))
            args.json.write_text(json.dumps({"results": results}, indent=1))

        for scale in args.scale:
            print(f"benchmarking scale {scale}...", file=sys.stderr)
            save(run_scale(scale, args, save))
    text = report(results)
    print(text)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
