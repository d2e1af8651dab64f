"""The dashboard rendered by Streamlit's AppTest against temporary stores (no browser).

Each test builds its own SQLite store from tests/hand_fixture.py and points TRIALWATCH_DB at
it; TRIALWATCH_MIN_COUNT=0 so the seven-person fixture is not all suppressed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.figures.i18n import t
from lib.figures.text import as_read
from tests.hand_fixture import hand_extract

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = str(ROOT / "dashboard.py")
SYNTHETIC = t("notice.synthetic")


def build_store(tmp_path: Path, extract=None, name: str = "store.sqlite") -> str:
    from lib.register.store import get_engine, replace_register

    url = f"sqlite:///{tmp_path / name}"
    replace_register(get_engine(url), extract or hand_extract(), source_path="tests")
    return url


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))

    def use(url: str) -> None:
        monkeypatch.setenv("TRIALWATCH_DB", url)

    return use


def run_app() -> AppTest:
    return AppTest.from_file(DASHBOARD, default_timeout=120).run()


def texts(at: AppTest) -> list[str]:
    """Everything a user reads as text: markdown, captions, alerts (as read: the escapes that
    keep outside text from being Markdown resolved, lib/figures/text.py)."""
    out = [e.value for e in at.markdown] + [e.value for e in at.caption]
    out += [e.value for e in (*at.info, *at.warning, *at.error)]
    return [as_read(s) for s in out]


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if as_read(m.label) == label]
    assert len(found) == 1, f"metric {label!r}: {[as_read(m.label) for m in at.metric]}"
    return found[0]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_overview_renders_the_hand_figures(env, tmp_path):
    env(build_store(tmp_path))
    at = run_app()
    assert_clean(at)
    assert at.title[0].value == "Overview"
    # Whole trial, June 2021: P1, P2 (005) and P6 (091) active; four transferred in so far.
    caseload = metric(at, "Active caseload")
    assert caseload.value == "3"
    assert caseload.delta == "-1"
    assert metric(at, "Cumulative transferred").value == "4"
    assert metric(at, "Trial").value == "0.0\u00a0%"
    assert metric(at, "Comparison").value == "0.0\u00a0%"
    assert metric(at, "Placement at 90 days, latest 3 months").value == "–"
    shown = texts(at)
    assert any("no coaching episode has an observable 90-day outcome yet" in s for s in shown)
    assert any("Data as of 30\u00a0Jun\u00a02021" in s for s in shown)
    assert any("Source: hand fixture" in s for s in shown)


def test_the_area_table_shows_names_not_ids(env, tmp_path):
    env(build_store(tmp_path))
    at = run_app()
    assert_clean(at)
    values, month, year = (t.value for t in at.dataframe)
    assert list(values["area_name"]) == ["Area one", "Area two"]
    assert list(values["active_caseload"]) == [2, 1]
    # June against May: Area two lost P3 (left the register on 31 May).
    assert list(month["active_caseload_month"]) == [0, -1]
    # June against June 2020, before the trial: everyone is new.
    assert list(year["active_caseload_year"]) == [2, 1]
    assert [tab.label for tab in at.tabs] == [
        "Latest values",
        "Change on May\u00a02021",
        "Change on Jun\u00a02020",
    ]


def test_overview_lists_what_is_off_target_since_when_at_the_top(env, tmp_path):
    """0.05 coach FTE in 005 in June 2021 (the hand fixture's staff is March only): Area one's 2
    clients (P1, P2) per 0.05 FTE = 40.0, above the band 20-30 since June (May has no staff, so
    no figure); Area two has no staff in June, no figure, not listed."""
    import polars as pl

    from tests.hand_fixture import _frame

    extract = hand_extract()
    june = _frame("staff_months", [("005", "2021-06", "coach", "transferred", 0.05)])
    frames = {**extract.frames, "staff_months": pl.concat([extract.frames["staff_months"], june])}
    env(build_store(tmp_path, dataclasses.replace(extract, frames=frames)))
    at = run_app()
    assert_clean(at)
    flagged = [as_read(w.value) for w in at.warning if "Off target" in w.value]
    assert len(flagged) == 1, [w.value for w in at.warning]
    assert flagged[0].startswith("**Off target in Jun\u00a02021: 1 of 2 areas**")
    assert (
        "- **Area one**: clients per client-facing FTE above the band since Jun\u00a02021 "
        "(1 month), 40.0 against the band 20–30" in flagged[0]
    )


def test_each_headline_has_its_definition_one_click_away(env, tmp_path):
    env(build_store(tmp_path))
    at = run_app()
    shown = texts(at)
    # Popover contents are part of the page (the browser opens them on a click).
    assert any(
        s.startswith("Persons in the trial (an open municipal responsibility") for s in shown
    )
    assert any("Evaluated on: the last day of the previous month" in s for s in shown)
    assert any("Unit: clients per FTE" in s for s in shown)


def test_synthetic_data_carries_the_notice(env, tmp_path):
    extract = dataclasses.replace(
        hand_extract(),
        source="Trialwatch synthetic demo register",
        description="SYNTHETIC data, not real persons",
    )
    env(build_store(tmp_path, extract))
    at = run_app()
    assert_clean(at)
    assert SYNTHETIC in [w.value for w in at.warning]


def test_an_empty_store_says_what_to_run(env, tmp_path):
    env(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    at = run_app()
    assert_clean(at)
    (info,) = at.info
    assert "trialwatch demo" in info.value and "trialwatch import FOLDER" in info.value
    assert not at.metric


def test_an_unreachable_store_says_so_without_a_traceback_or_password(env):
    env("postgresql+psycopg://watcher:s3cret@127.0.0.1:9/nowhere?connect_timeout=2")
    at = run_app()
    assert not at.exception
    (error,) = at.error
    assert "could not be reached" in as_read(error.value)
    assert "TRIALWATCH_DB" in as_read(error.value)
    assert not any("s3cret" in s for s in texts(at))
    assert not any("s3cret" in c.value for c in at.code)


def test_an_unexpected_failure_shows_a_short_message(env, tmp_path, monkeypatch):
    from lib.figures import overview

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    env(build_store(tmp_path))
    monkeypatch.setattr(overview, "build", broken)
    at = run_app()
    assert not at.exception
    (error,) = at.error
    assert error.value == t("error.page")
    (details,) = [e for e in at.expander if e.label == t("error.details")]
    assert "RuntimeError: boom" in details.code[0].value


# ---------------------------------------------------------------------------------------------
# Every page against the hand fixture: a figure equal to the hand-worked value, a filter that
# changes it as expected, a bad URL value that gives a notice. The timeline is in
# tests/hand_fixture.py; the default period is the trial's months, Mar-Jun 2021.

PAGES = ("overview", "caseload", "staffing", "placements", "compare", "definitions")


def open_page(page: str = "overview", params: dict[str, str] | None = None) -> AppTest:
    """The app opened on `page` with these URL parameters, as a shared link opens it."""
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {as_read(m.label): m.value for m in at.metric}


def warnings(at: AppTest) -> list[str]:
    """The page's warnings, besides the synthetic-data notice every page of the (synthetic) hand
    fixture carries."""
    return [as_read(w.value) for w in at.warning if w.value != SYNTHETIC]


def table_with(at: AppTest, column: str):
    """The shown table that has this column heading (the first one)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(
        f"no table with {column!r}: {[list(f.value.columns) for f in at.dataframe]}"
    )


@pytest.fixture
def hand(env, tmp_path):
    env(build_store(tmp_path))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_disclosure_control_on(env, tmp_path, monkeypatch, page):
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "5")
    env(build_store(tmp_path))
    at = open_page(page)
    assert_clean(at)
    assert at.title
    if page not in ("definitions",):
        assert any("Suppressed" in s or "suppressed" in s for s in texts(at))


