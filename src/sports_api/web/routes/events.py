"""The event-stream routes: a league's, a team's and the caller's favourites' games, pushed as they change.

Each answers `text/event-stream` (`events/stream.py`): a `snapshot` event
holding what the matching games route answers, then a `game` event for each
game a refresh changed. A client that reconnects with `Last-Event-ID` gets
the events it missed, or a fresh snapshot when that id is no longer known.
Watching costs no search of its own: while a stream is open, its answers are
refreshed as requests would refresh them (`events/keeper.py`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from sports_api.core import context
from sports_api.core.errors import InvalidParameter, StreamsFull, UnknownTeam
from sports_api.events.changes import frame
from sports_api.events.hub import Hub, TopicSpec
from sports_api.events.stream import MEDIA_TYPE, EventStream, Timing
from sports_api.sports.filters import GameFilter
from sports_api.sports.models import Game
from sports_api.sports.names import fold
from sports_api.upstream import Lookup
from sports_api.web.responses import document
from sports_api.web.routes.deps import DATA_RESPONSES, Service, Teams, known_parameters, problem_doc
from sports_api.web.routes.leagues import Slug, _league
from sports_api.web.routes.me import _AUTH, Caller, favourite_teams, my_games_document
from sports_api.web.routes.results import ArchiveDep
from sports_api.web.routes.teams import _TEAM_RESPONSES, TeamName, _find

router = APIRouter(dependencies=[Depends(known_parameters)])


class GameChange(BaseModel):
    """The `data` of a `game` event: one game a refresh changed."""

    game: Game = Field(description="The game as the refreshed answer shows it.")
    changed: list[Literal["score", "status", "clock", "start_time"]] = Field(
        description="What differs from the previous answer; all four for a game it did not show."
    )
    source: str = Field(description="The answer it came from: `league:<slug>`, or `team:<id>`.")
    fetched_at: datetime = Field(description="When that answer left the upstream (milliseconds).")


class Heartbeat(BaseModel):
    """The `data` of a `heartbeat` event: nothing; the stream is alive."""

    model_config = ConfigDict(extra="forbid")


# The schema of each event's `data`, for the OpenAPI document (`x-events` on each stream).
EVENT_SCHEMAS: tuple[type[BaseModel], ...] = (GameChange, Heartbeat)

LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        max_length=128,
        description="The id of the last event received (browsers send it when they reconnect): the events "
        "missed since are sent instead of a snapshot, or a snapshot if that id is no longer known.",
    ),
]

STREAM_DESCRIPTION = """`text/event-stream`, one event after another:

- `snapshot` (first, and again after a reconnection whose `Last-Event-ID` is no longer known):
  `data` is the document the matching games route answers;
- `game`: a game a refresh changed; `data` is a `GameChange`;
- `heartbeat`: sent after {heartbeat} s without another event; `data` is `{{}}`.

