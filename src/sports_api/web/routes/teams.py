"""A team's games, across whatever competitions Google lists for it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from sports_api.sports.models import TeamGames
from sports_api.upstream import Lookup
from sports_api.web.responses import games_response
from sports_api.web.routes.deps import DATA_RESPONSES, GAMES_HEADERS, Games

router = APIRouter(tags=["teams"])

# Printable text, no leading or trailing space; written for both pydantic's
# Rust regex engine (no look-arounds) and JSON Schema consumers.
_VISIBLE = r"[^\x00-\x20\x7f-\x9f\u2028\u2029]"
TEAM_PATTERN = rf"^{_VISIBLE}(?:[^\x00-\x1f\x7f-\x9f\u2028\u2029]*{_VISIBLE})?$"

TeamName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=TEAM_PATTERN,
        description="A team as people write it; case and inner spacing do not matter.",
        openapi_examples={"soccer": {"value": "Aston Villa"}, "nfl": {"value": "Chiefs"}},
    ),
]


@router.get(
    "/v1/teams/{team}/games",
    response_model=TeamGames,
    responses={200: {"headers": GAMES_HEADERS}, **DATA_RESPONSES},
    summary="A team's schedule and scores",
)
async def team_games(request: Request, games: Games, team: TeamName) -> Response:
    name = " ".join(team.split())
    result = await games.games(Lookup.for_team(name))
    return games_response(request, "team", name, result)
