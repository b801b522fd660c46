"""The league catalogue, each league's games and its table."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from sports_api.core.errors import UnknownLeague
from sports_api.service import Result, SportsService
from sports_api.sports.catalogue import LEAGUES, League, get_league
from sports_api.sports.season import season
from sports_api.upstream import Lookup
from sports_api.web.responses import data_response
from sports_api.web.routes.deps import (
    DATA_HEADERS,
    DATA_RESPONSES,
    Filter,
    Service,
    known_parameters,
    problem_doc,
)
from sports_api.web.routes.games import games_part
from sports_api.web.schemas import LeagueGames, LeagueInfo, LeagueStandings

router = APIRouter(tags=["leagues"], dependencies=[Depends(known_parameters)])

SLUG_EXAMPLES = {league.slug: {"value": league.slug} for league in LEAGUES[:4]}
Slug = Annotated[str, Path(max_length=64, openapi_examples=SLUG_EXAMPLES)]


@router.get("/v1/leagues", response_model=list[LeagueInfo], summary="The league catalogue")
async def list_leagues() -> list[LeagueInfo]:
    return [LeagueInfo(slug=lg.slug, name=lg.name, sport=lg.sport) for lg in LEAGUES]


def _league(slug: str) -> League:
    league = get_league(slug)
    if league is None:
        raise UnknownLeague(f"No league {slug[:64]!r}. GET /v1/leagues lists the catalogue.")
    return league


_LEAGUE_RESPONSES = {
    200: {"headers": DATA_HEADERS},
    404: problem_doc("No such league in the catalogue."),
    **DATA_RESPONSES,
}


@router.get(
    "/v1/leagues/{slug}/games",
    response_model=LeagueGames,
    responses=_LEAGUE_RESPONSES,
    summary="A league's schedule and scores",
)
async def league_games(request: Request, service: Service, slug: Slug, games: Filter) -> Response:
    league = _league(slug)
    result = await service.get(Lookup.for_league(league))
    head = {"league": league.slug, "time_zone": service.time_zone, "season": _season(result, service)}
    return data_response(request, result, head, "games", games_part(result, games, service))


def _season(result: Result, service: SportsService) -> dict[str, object] | None:
    """In season or not, from every game of the answer (not only those a filter keeps)."""
    searched = datetime.fromtimestamp(result.entry.fetched_at, service.zone).date()
    found = season(result.entry.document().games, searched)
    return found.model_dump(mode="json") if found is not None else None


@router.get(
    "/v1/leagues/{slug}/standings",
    response_model=LeagueStandings,
    responses=_LEAGUE_RESPONSES,
    summary="A league's table",
)
async def league_standings(request: Request, service: Service, slug: Slug) -> Response:
    league = _league(slug)
    result: Result | None = None
    if league.sport == "soccer":
        # A soccer league's box shows its table beside the games: one search feeds both routes.
        result = await service.get(Lookup.for_league(league))
    if result is None or result.entry.parts["standings"] == b"null":
        result = await service.get(Lookup.for_standings(league))
    table = result.entry.parts["standings"]
    return data_response(
        request, result, {"league": league.slug}, "standings", b"[]" if table == b"null" else table
    )


@router.get(
    "/sports",
    response_model=LeagueGames,
    responses=_LEAGUE_RESPONSES,
    summary="The seed tutorials' endpoint: NFL unless `league` says otherwise",
)
async def sports(
    request: Request,
    service: Service,
    league: Annotated[str, Query(max_length=64, openapi_examples=SLUG_EXAMPLES)] = "nfl",
) -> Response:
    found = _league(league)
    result = await service.get(Lookup.for_league(found))
    head = {"league": found.slug, "time_zone": service.time_zone}
    return data_response(request, result, head, "games", result.entry.parts["games"])