# every page with figures (the admin pages, audit trail and import, have none)
EVERY_PAGE = sorted(
    p.stem
    for p in (Path(DASHBOARD).parent / "pages").glob("*.py")
    if p.stem not in ("audit", "import_extract")
)


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_every_page_says_counts_are_perturbed_and_need_not_add_up(env, tmp_path, monkeypatch, page):
    # the contract: "Totals are perturbed as cells of their own, so a table's cells need not
    # add up to its total; every page and export says so"
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "5")
    env(build_store(tmp_path))
    at = open_page(page)
    assert_clean(at)
    said = [s for s in texts(at) if "perturbed by at most 2" in s]
    assert said and any("need not add up to totals" in s for s in said), page


def test_overview_follows_the_sidebar(hand):
    at = open_page()
    at.multiselect(key="f_areas").set_value(["A1"]).run()
    assert_clean(at)
    # Area one (005) at the end of June: P1 and P2.
    assert metric(at, "Active caseload").value == "2"
    values = at.dataframe[0].value
    assert list(values["area_name"]) == ["Area one"]
    assert at.query_params["area"] == "A1"


def test_a_few_trials_are_offered_by_their_whole_names(env, tmp_path):
    """Two trials in the extract: radio buttons, so no long name is cut short (a select box in
    the sidebar would cut it); the state keeps the trial under the same key."""
    import polars as pl

    from tests.hand_fixture import _frame

    extract = hand_extract()
    second = _frame(
        "trials",
        [("T2", "Municipal employment trial, second round (2025-2027)", "FI", "2025-01-01", None)],
    )
    frames = {**extract.frames, "trials": pl.concat([extract.frames["trials"], second])}
    env(build_store(tmp_path, dataclasses.replace(extract, frames=frames)))
    at = open_page("caseload")
    assert_clean(at)
    (trial,) = [r for r in at.radio if r.key == "f_trial"]
    assert trial.value == "T1"
    assert [as_read(o) for o in trial.options] == [  # radio options are Markdown
        "Test trial",
        "Municipal employment trial, second round (2025-2027)",
    ]


