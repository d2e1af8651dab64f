"""The Explorer (lib/figures/explorer.py, lib/figures/explorer_charts.py): a slice built as the page builds it
equals `trialwatch indicators` run with the slice's command, its pivot equals values worked out
by hand, and its downloads, snippet, guard rail and chart do what they say.

Read tests/hand_fixture.py's docstring for the timeline. Trial T1 starts 2021-03-01; as_of
2021-06-30. Area A1 is Alajärvi (005, region Etelä-Pohjanmaa), area A2 Helsinki (091, Uusimaa);
Akaa (020, Pirkanmaa) is the comparison municipality. The sidebar's default period is the trial's
months, Mar-Jun 2021. min_count=0 (disclosure control off) unless a test says otherwise.
"""

from __future__ import annotations

import io
import shlex
import zipfile
from dataclasses import replace
from xml.etree import ElementTree

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lib.cli import commands as cli
from lib.engine.snapshot import build_snapshot
from lib.figures import explorer, exports
from lib.figures.blocks import PageContext
from lib.figures.explorer import SliceSpec
from lib.figures.explorer_charts import slice_chart
from lib.figures.filters import (
    AreaOption,
    FilterOptions,
    MunicipalityOption,
    Selection,
    TrialOption,
    options_from_facts,
)
from lib.figures.i18n import t
from lib.web import data, render
from tests.figures.test_page_views import context
from tests.hand_fixture import AS_OF, hand_extract
from tests.readers import facts, reader

# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


@pytest.fixture(scope="module")
def opts(snap):
    return options_from_facts(facts(snap))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A SQLite store loaded with the hand fixture, as `trialwatch import` leaves it."""
    from lib.register.store import get_engine, replace_register

    folder = tmp_path_factory.mktemp("explorer-store")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    replace_register(get_engine(url), hand_extract(), source_path="tests")
    return url, folder


@pytest.fixture
def cli_env(monkeypatch, store):
    """The CLI's settings: the deployment's defaults (threshold 5, youth under 25, four contacts
    a week), the snapshot cached beside the store."""
    url, folder = store
    for name in ("TRIALWATCH_MIN_COUNT", "TRIALWATCH_YOUTH_AGE", "TRIALWATCH_WEEKLY_CONTACTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(folder / "cache"))
    return url


def run_command(view: explorer.ExplorerView, url: str, out) -> pl.DataFrame:
    """The view's reproduce command run in-process against the store, writing to `out`."""
    argv = shlex.split(view.command)
    assert argv[0] == "trialwatch"
    args = argv[1:]
    i = args.index("--out")
    assert args[i + 1] == explorer.PARQUET_NAME
    args[i + 1] = str(out)
    assert cli.main([*args, "--db", url]) == 0
    return pl.read_parquet(out)


def columns_of(pivot: pl.DataFrame) -> dict[str, list]:
    """The pivot as {heading: cells}: its numbers, whatever the order of its columns."""
    return {c: pivot[c].to_list() for c in pivot.columns}


# ---------------------------------------------------------------------------------------------
# A slice built on the page equals `trialwatch indicators` with the same arguments

LABEL_COLUMNS = {"area_name", "municipality_name"}

SLICES = [
    pytest.param(
        SliceSpec("exit_rate", "month", "trial_or_comparison"), {}, 0, id="exit-month-x-toc"
    ),
    pytest.param(
        SliceSpec("exit_rate", "month", "trial_or_comparison"),
        {"month_from": "2020-12", "month_to": "2021-03"},
        0,
        id="exit-before-the-trial",
    ),
    pytest.param(
        SliceSpec("active_caseload", "trial_area_id", "gender"),
        {"groups": ("youth", "long_term_unemployed"), "match": "any"},
        0,
        id="caseload-area-x-gender-groups-any",
    ),
    pytest.param(
        SliceSpec("active_caseload", "trial_area_id", "gender"),
        {"groups": ("older", "foreign"), "match": "all"},
        0,
        id="caseload-area-x-gender-groups-all",
    ),
    pytest.param(SliceSpec("transfers_in", "quarter"), {}, 0, id="transfers-in-by-quarter"),
    pytest.param(
        SliceSpec("unemployed", "region", "gender", "age_band"),
        {"areas": ("A2",)},
        0,
        id="unemployed-region-x-age-x-gender-area-two",
    ),
    pytest.param(
        SliceSpec("staff_fte", "month", "role"),
        {"groups": ("youth",), "gender": ("F",)},
        0,
        id="staff-month-x-role-person-filters-not-applied",
    ),
    pytest.param(
        SliceSpec("active_caseload", "month", "trial_area_id"),
        {},
        5,
        id="caseload-month-x-area-default-threshold",
    ),
    pytest.param(
        SliceSpec("active_caseload", "municipality_code", "month"),
        {"municipalities": ("091",), "gender": ("F", "X"), "comparison": False},
        2,
        id="caseload-muni-x-month-helsinki-women-other",
    ),
    pytest.param(
        SliceSpec("exit_rate", "trial_area_id", "age_band"),
        {"comparison": False, "month_from": "2020-06"},
        3,
        id="exit-area-x-age-comparison-hidden",
    ),
    pytest.param(SliceSpec("placement_rate_14", "provider_id"), {}, 0, id="placement-by-provider"),
    pytest.param(
        SliceSpec("active_caseload", None), {"areas": ("A1",)}, 0, id="one-number-area-one"
    ),
    pytest.param(
        SliceSpec("exit_rate", "month", "trial_area_id", ci=True),
        {"month_from": "2020-06"},
        0,
        id="exit-month-x-area-intervals",
    ),
    pytest.param(
        SliceSpec("placement_rate_14", "provider_id", ci=True), {}, 2, id="placement-intervals"
    ),
    pytest.param(
        SliceSpec("exit_rate", "month", scope="both"),
        {"month_from": "2020-06"},
        0,
        id="exit-pooled-both-sides",
    ),
    pytest.param(
        SliceSpec("unemployed", "month", "gender", scope="comparison"),
        {"month_from": "2020-06"},
        0,
        id="unemployed-comparison-only",
    ),
]


