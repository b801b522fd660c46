"""The response envelopes, as the OpenAPI document shows them.

The domain's own shapes (games, standings) live in `sports/models.py`; these
wrap them with where the data came from and how the cache answered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sports_api.sports.models import Game, Standing
from sports_api.sports.season import Season

Source = Literal["serpapi", "demo"]
CacheState = Literal["hit", "miss", "stale"]


class _Envelope(BaseModel):
    source: Source = Field(description="`demo` when the service runs without a SerpAPI key.")
    fetched_at: datetime = Field(description="When the data left the upstream.")
    cache: CacheState = Field(description="`stale`: upstream failed and an older copy is served.")


class _GamesBody(_Envelope):
    time_zone: str = Field(
        description="The IANA zone of the search: Google's raw `date` and `time` texts are local to it."
    )
    games: list[Game]


_GAME_EXAMPLE = {
    "id": "/g/11y4g9bdx0",
    "competition": "NFL",
    "league": "nfl",
    "stage": "Week 12",
    "status": "final",
    "status_text": "Final",
    "clock": None,
    "start_time": "2026-11-22T18:00:00Z",
    "date": "Sun, Nov 22",
    "time": "1:00 PM",
    "venue": "Arrowhead Stadium",
    "teams": [
        {"id": "las-vegas-raiders", "name": "Raiders", "score": 17, "logo": "https://example.com/lv.png"},
        {"id": "kansas-city-chiefs", "name": "Chiefs", "score": 24, "logo": "https://example.com/kc.png"},
    ],
    "home": {"id": "kansas-city-chiefs", "name": "Chiefs", "score": 24, "logo": "https://example.com/kc.png"},
    "away": {"id": "las-vegas-raiders", "name": "Raiders", "score": 17, "logo": "https://example.com/lv.png"},
    "highlights": [{"link": "https://example.com/recap", "title": "Recap", "duration": "3:14"}],
}
_ENVELOPE_EXAMPLE = {"source": "serpapi", "fetched_at": "2026-11-23T06:00:00Z", "cache": "hit"}


class LeagueGames(_GamesBody):
    league: str
    season: Season | None = Field(
        default=None,
        description="Whether the league is in season, read from its games: off-season (MLB and MLS in "
        "December) lists the last season's final games and the next season's first, nothing live. "
        "Null when the answer has no games.",
    )
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "league": "nfl",
                    "time_zone": "America/New_York",
                    "season": {"state": "in_season", "last_game": "2026-11-22", "next_game": "2026-11-26"},
                    "games": [_GAME_EXAMPLE],
                    **_ENVELOPE_EXAMPLE,
                }
            ]
        }
    )


class TeamRef(BaseModel):
    id: str | None = Field(description="The catalogue id; null for a name outside the catalogue.")
    name: str
    league: str | None = None


class TeamGames(_GamesBody):
    team: TeamRef
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "team": {"id": "kansas-city-chiefs", "name": "Kansas City Chiefs", "league": "nfl"},
                    "time_zone": "America/New_York",
                    "games": [_GAME_EXAMPLE],
                    **_ENVELOPE_EXAMPLE,
                }
            ]
        }
    )


class LeagueStandings(_Envelope):
    league: str
    standings: list[Standing] = Field(description="Empty when Google showed no table for the league.")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "league": "premier-league",
                    "standings": [
                        {
                            "position": 1,
                            "team": {"id": "arsenal", "name": "Arsenal", "logo": "https://example.com/a.png"},
                            "played": 12,
                            "won": 9,
                            "drawn": 2,
                            "lost": 1,
                            "goals_for": 24,
                            "goals_against": 7,
                            "goal_difference": 17,
                            "points": 29,
                            "form": ["win", "win", "draw", "win", "loss"],
                        }
                    ],
                    **_ENVELOPE_EXAMPLE,
                }
            ]
        }
    )


class LeagueInfo(BaseModel):
    slug: str
    name: str
    sport: str
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"slug": "nfl", "name": "NFL", "sport": "american-football"}]}
    )


class TeamInfo(BaseModel):
    id: str
    name: str
    abbreviation: str | None = Field(
        description="The league's official code: `KC`, `NYY`, `MUN` (three letters for European clubs)."
    )
    league: str = Field(description="The team's own league; Champions League clubs from elsewhere say so.")
    competitions: list[str] = Field(description="Other catalogue competitions it plays this season.")
    aliases: list[str] = Field(description="Other names that reach this team, as Google and people write it.")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "manchester-united",
                    "name": "Manchester United",
                    "abbreviation": "MUN",
                    "league": "premier-league",
                    "competitions": [],
                    "aliases": ["Man United", "Man Utd", "MUFC"],
                }
            ]
        }
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    source: Source
    cache: Literal["memory", "redis"]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:sports-api:problem:unknown-league",
                    "title": "Unknown league",
                    "status": 404,
                    "detail": "No league 'xfl'. GET /v1/leagues lists the catalogue.",
                    "instance": "/v1/leagues/xfl/games",
                    "request_id": "3f0c2a0e9b5d4c1e",
                }
            ]
        },
    )
