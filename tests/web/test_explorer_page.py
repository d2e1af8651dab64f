"""The Explorer page (pages/explorer.py, lib/web/explorer_ui.py) rendered by Streamlit's AppTest
against a SQLite store built from tests/hand_fixture.py (TRIALWATCH_MIN_COUNT=0, as in
tests/web/test_pages.py): the pivot shown, its controls, URL notices and saved views.

Read tests/hand_fixture.py's docstring for the timeline; the default period is the trial's
months, Mar-Jun 2021.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from lib.figures.text import as_read
from lib.register import views
from lib.register.store import get_engine
from tests.web.test_pages import DASHBOARD, assert_clean, build_store, texts, warnings

MONTHS = ["Mar\u00a02021", "Apr\u00a02021", "May\u00a02021", "Jun\u00a02021"]

# Active caseload at each month end (see tests/figures/test_explorer.py for the reasoning).
BY_AREA = {
    "Month": MONTHS,
    "Area one": ["1", "2", "2", "2"],  # P1; + P2 from April
    "Area two": ["2", "3", "2", "1"],  # P3, P4; + P6 in April; P4 out; P3 out
}
# Helsinki (area two) by gender: Mar P3 (F), P4 (M); Apr + P6 (X); May P3, P6; Jun P6.
AREA_TWO_BY_GENDER = {
    "Month": MONTHS,
    "Women": ["1", "1", "1", "0"],
    "Men": ["1", "1", "0", "0"],
    "Other / not stated": ["0", "1", "1", "1"],
}


@pytest.fixture
def store(monkeypatch, tmp_path) -> str:
    url = build_store(tmp_path)
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALWATCH_DB", url)
    return url


def open_explorer(params: dict[str, str] | None = None) -> AppTest:
    """The Explorer opened with these URL parameters, as a shared link opens it."""
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page("pages/explorer.py")
    return at.run()


def pivot(at: AppTest) -> dict[str, list]:
    """The pivot shown (the page's only table), as {heading: cells}."""
    (frame,) = at.dataframe
    df = frame.value
    return {c: [None if v is None or v != v else v for v in df[c]] for c in df.columns}


def saved(url: str) -> list:
    return views.list_views(get_engine(url), "explorer")


def save(at: AppTest, name: str, who: str = "Tester") -> AppTest:
    at.text_input(key="explorer-save-name").input(name)
    at.text_input(key="explorer-save-who").input(who)
    return at.button(key="explorer-save").click().run()


def successes(at: AppTest) -> list[str]:
    return [as_read(s.value) for s in at.success]


def test_the_explorer_shows_the_hand_worked_pivot(store):
    at = open_explorer({"indicator": "active_caseload", "cols": "trial_area_id"})
    assert_clean(at)
    assert at.title[0].value == "Explorer"
    assert pivot(at) == BY_AREA
    # the command that writes the same table, in the Reproduce box
    commands = [c.value for c in at.code if c.value.startswith("trialwatch indicators")]
    assert commands == [
        "trialwatch indicators active_caseload --by month,trial_area_id --from 2021-03 "
        "--to 2021-06 --where trial_or_comparison=trial --min-count 0 --format parquet "
        "--out trialwatch-slice.parquet"
    ]
    # Columns: gender instead of trial area, in the URL too
    at.selectbox(key="p_cols").set_value("gender").run()
    assert_clean(at)
    # Whole trial: Mar P1, P3 (F), P4 (M); Apr + P2 (M), P6 (X); May P1, P3, P2, P6;
    # Jun P1, P2, P6.
    assert pivot(at) == {
        "Month": MONTHS,
        "Women": ["2", "2", "2", "1"],
        "Men": ["1", "2", "1", "1"],
        "Other / not stated": ["0", "1", "1", "1"],
    }
    assert at.query_params["cols"] == "gender"
    # the sidebar narrows it: area two only
    at.multiselect(key="f_areas").set_value(["A2"]).run()
    assert_clean(at)
    assert pivot(at) == AREA_TWO_BY_GENDER


def test_the_default_slice_marks_not_defined_cells(store):
    at = open_explorer({"cols": "trial_or_comparison", "from": "2020-12", "to": "2021-03"})
    assert_clean(at)
    # exit rate: Akaa has no one at risk at the end of January and February (see
    # tests/figures/test_explorer.py): '.'
    assert pivot(at) == {
        "Month": ["Dec\u00a02020", "Jan\u00a02021", "Feb\u00a02021", "Mar\u00a02021"],
        "Comparison municipalities": ["0.0", "100.0", ".", "."],
        "Trial": ["25.0", "0.0", "0.0", "0.0"],
    }


def test_suppressed_cells_with_disclosure_control_on(store, monkeypatch):
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "2")
    at = open_explorer({"indicator": "active_caseload", "cols": "trial_area_id"})
    assert_clean(at)
    # threshold 2 after perturbation (worked out in tests/figures/test_explorer.py): A2's
    # March (2 persons shown as 1) and June (1 shown as 1) are suppressed, nothing else
    assert pivot(at) == {
        "Month": MONTHS,
        "Area one": ["2", "3", "3", "3"],
        "Area two": ["..", "4", "2", ".."],
    }
    assert any("2 cells are suppressed" in s for s in texts(at)), texts(at)


