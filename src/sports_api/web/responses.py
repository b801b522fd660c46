"""The games answer: pre-encoded bytes plus the HTTP caching headers."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import orjson
from fastapi import Request
from starlette.responses import Response

from sports_api.cache import Entry
from sports_api.service import Result
from sports_api.web import etags
from sports_api.web.hot import HotAnswer, HotAnswers


def games_response(request: Request, field: str, subject: str, result: Result) -> Response:
    entry = result.entry
    # Repeats of this exact request are answered in front of FastAPI: a fresh
    # answer until it goes stale, a stale copy until its retry interval ends.
    if result.cache == "stale":
        body = games_body(field, subject, entry, "stale")
        retry = request.app.state.settings.stale_retry_seconds
        answer = HotAnswer.build(body, entry.etag, time.time() + retry, "stale")
    else:
        body = games_body(field, subject, entry, "hit")
        answer = HotAnswer.build(body, entry.etag, result.fresh_until)
    hot: HotAnswers = request.app.hot_answers
    hot.put(request.scope["path"], request.scope["query_string"], answer)
    headers = {
        "ETag": entry.etag,
        "Cache-Control": f"public, max-age={max(0, result.fresh_for)}",
    }
    if etags.matches(request.headers.get("if-none-match"), entry.etag):
        return Response(status_code=304, headers=headers)
    if result.cache == "miss":
        body = games_body(field, subject, entry, "miss")
    return Response(body, headers=headers, media_type="application/json")


def games_body(field: str, subject: str, entry: Entry, cache: str) -> bytes:
    fetched_at = datetime.fromtimestamp(entry.fetched_at, UTC).isoformat(timespec="seconds")
    return b"".join(
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
            cache.encode(),
            b'"}',
        )
    )
