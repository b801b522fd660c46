"""One cached answer: a search's document, already encoded part by part.

An entry holds whatever one search told us (its games, and its table when
Google showed one) as JSON bytes per part, so a hit costs no serialising and
a route takes just the part it serves. It also carries its own freshness,
because how long an answer stays fresh depends on what is in it (a live game
or a schedule that will not change for hours).

Entries come back from a shared store that other processes (or an attacker
with access to it) may have written, so `load` checks everything and answers
None rather than a broken entry.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import orjson

from sports_api.sports.models import Document

SOURCES = frozenset({"serpapi", "demo"})
PARTS = ("games", "standings")
# Bounds on what a stored entry may claim, around the moment it is read.
_MAX_SKEW = 300.0  # seconds a fetch may lie in the future (clock drift between tasks)
_MAX_AGE = 400 * 86_400.0
# Documents parsed from entries, most recently used last (`Entry.document`).
_PARSED: OrderedDict[tuple[bytes, bytes], Document] = OrderedDict()
_PARSED_MAX = 128


@dataclass(frozen=True, slots=True)
class Entry:
    parts: dict[str, bytes]  # "games": a JSON array; "standings": a JSON array or null
    source: str
    fetched_at: float  # Unix time
    fresh_until: float  # Unix time

    @classmethod
    def build(cls, document: Document, source: str, fetched_at: float, fresh_until: float) -> Entry:
        data = document.model_dump(mode="json")
        return cls({part: orjson.dumps(data[part]) for part in PARTS}, source, fetched_at, fresh_until)

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)

    def document(self) -> Document:
        """The parts as a document, parsed once per content while it is in use (never mutate it).

        A miss of the hot map, a filter, the scoreboard, favourites and a
        followed team's league all read the same few entries again and again.
        """
        key = (self.parts["games"], self.parts["standings"])
        found = _PARSED.get(key)
        if found is None:
            found = Document.model_validate({part: orjson.loads(raw) for part, raw in self.parts.items()})
            _PARSED[key] = found
            if len(_PARSED) > _PARSED_MAX:
                _PARSED.popitem(last=False)
        else:
            _PARSED.move_to_end(key)
        return found

    def dump(self) -> bytes:
        """A JSON header line with each part's length, then the parts: read back without parsing them."""
        header = {
            "source": self.source,
            "fetched_at": self.fetched_at,
            "fresh_until": self.fresh_until,
            "parts": {part: len(raw) for part, raw in self.parts.items()},
        }
        return orjson.dumps(header) + b"\n" + b"".join(self.parts.values())

    @classmethod
    def load(cls, raw: bytes, now: float) -> Entry | None:
        """The entry `dump` wrote, or None for anything else (corrupt, foreign, absurd times)."""
        try:
            line, _, rest = raw.partition(b"\n")
            header = orjson.loads(line)
            fetched_at, fresh_until = float(header["fetched_at"]), float(header["fresh_until"])
            sizes = header["parts"]
            source = header["source"]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        if (
            source not in SOURCES
            or not (math.isfinite(fetched_at) and math.isfinite(fresh_until))
            or not (now - _MAX_AGE <= fetched_at <= now + _MAX_SKEW)
            or not (fetched_at <= fresh_until <= fetched_at + 86_400)
            or not isinstance(sizes, dict)
            or list(sizes) != list(PARTS)
            or not all(isinstance(size, int) and size > 0 for size in sizes.values())
            or sum(sizes.values()) != len(rest)
        ):
            return None
        parts, start = {}, 0
        for part, size in sizes.items():
            parts[part] = rest[start : start + size]
            start += size
        try:  # a part cut or altered in the store must not reach a client as broken JSON
            games, standings = orjson.loads(parts["games"]), orjson.loads(parts["standings"])
        except orjson.JSONDecodeError:
            return None
        if not isinstance(games, list) or not (standings is None or isinstance(standings, list)):
            return None
        return cls(parts, source, fetched_at, fresh_until)