@pytest.mark.parametrize("spec, change, min_count", SLICES)
def test_a_slice_equals_the_command_line_with_the_same_arguments(
    snap, opts, cli_env, tmp_path, spec, change, min_count
):
    view = explorer.build(context(snap, opts, min_count, **change), spec)
    assert view.message is None and view.table.height > 0
    written = run_command(view, cli_env, tmp_path / "slice.parquet")
    # the page's table is the CLI's table (same rows, order, types) plus name columns
    assert_frame_equal(view.table.select(written.columns), written)
    extra = set(view.table.columns) - set(written.columns)
    assert all(c in LABEL_COLUMNS or c.endswith("_label") for c in extra), extra
    # ...and the export's columns are the CLI's plus those names
    assert {c.name for c in view.columns} == set(view.table.columns)


def test_the_command_carries_the_sidebars_filters(snap, opts):
    ctx = context(
        snap, opts, 0, areas=("A2",), groups=("youth", "older"), match="any", gender=("F",)
    )
    view = explorer.build(ctx, SliceSpec("unemployed", "month", "gender"))
    assert shlex.split(view.command) == [
        "trialwatch",
        "indicators",
        "unemployed",
        "--by",
        "month,gender",
        "--group",
        "youth",
        "older",
        "--match",
        "any",
        "--from",
        "2021-03",
        "--to",
        "2021-06",
        "--where",
        "trial_area_id=A2",
        "--where",
        "gender=F",
        "--min-count",
        "0",
        "--format",
        "parquet",
        "--out",
        "trialwatch-slice.parquet",
    ]
    # staff FTE counts no persons: neither the groups nor the gender go into its command
    staff = explorer.build(ctx, SliceSpec("staff_fte", "month", "role"))
    assert "--group" not in staff.command and "gender" not in staff.command
    assert any("Groups" in n and "Gender" in n for n in staff.notes), staff.notes
    # the default threshold (5) is left to the CLI's settings
    # the threshold is always written: the runner's own default may differ
    assert "--min-count 5" in explorer.build(context(snap, opts, 5), SliceSpec()).command


# ---------------------------------------------------------------------------------------------
# Slices worked out by hand


def test_active_caseload_by_month_and_trial_area_by_hand(snap, opts):
    view = explorer.build(
        context(snap, opts), SliceSpec("active_caseload", "month", "trial_area_id")
    )
    # Month ends. March: A1 P1 (initial transfer); A2 P3, P4. April: A1 + P2 (transferred in on
    # 1 April); A2 P3, P4 (out on 30 April, still in on its last day), P6 (new on 10 April).
    # May: A1 P1, P2; A2 P3 (until 31 May), P6. June: A1 P1, P2; A2 P6. Akaa, the comparison
    # municipality, has no caseload: no "No trial area" column.
    assert view.pivot_index == ("Month",)
    assert view.pivot.columns[0] == "Month"
    assert columns_of(view.pivot) == {
        "Month": ["Mar\u00a02021", "Apr\u00a02021", "May\u00a02021", "Jun\u00a02021"],
        "Area one": ["1", "2", "2", "2"],
        "Area two": ["2", "3", "2", "1"],
    }
    assert view.suppressed == 0 and view.notes == ()
    # the estimate: 4 months x 2 trial-area values (A1, A2): the trial's municipalities, as on
    # the Overview
    assert view.cells == 8
    # with the comparison municipalities as well: 4 x 3 (A1, A2 and none, for Akaa)
    both = explorer.build(
        context(snap, opts), SliceSpec("active_caseload", "month", "trial_area_id", scope="both")
    )
    assert both.cells == 12


def test_suppressed_cells_show_two_dots_by_hand(snap, opts):
    view = explorer.build(
        context(snap, opts, 2), SliceSpec("active_caseload", "month", "trial_area_id")
    )
    # Threshold 2, after perturbation (record keys and table: tests/engine/test_disclosure.py).
    # A1: March P1 (1, key 206: +1) 2; April-June P1, P2 (2, key 178: +1) 3.
    # A2: March P3, P4 (2, key 63: -1) 1, suppressed; April P3, P4, P6 (3, key 199: +1) 4;
    #     May P3, P6 (2, key 387 mod 256 = 131: 0) 2; June P6 (1, key 136: 0) 1, suppressed.
    # No complementary cells: the perturbed cells need not add up to any total.
    assert columns_of(view.pivot) == {
        "Month": ["Mar\u00a02021", "Apr\u00a02021", "May\u00a02021", "Jun\u00a02021"],
        "Area one": ["2", "3", "3", "3"],
        "Area two": ["..", "4", "2", ".."],
    }
    assert view.suppressed == 2
    assert any(n.startswith("2 cells are suppressed") and "fewer than 2" in n for n in view.notes)
    # suppressed: no value in the long table (nor in any download), suppressed = true
    hidden = view.table.filter(pl.col("suppressed"))
    assert hidden.height == 2 and hidden["value"].null_count() == 2


