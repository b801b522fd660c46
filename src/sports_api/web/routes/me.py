"""Favourite teams per caller, and their games.

The caller is API Gateway's API key id, which the api stack passes as
`X-Api-Key-Id`. It is believed only as `quota/clients.py` believes it for the
fair shares: from a peer in FORWARDED_ALLOW_IPS (the load balancer's range;
loopback by default, for local runs), or through a trusted proxy. Without a
believable id every `/v1/me/*` route answers 401. Favourites are catalogue
teams, kept in the archive's backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from sports_api.archive import Archive
from sports_api.core.errors import ServiceError, Unauthenticated, UnknownTeam
from sports_api.quota.clients import client_id
from sports_api.service import Result, SportsService
from sports_api.sports.filters import GameFilter
from sports_api.sports.models import Game
from sports_api.sports.teams import Team, TeamCatalogue
from sports_api.upstream import Lookup
from sports_api.web.routes.deps import DATA_RESPONSES, Filter, Service, Teams, known_parameters, problem_doc
from sports_api.web.routes.results import ArchiveDep, cached_json
from sports_api.web.routes.teams import TeamName, _find, _info
from sports_api.web.schemas import _GAME_EXAMPLE, CacheState, Source, TeamInfo

KEY_HEADER = "X-Api-Key-Id"
PRIVATE = "private, no-cache"
CONCURRENT_LOOKUPS = 4  # a cold cache with 20 favourites is 20 searches: not all at once


async def caller(request: Request) -> str:
    """The API key id of a request that came through the trusted proxy; else 401."""
    who = client_id(
        request.scope.get("client"), request.scope["headers"], request.app.state.settings.forwarded_allow_ips
    )
    if not who.startswith("key:"):
        if request.headers.get(KEY_HEADER) is not None:
            detail = f"{KEY_HEADER} is believed only from the API gateway's proxy, and this request is not."
        else:
            detail = f"/v1/me needs the caller's API key: call through the API gateway ({KEY_HEADER})."
        raise Unauthenticated(detail)
    return who.removeprefix("key:")


Caller = Annotated[str, Depends(caller)]

router = APIRouter(tags=["me"], dependencies=[Depends(caller), Depends(known_parameters)])


class Favourites(BaseModel):
    teams: list[TeamInfo] = Field(description="The caller's favourite teams, by id.")
    limit: int = Field(description="How many a caller may keep.")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "teams": [
                        {
                            "id": "kansas-city-chiefs",
                            "name": "Kansas City Chiefs",
                            "abbreviation": "KC",
                            "league": "nfl",
                            "competitions": [],
                            "aliases": ["Chiefs", "KC Chiefs"],
                        }
                    ],
                    "limit": 20,
                }
            ]
        }
    )


class Unavailable(BaseModel):
    team: str
    type: str = Field(description="The problem type that team's games met, e.g. the search budget spent.")
    status: int


class MyGames(BaseModel):
    teams: list[str] = Field(description="The favourite team ids whose games these are.")
    time_zone: str
    games: list[Game] = Field(description="Every favourite's cached games, once each, in start order.")
    unavailable: list[Unavailable] = Field(
        description="Favourites whose games could not be had now (no cached copy and no search allowed)."
    )
    source: Source
    fetched_at: datetime | None = Field(description="The oldest of the answers used.")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "teams": ["kansas-city-chiefs", "manchester-united"],
                    "time_zone": "America/New_York",
                    "games": [_GAME_EXAMPLE],
                    "unavailable": [
                        {
                            "team": "manchester-united",
                            "type": "urn:sports-api:problem:upstream-budget-exhausted",
                            "status": 503,
                        }
                    ],
                    "source": "serpapi",
                    "fetched_at": "2026-11-23T06:00:00Z",
                    "cache": "hit",
                }
            ]
        }
    )
    cache: CacheState | None = Field(
        description="`stale` if any answer was, else `miss` if any was, else `hit`."
    )


_AUTH = {401: problem_doc(f"No trusted `{KEY_HEADER}`: call through the API gateway.")}
_TEAM = {
    404: problem_doc("No team of the catalogue answers to that name."),
    409: problem_doc("Several teams answer to that name, or the caller already keeps the most favourites."),
    422: DATA_RESPONSES[422],
    503: problem_doc("The archive, where favourites are kept, is off or cannot be reached."),
}


def _resolve(name: str, teams: TeamCatalogue) -> Team:
    found = _find(name, teams)
    if found is None:
        raise UnknownTeam(f"No team answers to {name!r}. GET /v1/teams lists the catalogue.")
    return found


async def _listing(request: Request, archive: Archive, who: str, teams: TeamCatalogue) -> bytes:
    ids = await archive.favourites(who)
    known = [team for team in (teams.get(team_id) for team_id in ids) if team is not None]
    limit = request.app.state.settings.favourites_max
    return Favourites(teams=[_info(team) for team in known], limit=limit).model_dump_json().encode()


@router.get(
    "/v1/me/teams",
    response_model=Favourites,
    responses={**_AUTH, 503: _TEAM[503]},
    summary="My favourite teams",
)
async def my_teams(request: Request, archive: ArchiveDep, teams: Teams, who: Caller) -> Response:
    return cached_json(request, await _listing(request, archive, who, teams), PRIVATE, Vary=KEY_HEADER)


@router.put(
    "/v1/me/teams/{team}",
    response_model=Favourites,
    status_code=200,
    responses={**_AUTH, **_TEAM, 201: {"description": "Added; the list as it is now.", "model": Favourites}},
    summary="Follow a team (201 when added, 200 when already followed)",
)
async def follow(
    request: Request, archive: ArchiveDep, teams: Teams, who: Caller, team: TeamName
) -> Response:
    found = _resolve(team, teams)
    added = await archive.add_favourite(who, found.id, request.app.state.settings.favourites_max)
    body = await _listing(request, archive, who, teams)
    headers = {"Cache-Control": "no-store", "Vary": KEY_HEADER}
    return Response(body, 201 if added else 200, headers=headers, media_type="application/json")


@router.delete(
    "/v1/me/teams/{team}",
    status_code=204,
    responses={**_AUTH, **_TEAM},
    summary="Stop following a team (204 whether or not it was followed)",
)
async def unfollow(archive: ArchiveDep, teams: Teams, who: Caller, team: TeamName) -> Response:
    found = _resolve(team, teams)
    await archive.remove_favourite(who, found.id)
    return Response(status_code=204)


@router.get(
    "/v1/me/games",
    response_model=MyGames,
    responses={**_AUTH, **DATA_RESPONSES, 503: _TEAM[503]},
    summary="My favourite teams' games, from the cache (searches only as the quota allows)",
)
async def my_games(
    request: Request, archive: ArchiveDep, service: Service, teams: Teams, who: Caller, games: Filter
) -> Response:
    followed = await favourite_teams(archive, teams, who)
    body = await my_games_document(service, followed, games)
    return cached_json(request, body, PRIVATE, Vary=KEY_HEADER)


async def favourite_teams(archive: Archive, teams: TeamCatalogue, who: str) -> list[Team]:
    ids = await archive.favourites(who)
    return [team for team in (teams.get(team_id) for team_id in ids) if team is not None]


async def my_games_document(service: SportsService, followed: list[Team], games: GameFilter) -> bytes:
    """`GET /v1/me/games`'s body for these teams (also `/v1/me/events`' snapshot)."""
    results: dict[str, Result] = {}
    failed: list[dict[str, Any]] = []
    limiter = anyio.CapacityLimiter(CONCURRENT_LOOKUPS)

    async def one(team: Team) -> None:
        async with limiter:
            try:
                results[team.id] = await service.get(Lookup.for_team(team))
            except ServiceError as exc:  # one team's budget or upstream trouble is not everyone's
                failed.append(
                    {"team": team.id, "type": f"urn:sports-api:problem:{exc.kind}", "status": exc.status}
                )

    async with anyio.create_task_group() as group:
        for team in followed:
            group.start_soon(one, team)
    seen: dict[str, Game] = {}
    for team in followed:
        if team.id in results:
            for game in results[team.id].entry.document().games:
                seen.setdefault(game.id, game)
    kept = games.apply(seen.values(), service.zone) if games.active else list(seen.values())
    kept.sort(key=_start_order)
    states = {result.cache for result in results.values()}
    cache = next((state for state in ("stale", "miss", "hit") if state in states), None)
    oldest = min((result.entry.fetched_at for result in results.values()), default=None)
    return orjson.dumps(
        {
            "teams": [team.id for team in followed],
            "time_zone": service.time_zone,
            "games": [game.model_dump(mode="json") for game in kept],
            "unavailable": sorted(failed, key=lambda item: item["team"]),
            "source": service.source_name,
            "fetched_at": datetime.fromtimestamp(oldest, UTC).isoformat(timespec="seconds")
            if oldest
            else None,
            "cache": cache,
        }
    )


def _start_order(game: Game) -> tuple[int, str, str]:
    if game.start_time is not None:
        return (0, game.start_time.astimezone(UTC).isoformat(), game.id)
    if game.start_date is not None:
        return (0, game.start_date.isoformat(), game.id)
    return (1, "", game.id)