@pytest.mark.parametrize(
    "params, notice",
    [
        ({"rows": "nonsense"}, "(nonsense)"),
        ({"indicator": "nonsense"}, "(nonsense)"),
        ({"cols": "role"}, "(role)"),  # staff roles do not apply to the exit rate
        ({"indicator": "staff_fte", "rows": "gender"}, "(gender)"),
        ({"rows": "month", "cols": "quarter"}, "(quarter)"),
    ],
)
def test_a_bad_url_value_gives_a_notice(store, params, notice):
    at = open_explorer(params)
    assert_clean(at)
    assert any(notice in w for w in warnings(at)), warnings(at)
    assert len(at.dataframe) == 1  # the page still shows a slice


def test_save_reopen_rename_and_delete_a_view(store):
    at = open_explorer({"indicator": "active_caseload", "area": "A2", "cols": "gender"})
    assert pivot(at) == AREA_TWO_BY_GENDER
    assert not saved(store)
    save(at, "  Area two   by gender ")
    assert_clean(at)
    (view,) = saved(store)
    assert (view.name, view.created_by) == ("Area two by gender", "Tester")
    assert views.params_of(view) == {
        "area": "A2",
        "indicator": "active_caseload",
        "rows": "month",
        "cols": "gender",
        "colour": "none",
    }
    assert at.query_params["saved"] == str(view.view_id)
    assert successes(at) == ["Saved 'Area two by gender'."]
    assert any("Saved view: Area two by gender" in c for c in texts(at))
    # its link holds its parameters and its number
    link = next(c.value for c in at.code if "saved=" in c.value)
    assert "area=A2" in link and "cols=gender" in link and f"saved={view.view_id}" in link

    # a fresh session opened with the view's parameters shows the same slice
    fresh = open_explorer({**views.params_of(view), "saved": str(view.view_id)})
    assert_clean(fresh)
    assert not warnings(fresh)
    assert pivot(fresh) == AREA_TWO_BY_GENDER
    assert fresh.multiselect(key="f_areas").value == ["A2"]
    assert any(
        c.startswith(":material/bookmark: Saved view: Area two by gender · saved by Tester")
        for c in texts(fresh)
    )

    # Open brings the view back after the sidebar and the controls moved on
    at.multiselect(key="f_areas").set_value(["A1"]).run()
    at.selectbox(key="p_cols").set_value("none").run()
    assert pivot(at) != AREA_TWO_BY_GENDER
    at.button(key="explorer-open").click().run()
    assert_clean(at)
    assert pivot(at) == AREA_TWO_BY_GENDER
    assert at.multiselect(key="f_areas").value == ["A2"]
    assert at.query_params["cols"] == "gender"

    # rename
    at.text_input(key=f"explorer-rename-{view.view_id}").input("Helsinki by gender")
    at.button(key="explorer-rename").click().run()
    assert_clean(at)
    assert [v.name for v in saved(store)] == ["Helsinki by gender"]
    assert successes(at) == ["Renamed to 'Helsinki by gender'."]

    # a name already taken (in another case) is refused and nothing is stored
    save(at, "HELSINKI BY GENDER")
    assert not at.exception
    assert any(
        'already a saved view called "Helsinki by gender"' in as_read(e.value) for e in at.error
    )
    assert [v.view_id for v in saved(store)] == [view.view_id]

    # delete asks first; "Keep it" keeps it
    at.button(key="explorer-delete").click().run()
    assert_clean(at)
    assert [v.name for v in saved(store)] == ["Helsinki by gender"]
    assert any(
        "Delete the saved view 'Helsinki by gender' for everyone?" in w for w in warnings(at)
    )
    at.button(key="explorer-delete-keep").click().run()
    assert [v.name for v in saved(store)] == ["Helsinki by gender"]
    assert not any("Delete the saved view" in w for w in warnings(at))
    assert not [b for b in at.button if b.key == "explorer-delete-confirm"]
    # delete, yes: gone from the store and from the URL
    at.button(key="explorer-delete").click().run()
    at.button(key="explorer-delete-confirm").click().run()
    assert_clean(at)
    assert saved(store) == []
    assert successes(at) == ["Deleted 'Helsinki by gender'."]
    assert "saved" not in at.query_params


