"""The municipality search (lib/figures/filters.py name_matches): the start of a name or of a
word in it, either language, accents not needed; never a loose in-order match."""

from __future__ import annotations

import pytest

from lib.figures.filters import fold, name_matches


def test_fold_drops_case_and_accents():
    assert fold("Äänekoski") == "aanekoski"
    assert fold("Pedersöre") == "pedersore"
    assert fold("Närpes") == "narpes"
    assert fold("Ekenäs Å") == "ekenas a"


@pytest.mark.parametrize(
    "query, names",
    [
        ("Kanno", ("Kannonkoski",)),  # a name's start
        ("koski", ("Koski Tl", "Koski Tl")),  # the first word
        ("tl", ("Koski Tl",)),  # a later word
        ("vilp", ("Mänttä-Vilppula",)),  # a word after a hyphen
        ("hameen", ("Hämeenlinna", "Tavastehus")),  # no accents typed
        ("TAVAST", ("Hämeenlinna", "Tavastehus")),  # the Swedish name, any case
        ("pedersören k", ("Pedersören kunta", "Pedersöre")),  # several words
        ("", ("Akaa",)),  # nothing typed: everything
        ("  ", ("Akaa",)),
    ],
)
def test_a_name_or_word_start_matches(query, names):
    assert name_matches(query, *names)


@pytest.mark.parametrize(
    "query, names",
    [
        ("Koko", ("Kannonkoski",)),  # k-o-k-o in order inside: the loose match it was
        ("oski", ("Kannonkoski",)),  # inside a word, not at its start
        ("la", ("Alajärvi", "Alajärvi")),
        ("helsinkix", ("Helsinki", "Helsingfors")),
    ],
)
def test_letters_inside_a_word_do_not_match(query, names):
    assert not name_matches(query, *names)
