"""Request ids and the access log, as plain ASGI: no per-request task or body copy.

The id comes from `X-Request-ID` when the caller (API Gateway) sends a sane
one, so one id finds the gateway's and the app's lines for a request. An
answer served before the app (`app.SportsApi`, from `hot`) gets the same id
header and the same access line through `answer_hot`.
"""

from __future__ import annotations

import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sports_api.core import context, logs
from sports_api.web import hot

_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_ASKED_HEAD = "sports_api.head"  # scope key: a HEAD request answered as its GET (`as_get`)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id, _ = _read_headers(scope)
        ctx = context.begin(request_id.decode())
        status = 500
        header = (b"x-request-id", request_id)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _log(scope, status, started, request_id, ctx.cache, ctx.upstream_ms)


async def answer_hot(answer: hot.HotAnswer, scope: Scope, send: Send, now: float) -> None:
    """Send a fresh games answer from `hot`, with the request id and access line any request gets."""
    started = time.perf_counter()
    request_id, if_none_match = _read_headers(scope)
    status = 500
    try:
        status = await hot.serve(answer, send, request_id, if_none_match, now)
    finally:
        _log(scope, status, started, request_id, answer.cache, None)


def as_get(scope: Scope, send: Send) -> tuple[Scope, Send]:
    """A HEAD request, answered as its GET would be, without the body.

    Every GET route, and the hot answers in front of them, then answer HEAD
    (uptime checkers and `curl -I` send it) with the GET's status and headers,
    Content-Length included, whichever server runs the app.
    """

    async def send_without_body(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            message = {**message, "body": b""}
        await send(message)

    return {**scope, "method": "GET", _ASKED_HEAD: True}, send_without_body


def without_trailing_slash(scope: Scope) -> Scope:
    """`/v1/leagues/nfl/games/` routed as `/v1/leagues/nfl/games`.

    Starlette's `redirect_slashes` would answer it with a redirect to an
    absolute URL built from the `Host` header, which the caller chooses; the
    app turns that off and matches both forms instead.
    """
    path = scope["path"].rstrip("/") or "/"
    raw = scope.get("raw_path")
    changed = {**scope, "path": path}
    if raw:
        changed["raw_path"] = raw.rstrip(b"/") or b"/"
    return changed


def _log(
    scope: Scope, status: int, started: float, request_id: bytes, cache: str | None, upstream_ms: float | None
) -> None:
    logs.access(
        request_id.decode(),
        {
            "method": "HEAD" if _ASKED_HEAD in scope else scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "cache": cache,
            "upstream_ms": upstream_ms,
            "client": scope["client"][0] if scope.get("client") else None,
        },
    )


def _read_headers(scope: Scope) -> tuple[bytes, str | None]:
    """The request id (the caller's if sane, else a new random one) and If-None-Match."""
    request_id = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"x-request-id" and request_id is None and _SANE_ID.fullmatch(value):
            request_id = value
        elif name == b"if-none-match" and if_none_match is None:
            if_none_match = value.decode("latin-1")
    # 128 random bits as 32 hex digits, like uuid4().hex without the UUID object.
    return request_id or os.urandom(16).hex().encode(), if_none_match
