"""The Explorer in headless Chromium: build a slice with the controls, save it as a view,
reopen it through its link in a fresh browser, and download CSV, Excel and Parquet, each
checked against the indicator engine."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from tests.web.test_e2e import build_store

COLUMNS = ["trial_area_id", "gender", "value", "suppressed"]


def choose(page, key: str, option: str) -> None:
    """Pick `option` in the select box with widget key `key`."""
    box = page.locator(f".st-key-{key}")
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def download(page, key: str) -> bytes:
    button = page.locator(f".st-key-{key} button")
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_build_save_reopen_and_download_a_slice(streamlit_server, page, tmp_path):
    import openpyxl

    from lib.engine.indicators import Query, compute
    from lib.engine.snapshot import build_snapshot
    from lib.figures.exports import excel_names, read_csv_export
    from lib.register.demo import generate
    from tests.screenshots import EXCEPTION, save, wait_ready

    extract = generate("test", 0)
    url = build_store(tmp_path, extract)
    base = streamlit_server(url, env={"TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")})
    snap = build_snapshot(extract)
    page.set_viewport_size({"width": 1366, "height": 768})

    def no_exception(p=page) -> None:
        assert p.locator(EXCEPTION).count() == 0, p.locator(EXCEPTION).first.inner_text()

    page.goto(f"{base}/explorer")
    wait_ready(page)
    no_exception()

    # Build the slice: active caseload, trial areas down, gender across, for youth.
    choose(page, "p_indicator", "Active caseload")
    page.wait_for_url("**indicator=active_caseload*")
    wait_ready(page)
    choose(page, "p_rows", "Trial area")
    page.wait_for_url("**rows=trial_area_id*")
    wait_ready(page)
    choose(page, "p_cols", "Gender")
    page.wait_for_url("**cols=gender*")
    wait_ready(page)
    groups = page.locator("[data-testid='stMultiSelect']").filter(has_text="Groups")
    groups.click()
    page.keyboard.type("Youth")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url("**group=youth*")
    wait_ready(page)
    no_exception()

    # Save it as a view.
    page.get_by_text("Saved views (0)").click()
    page.locator(".st-key-explorer-save-name input").fill("Youth caseload by area and gender")
    page.locator(".st-key-explorer-save-who input").fill("Evaluator")
    page.locator(".st-key-explorer-save button").click()
    page.wait_for_url("**saved=*")
    wait_ready(page)
    page.get_by_text("Saved 'Youth caseload by area and gender'.").wait_for()
    link = page.url
    assert "saved=" in link and "indicator=active_caseload" in link
    no_exception()

    # Reopen it through its link in a fresh browser: the same slice, named.
    other = page.context.browser.new_context(
        viewport={"width": 1366, "height": 768}, accept_downloads=True
    )
    try:
        fresh = other.new_page()
        fresh.set_default_timeout(60_000)
        fresh.goto(link)
        wait_ready(fresh)
        no_exception(fresh)
        fresh.get_by_text("Saved view: Youth caseload by area and gender").wait_for()
        assert fresh.locator(".st-key-p_indicator input").input_value() == "Active caseload"
        assert fresh.locator(".st-key-p_cols input").input_value() == "Gender"
        groups = fresh.locator("[data-testid='stMultiSelect']").filter(has_text="Groups")
        assert "Youth" in groups.inner_text()
        save(fresh, "explorer-saved-view", tmp_path)

        expected = compute(
            snap,
            Query(
                "active_caseload",
                by=("trial_area_id", "gender"),
                groups=("youth",),
                month_from="2021-03",
                month_to="2024-06",
            ),
        ).select(COLUMNS)

        # CSV: the table and its metadata.
        df, meta = read_csv_export(download(fresh, "csv-explorer"))
        assert_frame_equal(df.select(COLUMNS), expected, check_dtypes=False)
        assert meta["Filter – Groups"] == "Youth"
        assert meta["Filter – Columns"] == "Gender"
        assert meta["Data as of"] == "2024-06-30"

        # Excel: the data, the pivot as shown and the metadata sheet stating the filters.
        book = openpyxl.load_workbook(io.BytesIO(download(fresh, "xlsx-explorer")))
        assert book.sheetnames == ["data", "pivot", "about"]
        rows = list(book["data"].iter_rows(values_only=True))
        about_rows = list(book["about"].iter_rows(min_row=2, values_only=True))
        names = excel_names(about_rows)  # the page's headers -> the CLI's column names
        data = pl.DataFrame(rows[1:], schema=[names[h] for h in rows[0]], orient="row")
        assert_frame_equal(data.select(COLUMNS), expected, check_dtypes=False)
        about = dict(about_rows)
        assert about["Filter – Groups"] == "Youth"
        assert about["Filter – Rows"] == "Trial area"
        pivot = list(book["pivot"].iter_rows(values_only=True))
        assert pivot[0][:2] == ("Trial area", "Women")

        # Parquet: the same table with its types and the metadata in the file.
        raw = download(fresh, "parquet-explorer")
        table = pl.read_parquet(io.BytesIO(raw))
        assert_frame_equal(table.select(COLUMNS), expected, check_dtypes=False)
        assert pl.read_parquet_metadata(io.BytesIO(raw))["Filter – Groups"] == "Youth"
        no_exception(fresh)
    finally:
        other.close()