def test_caseload_page(hand):
    at = open_page("caseload")
    assert_clean(at)
    assert at.title[0].value == "Caseload and transfers"
    # One trial in the extract: its whole name as text, not a disabled (cut-off) select box.
    assert ":small[Trial]  \n**Test trial**" in texts(at)
    assert not [s for s in at.selectbox if s.key == "f_trial"]
    # Mar-Jun 2021: P1, P3, P4 transferred on 1 March; P2 on 1 April; P6 a new client; P4 out.
    assert {
        k: metrics(at)[k]
        for k in (
            "Initial transfer",
            "Later transfers in",
            "New clients",
            "Transfers out",
            "Active caseload",
        )
    } == {
        "Initial transfer": "3",
        "Later transfers in": "1",
        "New clients": "1",
        "Transfers out": "1",
        "Active caseload": "3",
    }
    # Draw the initial transfer: the flows table shows March's three transfers in.
    at.toggle(key="p_initial").set_value(True).run()
    flows = table_with(at, "month")
    march = flows[(flows["month"] == "Mar\u00a02021") & (flows["series"] == "Initial transfer")]
    assert list(march["value"]) == [3]
    assert at.query_params["initial"] == "1"
    # Area two only: P3 and P4 transferred; P6 new; P4 out.
    at.multiselect(key="f_areas").set_value(["A2"]).run()
    assert_clean(at)
    shown = metrics(at)
    assert (shown["Initial transfer"], shown["Later transfers in"], shown["New clients"]) == (
        "2",
        "0",
        "1",
    )
    assert shown["Active caseload"] == "1"


def column_configs(at: AppTest) -> list[dict]:
    """Each shown table's column settings (label, width, format) as Streamlit sends them."""
    import json

    return [json.loads(f.proto.columns) for f in at.dataframe if f.proto.columns]


def test_the_overviews_changes_of_rates_are_headed_in_pp_and_headings_fit(hand):
    from lib.figures.format import column_px

    at = run_app()
    assert_clean(at)
    configs = column_configs(at)
    values = next(c for c in configs if "exit_rate" in c)
    month = next(c for c in configs if "exit_rate_month" in c)
    year = next(c for c in configs if "exit_rate_year" in c)
    # the values are rates under '%'; their changes percentage points under 'pp'
    assert values["exit_rate"]["label"] == "Exit rate %"
    assert month["exit_rate_month"]["label"] == year["exit_rate_year"]["label"] == "Exit rate pp"
    assert month["placement_rate_90_month"]["label"] == "Placed 90 d pp"
    assert month["active_caseload_month"]["label"] == "Caseload"  # a count changes in persons
    # every number column as wide as its heading: 'Clients / FTE' is 13 characters,
    # 7.5 x 13 = 97.5 -> 98 px and 36 for padding, arrow and icon: 134 (it was cut 'Clients / F')
    assert values["clients_per_fte"]["width"] == column_px("Clients / FTE") == 134
    for config in (values, month, year):
        for spec in config.values():
            if spec.get("type_config", {}).get("type") == "number":
                assert spec["width"] == column_px(spec["label"]), spec