def test_exit_rate_not_defined_shows_one_dot_by_hand(snap, opts):
    ctx = context(snap, opts, month_from="2020-12", month_to="2021-03")
    view = explorer.build(ctx, SliceSpec("exit_rate", "month", "trial_or_comparison"))
    # At risk: unemployed on the previous month's last day; exit: employed in the month.
    # Dec: trial P1, P2, P3, P4 (30 Nov), P2 starts work 1 Dec -> 1/4; Akaa P5 -> 0/1.
    # Jan: trial P1, P3, P4 (P2 employed) -> 0/3; Akaa P5, employed 21 Jan -> 1/1.
    # Feb: trial P1, P3, P4 (P2 employed until 31 Jan) -> 0/3; Akaa: P5 employed, P7 in
    #      subsidised employment -> 0/0, not defined.
    # Mar: trial P1, P2 (unemployed again from 1 Feb), P3, P4 -> 0/4; Akaa 0/0.
    assert columns_of(view.pivot) == {
        "Month": ["Dec\u00a02020", "Jan\u00a02021", "Feb\u00a02021", "Mar\u00a02021"],
        "Trial": ["25.0", "0.0", "0.0", "0.0"],
        "Comparison municipalities": ["0.0", "100.0", ".", "."],
    }
    long = {
        (r["month"], r["trial_or_comparison"]): (r["numerator"], r["denominator"])
        for r in view.table.iter_rows(named=True)
    }
    assert long == {
        ("2020-12", "trial"): (1, 4),
        ("2020-12", "comparison"): (0, 1),
        ("2021-01", "trial"): (0, 3),
        ("2021-01", "comparison"): (1, 1),
        ("2021-02", "trial"): (0, 3),
        ("2021-02", "comparison"): (0, 0),
        ("2021-03", "trial"): (0, 4),
        ("2021-03", "comparison"): (0, 0),
    }


def test_the_scope_is_the_overviews_unless_chosen_and_the_caption_says_it(snap, opts):
    """The Explorer pooled trial and comparison municipalities silently (6.0 % against the
    Overview's 6.2 % under the same caption). Its default is now the Overview's scope, the
    trial's municipalities; pooling is a choice, and the caption names the scope."""
    ctx = context(snap, opts, month_from="2020-12", month_to="2021-01")

    def by_month(scope):
        view = explorer.build(ctx, SliceSpec("exit_rate", "month", scope=scope))
        rows = view.table.iter_rows(named=True)
        return view, {r["month"]: (r["numerator"], r["denominator"]) for r in rows}

    # From test_exit_rate_not_defined_shows_one_dot_by_hand: Dec trial 1/4, Akaa 0/1;
    # Jan trial 0/3, Akaa 1/1.
    trial, numbers = by_month(None)
    assert numbers == {"2020-12": (1, 4), "2021-01": (0, 3)}
    assert "trial municipalities (as on the Overview)" in trial.caption
    assert "--where trial_or_comparison=trial" in trial.command
    pooled, numbers = by_month("both")
    assert numbers == {"2020-12": (1 + 0, 4 + 1), "2021-01": (0 + 1, 3 + 1)}  # 20.0 %, 25.0 %
    assert columns_of(pooled.pivot)["Exit to employment rate"] == ["20.0", "25.0"]
    assert "trial and comparison municipalities pooled" in pooled.caption
    assert "trial_or_comparison" not in pooled.command  # every municipality
    comparison, numbers = by_month("comparison")
    assert numbers == {"2020-12": (0, 1), "2021-01": (1, 1)}
    assert "comparison municipalities" in comparison.caption
    # split by trial or comparison: both sides by default, apart, and said so
    split = explorer.build(ctx, SliceSpec("exit_rate", "month", "trial_or_comparison"))
    assert "trial and comparison municipalities, apart" in split.caption
    # chosen areas: the scope is the sidebar's, whatever the slice asks
    area = explorer.build(
        context(snap, opts, areas=("A2",)), SliceSpec("exit_rate", "month", scope="both")
    )
    assert "the sidebar's areas or municipalities" in area.caption
    assert "--where trial_area_id=A2" in area.command


def test_intervals_are_wilsons_and_the_command_asks_for_them(snap, opts):
    ctx = context(snap, opts, month_from="2020-12", month_to="2020-12")
    view = explorer.build(ctx, SliceSpec("exit_rate", "month", ci=True))
    # December, trial: 1 of 4. Wilson 95 %, z = 1.96: centre (0.25 + z²/8) / (1 + z²/4)
    # = 0.730 / 1.960 = 0.3724; half-width z * sqrt(0.25 * 0.75 / 4 + z²/64) / (1 + z²/4)
    # = 1.96 * sqrt(0.0469 + 0.0600) / 1.960 = 0.3270: 4.6 % to 69.9 %.
    (row,) = view.table.iter_rows(named=True)
    assert row["ci_low"] == pytest.approx(4.56, abs=0.01)
    assert row["ci_high"] == pytest.approx(69.94, abs=0.01)
    assert columns_of(view.pivot)["Exit to employment rate"] == ["25.0 (4.6–69.9)"]
    assert "95 % Wilson interval" in view.caption
    assert "--ci" in shlex.split(view.command)
    assert {"ci_low", "ci_high"} <= {c.name for c in view.columns}
    # a count has no interval: asked for or not, none, and no --ci
    count = explorer.build(ctx, SliceSpec("active_caseload", "month", ci=True))
    assert "ci_low" not in count.table.columns and "--ci" not in count.command


