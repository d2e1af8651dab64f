"""Speed and memory of the data backbone, as figures.

    .venv/bin/python benchmarks/run.py                    # demo and national scale, SQLite
    .venv/bin/python benchmarks/run.py --scale demo       # just the demo scale
    .venv/bin/python benchmarks/run.py --pg postgresql+psycopg://u:p@127.0.0.1:5432/db

Each phase runs in its own process so its peak memory (max RSS) is its own. Figures are printed
as a table and written to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
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


def phase_indicators(workdir: Path) -> dict:
    from lib.engine.cache import read_snapshot
    from lib.engine.indicators import CONTRACT_INDICATORS, Query, compute

    t0 = time.perf_counter()
    snap = read_snapshot(workdir / "snapshot")
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
            compute(snap, q)
            row[label] = time.perf_counter() - t
        times[ind] = row
    return {"snapshot_load_s": load_s, "indicators": times, "peak_mb": _peak_mb()}


def phase_disclosure(workdir: Path, scale: str) -> dict:
    """Cell-key perturbation (issue 14): how much it changes, what it shows, what it costs.

    Every contract indicator that counts persons, by municipality and month: the share of
    nonzero cells whose value changed (counts: the perturbed count; rates: numerator or
    denominator) and the largest change; women's cells by trial area; the engine's time exact
    (min_count 0) and perturbed (min_count 5); and at demo size the six differencing attacks of
    tests/engine/attacks.py with the share of hidden counts each recovers."""
    import polars as pl

    from lib.engine.cache import read_snapshot
    from lib.engine.indicators import CONTRACT_INDICATORS, INDICATORS, Query, compute

    snap = read_snapshot(workdir / "snapshot")
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

    fresh = read_snapshot(workdir / "snapshot")  # cold: the first queries of a loaded snapshot
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


def phase_explorer(workdir: Path) -> dict:
    """Explorer slices as the page builds them (indicator table, pivot, chart), each cold:
    the engine's table alone, then the whole build (which computes the table again)."""
    import datetime as dt

    from lib.engine.access import FULL_ACCESS, Reader
    from lib.engine.cache import read_snapshot
    from lib.engine.indicators import compute
    from lib.figures import explorer
    from lib.figures.blocks import PageContext
    from lib.figures.filters import Selection, options_from_facts

    snap = read_snapshot(workdir / "snapshot")
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


DASHBOARD_PAGES = (
    "overview", "caseload", "staffing", "placements", "compare", "explorer", "definitions"
)  # fmt: skip


def phase_dashboard(workdir: Path) -> dict:
    """Re-render time of every dashboard page after a sidebar filter switch (Streamlit's
    AppTest, no browser): each page opened once, then trial areas and a group switched to values
    not seen before ('cold': indicator tables computed) and the same switches repeated ('warm':
    the tables and charts cached, as when a user goes back to a selection)."""
    import os
    import statistics

    os.environ["TRIALWATCH_DB"] = f"sqlite:///{workdir / 'demo.sqlite'}"
    os.environ["TRIALWATCH_CACHE_DIR"] = str(workdir / "cache")
    from streamlit.testing.v1 import AppTest

    from lib.engine.access import snapshot

    areas = sorted(snapshot().trial_areas["trial_area_id"].to_list())
    switches = [
        ("f_areas", [areas[1]]),
        ("f_groups", ["long_term_unemployed"]),
        ("f_areas", [areas[3]]),
        ("f_groups", []),
        ("f_areas", []),
    ]
    pages = {}
    for page in DASHBOARD_PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        if at.exception:
            raise SystemExit(f"{page}: {[e.value for e in at.exception]}")
        timings = {"cold": [], "warm": []}
        for kind in ("cold", "warm"):
            for key, value in switches:
                at.multiselect(key=key).set_value(value)
                t = time.perf_counter()
                at.run()
                timings[kind].append(time.perf_counter() - t)
        pages[page] = {
            "first_s": first,
            **{
                f"{kind}_{stat}": fn(values)
                for kind, values in timings.items()
                for stat, fn in (("median_s", statistics.median), ("max_s", max))
            },
        }
    return {"pages": pages, "switches": len(switches), "peak_mb": _peak_mb()}