def test_caseload_page_sets_the_initial_transfer_against_the_plan(hand):
    at = open_page("caseload")
    assert_clean(at)
    # Plan: the state office on 2021-02-28, A1 P1, P2 = 2, A2 P3, P4 = 2. Initial transfer:
    # A1 P1 = 1 (100 x 1 / 2 = 50.0 %, below plan), A2 P3, P4 = 2 (100.0 %, on plan).
    plan = table_with(at, "status_text")
    assert list(plan["area_name"]) == ["Area one", "Area two"]
    assert list(plan["planned"]) == [2, 2] and list(plan["initial"]) == [1, 2]
    assert list(plan["status_text"]) == ["Below plan", "On plan"]
    assert list(plan["later"]) == [1, 0]  # P2 on 1 April, beside the plan, not in it
    shown = texts(at)
    # The whole selection: 3 of 4, 75.0 %; no cumulative share of the plan any more.
    assert any("3 of the planned 4, 75.0\u00a0% of the plan: Below plan." in s for s in shown)
    assert any("95.0\u00a0% to 105.0\u00a0%" in s for s in shown)
    assert not any("of the plan transferred" in s for s in shown)
    # Area two alone: 2 of 2, on plan.
    at.multiselect(key="f_areas").set_value(["A2"]).run()
    assert_clean(at)
    assert list(table_with(at, "status_text")["status_text"]) == ["On plan"]
    assert any("2 of the planned 2, 100.0\u00a0% of the plan: On plan." in s for s in texts(at))


def test_caseload_by_municipality_names_them(hand):
    at = open_page("caseload", {"view": "municipality"})
    assert_clean(at)
    by_muni = table_with(at, "municipality_name")
    assert set(by_muni["municipality_name"]) == {"Alajärvi", "Helsinki"}


def test_staffing_page_in_march(hand):
    at = open_page("staffing", {"from": "2021-03", "to": "2021-03"})
    assert_clean(at)
    shown = metrics(at)
    # 005: coach 1.0, advisor 0.5, management 0.2; 091: coach 2.0. Caseload 3 / 3.5 FTE.
    assert shown["Staff FTE"] == "3.7\u00a0FTE"
    assert shown["Client-facing staff"] == "3.5\u00a0FTE"
    assert shown["Clients per client-facing FTE"] == "0.9"
    assert shown["Employer contacts"] == "19"
    assert shown["Clients with a coaching contact"] == "33.3\u00a0%"  # P1 of P1, P3, P4
    outside = table_with(at, "municipality_name")
    assert list(outside["municipality_name"]) == ["Alajärvi", "Helsinki"]
    at.multiselect(key="f_areas").set_value(["A1"]).run()
    shown = metrics(at)
    assert (shown["Staff FTE"], shown["Clients per client-facing FTE"]) == ("1.7\u00a0FTE", "0.7")
    assert shown["Employer contacts"] == "7"


def test_staffing_notes_that_person_filters_do_not_apply(hand):
    at = open_page("staffing", {"group": "youth"})
    assert_clean(at)
    assert any("the Groups filter does not apply here" in s for s in texts(at))


def test_placements_page(hand):
    at = open_page("placements", {"days": "14"})
    assert_clean(at)
    shown = metrics(at)
    # Coaching ending Mar-Jun 2021 (all in Helsinki): E3 employed on day 14, E6 not.
    assert shown["Placement at 14 days over the period"] == "50.0\u00a0%"
    assert shown["Subsidised at 14 days over the period"] == "0.0\u00a0%"
    providers = table_with(at, "provider_name")
    assert list(providers["provider_name"]) == ["Coaching Oy"]
    # The older group (55+): P3 alone.
    at.multiselect(key="f_groups").set_value(["older"]).run()
    assert metrics(at)["Placement at 14 days over the period"] == "100.0\u00a0%"
    # Area one has no coaching episode ending: no figure.
    at.multiselect(key="f_groups").set_value([]).run()
    at.multiselect(key="f_areas").set_value(["A1"]).run()
    assert metrics(at)["Placement at 14 days over the period"] == "–"