def test_caseload_of_area_two_by_gender_by_hand(snap, opts):
    view = explorer.build(
        context(snap, opts, areas=("A2",)), SliceSpec("active_caseload", "month", "gender")
    )
    # Helsinki's caseload at each month end: Mar P3 (F), P4 (M); Apr P3, P4, P6 (X);
    # May P3, P6; Jun P6. Genders in the contract's order: women, men, other.
    assert view.pivot.columns == ["Month", "Women", "Men", "Other / not stated"]
    assert columns_of(view.pivot) == {
        "Month": ["Mar\u00a02021", "Apr\u00a02021", "May\u00a02021", "Jun\u00a02021"],
        "Women": ["1", "1", "1", "0"],
        "Men": ["1", "1", "0", "0"],
        "Other / not stated": ["0", "1", "1", "1"],
    }
    assert "--where trial_area_id=A2" in view.command


def test_transfers_in_by_quarter_by_hand(snap, opts):
    view = explorer.build(context(snap, opts), SliceSpec("transfers_in", "quarter"))
    # Mar 2021 (the trial's only month of Q1): P1, P3, P4 transferred on 1 March.
    # Q2: P2 transferred in on 1 April (P6 is a new client, not a transfer).
    assert columns_of(view.pivot) == {"Quarter": ["2021-Q1", "2021-Q2"], "Transfers in": ["3", "1"]}
    assert view.cells == 2  # March in Q1; April-June in Q2


def test_unemployed_of_area_two_by_region_age_and_gender_by_hand(snap, opts):
    view = explorer.build(
        context(snap, opts, areas=("A2",)), SliceSpec("unemployed", "region", "gender", "age_band")
    )
    # Helsinki (Uusimaa), unemployed at the month ends Mar-Jun, as the mean of the four:
    # P3 (F, born 1960: 55+) in March only -> 1/4; P4 (M, born 1985: 35-44) in March and April
    # (in Helsinki until 30 April) -> 2/4; P6 (X, born 1970: 45-54) from 10 April -> 3/4.
    values = {
        (r["region"], r["age_band"], r["gender"]): r["value"]
        for r in view.table.iter_rows(named=True)
    }
    assert values == {
        ("Uusimaa", "55+", "F"): 0.25,
        ("Uusimaa", "35-44", "M"): 0.5,
        ("Uusimaa", "45-54", "X"): 0.75,
    }
    assert view.pivot_index == ("Region", "Age band")
    # one region x 5 age bands x 3 genders
    assert view.cells == 15


def test_a_mean_of_month_end_counts_is_not_shown_as_zero(snap, opts):
    view = explorer.build(
        context(snap, opts, areas=("A2",)), SliceSpec("unemployed", "region", "gender", "age_band")
    )
    # P4 (M, 35-44) unemployed at two of four month ends in Helsinki: a mean of 0.5 persons
    row = view.pivot.filter(pl.col("Age band") == "35–44")
    assert row["Men"][0] == "0.5"


def test_staff_fte_by_month_and_role_by_hand(snap, opts):
    view = explorer.build(context(snap, opts), SliceSpec("staff_fte", "month", "role"))
    # March: 005 coach 1.0 + 091 coach 2.0, 005 advisor 0.5, 005 management 0.2.
    march = view.pivot.filter(pl.col("Month") == "Mar\u00a02021").row(0, named=True)
    assert march == {
        "Month": "Mar\u00a02021",
        "Coaches": "3.0",
        "Advisors": "0.5",
        "Management": "0.2",
    }
    # staff roles in the contract's order
    assert view.pivot.columns == ["Month", "Coaches", "Advisors", "Management"]


def test_one_number_for_the_whole_selection(snap, opts):
    view = explorer.build(context(snap, opts, areas=("A1",)), SliceSpec("active_caseload", None))
    # Alajärvi's month-end caseloads Mar-Jun: 1, 2, 2, 2 -> mean 1.75
    assert view.table["value"].to_list() == [1.75]
    assert view.pivot.columns == ["Active caseload"]
    assert view.chart is None
    assert "--by ''" in view.command


# ---------------------------------------------------------------------------------------------
# The Polars snippet


def _exported_parquet(view: explorer.ExplorerView, folder) -> None:
    meta = exports.ExportMeta(title="slice", indicators=(view.spec.indicator,))
    raw = exports.to_parquet(view.table, view.columns, meta)
    (folder / explorer.PARQUET_NAME).write_bytes(raw)


def _snippet_table(view: explorer.ExplorerView, folder, monkeypatch) -> pl.DataFrame:
    _exported_parquet(view, folder)
    monkeypatch.chdir(folder)
    scope: dict = {}
    exec(view.snippet, scope)  # noqa: S102 -- the code the page offers to copy
    return scope["table"]


def test_the_snippet_lays_the_download_out_as_the_pivot(snap, opts, tmp_path, monkeypatch):
    view = explorer.build(
        context(snap, opts), SliceSpec("active_caseload", "month", "trial_area_id")
    )
    table = _snippet_table(view, tmp_path, monkeypatch)
    # the hand-worked pivot above, by codes: A1 1, 2, 2, 2; A2 2, 3, 2, 1
    assert table.sort("month").to_dict(as_series=False) == {
        "month": ["2021-03", "2021-04", "2021-05", "2021-06"],
        "A1": [1, 2, 2, 2],
        "A2": [2, 3, 2, 1],
    }
    shown = columns_of(view.pivot)
    assert [str(v) for v in table.sort("month")["A1"]] == shown["Area one"]
    assert [str(v) for v in table.sort("month")["A2"]] == shown["Area two"]


