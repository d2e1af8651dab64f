"""The gettext catalogues and t() (lib/figures/i18n.py, lib/figures/catalog.py)."""

from __future__ import annotations

import io
import os
import shutil

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from lib.engine.access import ROLES
from lib.engine.indicators import ALL_DIMS, GROUPS, INDICATORS
from lib.figures import catalog, i18n
from lib.figures.filters import PERSON_VALUES
from lib.figures.i18n import t


@pytest.fixture
def locale_dir(tmp_path, monkeypatch):
    """A locale folder of our own holding a copy of the real en.po (no .mo yet)."""
    en = i18n.po_path("en", tmp_path)
    en.parent.mkdir(parents=True)
    shutil.copy(i18n.po_path("en"), en)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_RECHECK", 0.0)  # look at the files on every lookup
    return tmp_path


@pytest.fixture
def finnish():
    token = i18n._LANGUAGE.set("fi")
    yield
    i18n._LANGUAGE.reset(token)


def _write_po(lang: str, texts: dict[str, str], root) -> None:
    cat = Catalog(locale=lang, domain=i18n.DOMAIN, fuzzy=False)
    for k, v in texts.items():
        cat.add(k, v)
    path = i18n.po_path(lang, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, cat)


def test_unknown_keys_fall_back_to_english_then_to_the_text(locale_dir, finnish):
    _write_po("fi", {"chart.month": "Kuukausi", "chart.trial_starts": ""}, locale_dir)
    assert t("chart.month") == "Kuukausi"
    assert t("chart.trial_starts") == "Trial starts"  # empty msgstr: English
    assert t("Some new label") == "Some new label"
    assert t("sidebar.as_of", date="1.3.2021") == "Data as of 1.3.2021"


def test_a_missing_or_older_mo_is_compiled_from_its_po(locale_dir):
    po = i18n.po_path("en", locale_dir)
    mo = po.with_suffix(".mo")
    assert not mo.exists()
    assert t("chart.month") == "Month"
    assert mo.exists()  # compiled on first use, beside the .po
    with po.open("rb") as f:
        cat = read_po(f)
    cat["chart.month"].string = "Month of the year"
    with po.open("wb") as f:
        write_po(f, cat)
    st = mo.stat()
    os.utime(po, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # the .po is now newer
    assert t("chart.month") == "Month of the year"
    assert mo.stat().st_mtime_ns >= po.stat().st_mtime_ns


def test_set_language_refuses_unknown_languages():
    token = i18n._LANGUAGE.set("en")
    try:
        i18n.set_language("de")
        assert i18n.current_language() == "en"
        i18n.set_language("sv")
        assert i18n.current_language() == "sv"
    finally:
        i18n._LANGUAGE.reset(token)


def test_english_is_read_from_en_po():
    assert t("notice.synthetic") == "Synthetic demo data — not real persons or official statistics"
    assert t("unit.axis.%") == "per cent (%)"


def test_the_english_catalogue_is_complete_and_current():
    found = catalog.check()["en"]
    assert found == {"missing": [], "stale": []}, (
        "run `python -m lib.figures.catalog extract` and give new keys their English in en.po"
    )


def test_the_template_is_current():
    with catalog.TEMPLATE.open("rb") as f:
        pot = [m.id for m in read_po(f) if m.id]
    assert pot == [m.id for m in catalog.template() if m.id], (
        "run `python -m lib.figures.catalog extract`"
    )


def test_text_used_as_its_own_key_is_its_own_english():
    with i18n.po_path("en").open("rb") as f:
        en = read_po(f)
    for m in en:
        if m.id and not catalog.is_key(m.id):
            assert m.string == m.id


def test_the_extractor_reads_f_strings_and_both_branches():
    src = b'x = f"{t(\'a.b\')} and {t(\'Text\', n=1)}"\ny = t("c.d" if z else "c.e")\nN_("f.g")\n'
    found = [
        msg for _line, _f, msg, _c in catalog.extract_ast(io.BytesIO(src), ("t", "N_"), (), {})
    ]
    assert found == ["a.b", "Text", "c.d", "c.e", "f.g"]


def test_every_value_of_a_computed_key_is_in_the_catalogue():
    keys = {m.id for m in catalog.template()}
    wanted = [f"group.{g}" for g in GROUPS]
    wanted += [f"role.{r}" for r in ROLES if r != "full"]
    wanted += [f"value.{f}.{v}" for f, values in PERSON_VALUES.items() for v in values]
    wanted += [f"filter.{f}" for f in PERSON_VALUES]
    wanted += [f"notice.param.{f}" for f in PERSON_VALUES]
    wanted += [f"unit.{i.unit}" for i in INDICATORS.values()]
    wanted += [f"explorer.dim.{d}" for d in ALL_DIMS]
    assert [k for k in wanted if k not in keys] == []
