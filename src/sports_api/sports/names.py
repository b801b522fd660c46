"""One key form for names that clients write, so that one team is one key.

A name reaches us from URLs typed on phones, copied from web pages and pasted
from chat apps. The same team then arrives as NFC or NFD, in full-width
letters, with zero-width spaces, soft hyphens or bidi marks inside it, or with
curly quotes. If each spelling became its own cache key and its own search, one
team would be unlimited keys and unlimited paid searches (issue 11, "Drain").

`fold` is the key for anything a client writes as a name (cache keys, searches
for names the catalogue does not know). `team_key` is stricter and is only used
to match names against the team catalogue, where dropping "." or reading "&"
as "and" cannot merge two different keys that a search would tell apart.
"""

from __future__ import annotations

import unicodedata

# Punctuation variants that do not change what a name means, mapped to ASCII.
_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u0060", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-"),
    }
)

# Latin letters that carry their mark in the letter itself, so NFD leaves them
# whole; written without the mark by anyone on a plain keyboard.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "\u0131": "i", "ħ": "h"}
)

# Scripts whose combining marks are accents a user may leave out. Marks on
# other scripts change the letter or the word (Cyrillic "й" is not "и",
# Japanese "ガ" is not "カ", Indic vowel signs), so they stay.
_ACCENTED_SCRIPTS = ("LATIN", "GREEK")

# Characters outside Cf that render as nothing: the grapheme joiner, Hangul
# fillers, the braille blank, and variation selectors (Mn, so NFKC keeps them).
_BLANKS = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")


def _invisible(char: str) -> bool:
    """Characters that render as nothing: format (Cf), non-space controls, blanks, variation selectors."""
    category = unicodedata.category(char)
    if category == "Cf" or char in _BLANKS or _variation_selector(char):
        return True
    return category == "Cc" and not char.isspace()


def _variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x180B <= code <= 0x180D


def _strip_accents(text: str) -> str:
    """Drop combining marks on Latin and Greek letters, and marks with no letter under them."""
    out: list[str] = []
    strip = True  # a mark at the start has no letter under it
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) or unicodedata.category(char) == "Mn":
            if not strip:
                out.append(char)
            continue
        strip = not char.isalpha() or unicodedata.name(char, "").startswith(_ACCENTED_SCRIPTS)
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def fold(text: str) -> str:
    """The one key form of a name: "Atlético  Madrid", its NFD and full-width forms, "atle\u00adtico madrid".

    NFKC (full-width and other compatibility forms), case-folded, invisible
    characters removed, accents stripped, quote and dash variants unified,
    whitespace collapsed. Idempotent: fold(fold(x)) == fold(x).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    # casefold can produce unnormalised text ("İ" -> "i" + combining dot).
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if not _invisible(char))
    text = _strip_accents(text).translate(_LETTERS).translate(_PUNCTUATION)
    return " ".join(text.split())


# Separators that only join words: "Paris Saint-Germain" = "Paris Saint Germain".
_SEPARATORS = str.maketrans(dict.fromkeys('-/_,:;"()', " "))


def team_key(text: str) -> str:
    """The stricter key used to match a name against the team catalogue.

    On top of `fold`: "." and "'" vanish ("St. Louis" = "St Louis",
    "Nott'm" = "Nottm"), "&" reads "and" ("Brighton & Hove Albion"), and word
    separators become spaces ("Saint-Germain", "Bodø/Glimt"). Club prefixes and
    suffixes ("FC", "CF", "AFC", "SC") are not rules: "FC Barcelona" is an
    explicit alias in the data, because stripping "FC" from every name would
    merge names that are different teams ("FC Cincinnati" is not "Cincinnati"
    in every sport).
    """
    text = fold(text).replace("&", " and ").replace(".", "").replace("'", "")
    return " ".join(text.translate(_SEPARATORS).split())
