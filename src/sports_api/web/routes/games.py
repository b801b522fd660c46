"""The games part of an answer, filtered when the client asked for a filter."""

from __future__ import annotations

import orjson

from sports_api.service import Result, SportsService
from sports_api.sports.filters import GameFilter


def games_part(result: Result, wanted: GameFilter, service: SportsService) -> bytes:
    """The cached games as they are, or only those the filter keeps: never a search of its own."""
    encoded = result.entry.parts["games"]
    if not wanted.active:
        return encoded
    kept = wanted.apply(result.entry.document().games, service.zone)
    return orjson.dumps([game.model_dump(mode="json") for game in kept])
