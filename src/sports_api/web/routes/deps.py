"""Dependencies shared by the data routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from sports_api.core.errors import Misconfigured
from sports_api.service import GamesService
from sports_api.sports.models import Problem
from sports_api.web.problems import MEDIA_TYPE


async def _games_service(request: Request) -> GamesService:
    # Async on purpose: FastAPI runs a plain `def` dependency in its thread
    # pool, a thread hop on every data request for a dictionary lookup.
    service: GamesService | None = request.app.state.games
    if service is None:
        raise Misconfigured("; ".join(request.app.state.settings.problems()))
    return service


Games = Annotated[GamesService, Depends(_games_service)]


def problem_doc(description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": {MEDIA_TYPE: {}}}


# What a data route may answer besides 200, for the OpenAPI document.
DATA_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag still matches."},
    422: problem_doc("Invalid request parameters."),
    502: problem_doc("SerpAPI failed or sent an unreadable answer, and no stale copy exists."),
    503: problem_doc("Misconfigured, upstream rate limit, or upstream budget spent (see `Retry-After`)."),
    504: problem_doc("SerpAPI did not answer in time, and no stale copy exists."),
}

GAMES_HEADERS = {
    "ETag": {"description": "Weak validator of the games.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "Seconds of freshness left.", "schema": {"type": "string"}},
    "X-Request-ID": {"description": "This request's id, also in the logs.", "schema": {"type": "string"}},
}
