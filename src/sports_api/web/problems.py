"""Every error leaves as RFC 9457 problem details, and never with a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from sports_api.core import context
from sports_api.core.errors import ServiceError
from sports_api.sports.status import STATUSES

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str | None,
    instance: str,
    *,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    ctx = context.current()
    body = {
        "type": f"urn:sports-api:problem:{kind}" if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": ctx.request_id if ctx else None,
        **extra,
    }
    return Response(
        orjson.dumps({k: v for k, v in body.items() if v is not None}),
        status,
        headers=headers,
        media_type=MEDIA_TYPE,
    )


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    headers = {**exc.headers, **({"Retry-After": str(exc.retry_after)} if exc.retry_after else {})} or None
    return problem(
        exc.status, exc.title, exc.detail, request.url.path, kind=exc.kind, headers=headers, **exc.extra
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if exc.detail != title else None
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette names the methods of the first route on the path; a path served by several
        # routes (PUT and DELETE /v1/me/teams/{team}) allows all of theirs.
        headers = {**(headers or {}), "Allow": _allowed(request)}
    return problem(exc.status_code, title, detail, request.url.path, headers=headers)


def _allowed(request: Request) -> str:
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # The offending input is not echoed: it may be huge or hostile.
    errors = [
        {"location": ".".join(str(part) for part in err.get("loc", ())), "message": _message(err)}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return problem(422, "Invalid request", detail, request.url.path, kind="invalid-request", errors=errors)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "string_pattern_mismatch":
        if error.get("loc", ())[-1:] == ("status",):
            return "must be a comma-separated list of " + ", ".join(STATUSES)
        return "must be printable text, without control characters or surrounding spaces"
    return str(error.get("msg", "invalid"))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return problem(500, "Internal error", "The error was logged with this request's id.", request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