def test_the_snippet_leaves_suppressed_cells_empty(snap, opts, tmp_path, monkeypatch):
    view = explorer.build(
        context(snap, opts, 2), SliceSpec("active_caseload", "month", "trial_area_id")
    )
    table = _snippet_table(view, tmp_path, monkeypatch).sort("month")
    # as in the pivot (perturbed, worked out above); '..' is null
    assert table["A1"].to_list() == [2, 3, 3, 3]
    assert table["A2"].to_list() == [None, 4, 2, None]


def test_the_snippet_of_three_dimensions(snap, opts, tmp_path, monkeypatch):
    spec = SliceSpec("unemployed", "region", "gender", "age_band")
    view = explorer.build(context(snap, opts, areas=("A2",)), spec)
    table = _snippet_table(view, tmp_path, monkeypatch)
    # rows: region and age band; columns: the genders (values as in the hand-worked test)
    cells = {
        (r["region"], r["age_band"], g): r[g]
        for r in table.iter_rows(named=True)
        for g in ("F", "M", "X")
        if r[g] is not None
    }
    assert cells == {
        ("Uusimaa", "55+", "F"): 0.25,
        ("Uusimaa", "35-44", "M"): 0.5,
        ("Uusimaa", "45-54", "X"): 0.75,
    }


def test_the_snippet_without_columns(snap, opts, tmp_path, monkeypatch):
    view = explorer.build(context(snap, opts), SliceSpec("transfers_in", "quarter"))
    table = _snippet_table(view, tmp_path, monkeypatch)
    assert table.to_dict(as_series=False) == {"quarter": ["2021-Q1", "2021-Q2"], "value": [3, 1]}


# ---------------------------------------------------------------------------------------------
# The guard rail


def _never_read(query):
    raise AssertionError(f"the guard rail should have stopped before reading {query}")


def test_too_large_a_slice_is_not_computed(snap, opts):
    ctx = replace(context(snap, opts), reader=reader(snap, _never_read))
    spec = SliceSpec("placement_rate_14", "provider_id", "month")
    # 25,001 providers x 4 months = 100,004 cells: over the limit
    view = explorer.build(ctx, spec, n_providers=25_001)
    assert view.cells == 100_004 > explorer.MAX_CELLS
    assert view.message and "100,004" in view.message and "100,000" in view.message
    assert view.table.height == 0 and view.pivot.height == 0 and view.chart is None
    assert view.command.startswith("trialwatch indicators placement_rate_14")


def test_the_limit_itself_is_computed(snap, opts):
    read: list = []
    ctx = context(snap, opts)
    ctx = replace(ctx, reader=reader(snap, lambda q: read.append(q) or context(snap, opts).read(q)))
    # 25,000 providers x 4 months = 100,000 cells: at the limit, not over it
    view = explorer.build(
        ctx, SliceSpec("placement_rate_14", "provider_id", "month"), n_providers=25_000
    )
    assert view.cells == explorer.MAX_CELLS
    assert view.message is None and len(read) == 1


def _many_places() -> FilterOptions:
    """A trial of 500 municipalities in one area, 10 comparison municipalities, ten years."""
    munis = [MunicipalityOption(f"{i:03d}", f"M{i}", None, "R", "A") for i in range(500)]
    munis += [MunicipalityOption(f"{i:03d}", f"C{i}", None, "R", None) for i in range(500, 510)]
    return FilterOptions(
        trials=(TrialOption("T", "Trial", "2015-01", None),),
        areas=(AreaOption("A", "T", "Area"),),
        municipalities=tuple(munis),
        first_month="2015-01",
        last_month="2024-12",
    )


def test_the_estimate_counts_what_the_extract_offers():
    opts = _many_places()
    state = opts.default_state()
    ctx = PageContext(sel=Selection(state, opts), reader=reader(None, _never_read), as_of=AS_OF)
    # whole trial, comparison municipalities as well: 500 + 10 municipalities x 120 months x 5
    # age bands (the trial's alone: 500 x 120 x 5)
    spec = SliceSpec("active_caseload", "municipality_code", "month", "age_band", scope="both")
    assert explorer.estimate_cells(spec, ctx) == 510 * 120 * 5
    assert explorer.estimate_cells(replace(spec, scope=None), ctx) == 500 * 120 * 5
    assert explorer.estimate_cells(replace(spec, scope="comparison"), ctx) == 10 * 120 * 5
    view = explorer.build(ctx, spec)
    assert view.message and view.table.height == 0
    # comparison hidden: the trial's 500; two genders picked: 2 values
    hidden = PageContext(
        sel=Selection(replace(state, comparison=False, gender=("F", "M")), opts),
        reader=reader(None, _never_read),
        as_of=AS_OF,
    )
    assert (
        explorer.estimate_cells(SliceSpec("active_caseload", "municipality_code", "gender"), hidden)
        == 1000
    )
    # 120 months are 40 quarters and 10 years
    assert explorer.estimate_cells(SliceSpec("exit_rate", "quarter"), ctx) == 40
    assert explorer.estimate_cells(SliceSpec("exit_rate", "year", "trial_or_comparison"), ctx) == 20


