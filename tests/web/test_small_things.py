"""Issue 15's small things in AppTest on the hand fixture (tests/web/test_pages.py): the
municipality search and the three headline figures called placement at 90 days."""

from __future__ import annotations

from tests.web.test_pages import assert_clean, env, hand, open_page  # noqa: F401 -- fixtures


def municipality_options(at) -> list[str]:
    return list(at.multiselect(key="f_munis").options)


def test_the_municipality_search_finds_word_starts_without_accents(hand):  # noqa: F811
    # The trial's municipalities: Alajärvi (005, area one) and Helsinki/Helsingfors (091).
    at = open_page("caseload")
    assert municipality_options(at) == ["Alajärvi", "Helsinki (Helsingfors)"]
    at.text_input(key="f_muni_find").input("ALAJA").run()  # no ä typed, upper case
    assert_clean(at)
    assert municipality_options(at) == ["Alajärvi"]
    at.text_input(key="f_muni_find").input("helsingf").run()  # the Swedish name
    assert municipality_options(at) == ["Helsinki (Helsingfors)"]
    at.text_input(key="f_muni_find").input("la").run()  # inside "Alajärvi": no start of a word
    assert municipality_options(at) == []
    # a chosen municipality stays in the list (and chosen) whatever is searched
    at.text_input(key="f_muni_find").input("").run()
    at.multiselect(key="f_munis").set_value(["091"]).run()
    at.text_input(key="f_muni_find").input("ala").run()
    assert_clean(at)
    assert municipality_options(at) == ["Alajärvi", "Helsinki (Helsingfors)"]
    assert at.multiselect(key="f_munis").value == ["091"]
    assert at.query_params["muni"] == "091"
    # the search is no part of the view: not in the address
    assert "f_muni_find" not in at.query_params


def test_the_placement_figures_name_the_period_they_cover(hand):  # noqa: F811
    """Three figures were all "Placement at 90 days" and differed (the Overview's card: the
    latest month with outcomes; the Placements page: the sidebar's whole period; the area
    table: three months pooled). Each label now names its period."""
    from tests.web.test_pages import metrics, texts

    at = open_page()
    # June 2021, no 90-day outcome observable yet: the card pools the latest three months
    assert "Placement at 90 days, latest 3 months" in metrics(at)
    assert "Placement at 90 days" not in metrics(at)
    at = open_page("placements")
    assert_clean(at)
    shown = metrics(at)
    assert "Placement at 90 days over the period" in shown
    assert "Placement at 90 days" not in shown
    # ... and the caption under it says which period: the sidebar's, Mar-Jun 2021
    assert any("coaching ending Mar–Jun\u00a02021" in s for s in texts(at)), texts(at)