Every event has an `id:` (a heartbeat repeats the last one); `retry:` says when to reconnect. The
stream closes itself after about 14 minutes, or when the task stops, with `retry:`: reconnect with
`Last-Event-ID` (browsers' EventSource does) to go on where it stopped."""


def stream_responses(
    snapshot: str, extra: dict[int | str, dict[str, Any]]
) -> dict[int | str, dict[str, Any]]:
    example = (
        "retry: 2000\n"
        'id: 19b1a2c3d4e-5f6a7b8c\nevent: snapshot\ndata: {"league":"nfl","time_zone":"America/New_York",'
        '"games":[…],"source":"serpapi","fetched_at":"2026-11-23T18:00:00+00:00","cache":"hit"}\n\n'
        'id: 19b1a2d1f80-5f6a7b8c.0\nevent: game\ndata: {"game":{…},"changed":["score"],'
        '"source":"league:nfl","fetched_at":"2026-11-23T18:01:02.113+00:00"}\n\n'
        "id: 19b1a2d1f80-5f6a7b8c.0\nevent: heartbeat\ndata: {}\n\n"
    )
    return {
        200: {
            "description": STREAM_DESCRIPTION.format(heartbeat=15),
            "content": {
                MEDIA_TYPE: {
                    "x-events": {
                        "snapshot": {"$ref": f"#/components/schemas/{snapshot.strip('`')}"},
                        "game": {"$ref": "#/components/schemas/GameChange"},
                        "heartbeat": {"$ref": "#/components/schemas/Heartbeat"},
                    },
                    # One event of the stream, as an EventSource reads it: `data` is the JSON
                    # that `x-events` describes for the event's name.
                    "schema": {
                        "type": "object",
                        "description": f"A Server-Sent Event; a snapshot's `data` is a {snapshot}.",
                        "properties": {
                            "event": {"type": "string", "enum": ["snapshot", "game", "heartbeat"]},
                            "id": {"type": "string"},
                            "data": {"type": "string", "contentMediaType": "application/json"},
                            "retry": {"type": "integer", "minimum": 0},
                        },
                        "required": ["data"],
                    },
                    "examples": {"stream": {"value": example}},
                }
            },
        },
        **extra,
        503: problem_doc(
            "Misconfigured, no copy and no search allowed, or this task holds its most streams."
        ),
    }


async def open_stream(
    request: Request, spec: TopicSpec, snapshot: Callable[[], Awaitable[bytes]], last_event_id: str | None
) -> EventStream:
    """Subscribe, then the first events: those missed since `last_event_id`, or a snapshot."""
    state = request.app.state
    hub: Hub = state.events.hub
    if hub.count >= hub.max_subscribers:
        raise StreamsFull(f"This task holds {hub.count} event streams, its most; try again.", retry_after=5)
    ctx = context.current()
    subscriber, mark = hub.subscribe(spec, ctx.client if ctx and ctx.client else "anonymous")
    try:
        missed = hub.log.since(last_event_id, spec)
        if missed is not None:
            first = b"".join(event.frame for event in missed)
            last_id = missed[-1].id if missed else str(last_event_id).strip()
        else:
            # Subscribed first: a change delivered while the snapshot is read waits in the buffer.
            last_id = mark or f"s-{round(time.time() * 1000):x}"
            first = frame("snapshot", await snapshot(), last_id)
    except BaseException:
        hub.unsubscribe(spec, subscriber)
        raise
    settings = state.settings
    timing = Timing(settings.events_heartbeat_seconds, settings.events_max_seconds, settings.events_retry_ms)
    if ctx:
        ctx.cache = "stream"
    return EventStream(hub, spec, subscriber, first, last_id, timing)


@router.get(
    "/v1/leagues/{slug}/events",
    tags=["leagues"],
    response_class=EventStream,
    status_code=200,
    responses=stream_responses("`LeagueGames`", {404: problem_doc("No such league in the catalogue.")}),
    summary="A league's games as they change (Server-Sent Events)",
)
async def league_events(
    request: Request, service: Service, slug: Slug, last_event_id: LastEventId = None
) -> Response:
    league = _league(slug)
    lookup = Lookup.for_league(league)
    spec = TopicSpec(lookup.key, {lookup.key: None}, (lookup,))

    async def snapshot() -> bytes:
        result = await service.get(lookup)
        head = {"league": league.slug, "time_zone": service.time_zone}
        return document(result, head, "games", result.entry.parts["games"])

    return await open_stream(request, spec, snapshot, last_event_id)


@router.get("/events/{slug}", response_class=EventStream, include_in_schema=False)
async def scoreboard_events(
    request: Request, service: Service, slug: Slug, last_event_id: LastEventId = None
) -> Response:
    """The scoreboard's stream of a league: the league's own, at a path the gateway serves with no key.

    A browser sends no API key, so the page cannot open /v1/leagues/{slug}/events
    behind API Gateway; this path is open like the page itself (and rate-limited
    per IP by the WAF). It costs what the league's stream costs: a catalogue
    league's refresh, shared by everyone watching it.
    """
    return await league_events(request, service, slug, last_event_id)


@router.get(
    "/v1/teams/{team}/events",
    tags=["teams"],
    response_class=EventStream,
    status_code=200,
    responses=stream_responses("`TeamGames`", {**_TEAM_RESPONSES, 422: DATA_RESPONSES[422]}),
    summary="A team's games as they change (Server-Sent Events)",
)
async def team_events(
    request: Request, service: Service, teams: Teams, team: TeamName, last_event_id: LastEventId = None
) -> Response:
    found = _find(team, teams)
    if found is not None:
        lookup = Lookup.for_team(found)
        subject: dict[str, Any] = {"id": found.id, "name": found.name, "league": found.league}
        sources: dict[str, frozenset[str] | None] = {lookup.key: None}
        if lookup.league is not None:  # its running games are refreshed through its league's answer
            sources[Lookup.for_league(lookup.league).key] = frozenset({found.id})
    elif service.source_name == "demo":
        raise UnknownTeam(f"No team answers to {team!r}. GET /v1/teams lists the catalogue.")
    elif len(fold(team)) > 64:
        raise InvalidParameter("team: longer than 64 characters once written plainly")
    else:  # a name outside the catalogue: its own search, paid from the caller's share
        lookup = Lookup.for_unknown_team(team)
        subject = {"id": None, "name": " ".join(team.split()), "league": None}
        sources = {lookup.key: None}
    spec = TopicSpec(lookup.key, sources, (lookup,))

    async def snapshot() -> bytes:
        result = await service.get(lookup)
        head = {"team": subject, "time_zone": service.time_zone}
        return document(result, head, "games", result.entry.parts["games"])

    return await open_stream(request, spec, snapshot, last_event_id)


@router.get(
    "/v1/me/events",
    tags=["me"],
    response_class=EventStream,
    status_code=200,
    responses=stream_responses("`MyGames`", {**_AUTH}),
    summary="My favourite teams' games as they change (Server-Sent Events)",
)
async def my_events(
    request: Request,
    archive: ArchiveDep,
    service: Service,
    teams: Teams,
    who: Caller,
    last_event_id: LastEventId = None,
) -> Response:
    followed = await favourite_teams(archive, teams, who)
    lookups = tuple(Lookup.for_team(team) for team in followed)
    sources: dict[str, frozenset[str] | None] = {lookup.key: None for lookup in lookups}
    for lookup in lookups:
        if lookup.league is not None and lookup.team is not None:
            key = Lookup.for_league(lookup.league).key
            sources[key] = (sources.get(key) or frozenset()) | {lookup.team.id}
    # One topic per set of favourites: callers who follow the same teams share it.
    spec = TopicSpec("me:" + ",".join(sorted(team.id for team in followed)), sources, lookups)

    async def snapshot() -> bytes:
        return await my_games_document(service, followed, GameFilter())

    return await open_stream(request, spec, snapshot, last_event_id)