def test_placements_exit_rate_before_the_trial(hand):
    at = open_page("placements", {"from": "2020-12"})
    assert_clean(at)
    exits = table_with(at, "series")
    # 30 Nov 2020: P1, P2, P3, P4 unemployed in trial municipalities; P2 starts work 1 Dec.
    dec = exits[(exits["month"] == "Dec\u00a02020") & (exits["series"] == "Trial")]
    assert list(dec["value"]) == [25.0]


def test_compare_page(hand):
    at = open_page("compare", {"focus": "a:A2", "peers": "a:A1"})
    assert_clean(at)
    ranked = table_with(at, "rank")
    focus = ranked[ranked["series"] == "Area two"]
    # Area two, Mar-Jun: mean caseload 2.0 over mean unemployed job seekers 1.5.
    assert round(float(focus["active_caseload"].iloc[0]), 1) == 1333.3
    # Women only: P3 in the caseload in Mar-May (0.75) over P3 unemployed in March (0.25).
    at.multiselect(key="f_gender").set_value(["F"]).run()
    ranked = table_with(at, "rank")
    focus = ranked[ranked["series"] == "Area two"]
    assert round(float(focus["active_caseload"].iloc[0]), 1) == 3000.0
    # Another focus: Alajärvi, caseload 1.75 over 2.0 unemployed (women: P1 only, 1 over 1).
    at.multiselect(key="f_gender").set_value([]).run()
    at.selectbox(key="p_focus").set_value("m:005").run()
    assert_clean(at)
    ranked = table_with(at, "rank")
    assert float(ranked[ranked["series"] == "Alajärvi"]["active_caseload"].iloc[0]) == 875.0
    assert at.query_params["focus"] == "m:005"


def walk_tree(at: AppTest):
    """Every node of the AppTest tree."""

    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return walk(at._tree)


def vega_specs(at: AppTest) -> list[dict]:
    """The Vega-Lite spec of every chart on the page."""
    import json

    return [
        json.loads(node.proto.spec)
        for node in walk_tree(at)
        if getattr(node, "type", "") == "vega_lite_chart"
    ]


def test_compare_page_shows_the_map_and_the_table_behind_it(hand):
    at = open_page("compare", {"focus": "a:A2", "peers": "a:A1", "level": "municipality"})
    assert_clean(at)
    maps = [
        s for s in vega_specs(at) if s.get("projection", {}).get("type") == "transverseMercator"
    ]
    assert len(maps) == 1
    (spec,) = maps
    assert " ".join(spec["title"]["text"]) == "Borders: National Land Survey of Finland, CC BY 4.0"
    drawn = {
        f["properties"]["code"]: f["properties"]
        for layer in spec["layer"]
        for f in layer.get("data", {}).get("values", [])
        if "code" in f["properties"]
    }
    assert len(drawn) == 309  # every municipality of the map; three in the store
    assert drawn["091"]["value_text"] == "1,333.3"
    assert drawn["020"]["value_text"] == "no data"
    # The table behind the map, one click away (the block's expander), with its downloads.
    table = table_with(at, "place")
    rows = dict(zip(table["name"], table["value"]))
    # Helsinki: caseload 2.0 over 1.5 job seekers x 1,000; Alajärvi 1.75 over 2.0 x 1,000.
    assert round(rows["Helsinki"], 1) == 1333.3 and rows["Alajärvi"] == 875.0
    assert sorted(table["name"]) == ["Akaa", "Alajärvi", "Helsinki"]
    assert any(e.label == t("block.table") for e in at.expander)
    downloads = [
        node.proto.id for node in walk_tree(at) if getattr(node, "type", "") == "download_button"
    ]
    assert any("csv-map" in d for d in downloads) and any("xlsx-map" in d for d in downloads)