def test_the_estimate_on_the_hand_fixture(snap, opts):
    # Mar-Jun 2021: 4 months (2 quarters, 1 year)
    ctx = context(snap, opts)
    assert explorer.estimate_cells(SliceSpec("exit_rate", "month"), ctx) == 4
    # whole trial, comparison municipalities as well: 005, 091 and 020; 3 regions
    both = "both"
    spec = SliceSpec("exit_rate", "municipality_code", "month", scope=both)
    assert explorer.estimate_cells(spec, ctx) == 12
    assert (
        explorer.estimate_cells(SliceSpec("exit_rate", "region", "quarter", scope=both), ctx) == 6
    )
    # the trial's alone (the default, as on the Overview): 005 and 091
    assert explorer.estimate_cells(SliceSpec("exit_rate", "municipality_code", "month"), ctx) == 8
    # area one alone: 005, one region, one area; gender x age band 3 x 5
    one = context(snap, opts, areas=("A1",))
    assert (
        explorer.estimate_cells(SliceSpec("unemployed", "trial_area_id", "gender", "age_band"), one)
        == 15
    )
    # two age bands picked in the sidebar
    picked = context(snap, opts, age_band=("<25", "55+"))
    assert explorer.estimate_cells(SliceSpec("unemployed", "year", "age_band"), picked) == 2
    # staff roles and origins: the contract's five and two
    assert explorer.estimate_cells(SliceSpec("staff_fte", "role", "origin"), ctx) == 10


# ---------------------------------------------------------------------------------------------
# The dimensions each role can take


def test_free_dimensions_follow_the_indicator_and_the_roles_taken():
    # staff FTE is not counted per person: no gender; roles are its own
    free = explorer.free_dimensions("staff_fte", ["month"])
    assert "gender" not in free and {"role", "origin"} <= set(free)
    # a dimension taken is not offered again
    assert "gender" not in explorer.free_dimensions("exit_rate", ["gender", "month"])
    # one time dimension at most
    free = explorer.free_dimensions("exit_rate", ["month"])
    assert not {"month", "quarter", "year"} & set(free)
    assert "quarter" in explorer.free_dimensions("exit_rate", ["gender"])
    # staff roles belong to staff FTE only; providers to the placement rates only
    free = explorer.free_dimensions("exit_rate", [])
    assert "role" not in free and "provider_id" not in free
    assert {"provider_id", "gender"} <= set(explorer.free_dimensions("placement_rate_90", []))
    # a spec's own parameters name every role
    spec = SliceSpec("unemployed", "region", "gender", "age_band")
    assert spec.to_params() == {
        "indicator": "unemployed", "rows": "region", "cols": "gender", "colour": "age_band"
    }  # fmt: skip


def test_dimensions_for():
    assert explorer.dimensions_for("employer_contacts") == [
        "month",
        "quarter",
        "year",
        "municipality_code",
        "trial_area_id",
        "region",
        "trial_or_comparison",
    ]
    assert {"role", "origin"} <= set(explorer.dimensions_for("staff_fte"))
    assert "gender" not in explorer.dimensions_for("staff_fte")
    assert "role" not in explorer.dimensions_for("clients_per_fte")
    assert "provider_id" in explorer.dimensions_for("placement_subsidised_180")
    assert "provider_id" not in explorer.dimensions_for("exit_rate")


# ---------------------------------------------------------------------------------------------
# Downloads: Excel and Parquet with the filters written in


@pytest.fixture
def in_frame(monkeypatch, store):
    """export_meta reads the loaded batch (as-of date, source) through lib.web.data, which insists
    on running inside dashboard.py's frame: enter it, as frame.page_frame does."""
    url, folder = store
    monkeypatch.setenv("TRIALWATCH_DB", url)
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(folder / "cache"))
    with data.inside_frame():
        yield


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def read_xlsx(raw: bytes) -> dict[str, list[list]]:
    """Every sheet's rows, as a spreadsheet program reads them: openpyxl where it is installed
    (the test extra), else the workbook's XML read directly."""
    try:
        import openpyxl
    except ImportError:
        return _read_xlsx_xml(raw)
    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def _read_xlsx_xml(raw: bytes) -> dict[str, list[list]]:
    ns = {"m": MAIN_NS}
    out: dict[str, list[list]] = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
                shared.append("".join(x.text or "" for x in si.iter(f"{{{MAIN_NS}}}t")))
        rels = {
            r.get("Id"): r.get("Target")
            for r in ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        }
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        for sheet in book.find("m:sheets", ns):
            target = rels[sheet.get(REL_ID)]
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            cells: dict[tuple[int, int], object] = {}
            for c in ElementTree.fromstring(z.read(path)).iter(f"{{{MAIN_NS}}}c"):
                ref = c.get("r")
                letters = "".join(ch for ch in ref if ch.isalpha())
                col = 0
                for ch in letters:
                    col = col * 26 + ord(ch) - 64
                row = int(ref[len(letters) :])
                v = c.find("m:v", ns)
                kind = c.get("t")
                if kind == "s":
                    value = shared[int(v.text)]
                elif kind == "b":
                    value = v.text == "1"
                elif kind == "inlineStr":
                    value = "".join(x.text or "" for x in c.iter(f"{{{MAIN_NS}}}t"))
                elif kind == "str":
                    value = v.text
                elif v is None:
                    continue
                else:
                    number = float(v.text)
                    value = int(number) if number.is_integer() and "." not in v.text else number
                cells[(row, col)] = value
            n_rows = max((r for r, _ in cells), default=0)
            n_cols = max((c for _, c in cells), default=0)
            out[sheet.get("name")] = [
                [cells.get((r, c)) for c in range(1, n_cols + 1)] for r in range(1, n_rows + 1)
            ]
    return out


