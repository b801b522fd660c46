"""A data answer: pre-encoded bytes in an envelope, plus the HTTP caching headers.

Every data route answers the same way: its own leading members (`league`,
`team`, `time_zone`), one part of a cached document (the games, filtered or
not, or the table), then where it came from and how the cache answered. The
ETag covers what the client sees except the cache's own bookkeeping, so a
refetch that changed nothing still answers 304.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from sports_api.service import Result
from sports_api.web import etags
from sports_api.web.hot import HotAnswer, HotAnswers


def data_response(request: Request, result: Result, head: dict[str, Any], part: str, data: bytes) -> Response:
    entry = result.entry
    lead = orjson.dumps(head)[:-1]  # `{"league":"nfl"` without its closing brace
    digest = hashlib.blake2b(lead + data + entry.source.encode(), digest_size=12).hexdigest()
    etag = f'W/"{digest}"'
    now = time.time()
    # Repeats of this exact request are answered in front of FastAPI: a fresh
    # answer until it goes stale, a stale copy until its retry interval ends.
    if result.cache == "stale":
        retry = request.app.state.settings.stale_retry_seconds
        hot = HotAnswer.build(_body(lead, part, data, result, "stale"), etag, now + retry, "stale")
    else:
        hot = HotAnswer.build(_body(lead, part, data, result, "hit"), etag, result.fresh_until)
    answers: HotAnswers = request.app.hot_answers
    answers.put(request.scope["path"], request.scope["query_string"], hot)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={result.fresh_for(now)}"}
    if etags.matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    body = hot.body if result.cache != "miss" else _body(lead, part, data, result, "miss")
    return Response(body, headers=headers, media_type="application/json")


def document(result: Result, head: dict[str, Any], part: str, data: bytes) -> bytes:
    """The body `data_response` sends for `result`, without its HTTP: an event stream's snapshot."""
    return _body(orjson.dumps(head)[:-1], part, data, result, result.cache)


def _body(lead: bytes, part: str, data: bytes, result: Result, cache: str) -> bytes:
    entry = result.entry
    fetched_at = datetime.fromtimestamp(entry.fetched_at, UTC).isoformat(timespec="seconds")
    return b"".join(
        (
            lead,
            b',"',
            part.encode(),
            b'":',
            data,
            b',"source":"',
            entry.source.encode(),
            b'","fetched_at":"',
            fetched_at.encode(),
            b'","cache":"',
            cache.encode(),
            b'"}',
        )
    )
