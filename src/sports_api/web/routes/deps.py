"""Dependencies shared by the data routes: the service, the catalogues, the query rules."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sports_api.core import context
from sports_api.core.errors import InvalidParameter, Misconfigured, UnknownParameter
from sports_api.quota.clients import client_id
from sports_api.service import SportsService
from sports_api.sports.filters import GameFilter, window
from sports_api.sports.status import STATUSES
from sports_api.sports.teams import TeamCatalogue
from sports_api.web.problems import MEDIA_TYPE
from sports_api.web.schemas import Problem


async def _sports_service(request: Request) -> SportsService:
    # Async on purpose: FastAPI runs a plain `def` dependency in its thread
    # pool, a thread hop on every data request for a dictionary lookup.
    service: SportsService | None = request.app.state.sports
    if service is None:
        raise Misconfigured("; ".join(request.app.state.settings.problems()))
    if ctx := context.current():  # who pays for a search this request causes (issue 11's fair shares)
        ctx.client = client_id(request.scope.get("client"), request.scope["headers"], _allow(request))
    return service


def _allow(request: Request) -> str:
    return request.app.state.settings.forwarded_allow_ips


async def _teams(request: Request) -> TeamCatalogue:
    return request.app.state.teams


Service = Annotated[SportsService, Depends(_sports_service)]
Teams = Annotated[TeamCatalogue, Depends(_teams)]

_ANY_STATUS = "|".join(STATUSES)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# An IANA zone's name as written: letters, digits and `_+-/` ("America/Argentina/Buenos_Aires",
# "Etc/GMT-14"). Whether the zone exists is the zone database's say (`_zone`): a 422 naming it.
ZONE_PATTERN = r"^[A-Za-z0-9_+\-/]{1,64}$"
ZONE_EXAMPLES = {
    "utc": {"value": "UTC"},
    "new-york": {"value": "America/New_York"},
    "london": {"value": "Europe/London"},
    "tokyo": {"value": "Asia/Tokyo"},
}

_ACCEPTED: dict[object, frozenset[str]] = {}  # by endpoint: the same in every app


async def known_parameters(request: Request) -> None:
    """A parameter the route does not read is a mistake the client should hear about, not silence."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    accepted = _ACCEPTED.get(route.endpoint)
    if accepted is None:
        accepted = _ACCEPTED[route.endpoint] = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - accepted)
    if unknown:
        names = ", ".join(repr(name[:64]) for name in unknown[:5])
        listed = ", ".join(sorted(accepted)) or "none"
        raise UnknownParameter(
            f"Unknown query parameter {names}; this route accepts: {listed}.",
            unknown=[name[:64] for name in unknown[:5]],
            accepted=sorted(accepted),
        )


def _query_names(dependant: Dependant) -> set[str]:
    """Every query parameter a route reads, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise InvalidParameter(f"tz: {tz[:64]!r} is not an IANA time zone, e.g. Europe/London") from None


def _day(name: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(f"{name}: {text[:40]!r} is not a day written YYYY-MM-DD") from None


async def game_filter(
    status: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=rf"^\s*({_ANY_STATUS})\s*(,\s*({_ANY_STATUS})\s*)*$",
            description=f"Comma-separated statuses to keep: {', '.join(STATUSES)}.",
            openapi_examples={"live": {"value": "live,paused"}, "final": {"value": "final"}},
        ),
    ] = None,
    day: Annotated[
        str | None,
        Query(
            alias="date",
            max_length=10,
            description="Games starting on this day (YYYY-MM-DD) in `tz`.",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
    start: Annotated[
        str | None,
        Query(
            alias="from",
            max_length=10,
            description="Games starting on or after this day (YYYY-MM-DD) in `tz`.",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            alias="to",
            max_length=10,
            description="Games starting on or before this day (YYYY-MM-DD) in `tz`.",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
    tz: Annotated[
        str,
        Query(
            max_length=64,
            pattern=ZONE_PATTERN,
            description="The IANA time zone (e.g. `Europe/London`) in which `date`, `from` and `to` are "
            "read; a name the zone database does not know is a 422 problem naming it.",
            openapi_examples=ZONE_EXAMPLES,
        ),
    ] = "UTC",
) -> GameFilter:
    statuses = None
    if status:
        statuses = frozenset(word.strip().lower() for word in status.split(",") if word.strip())
        if not statuses or not statuses <= set(STATUSES):
            wrong = ", ".join(sorted(repr(w[:20]) for w in statuses - set(STATUSES))) or "nothing"
            raise InvalidParameter(f"status: {wrong} is not one of {', '.join(STATUSES)}")
    lower, upper = window(_day("date", day), _day("from", start), _day("to", end), _zone(tz))
    return GameFilter(statuses, lower, upper)


Filter = Annotated[GameFilter, Depends(game_filter)]


def problem_doc(description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": {MEDIA_TYPE: {}}}


# What a data route may answer besides 200, for the OpenAPI document.
DATA_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag still matches."},
    400: problem_doc("A query parameter the route does not accept; the problem lists the accepted ones."),
    422: problem_doc("Invalid request parameters."),
    502: problem_doc("SerpAPI failed or sent an unreadable answer, and no stale copy exists."),
    503: problem_doc("Misconfigured, upstream rate limit, or upstream budget spent (see `Retry-After`)."),
    504: problem_doc("SerpAPI did not answer in time, and no stale copy exists."),
}

DATA_HEADERS = {
    "ETag": {"description": "Weak validator of the answer.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "Seconds of freshness left.", "schema": {"type": "string"}},
    "X-Request-ID": {"description": "This request's id, also in the logs.", "schema": {"type": "string"}},
}
