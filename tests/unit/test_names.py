"""Key normalisation: every spelling of one name must give one key (issue 11, "Drain")."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sports_api.sports.names import fold, team_key


def test_nfc_and_nfd_are_one_key() -> None:
    composed = unicodedata.normalize("NFC", "Atlético Madrid")
    decomposed = unicodedata.normalize("NFD", "Atlético Madrid")
    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == "atletico madrid"


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Köln", "koln"),
        ("1. FC Köln", "1. fc koln"),
        ("Bodø/Glimt", "bodo/glimt"),
        ("Qarabağ", "qarabag"),
        ("Alavés", "alaves"),
        ("Barça", "barca"),
        ("Montréal", "montreal"),
        ("FC København", "fc kobenhavn"),
        ("Straße", "strasse"),
        ("ÆBLE", "aeble"),
        ("Đorđe", "dorde"),
        ("İstanbul", "istanbul"),
        ("Łódź", "lodz"),
        ("Ολυμπιακός", "ολυμπιακοσ"),  # casefold also folds the final sigma
    ],
)
def test_accents_and_letters_with_marks_fold_to_plain_letters(written: str, key: str) -> None:
    assert fold(written) == key


def test_marks_that_change_a_letter_outside_latin_and_greek_stay() -> None:
    assert fold("й") == "й"  # Cyrillic short i is its own letter, not "и"
    assert fold("ガ") == "ガ"
    assert fold("カ\u3099") == "ガ"  # decomposed dakuten recomposes
    assert fold("한국") == "한국"  # Hangul stays composed after the NFD pass


def test_full_width_letters_become_ascii() -> None:
    assert fold("\uff2d\uff21\uff2e\u3000\uff35\uff2e\uff29\uff34\uff25\uff24") == "man united"
    assert fold("\uff23\uff48\uff49\uff45\uff46\uff53") == "chiefs"


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",  # zero-width space
        "\u200c",  # zero-width non-joiner
        "\u200d",  # zero-width joiner
        "\u2060",  # word joiner
        "\ufeff",  # BOM / zero-width no-break space
        "\u00ad",  # soft hyphen
        "\u034f",  # combining grapheme joiner
        "\u200e",  # left-to-right mark
        "\u200f",  # right-to-left mark
        "\u202a",  # left-to-right embedding
        "\u202e",  # right-to-left override
        "\u2066",  # left-to-right isolate
        "\u2069",  # pop directional isolate
        "\x07",  # a control character
    ],
)
def test_invisible_characters_vanish(invisible: str) -> None:
    assert fold(f"Man{invisible}chester United") == "manchester united"
    assert fold(f"{invisible}Chiefs{invisible}") == "chiefs"


def test_every_kind_of_whitespace_collapses_to_one_space() -> None:
    spaces = "\u00a0\u2002\u2003\u2009\u202f\u3000\t\n\r\x0b\x0c\u2028\u2029\u0085"
    assert fold(f"{spaces}Man{spaces}United{spaces}") == "man united"
    assert fold("yesterday,\u202f11:30 AM") == "yesterday, 11:30 am"


def test_punctuation_variants_are_unified() -> None:
    assert fold("Nott\u2019m Forest") == fold("Nott'm Forest") == "nott'm forest"
    assert fold("\u201cInter\u201d") == '"inter"'
    assert fold("Paris Saint\u2013Germain") == fold("Paris Saint\u2014Germain") == "paris saint-germain"
    assert fold("Paris Saint\u2011Germain") == "paris saint-germain"


def test_fold_keeps_what_tells_names_apart() -> None:
    assert fold("Man United") != fold("Man City")
    assert fold("St. Louis") == "st. louis"  # fold is for cache keys; only team_key drops "."
    assert fold("") == ""
    assert fold(" \u200b ") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("St. Louis Blues", "St Louis Blues"),
        ("Brighton & Hove Albion", "brighton and hove albion"),
        ("Paris Saint-Germain", "Paris Saint Germain"),
        ("Bodø/Glimt", "Bodo Glimt"),
        ("Nott\u2019m Forest", "Nottm Forest"),
        ("D.C. United", "DC United"),
        ("manchester-united", "Manchester United"),
        ("A's", "As"),
    ],
)
def test_team_key_merges_spellings_of_one_team(a: str, b: str) -> None:
    assert team_key(a) == team_key(b)


def test_team_key_does_not_strip_club_prefixes() -> None:
    # "FC Barcelona" is an explicit alias in the data, not a rule.
    assert team_key("FC Barcelona") != team_key("Barcelona")


@given(st.text())
def test_fold_is_idempotent_and_never_raises(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not any(unicodedata.category(char) == "Cf" for char in once)


@given(st.text())
def test_team_key_is_idempotent_and_a_refinement_of_fold(text: str) -> None:
    once = team_key(text)
    assert team_key(once) == once
    assert team_key(fold(text)) == once


@pytest.mark.parametrize(
    "written",
    [
        "\u0421\u043f\u0430\u0440\u0442\u0430\u043a\ufe0f",  # a variation selector after Cyrillic
        "\u0421\u043f\u0430\u0440\u0442\u0430\u043a\U000e0100",
        "\u0421\u043f\u0430\u3164\u0440\u0442\u0430\u043a",  # a Hangul filler inside
        "\u2800\u0421\u043f\u0430\u0440\u0442\u0430\u043a",  # the braille blank
    ],
)
def test_blanks_and_variation_selectors_make_no_new_key(written: str) -> None:
    assert fold(written) == "\u0441\u043f\u0430\u0440\u0442\u0430\u043a"
