"""The team catalogue, and a team's games across whatever competitions Google lists for it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from sports_api.core.errors import AmbiguousTeam, InvalidParameter, UnknownLeague, UnknownTeam
from sports_api.sports.catalogue import get_league
from sports_api.sports.names import fold
from sports_api.sports.teams import Team, TeamCatalogue
from sports_api.upstream import Lookup
from sports_api.web.responses import data_response
from sports_api.web.routes.deps import (
    DATA_HEADERS,
    DATA_RESPONSES,
    Filter,
    Service,
    Teams,
    known_parameters,
    problem_doc,
)
from sports_api.web.routes.games import games_part
from sports_api.web.schemas import TeamGames, TeamInfo

router = APIRouter(tags=["teams"], dependencies=[Depends(known_parameters)])

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
        description="A team id from `GET /v1/teams`, or its name as people write it: aliases, case, "
        "accents and Unicode forms do not matter (`Man United` = `manchester united`).",
        openapi_examples={"soccer": {"value": "Man United"}, "nfl": {"value": "Chiefs"}},
    ),
]

_TEAM_RESPONSES = {
    404: problem_doc("No team answers to that name (demo mode), or no such team id."),
    409: problem_doc("Several teams answer to that name; the problem lists their ids."),
}


def _info(team: Team) -> TeamInfo:
    return TeamInfo(
        id=team.id,
        name=team.name,
        abbreviation=team.abbreviation,
        league=team.league,
        competitions=list(team.competitions),
        aliases=list(dict.fromkeys(n for n in (team.short, *team.aliases) if n and n != team.name)),
    )


def _find(name: str, teams: TeamCatalogue) -> Team | None:
    """The one catalogue team `name` means; None when no team answers to it."""
    if not fold(name):
        # Only blanks and invisible characters: no team answers to it, and it is never a key or a search.
        raise UnknownTeam(f"No team answers to {name!r}: written plainly, it is empty.")
    known = teams.get(name)
    if known is not None:
        return known
    found = teams.lookup(name)
    if len(found) > 1:
        raise AmbiguousTeam(
            f"{name!r} may mean {', '.join(team.name for team in found)}; ask by id.",
            candidates=[team.id for team in found],
        )
    return found[0] if found else None


@router.get("/v1/teams", response_model=list[TeamInfo], summary="The team catalogue")
async def list_teams(
    teams: Teams,
    league: Annotated[
        str | None, Query(max_length=64, description="Only this league's teams (a slug from /v1/leagues).")
    ] = None,
) -> list[TeamInfo]:
    if league is None:
        return [_info(team) for team in teams]
    if get_league(league) is None:
        raise UnknownLeague(f"No league {league[:64]!r}. GET /v1/leagues lists the catalogue.")
    return [_info(team) for team in teams.in_league(league.lower())]


@router.get(
    "/v1/teams/{team}",
    response_model=TeamInfo,
    responses={**_TEAM_RESPONSES, 422: DATA_RESPONSES[422]},
    summary="One team of the catalogue",
)
async def get_team(teams: Teams, team: TeamName) -> TeamInfo:
    found = _find(team, teams)
    if found is None:
        raise UnknownTeam(f"No team answers to {team!r}. GET /v1/teams lists the catalogue.")
    return _info(found)


@router.get(
    "/v1/teams/{team}/games",
    response_model=TeamGames,
    responses={200: {"headers": DATA_HEADERS}, **_TEAM_RESPONSES, **DATA_RESPONSES},
    summary="A team's schedule and scores",
)
async def team_games(
    request: Request, service: Service, teams: Teams, team: TeamName, games: Filter
) -> Response:
    found = _find(team, teams)
    if found is not None:
        lookup = Lookup.for_team(found)
        subject = {"id": found.id, "name": found.name, "league": found.league}
    elif service.source_name == "demo":
        raise UnknownTeam(f"No team answers to {team!r}. GET /v1/teams lists the catalogue.")
    elif len(fold(team)) > 64:
        # NFKC can expand a character many times over ("\ufdfa" is 18): the folded key is bounded too.
        raise InvalidParameter("team: longer than 64 characters once written plainly")
    else:
        # Outside the catalogue, a live service may still search for the name.
        lookup = Lookup.for_unknown_team(team)
        subject = {"id": None, "name": " ".join(team.split()), "league": None}
    result = await service.get(lookup)
    head = {"team": subject, "time_zone": service.time_zone}
    return data_response(request, result, head, "games", games_part(result, games, service))
