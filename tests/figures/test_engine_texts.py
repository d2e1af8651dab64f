"""The catalogue texts of the layers below lib/figures (lib/figures/engine_texts.py) against their
English: every indicator, group, method note, listed setting and area level has its key, and
en.po's text is the one the engine (lib/engine/indicators.py, lib/stats), lib/settings.py and
lib/published keep, so a page and the code beneath it cannot say different things unnoticed."""

from __future__ import annotations

import pytest

from lib.engine.indicators import GROUPS, INDICATORS
from lib.figures import about, i18n
from lib.figures import engine_texts as it
from lib.figures.i18n import t
from lib.published.comparison import LEVEL_LABELS
from lib.settings import SETTINGS_HELP, get_settings
from lib.stats import expected, peers, survival


@pytest.fixture
def lang():
    tokens = []

    def use(code: str) -> None:
        tokens.append(i18n._LANGUAGE.set(code))

    yield use
    for token in reversed(tokens):
        i18n._LANGUAGE.reset(token)


def test_every_indicator_and_group_has_its_keys_and_no_other():
    assert set(it.LABELS) == set(INDICATORS)
    assert set(it.DEFINITIONS) == set(INDICATORS)
    assert set(it.GROUP_DEFINITIONS) == set(GROUPS)
    days = {i.evaluation_day for i in INDICATORS.values()} - {"-", ""}
    assert set(it.EVALUATION_DAYS) == days


@pytest.mark.parametrize("ind", sorted(INDICATORS))
def test_the_english_is_the_engines(lang, ind):
    lang("en")
    engine = INDICATORS[ind]
    assert it.indicator_label(ind) == engine.label
    assert it.indicator_definition(ind) == engine.definition
    assert it.evaluation_day(ind) == ("" if engine.evaluation_day == "-" else engine.evaluation_day)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_the_group_english_is_the_engines(lang, group):
    lang("en")
    assert it.group_definition(group, youth_age=25) == GROUPS[group].definition


def test_the_youth_age_is_the_setting(lang):
    lang("en")
    assert "under 30 (a setting" in it.group_definition("youth", youth_age=30)
    lang("sv")
    assert "under 30 (en inställning" in it.group_definition("youth", youth_age=30)


def test_the_placement_family_names_its_days_in_every_language(lang):
    for code in ("en", "sv", "fi"):
        lang(code)
        for d in (14, 90, 180):
            assert f"{d}" in it.indicator_label(f"placement_rate_{d}")
            assert f"{d}" in it.indicator_label(f"placement_subsidised_{d}")
            assert "{" not in it.indicator_definition(f"placement_rate_{d}")


def test_swedish_is_swedish(lang):
    lang("sv")
    assert it.indicator_label("active_caseload") == "Kundantal"
    assert it.indicator_label("placement_rate_90") == "I arbete 90 dagar efter"
    assert it.evaluation_day("exit_rate") == "föregående månads sista dag"
    assert it.evaluation_day("staff_fte") == ""


def test_method_notes_settings_and_levels_are_the_lower_layers_english(lang):
    lang("en")
    methods = {"survival": survival.METHOD, "peers": peers.METHOD, "expected": expected.METHOD}
    assert set(it.METHOD_TEXTS) == set(methods)
    for name, key in it.METHOD_TEXTS.items():
        assert t(key) == methods[name]
    assert set(it.SETTING_TEXTS) <= set(SETTINGS_HELP)
    for name, key in it.SETTING_TEXTS.items():
        assert t(key) == SETTINGS_HELP[name][1]
    assert set(it.LEVEL_TEXTS) == set(LEVEL_LABELS)
    for level, key in it.LEVEL_TEXTS.items():
        assert t(key) == LEVEL_LABELS[level]


def test_every_setting_the_definitions_page_lists_has_its_text(lang):
    lang("sv")
    df, _cols = about.settings_table(get_settings())
    assert df["setting"].to_list() and set(df["setting"]) <= set(it.SETTING_TEXTS)
    assert "Tröskel för röjandekontroll" in df["meaning"][0]
