"""The games answer: pre-encoded bytes plus the HTTP caching headers."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from fastapi import Request
from starlette.responses import Response

from .games import Result


def games_response(request: Request, field: str, subject: str, result: Result) -> Response:
    entry = result.entry
    headers = {
        "ETag": entry.etag,
        "Cache-Control": f"public, max-age={max(0, result.fresh_for)}",
    }
    if _matches(request.headers.get("if-none-match"), entry.etag):
        return Response(status_code=304, headers=headers)
    fetched_at = datetime.fromtimestamp(entry.fetched_at, UTC).isoformat(timespec="seconds")
    body = b"".join(
        (
            b'{"',
            field.encode(),
            b'":',
            orjson.dumps(subject),
            b',"games":',
            entry.games,
            b',"source":"',
            entry.source.encode(),
            b'","fetched_at":"',
            fetched_at.encode(),
            b'","cache":"',
            result.cache.encode(),
            b'"}',
        )
    )
    return Response(body, headers=headers, media_type="application/json")


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2), as If-None-Match requires."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))
