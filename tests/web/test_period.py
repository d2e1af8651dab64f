"""The period in the sidebar: presets (whole trial, last 12 months, a calendar year) and the
first and last month as pickers, kept in the URL as from= and to= (tests/web/test_pages.py's
hand fixture: the extract's months are Jan 2020-Jun 2021, the trial's Mar-Jun 2021)."""

from __future__ import annotations

from lib.figures.filters import period_presets
from tests.web.test_pages import assert_clean, env, hand, metrics, open_page  # noqa: F401


def period(at) -> tuple[str, str]:
    return at.selectbox(key="f_from").value, at.selectbox(key="f_to").value


def test_presets_set_the_months_and_the_address(hand):  # noqa: F811
    at = open_page("caseload")
    assert_clean(at)
    presets = at.pills(key="f_period_preset")
    # whole trial, last 12 months, then each calendar year the extract has months of
    assert list(presets.options) == ["Whole trial", "Last 12 months", "2020", "2021"]
    assert presets.value == "trial"  # the default period is the whole trial: shown chosen
    assert period(at) == ("2021-03", "2021-06")
    assert "from" not in at.query_params and "to" not in at.query_params

    # last 12 months up to June 2021: Jul 2020 (June minus 11 months) to Jun 2021
    at.pills(key="f_period_preset").set_value("last12").run()
    assert_clean(at)
    assert period(at) == ("2020-07", "2021-06")
    assert at.query_params["from"] == "2020-07"
    assert "to" not in at.query_params  # June 2021 is the default last month
    assert at.pills(key="f_period_preset").value == "last12"

    # the calendar year 2020: all twelve months
    at.pills(key="f_period_preset").set_value("2020").run()
    assert period(at) == ("2020-01", "2020-12")
    assert (at.query_params["from"], at.query_params["to"]) == ("2020-01", "2020-12")
    # 2021: the months the extract holds, Jan-Jun
    at.pills(key="f_period_preset").set_value("2021").run()
    assert period(at) == ("2021-01", "2021-06")

    # back to the whole trial: the default, so nothing in the address
    at.pills(key="f_period_preset").set_value("trial").run()
    assert period(at) == ("2021-03", "2021-06")
    assert "from" not in at.query_params and "to" not in at.query_params


def test_month_pickers_set_the_period_and_the_figures(hand):  # noqa: F811
    at = open_page("staffing")
    at.selectbox(key="f_to").set_value("2021-03").run()
    assert_clean(at)
    assert at.query_params["to"] == "2021-03"
    assert at.pills(key="f_period_preset").value is None  # no preset is Mar 2021 alone
    # as test_pages' shared-link test: March 2021 at Alajärvi has 7 employer contacts
    at.multiselect(key="f_areas").set_value(["A1"]).run()
    assert metrics(at)["Employer contacts"] == "7"
    # a first month after the last moves the last along: May-May
    at.selectbox(key="f_from").set_value("2021-05").run()
    assert_clean(at)
    assert period(at) == ("2021-05", "2021-05")
    # a last month before the first moves the first along: Apr-Apr
    at.selectbox(key="f_to").set_value("2021-04").run()
    assert period(at) == ("2021-04", "2021-04")
    assert (at.query_params["from"], at.query_params["to"]) == ("2021-04", "2021-04")


def test_a_link_sets_the_pickers(hand):  # noqa: F811
    at = open_page("caseload", {"from": "2020-01", "to": "2020-12"})
    assert_clean(at)
    assert period(at) == ("2020-01", "2020-12")
    assert at.pills(key="f_period_preset").value == "2020"


def test_presets_of_a_short_extract():
    """Fewer than twelve months: 'last 12 months' is all of them."""
    from lib.figures.filters import FilterOptions

    opts = FilterOptions(
        trials=(), areas=(), municipalities=(), first_month="2024-03", last_month="2024-06"
    )
    assert period_presets(opts, None) == {
        "trial": ("2024-03", "2024-06"),
        "last12": ("2024-03", "2024-06"),
        "2024": ("2024-03", "2024-06"),
    }