def _child(args: list[str]) -> dict:
    r = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"phase {args} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# --- the report -------------------------------------------------------------------------------


def run_scale(scale: str, pg_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"tw-bench-{scale}-") as tmp:
        work = Path(tmp)
        res = {"scale": scale, "build": _child(["--phase", "build", scale, tmp])}
        res["import_sqlite"] = _child(
            ["--phase", "import", scale, tmp, f"sqlite:///{work / 'import.sqlite'}"]
        )
        if pg_url:
            res["import_postgresql"] = _child(["--phase", "import", scale, tmp, pg_url])
        res["indicators"] = _child(["--phase", "indicators", scale, tmp])
        res["explorer"] = _child(["--phase", "explorer", scale, tmp])
        res["disclosure"] = _child(["--phase", "disclosure", scale, tmp])
        if scale == "demo":
            res["dashboard"] = _child(["--phase", "dashboard", scale, tmp])
    return res


def report(results: list[dict]) -> str:
    out = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {_cpus()} cores. Generated by `benchmarks/run.py`.",
        "",
    ]
    for r in results:
        b = r["build"]
        out += [
            f"## Scale `{r['scale']}`: {b['persons']:,} persons, "
            f"{sum(b['rows'].values()):,} register rows, {b['panel_rows']:,} person-months",
            "",
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
        ind = r["indicators"]
        out += [
            f"| load the cached analytic snapshot | {ind['snapshot_load_s']:.2f} | "
            f"{ind['peak_mb']:,.0f} |",
            "",
            f"Indicator by municipality and month (seconds), without and with the group "
            f"filter `{GROUP}`:",
            "",
            "| indicator | no filter | with group |",
            "| --- | ---: | ---: |",
        ]
        for name, t in ind["indicators"].items():
            grp = "n/a" if t["group"] is None else f"{t['group']:.3f}"
            out.append(f"| {name} | {t['all']:.3f} | {grp} |")
        out.append("")
        if "explorer" in r:
            out += explorer_report(r["explorer"])
        if "disclosure" in r:
            out += disclosure_report(r["disclosure"])
        if "dashboard" in r:
            out += dashboard_report(r["dashboard"])
    return "\n".join(out)


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


def dashboard_report(d: dict) -> list[str]:
    out = [
        f"Dashboard: re-render after a sidebar filter switch (seconds; AppTest, {d['switches']} "
        "switches of trial areas and groups per page). *Cold*: a selection not seen before, its "
        "indicator tables computed; *warm*: the same switches again, tables and charts cached. "
        "Target: under 0.5 s.",
        "",
        "| page | first load | cold median | cold max | warm median | warm max |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page, p in d["pages"].items():
        out.append(
            f"| {page} | {p['first_s']:.2f} | {p['cold_median_s']:.2f} | {p['cold_max_s']:.2f} "
            f"| {p['warm_median_s']:.2f} | {p['warm_max_s']:.2f} |"
        )
    out.append("")
    return out


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", nargs="+", default=["demo", "national"])
    p.add_argument("--pg", help="also import into this PostgreSQL URL")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    p.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.phase:
        name, _scale, workdir, *rest = args.phase
        fn = {
            "build": lambda: phase_build(_scale, Path(workdir)),
            "import": lambda: phase_import(Path(workdir), rest[0]),
            "indicators": lambda: phase_indicators(Path(workdir)),
            "dashboard": lambda: phase_dashboard(Path(workdir)),
            "explorer": lambda: phase_explorer(Path(workdir)),
            "disclosure": lambda: phase_disclosure(Path(workdir), _scale),
        }[name]
        print(json.dumps(fn()))
        return
    results = []
    for scale in args.scale:
        print(f"benchmarking scale {scale}...", file=sys.stderr)
        results.append(run_scale(scale, args.pg))
    text = report(results)
    print(text)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
