"""SerpAPI's `sports_results` block, turned into typed games.

Google's sports box is loosely shaped: every value is a string, any block can
be missing, and two generations of keys coexist. The normaliser accepts all
of it and never raises on a payload; what it cannot read it leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sports_api.sports.catalogue import League, TeamOrder, league_for_competition
from sports_api.sports.models import Game, Highlight, Team

_SCORE = re.compile(r"\s*(\d+)")
# Google separates times from AM/PM with narrow no-break spaces (U+202F).
_ODD_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})


def normalize(payload: Mapping[str, Any], league: League | None = None) -> list[Game]:
    """Every game in a SerpAPI response: the spotlight first, then the list.

    `league` is the league that was asked for; it decides the team order for
    games whose competition is not recognised on its own.
    """
    results = payload.get("sports_results")
    if not isinstance(results, Mapping):
        return []
    blocks: list[Any] = [results.get("game_spotlight")]
    listed = results.get("games")
    if isinstance(listed, list):
        blocks.extend(listed)
    return [_game(block, league) for block in blocks if isinstance(block, Mapping)]


def _game(block: Mapping[str, Any], asked: League | None) -> Game:
    competition = _text(block.get("league")) or _text(block.get("tournament"))
    teams = [_team(t) for t in _dicts(block.get("teams")) if _text(t.get("name"))]
    home = away = None
    order = _order(competition, asked)
    if order is not None and len(teams) == 2:
        first, second = teams
        home, away = (first, second) if order is TeamOrder.HOME_FIRST else (second, first)
    return Game(
        competition=competition,
        stage=_text(block.get("stage")),
        status=_text(block.get("status")),
        date=_text(block.get("date")),
        time=_text(block.get("time")),
        venue=_text(block.get("stadium")),
        teams=teams,
        home=home,
        away=away,
        highlights=_highlights(block),
    )


def _order(competition: str | None, asked: League | None) -> TeamOrder | None:
    known = league_for_competition(competition) or asked
    return known.order if known else None


def _team(block: Mapping[str, Any]) -> Team:
    return Team(
        name=_text(block.get("name")) or "",
        score=_score(block.get("score")),
        logo=_text(block.get("thumbnail")),
    )


def _highlights(block: Mapping[str, Any]) -> list[Highlight]:
    found = [block.get("video_highlights"), *_dicts(block.get("video_highlight_carousel"))]
    return [
        Highlight(
            link=link,
            title=_text(item.get("title")),
            duration=_text(item.get("duration")),
            thumbnail=_text(item.get("thumbnail")),
        )
        for item in found
        if isinstance(item, Mapping) and (link := _text(item.get("link")))
    ]


def _score(value: Any) -> int | None:
    """ "2" → 2; penalties such as "1 (4)" keep the match score; absent → None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and (match := _SCORE.match(value)):
        return int(match.group(1))
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.translate(_ODD_SPACES).split())
    return cleaned or None


def _dicts(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, list):
        return (item for item in value if isinstance(item, Mapping))
    return ()
