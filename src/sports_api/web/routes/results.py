"""Results from the archive: a league's or a team's games over any window, page by page. Never a search."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from sports_api.archive import Archive, GameRecord, View
from sports_api.archive import cursor as cursors
from sports_api.core.errors import UnknownTeam
from sports_api.sports.filters import GameFilter
from sports_api.sports.models import Game
from sports_api.web import etags
from sports_api.web.routes.deps import DATA_RESPONSES, Filter, Teams, known_parameters, problem_doc
from sports_api.web.routes.leagues import Slug, _league
from sports_api.web.routes.teams import TeamName, _find
from sports_api.web.schemas import _GAME_EXAMPLE, Source, TeamRef

router = APIRouter(tags=["results"], dependencies=[Depends(known_parameters)])

MAX_LIMIT = 100
MAX_AGE_SECONDS = 30  # new answers reach the archive within seconds; a short shared cache is enough


class ArchivedGame(Game):
    first_seen: datetime = Field(description="When an answer first showed this game.")
    last_seen: datetime = Field(description="When an answer last showed it.")


class _ResultsBody(BaseModel):
    time_zone: str = Field(
        description="The zone of the searches: `start_date` and the raw texts are local to it."
    )
    games: list[ArchivedGame] = Field(description="In start order; each as the newest answer showed it.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same other parameters) for the next page; null on the last."
    )
    source: Source = Field(description="Whose games: live (`serpapi`) and demo games are kept apart.")


ARCHIVED_EXAMPLE = {
    **_GAME_EXAMPLE,
    "first_seen": "2026-11-20T15:02:11Z",
    "last_seen": "2026-11-23T06:00:00Z",
}
_PAGE_EXAMPLE = {
    "time_zone": "America/New_York",
    "games": [ARCHIVED_EXAMPLE],
    "next_cursor": "WzEsIjNmMGMyYTBlOWI1ZDRjMWUiLCIyMDI2LTExLTIyVDE4OjAwOjAwWiMvZy8xMXk0ZzliZHgwIiwi"
    "OWZiNDE4OTY1Y2UxIl0",
    "source": "serpapi",
}


class LeagueResults(_ResultsBody):
    league: str
    model_config = ConfigDict(json_schema_extra={"examples": [{"league": "nfl", **_PAGE_EXAMPLE}]})


class TeamResults(_ResultsBody):
    team: TeamRef
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "team": {"id": "kansas-city-chiefs", "name": "Kansas City Chiefs", "league": "nfl"},
                    **_PAGE_EXAMPLE,
                }
            ]
        }
    )


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Games per page (at most {MAX_LIMIT}).")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=1024,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="`next_cursor` of the previous page, with the same other parameters.",
    ),
]


async def _archive(request: Request) -> Archive:
    return request.app.state.archive


ArchiveDep = Annotated[Archive, Depends(_archive)]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "ETag": {"description": "Weak validator of the page.", "schema": {"type": "string"}},
            "Cache-Control": {"description": "`public, max-age=30`.", "schema": {"type": "string"}},
        }
    },
    304: DATA_RESPONSES[304],
    400: DATA_RESPONSES[400],
    422: problem_doc("Invalid parameters, or a `cursor` from another query."),
    503: problem_doc("The archive is off or cannot be read."),
}


@router.get(
    "/v1/leagues/{slug}/results",
    response_model=LeagueResults,
    responses={**_RESPONSES, 404: problem_doc("No such league in the catalogue.")},
    summary="A league's games from the archive, over any window",
)
async def league_results(
    request: Request,
    archive: ArchiveDep,
    slug: Slug,
    games: Filter,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    league = _league(slug)
    head = {"league": league.slug}
    return await _answer(request, archive, View("league", league.slug), head, games, limit, cursor)


@router.get(
    "/v1/teams/{team}/results",
    response_model=TeamResults,
    responses={
        **_RESPONSES,
        404: problem_doc("No team of the catalogue answers to that name."),
        409: problem_doc("Several teams answer to that name; the problem lists their ids."),
    },
    summary="A team's games from the archive, over any window",
)
async def team_results(
    request: Request,
    archive: ArchiveDep,
    teams: Teams,
    team: TeamName,
    games: Filter,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    found = _find(team, teams)
    if found is None:  # the archive files games under catalogue teams only
        raise UnknownTeam(f"No team answers to {team!r}. GET /v1/teams lists the catalogue.")
    head = {"team": {"id": found.id, "name": found.name, "league": found.league}}
    return await _answer(request, archive, View("team", found.id), head, games, limit, cursor)


def source_of(request: Request) -> str:
    return request.app.state.settings.effective_source.value


async def _answer(
    request: Request,
    archive: Archive,
    view: View,
    head: dict[str, Any],
    wanted: GameFilter,
    limit: int,
    cursor: str | None,
) -> Response:
    source = source_of(request)
    query = cursors.fingerprint(source, view, wanted)
    after = cursors.decode(cursor, query) if cursor else None
    records, last = await archive.page(source, view, wanted, after, limit)
    body = orjson.dumps(
        {
            **head,
            "time_zone": archive.zone.key,
            "games": [archived(record) for record in records],
            "next_cursor": cursors.encode(query, last) if last else None,
            "source": source,
        }
    )
    return cached_json(request, body, f"public, max-age={MAX_AGE_SECONDS}")


def archived(record: GameRecord) -> dict[str, Any]:
    return {
        **record.game,
        "first_seen": _instant(record.first_seen),
        "last_seen": _instant(record.last_seen),
    }


def _instant(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def cached_json(request: Request, body: bytes, cache_control: str, **headers: str) -> Response:
    """200 with a weak ETag of the body, or 304 when `If-None-Match` holds it."""
    etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": cache_control, **headers}
    if etags.matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type="application/json")
