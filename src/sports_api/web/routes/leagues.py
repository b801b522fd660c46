"""The league catalogue and each league's games."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from sports_api.core.errors import UnknownLeague
from sports_api.sports.catalogue import LEAGUES, League, get_league
from sports_api.sports.models import LeagueGames, LeagueInfo
from sports_api.upstream import Lookup
from sports_api.web.responses import games_response
from sports_api.web.routes.deps import DATA_RESPONSES, GAMES_HEADERS, Games, problem_doc

router = APIRouter(tags=["leagues"])

SLUG_EXAMPLES = {league.slug: {"value": league.slug} for league in LEAGUES[:4]}


@router.get("/v1/leagues", response_model=list[LeagueInfo], summary="The league catalogue")
async def list_leagues() -> list[LeagueInfo]:
    return [LeagueInfo(slug=lg.slug, name=lg.name, sport=lg.sport) for lg in LEAGUES]


def _league(slug: str) -> League:
    league = get_league(slug)
    if league is None:
        raise UnknownLeague(f"No league {slug!r}. GET /v1/leagues lists the catalogue.")
    return league


_LEAGUE_RESPONSES = {
    200: {"headers": GAMES_HEADERS},
    404: problem_doc("No such league in the catalogue."),
    **DATA_RESPONSES,
}


@router.get(
    "/v1/leagues/{slug}/games",
    response_model=LeagueGames,
    responses=_LEAGUE_RESPONSES,
    summary="A league's schedule and scores",
)
async def league_games(
    request: Request,
    games: Games,
    slug: Annotated[str, Path(max_length=64, openapi_examples=SLUG_EXAMPLES)],
) -> Response:
    league = _league(slug)
    result = await games.games(Lookup.for_league(league))
    return games_response(request, "league", league.slug, result)


@router.get(
    "/sports",
    response_model=LeagueGames,
    responses=_LEAGUE_RESPONSES,
    summary="The seed tutorials' endpoint: NFL unless `league` says otherwise",
)
async def sports(
    request: Request,
    games: Games,
    league: Annotated[str, Query(max_length=64, openapi_examples=SLUG_EXAMPLES)] = "nfl",
) -> Response:
    found = _league(league)
    result = await games.games(Lookup.for_league(found))
    return games_response(request, "league", found.slug, result)
