"""Saved views (lib/register/views.py) on SQLite and PostgreSQL: save, list, open, rename, update, delete.

Every test runs on both backends through the `db_url` fixture (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import unicodedata

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.exc import IntegrityError

from lib.register.schema import SavedView
from lib.register.store import get_engine, replace_register
from lib.register.views import (
    ViewError,
    delete_view,
    get_view,
    list_views,
    params_of,
    rename_view,
    save_view,
    update_view,
)
from tests.extract_factory import valid_extract
from tests.hand_fixture import hand_extract

EXPLORER = "explorer"
SLICE = {
    "ind": "exit_rate",
    "rows": "month",
    "cols": "gender",
    "group": "youth,older",
    "match": "any",
    "area": "TA01",
}


@pytest.fixture
def engine(db_url):
    return get_engine(db_url)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stored(engine, page: str = EXPLORER) -> list[dict]:
    """Everything a refused change must leave untouched."""
    return [view.model_dump() for view in list_views(engine, page)]


# --------------------------------------------------------------------------- round trip


def test_save_list_get_round_trip_keeps_params_who_and_when(engine):
    before = utc_now()
    saved = save_view(engine, EXPLORER, "Youth exits by month", SLICE, "  anna.k ")
    after = utc_now()

    assert saved.view_id is not None
    assert (saved.page, saved.name, saved.created_by) == (
        EXPLORER,
        "Youth exits by month",
        "anna.k",
    )
    assert saved.created_at.utcoffset() == dt.timedelta(0)  # aware UTC
    assert before <= saved.created_at <= after
    assert saved.updated_at == saved.created_at
    assert params_of(saved) == SLICE
    assert list(params_of(saved)) == sorted(SLICE)  # keys sorted: one slice, one text
    assert list_views(engine, EXPLORER) == [saved]
    assert get_view(engine, saved.view_id) == saved


@pytest.mark.parametrize("who", ["", "   ", None])
def test_a_blank_author_is_anonymous(engine, who):
    assert save_view(engine, EXPLORER, "Mine", SLICE, who).created_by == "anonymous"


def test_odd_parameter_text_and_an_empty_slice_come_back_exactly(engine):
    odd = {"area": "Åland & Pohjanmaa", "q": "a=b&c=d%20e", "note": 'quote " and \\ back', "e": ""}
    view = save_view(engine, EXPLORER, "Odd", odd, "anna")
    assert params_of(get_view(engine, view.view_id)) == odd
    empty = save_view(engine, EXPLORER, "Defaults", {}, "anna")
    assert params_of(get_view(engine, empty.view_id)) == {}


def test_list_is_newest_updated_first_and_get_of_unknown_id_is_none(engine):
    a = save_view(engine, EXPLORER, "A", SLICE, "anna")
    b = save_view(engine, EXPLORER, "B", SLICE, "anna")
    c = save_view(engine, EXPLORER, "C", SLICE, "anna")
    assert [v.name for v in list_views(engine, EXPLORER)] == ["C", "B", "A"]
    update_view(engine, a.view_id, {"ind": "activation_rate"})
    assert [v.name for v in list_views(engine, EXPLORER)] == ["A", "C", "B"]
    rename_view(engine, b.view_id, "B2")
    assert [v.name for v in list_views(engine, EXPLORER)] == ["B2", "A", "C"]
    assert get_view(engine, c.view_id + 1000) is None


# --------------------------------------------------------------------------- rename, update


def test_rename_keeps_everything_but_the_name_and_moves_updated_at(engine):
    view = save_view(engine, EXPLORER, "Youth", SLICE, "anna")
    renamed = rename_view(engine, view.view_id, "  Youth   exits ")
    assert renamed.name == "Youth exits"
    assert renamed.updated_at >= view.updated_at
    assert (renamed.view_id, renamed.created_by, renamed.created_at, renamed.params) == (
        view.view_id, view.created_by, view.created_at, view.params,
    )  # fmt: skip
    assert get_view(engine, view.view_id) == renamed


def test_rename_to_another_views_name_in_another_case_is_refused(engine):
    save_view(engine, EXPLORER, "Helsinki youth", SLICE, "anna")
    other = save_view(engine, EXPLORER, "Turku", SLICE, "bertil")
    before = stored(engine)
    with pytest.raises(ViewError, match='already a saved view called "Helsinki youth".*by anna'):
        rename_view(engine, other.view_id, "HELSINKI YOUTH")
    assert stored(engine) == before


def test_rename_to_its_own_name_in_another_case_is_allowed(engine):
    view = save_view(engine, EXPLORER, "helsinki youth", SLICE, "anna")
    assert rename_view(engine, view.view_id, "Helsinki Youth").name == "Helsinki Youth"
    assert [v.name for v in list_views(engine, EXPLORER)] == ["Helsinki Youth"]


def test_update_replaces_the_slice_and_keeps_the_name(engine):
    view = save_view(engine, EXPLORER, "Youth", SLICE, "anna")
    new = {"ind": "placement_rate_90", "rows": "trial_area_id"}
    updated = update_view(engine, view.view_id, new)
    assert params_of(updated) == new
    assert (updated.name, updated.created_by, updated.created_at) == (
        view.name, view.created_by, view.created_at,
    )  # fmt: skip
    assert updated.updated_at >= view.updated_at
    assert get_view(engine, view.view_id) == updated


# --------------------------------------------------------------------------- delete


def test_delete_then_get_is_none_and_every_change_of_it_is_refused(engine):
    view = save_view(engine, EXPLORER, "Youth", SLICE, "anna")
    keep = save_view(engine, EXPLORER, "Keep", SLICE, "anna")
    delete_view(engine, view.view_id)
    assert get_view(engine, view.view_id) is None
    assert list_views(engine, EXPLORER) == [keep]
    gone = f"Saved view {view.view_id} does not exist any more"
    with pytest.raises(ViewError, match=gone):
        delete_view(engine, view.view_id)
    with pytest.raises(ViewError, match=gone):
        rename_view(engine, view.view_id, "Other")
    with pytest.raises(ViewError, match=gone):
        update_view(engine, view.view_id, SLICE)
    # Its name is free again.
    assert save_view(engine, EXPLORER, "youth", SLICE, "bertil").name == "youth"


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("name", ["Youth", "youth", "  YOUTH ", "\tyOUTH\n"])
def test_a_duplicate_name_is_refused_and_the_store_unchanged(engine, name):
    save_view(engine, EXPLORER, "Youth", SLICE, "anna")
    before = stored(engine)
    with pytest.raises(ViewError, match=r'already a saved view called "Youth" .*saved by anna on'):
        save_view(engine, EXPLORER, name, {"ind": "other"}, "bertil")
    assert stored(engine) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("\t\n ", "cannot be empty"),
        ("x" * 81, "at most 80 characters; this one has 81"),
        (" ".join(["word"] * 17), "at most 80 characters; this one has 84"),
    ],
    ids=["empty", "spaces", "whitespace", "81 characters", "84 with spaces"],
)
def test_blank_and_overlong_names_are_refused(engine, name, message):
    with pytest.raises(ViewError, match=message):
        save_view(engine, EXPLORER, name, SLICE, "anna")
    view = save_view(engine, EXPLORER, "Fine", SLICE, "anna")
    with pytest.raises(ViewError, match=message):
        rename_view(engine, view.view_id, name)
    assert [v.name for v in list_views(engine, EXPLORER)] == ["Fine"]


def test_a_name_of_80_characters_after_trimming_is_fine(engine):
    name = "x" * 80
    assert save_view(engine, EXPLORER, f"  {name}  ", SLICE, "anna").name == name


@pytest.mark.parametrize(
    "params",
    [["ind", "exit_rate"], "ind=exit_rate", None, {"ind": 1}, {"group": ["youth"]}, {1: "a"},
     {"ind": None}, {"nested": {"a": "b"}}],
    ids=["list", "query string", "none", "int value", "list value", "int key", "none value",
         "nested"],
)  # fmt: skip
def test_params_that_are_not_a_flat_text_mapping_are_refused(engine, params):
    with pytest.raises(ViewError, match="parameters must"):
        save_view(engine, EXPLORER, "Bad", params, "anna")
    view = save_view(engine, EXPLORER, "Good", SLICE, "anna")
    with pytest.raises(ViewError, match="parameters must"):
        update_view(engine, view.view_id, params)
    assert [params_of(v) for v in list_views(engine, EXPLORER)] == [SLICE]


# --------------------------------------------------------------------------- names and pages


def test_unicode_names_round_trip_and_compare_by_letter_not_encoding(engine):
    names = ["Pääkaupunkiseutu – nuoret", "Åboland – unga", "Själö ÖÄÅ", "Sámi: Anár"]
    for name in names:
        save_view(engine, EXPLORER, name, SLICE, "Märta Öhman")
    assert sorted(v.name for v in list_views(engine, EXPLORER)) == sorted(names)
    assert {v.created_by for v in list_views(engine, EXPLORER)} == {"Märta Öhman"}
    for same in ["PÄÄKAUPUNKISEUTU – NUORET", unicodedata.normalize("NFD", names[0])]:
        with pytest.raises(ViewError, match="Pääkaupunkiseutu – nuoret"):
            save_view(engine, EXPLORER, same, SLICE, "anna")
    assert len(list_views(engine, EXPLORER)) == len(names)


def test_views_of_different_pages_do_not_clash(engine):
    explorer = save_view(engine, EXPLORER, "Youth", SLICE, "anna")
    overview = save_view(engine, "overview", "youth", {"area": "TA02"}, "bertil")
    assert list_views(engine, EXPLORER) == [explorer]
    assert list_views(engine, "overview") == [overview]
    assert list_views(engine, "staffing") == []
    rename_view(engine, overview.view_id, "YOUTH")  # the explorer's "Youth" is another page's


def test_the_database_itself_refuses_a_duplicate_name_key(engine):
    save_view(engine, EXPLORER, "Youth", SLICE, "anna")
    now = utc_now()
    row = {
        "page": EXPLORER, "name": "YOUTH", "name_key": "youth", "params": "{}",
        "created_by": "x", "created_at": now, "updated_at": now,
    }  # fmt: skip
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(SavedView).values(**row))


def test_two_users_saving_one_name_at_once_one_wins_the_other_is_told(db_url):
    first = get_engine(db_url)
    second = create_engine(db_url)  # another dashboard process: its own engine and connections
    try:
        engines = [first, second, first, second]
        start = threading.Barrier(len(engines))
        outcomes: list[str] = []

        def save(engine, who: str) -> None:
            start.wait()
            try:
                save_view(engine, EXPLORER, "Race", {"who": who}, who)
                outcomes.append("saved")
            except ViewError as error:
                outcomes.append(str(error))

        threads = [
            threading.Thread(target=save, args=(engine, f"user{i}"))
            for i, engine in enumerate(engines)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes.count("saved") == 1 and len(outcomes) == len(engines), outcomes
        assert all('already a saved view called "Race"' in o for o in outcomes if o != "saved")
        (winner,) = list_views(first, EXPLORER)
        assert params_of(winner) == {"who": winner.created_by}
    finally:
        second.dispose()


# --------------------------------------------------------------------------- register imports


def test_saved_views_survive_a_register_import(engine):
    replace_register(engine, valid_extract(), source_path="first")
    view = save_view(engine, EXPLORER, "Youth", SLICE, "anna")
    replace_register(engine, hand_extract(), source_path="second")
    assert list_views(engine, EXPLORER) == [view]
    # The import rebuilt only register indexes: the unique name index still holds.
    with pytest.raises(ViewError, match="already a saved view"):
        save_view(engine, EXPLORER, "YOUTH", SLICE, "bertil")
    assert json.loads(get_view(engine, view.view_id).params) == SLICE