def _filters_view(snap, opts):
    ctx = context(snap, opts, areas=("A2",), groups=("youth", "older"), match="any")
    return ctx, explorer.build(ctx, SliceSpec("active_caseload", "month", "gender"))


def test_the_excel_download_opens_with_the_pivot_and_the_filters(snap, opts, in_frame):
    ctx, view = _filters_view(snap, opts)
    meta = render.explorer_meta(view, ctx.sel)
    sheets = read_xlsx(exports.to_excel(view.table, view.columns, meta, pivot=view.pivot))
    assert list(sheets) == ["data", "pivot", "about"]
    # data: the long table headed as on the page; the about sheet gives each header's name as
    # the CLI has it
    data = sheets["data"]
    headers = exports.excel_headers(view.columns)
    assert data[0] == [headers[c.name] for c in view.columns]
    assert "value" not in data[0] and "trial_area_id" not in data[0]
    names = exports.excel_names(sheets["about"][1:])
    assert [names[h] for h in data[0]] == [c.name for c in view.columns]
    assert len(data) == view.table.height + 1
    # pivot: as the page shows it, text cells
    assert sheets["pivot"] == [view.pivot.columns, *[list(r) for r in view.pivot.iter_rows()]]
    # about: the filters in words (the sidebar's and the slice's layout), the as-of date
    about = {}
    for key, value in sheets["about"][1:]:
        about.setdefault(key, []).append(value)
    assert about["Filter – Trial areas"] == ["Area two"]
    assert about["Filter – Groups"] == ["Youth or Older (55+)"]
    assert about["Filter – Period"] == ["Mar–Jun\u00a02021"]
    assert about["Filter – Rows"] == ["Month"]
    assert about["Filter – Columns"] == ["Gender"]
    assert about["Filter – Colour"] == ["(none)"]
    assert about["Data as of"] == ["2021-06-30"]
    assert about["Source"] == ["hand fixture"]
    assert any(view.command in n for n in about["Note"])
    assert about["Disclosure control"] == [exports.disclosure_text(0)]


def test_the_parquet_download_holds_the_table_and_the_filters(snap, opts, in_frame, tmp_path):
    ctx, view = _filters_view(snap, opts)
    meta = render.explorer_meta(view, ctx.sel)
    path = tmp_path / "slice.parquet"
    path.write_bytes(exports.to_parquet(view.table, view.columns, meta))
    back = pl.read_parquet(path)
    assert_frame_equal(back, view.table.select([c.name for c in view.columns]))
    kv = pl.read_parquet_metadata(path)
    assert kv["Filter – Trial areas"] == "Area two"
    assert kv["Filter – Groups"] == "Youth or Older (55+)"
    assert kv["Filter – Rows"] == "Month" and kv["Filter – Columns"] == "Gender"
    assert kv["Data as of"] == "2021-06-30"
    assert view.command in kv["Note"]


def test_the_export_title_names_the_dimensions(snap, opts, in_frame):
    ctx, view = _filters_view(snap, opts)
    meta = render.explorer_meta(view, ctx.sel)
    assert meta.title == "Active caseload by month, gender"
    assert meta.indicators == ("active_caseload",)
    assert exports.file_name(meta.title, meta.as_of, "xlsx") == (
        "trialwatch-active-caseload-by-month-gender-2021-06-30.xlsx"
    )


# ---------------------------------------------------------------------------------------------
# The chart


def _walk(node, found: dict) -> dict:
    if isinstance(node, dict):
        mark = node.get("mark")
        if mark is not None:
            found["marks"].add(mark if isinstance(mark, str) else mark["type"])
        for channel, enc in (node.get("encoding") or {}).items():
            if isinstance(enc, dict):
                for part in (enc, enc.get("condition")):
                    if isinstance(part, dict) and part.get("title"):
                        found["titles"].setdefault(channel, set()).add(part["title"])
                    if isinstance(part, dict) and part.get("field"):
                        found["fields"].add(part["field"])
        for key in ("vconcat", "hconcat", "facet", "concat"):
            if key in node:
                found["composed"] = True
        for key, value in node.items():
            if key != "datasets":
                _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)
    return found


def chart_parts(chart) -> dict:
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    found = _walk(spec, {"marks": set(), "titles": {}, "fields": set(), "composed": False})
    columns = {k for rows in spec.get("datasets", {}).values() for r in rows for k in r}
    found["data_columns"] = columns
    return found