def test_the_saved_view_caption_goes_when_the_slice_changes(store):
    at = open_explorer({"indicator": "active_caseload", "cols": "gender"})
    save(at, "By gender")
    assert any("Saved view: By gender" in s for s in texts(at))
    at.selectbox(key="p_cols").set_value("trial_area_id").run()
    assert_clean(at)
    assert not any("Saved view: By gender" in s for s in texts(at)), dict(at.query_params)
    assert any("Changed since the saved view 'By gender'" in s for s in texts(at))
    # updating the view makes it this slice
    at.button(key="explorer-update").click().run()
    assert_clean(at)
    (view,) = saved(store)
    assert views.params_of(view)["cols"] == "trial_area_id"
    assert any("Saved view: By gender" in s for s in texts(at))


def test_a_blank_name_is_refused(store):
    at = open_explorer()
    save(at, "   ")
    assert not at.exception
    assert any("cannot be empty" in as_read(e.value) for e in at.error)
    assert saved(store) == []


def test_a_link_to_a_deleted_view_says_so(store):
    at = open_explorer({"saved": "99999", "indicator": "active_caseload", "cols": "trial_area_id"})
    assert_clean(at)
    assert any("number 99999" in w and "no longer exists" in w for w in warnings(at))
    assert "saved" not in at.query_params
    # the link's own settings are shown
    assert pivot(at) == BY_AREA


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"area": "A2", "group": "youth,older", "match": "any"}, id="groups"),
        pytest.param({"age": "55+"}, id="age-55-plus"),
    ],
)
def test_a_saved_views_link_opens_the_same_view(store, params):
    from urllib.parse import parse_qs

    at = open_explorer({**params, "indicator": "unemployed"})
    assert_clean(at)
    save(at, "Linked")
    (view,) = saved(store)
    shown = pivot(at)
    link = next(c.value for c in at.code if "saved=" in c.value)
    # what Streamlit's server makes of the link's query string (parse_qs, as for a browser's)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(link).query, keep_blank_values=True).items()}
    assert query == {**views.params_of(view), "saved": str(view.view_id)}
    fresh = open_explorer(query)
    assert_clean(fresh)
    assert not warnings(fresh)
    assert pivot(fresh) == shown


def test_the_scope_and_the_intervals_are_said_and_the_command_makes_the_table(store, tmp_path):
    """Issue 15, finding 4: the Explorer says which municipalities it counts (by default the
    Overview's, the trial's), offers 95 % intervals for a rate, and the command it shows, run
    through the CLI, writes the table the page shows."""
    import shlex

    import polars as pl

    from lib.cli import commands as cli
    from lib.figures.explorer import cell_text, interval_text

    at = open_explorer({"indicator": "exit_rate", "from": "2020-12", "to": "2021-01"})
    assert_clean(at)
    assert any("trial municipalities (as on the Overview)" in c for c in texts(at))
    # Dec: trial 1/4 (25.0 %); Jan 0/3 (see tests/figures/test_explorer.py)
    assert pivot(at)["Exit to employment rate"] == ["25.0", "0.0"]
    at.segmented_control(key="p_scope").set_value("both").run()
    assert_clean(at)
    assert at.query_params["scope"] == "both"
    assert any("trial and comparison municipalities pooled" in c for c in texts(at))
    # pooled with Akaa: Dec 1/5 (20.0 %), Jan 1/4 (25.0 %)
    assert pivot(at)["Exit to employment rate"] == ["20.0", "25.0"]
    at.toggle(key="p_ci").set_value(True).run()
    assert_clean(at)
    assert at.query_params["ci"] == "1"
    (command,) = [c.value for c in at.code if c.value.startswith("trialwatch indicators")]
    assert "--ci" in command
    # the shown command, run as it is (its file in tmp_path), writes the page's table
    args = shlex.split(command)[1:]
    args[args.index("--out") + 1] = str(tmp_path / "slice.parquet")
    assert cli.main([*args, "--db", store]) == 0
    written = pl.read_parquet(tmp_path / "slice.parquet")
    cells = [
        f"{cell_text(r['value'], r['suppressed'], '%')} "
        f"({interval_text(r['ci_low'], r['ci_high'], '%')})"
        for r in written.iter_rows(named=True)
    ]
    assert pivot(at)["Exit to employment rate"] == cells
    assert cells[0].startswith("20.0 (")
    # the scope and the intervals are part of the shared view
    link = {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}
    again = open_explorer(link)
    assert pivot(again) == pivot(at)