def test_definitions_page(hand):
    at = open_page("definitions")
    assert_clean(at)
    shown = metrics(at)
    assert shown["Data as of"] == "30\u00a0Jun\u00a02021"
    rows = table_with(at, "rows")
    counts = dict(zip(rows["table_name"], rows["rows"]))
    assert counts["Job seekers"] == 7 and counts["Responsibility spells"] == 13
    assert any("Threshold in force: 0." in s for s in texts(at))
    # Every indicator's definition, with its unit and evaluation day.
    assert any(
        s.startswith("**Active caseload**  \nPersons in the trial (an open municipal")
        and "*Unit:* persons" in s
        for s in texts(at)
    )
    assert any("**Newly arrived**" in s for s in texts(at))
    # A filter leaves the definitions as they are.
    at.multiselect(key="f_groups").set_value(["youth"]).run()
    assert_clean(at)
    assert metrics(at)["Data as of"] == "30\u00a0Jun\u00a02021"


@pytest.mark.parametrize(
    "page, params, notice",
    [
        ("overview", {"area": "A1,ZZ"}, "(ZZ)"),
        ("caseload", {"view": "pie"}, "(pie)"),
        ("staffing", {"to": "2021-13"}, "'2021-13'"),
        ("placements", {"days": "30"}, "(30)"),
        ("compare", {"focus": "m:999"}, "(m:999)"),
        ("definitions", {"group": "wizards"}, "(wizards)"),
    ],
)
def test_a_bad_url_value_gives_a_notice(hand, page, params, notice):
    at = open_page(page, params)
    assert_clean(at)
    assert any(notice in w for w in warnings(at)), warnings(at)


def test_the_selection_survives_moving_between_pages_and_is_in_the_url(hand):
    at = open_page("caseload")
    at.multiselect(key="f_areas").set_value(["A1"]).run()
    assert at.query_params["area"] == "A1"
    at.switch_page("pages/staffing.py").run()
    assert_clean(at)
    assert at.multiselect(key="f_areas").value == ["A1"]
    assert at.query_params["area"] == "A1"
    assert metrics(at)["Employer contacts"] == "7"  # Alajärvi, March


def test_a_shared_link_reproduces_the_view(hand):
    at = open_page("staffing", {"area": "A1", "from": "2021-03", "to": "2021-03"})
    assert_clean(at)
    assert not warnings(at)
    assert metrics(at)["Staff FTE"] == "1.7\u00a0FTE"
    assert at.multiselect(key="f_areas").value == ["A1"]
    assert at.selectbox(key="f_from").value == "2021-03"
    assert at.selectbox(key="f_to").value == "2021-03"


def test_reset_goes_back_to_the_default_view(hand):
    at = open_page("caseload", {"area": "A2", "from": "2021-04"})
    at.button(key="f_reset").click().run()
    assert_clean(at)
    assert metrics(at)["Initial transfer"] == "3"
    assert "area" not in at.query_params and "from" not in at.query_params


def test_a_page_control_leaves_the_url_on_other_pages(hand):
    at = open_page("placements", {"days": "14"})
    assert at.query_params["days"] == "14"
    at.switch_page("pages/caseload.py").run()
    assert "days" not in at.query_params
    at.switch_page("pages/placements.py").run()
    assert at.query_params["days"] == "14"  # the choice is kept in the session
    assert metrics(at)["Placement at 14 days over the period"] == "50.0\u00a0%"


def test_overview_gives_the_published_national_activation_rate_as_context(env, tmp_path):
    from lib.published import storage
    from lib.register.store import get_engine
    from tests.published.published_files import csv_files

    url = build_store(tmp_path)
    u4 = csv_files()[2]
    storage.import_published(get_engine(url), [u4])
    env(url)
    at = open_page()
    assert_clean(at)
    # as of 2021-06-30: the 12u4 file's own AKTASTE for 2021-06 (24.7 in the file)
    row = [line for line in u4.read_text().splitlines() if line.startswith("SSS,2021-06,")]
    expected = float(row[0].split(",")[2])
    assert expected == 24.7
    text = " ".join(texts(at))
    assert "National activation rate, published: 24.7\u00a0% in Jun\u00a02021" in text
    assert "Statistics Finland" in text