CHARTS = [
    pytest.param(
        SliceSpec("active_caseload", "month"),
        "line",
        False,
        {"x": "Month", "y": "persons"},
        id="time",
    ),
    pytest.param(
        SliceSpec("active_caseload", "month", None, "trial_area_id"),
        "line",
        False,
        {"x": "Month", "y": "persons"},
        id="time-and-colour",
    ),
    pytest.param(
        SliceSpec("transfers_in", "quarter", None, "trial_area_id"),
        "line",
        False,
        {"x": "Quarter", "y": "persons", "color": "Trial area"},
        id="quarters-and-colour",
    ),
    pytest.param(
        SliceSpec("active_caseload", "month", "gender", "trial_area_id"),
        "line",
        True,
        {"x": "Month", "y": "persons"},
        id="time-and-two-others",
    ),
    pytest.param(
        SliceSpec("exit_rate", "trial_or_comparison"),
        "bar",
        False,
        {"x": "per cent (%)", "y": "Trial or comparison"},
        id="one-categorical",
    ),
    pytest.param(
        SliceSpec("active_caseload", "trial_area_id", "gender"),
        "rect",
        False,
        {"x": "Gender", "y": "Trial area", "color": "persons"},
        id="two-categorical",
    ),
    pytest.param(
        SliceSpec("active_caseload", "trial_area_id", "gender", "age_band"),
        "rect",
        True,
        {"x": "Gender", "y": "Trial area", "color": "persons"},
        id="three-categorical",
    ),
]


@pytest.mark.parametrize("spec, mark, composed, titles", CHARTS)
def test_the_chart_fits_the_dimensions(snap, opts, spec, mark, composed, titles):
    ctx = context(snap, opts)
    view = explorer.build(ctx, spec)
    parts = chart_parts(slice_chart(view.table, spec, ctx))
    assert mark in parts["marks"], parts["marks"]
    assert not ({"line", "bar", "rect"} - {mark}) & parts["marks"], parts["marks"]
    assert parts["composed"] == composed
    for channel, title in titles.items():
        assert title in parts["titles"].get(channel, set()), (channel, parts["titles"])
    # every title is words, never a column of the table or of the chart's data
    raw = set(view.table.columns) | parts["data_columns"] | parts["fields"]
    shown = set().union(*parts["titles"].values())
    assert not shown & raw, shown & raw


def test_the_chart_of_the_view_is_the_chart_of_the_slice(snap, opts):
    ctx = context(snap, opts)
    spec = SliceSpec("active_caseload", "trial_area_id", "gender")
    view = explorer.build(ctx, spec)
    # a heat map writes the pivot's numbers into its tiles
    datasets = view.chart.to_dict()["datasets"].values()
    tiles = {
        (r["r"], r["c"]): r["tile_text"] for rows in datasets for r in rows if "tile_text" in r
    }
    # mean month-end caseload Mar-Jun: A1 women P1 4/4 = 1; A2 women P3 3/4 (Mar-May) = 0.75,
    # shown with one decimal as 0.8 (a mean of counts that is not whole keeps a decimal)
    assert tiles[("Area one", "Women")] == "1"
    assert tiles[("Area two", "Women")] == "0.8"


COMPARISON_AREA = [
    pytest.param(SliceSpec("exit_rate", "trial_area_id"), id="bars"),
    pytest.param(SliceSpec("exit_rate", "trial_area_id", "gender"), id="heat-map-rows"),
    pytest.param(SliceSpec("exit_rate", "gender", "trial_area_id"), id="heat-map-columns"),
    pytest.param(SliceSpec("exit_rate", "month", None, "trial_area_id"), id="lines"),
    pytest.param(SliceSpec("exit_rate", "month", "trial_area_id", "gender"), id="line-panels"),
    pytest.param(
        SliceSpec("unemployed", "gender", "age_band", "trial_area_id"), id="heat-map-panels"
    ),
]


@pytest.mark.parametrize("min_count", [0, 5])
@pytest.mark.parametrize("spec", COMPARISON_AREA)
def test_the_comparison_municipalities_trial_area_has_a_name(snap, opts, spec, min_count):
    # Whole trial with the comparison shown: Akaa (020) has no trial area. Its rows are named
    # as in the pivot in the table, the downloads and the chart, whose spec stays valid; at the
    # default threshold its panel (every cell suppressed) is left out of a faceted chart and
    # said so. (Before the fix: null names, an invalid chart, a TypeError at threshold 5.)
    view = explorer.build(context(snap, opts, min_count), replace(spec, scope="both"))
    no_area = t("explorer.no_area")
    assert view.table["area_name"].null_count() == 0
    assert no_area in view.table["area_name"].to_list()
    assert any(no_area in view.pivot[c].to_list() for c in view.pivot.columns) or no_area in (
        view.pivot.columns
    )
    parts = chart_parts(view.chart)  # validates
    assert no_area in str(view.chart.to_dict()["datasets"]) or any(no_area in n for n in view.notes)
    assert parts["marks"]


def test_no_chart_for_an_empty_table(snap, opts):
    spec = SliceSpec("active_caseload", "month")
    empty = explorer.build(context(snap, opts), spec).table.clear()
    assert slice_chart(empty, spec, context(snap, opts)) is None


def test_regions_in_swedish_by_hand(snap, opts):
    """A region column in Swedish reads the landskap's name: the trial's active caseload at the
    end of June by region (Helsinki, Uusimaa: A2's P6 -> 1; Alajärvi, Etelä-Pohjanmaa: A1's P1
    and P2 -> 2)."""
    from dataclasses import replace

    ctx = context(snap, opts, month_from="2021-06", month_to="2021-06")
    sv = replace(ctx, sel=replace(ctx.sel, lang="sv"))
    labels = explorer.value_labels("region", ["Uusimaa", "Etelä-Pohjanmaa"], sv)
    assert labels == {"Uusimaa": "Nyland", "Etelä-Pohjanmaa": "Södra Österbotten"}
    view = explorer.build(sv, SliceSpec("active_caseload", "region"))
    got = dict(zip(view.table["region_label"], view.table["value"], strict=True))
    assert got == {"Nyland": 1, "Södra Österbotten": 2}
