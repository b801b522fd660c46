"""The public response shapes, as the OpenAPI document shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["serpapi", "demo"]
CacheState = Literal["hit", "miss", "stale"]


class Team(BaseModel):
    name: str
    score: int | None = Field(description="Null until the game has a score.")
    logo: str | None = None


class Highlight(BaseModel):
    link: str
    title: str | None = None
    duration: str | None = None
    thumbnail: str | None = None


class Game(BaseModel):
    competition: str | None = Field(description="League or tournament, as Google names it.")
    stage: str | None = None
    status: str | None = Field(description='Raw status text, e.g. "FT" or "Final".')
    date: str | None = Field(description='Raw, local and sometimes relative: "today, 4:30 PM".')
    time: str | None = None
    venue: str | None = None
    teams: list[Team] = Field(description="In the order Google lists them.")
    home: Team | None = Field(description="Null when the competition's team order is unknown.")
    away: Team | None = None
    highlights: list[Highlight] = []


class _GamesBody(BaseModel):
    games: list[Game]
    source: Source = Field(description="`demo` when the service runs without a SerpAPI key.")
    fetched_at: datetime = Field(description="When the data left the upstream.")
    cache: CacheState = Field(description="`stale`: upstream failed and an older copy is served.")


_GAME_EXAMPLE = {
    "competition": "NFL",
    "stage": "Week 12",
    "status": "Final",
    "date": "Sun, Nov 22",
    "time": None,
    "venue": "Arrowhead Stadium",
    "teams": [
        {"name": "Raiders", "score": 17, "logo": "https://example.com/lv.png"},
        {"name": "Chiefs", "score": 24, "logo": "https://example.com/kc.png"},
    ],
    "home": {"name": "Chiefs", "score": 24, "logo": "https://example.com/kc.png"},
    "away": {"name": "Raiders", "score": 17, "logo": "https://example.com/lv.png"},
    "highlights": [{"link": "https://example.com/recap", "title": "Recap", "duration": "3:14"}],
}


class LeagueGames(_GamesBody):
    league: str
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "league": "nfl",
                    "games": [_GAME_EXAMPLE],
                    "source": "serpapi",
                    "fetched_at": "2026-11-23T06:00:00Z",
                    "cache": "hit",
                }
            ]
        }
    )


class TeamGames(_GamesBody):
    team: str
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "team": "chiefs",
                    "games": [_GAME_EXAMPLE],
                    "source": "serpapi",
                    "fetched_at": "2026-11-23T06:00:00Z",
                    "cache": "miss",
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
