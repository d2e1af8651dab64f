"""The catalogue texts of the layers below lib/figures (lib/figures/engine_texts.py) against their
English: every indicator, group, method note, listed setting and area level has its key, and
en.po's text is the one the engine (lib/engine/indicators.py, lib/stats), lib/settings.py and
lib/published keep, so a page and the code beneath it cannot say different things unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

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


LOWER = [Path(__file__).resolve().parents[2] / "lib" / layer for layer in ("engine", "stats")]


def _template(node: ast.expr, params: dict[str, str]) -> str:
    """The message as a catalogue text: each `{expr}` of the f-string named by the param that
    is given the same expression."""
    if isinstance(node, ast.Constant):
        return node.value
    assert isinstance(node, ast.JoinedStr), ast.dump(node)
    out = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            out.append(v.value)
        else:
            assert v.conversion == -1 and v.format_spec is None, ast.unparse(v)
            name = params.get(ast.dump(v.value))
            assert name, f"{ast.unparse(v.value)} in the message is not one of its params"
            out.append("{" + name + "}")
    return "".join(out)


def keyed_raises() -> list[tuple[str, str, str]]:
    """(where, key, message as a template) of every engine or statistics error raised with a
    key."""
    found = []
    trees = {p: ast.parse(p.read_text()) for folder in LOWER for p in sorted(folder.glob("*.py"))}
    consts = {  # module-level messages (MISSING_KEY_MESSAGE), wherever they are raised
        target.id: node.value
        for tree in trees.values()
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            kws = {k.arg: k.value for k in node.keywords if k.arg}
            key = kws.get("key")
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            msg = node.args[0]
            msg = consts.get(msg.id, msg) if isinstance(msg, ast.Name) else msg
            params = {ast.dump(v): k for k, v in kws.items() if k != "key"}
            found.append((f"{path.name}:{node.lineno}", key.value, _template(msg, params)))
    return found


def test_every_keyed_engine_error_has_its_text_and_the_engines_english(lang):
    lang("en")
    found = keyed_raises()
    assert {key for _w, key, _m in found} == set(it.ERROR_TEXTS)
    for where, key, message in found:
        assert t(it.ERROR_TEXTS[key]) == message, where


def test_an_engine_refusal_reads_in_the_readers_language(lang):
    from lib.engine import access

    class Own:  # a municipal viewer's own places: Alajärvi only
        municipalities = {"005"}

    with pytest.raises(access.Refused) as caught:
        access._own_municipality(Own(), "091")
    lang("en")
    assert it.error_text(caught.value) == str(caught.value)
    assert str(caught.value) == (
        "Peers are shown for your own municipalities only: choose one of 005."
    )
    lang("sv")
    assert it.error_text(caught.value) == (
        "Jämförbara kommuner visas bara för dina egna kommuner: välj en av 005."
    )
    assert it.error_text(ValueError("plain")) == "plain"  # no key: the message as it is


def test_admin_only_says_what_in_the_readers_language(lang):
    from lib.engine import access

    assert set(it.ADMIN_ACTIONS) == set(access.ADMIN_ONLY)
    viewer = access.Viewer(name="m", role="ministry")
    for what in access.ADMIN_ONLY:
        with pytest.raises(access.Refused) as caught:
            access.permit(viewer, what)
        lang("en")
        assert it.error_text(caught.value) == str(caught.value)
    lang("sv")
    assert it.error_text(caught.value) == (
        "Bara en administratör får läsa granskningsloggen; vänd dig till en administratör."
    )


def test_a_missing_table_names_the_indicator_in_the_readers_language(lang):
    from lib.engine.indicators import IndicatorUnavailable

    e = IndicatorUnavailable(
        "Staff FTE needs the 'staff_months' table, which the loaded extract does not have.",
        key="needs_table",
        label="Staff FTE",
        table="staff_months",
        indicator="staff_fte",
    )
    lang("en")
    assert it.error_text(e) == str(e)
    lang("sv")
    assert it.error_text(e).startswith("Personalens årsverken ")
    assert "'staff_months'" in it.error_text(e)
