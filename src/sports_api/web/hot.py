"""Fresh games answers, served in front of FastAPI: the fast path of a cache hit.

Through FastAPI, a cache hit spent about four fifths of its CPU time in
routing, parameter validation, dependency injection and building a Response,
and the service managed under a seventh of a bare ASGI app's requests per
second (bench/README.md has the profile). So the games route leaves each
fresh answer here, keyed on the exact path and query string it answered, and
`app.SportsApi` serves a repeat of that request from these bytes until the
answer's freshness ends. After that the request takes the route again, which
asks the games service (and so the store, single-flight and the budget).

Fresh answers are kept until their freshness ends. A stale copy, served
because the upstream failed, is kept for `STALE_RETRY_SECONDS`: an outage
then costs neither hit speed nor a search per request, and once that short
interval has passed the next request tries the upstream again. Errors never
land here. What varies per request is computed per request: the request id,
the seconds of freshness left (0 for a stale copy), and If-None-Match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.types import Send

from sports_api.web import etags

# Starlette's `Response(media_type="application/json")` sends the same.
_JSON = (b"content-type", b"application/json")


@dataclass(frozen=True, slots=True)
class HotAnswer:
    body: bytes  # the whole 200 body, saying "cache":"hit" or "stale"
    etag: str
    until: float  # Unix time: the end of freshness, or of a stale copy's retry interval
    headers: tuple[tuple[bytes, bytes], ...]  # etag, then content-length and type
    cache: str = "hit"  # or "stale"

    @classmethod
    def build(cls, body: bytes, etag: str, until: float, cache: str = "hit") -> HotAnswer:
        headers = ((b"etag", etag.encode()), (b"content-length", str(len(body)).encode()), _JSON)
        return cls(body, etag, until, headers, cache)


class HotAnswers:
    """Answers by (path, query string), bounded.

    When full, the oldest insertion makes room. A hot key pushed out that way
    is back after its next request through the route: one ordinary cache hit.
    A request with a long query string is answered as usual but not kept:
    uvicorn accepts request lines up to about 64 KB, and junk parameters must
    not fill this map with big keys or push the real hot keys out.
    """

    def __init__(self, max_entries: int = 512, max_query: int = 256) -> None:
        self._max = max_entries
        self._max_query = max_query
        self._answers: dict[tuple[str, bytes], HotAnswer] = {}

    def get(self, path: str, query: bytes, now: float) -> HotAnswer | None:
        answer = self._answers.get((path, query))
        if answer is not None and answer.until <= now:
            self._answers.pop((path, query), None)
            return None
        return answer

    def put(self, path: str, query: bytes, answer: HotAnswer) -> None:
        if len(query) > self._max_query:
            return
        key = (path, query)
        if key not in self._answers and len(self._answers) >= self._max:
            del self._answers[next(iter(self._answers))]
        self._answers[key] = answer

    def clear(self) -> None:
        self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)


async def serve(
    answer: HotAnswer, send: Send, request_id: bytes, if_none_match: str | None, now: float
) -> int:
    """Send the answer (or a 304) with the headers the route would; the status sent."""
    etag, *entity = answer.headers
    fresh_for = 0 if answer.cache == "stale" else max(0, math.ceil(answer.until - now))
    cache_control = (b"cache-control", b"public, max-age=%d" % fresh_for)
    if etags.matches(if_none_match, answer.etag):
        headers = [etag, cache_control, (b"x-request-id", request_id)]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return 304
    headers = [etag, cache_control, *entity, (b"x-request-id", request_id)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
    return 200
