"""The indicators' and groups' catalogue texts (lib/figures/indicator_texts.py) against the
engine's English (lib/engine/indicators.py): every indicator and group has its keys, and en.po's
text is the engine's, so the page and the engine cannot say different things unnoticed."""

from __future__ import annotations

import pytest

from lib.engine.indicators import GROUPS, INDICATORS
from lib.figures import i18n
from lib.figures import indicator_texts as it


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
