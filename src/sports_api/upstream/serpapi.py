"""The live source: Google's sports box through SerpAPI.

Uses `google-search-results`, whose client is synchronous and has a 60,000 s
default timeout; every search therefore runs in a worker thread under our own
deadline. The client never raises on HTTP errors, so the status code is read
from the raw response rather than from the `error` text.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
import orjson
import requests
from serpapi import GoogleSearch

from sports_api.core import context
from sports_api.core.errors import (
    UpstreamBadResponse,
    UpstreamRateLimited,
    UpstreamRejectedKey,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from sports_api.core.redact import redact
from sports_api.upstream.base import Lookup

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 60


class SerpApiSource:
    name = "serpapi"
    metered = True

    def __init__(
        self, api_key: str, base_url: str, timeout: float, location: str, max_concurrency: int = 16
    ) -> None:
        self._api_key = api_key
        self._location = location
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        # Bounds worker threads: abandoned (timed-out) searches keep theirs
        # until requests' own socket timeout ends them.
        self._limiter = anyio.CapacityLimiter(max_concurrency)

    async def fetch(self, lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            with anyio.fail_after(self._timeout):
                return await anyio.to_thread.run_sync(
                    self._search, lookup.query, no_cache, limiter=self._limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            raise UpstreamTimeout(f"SerpAPI did not answer within {self._timeout:g} s") from None
        finally:
            if ctx := context.current():
                ctx.upstream_ms = round((time.perf_counter() - started) * 1000, 1)

    def _search(self, query: str, no_cache: bool) -> dict[str, Any]:
        params = {
            "engine": "google",
            "q": query,
            # The location fixes whose local time Google prints; hl its language.
            "location": self._location,
            "hl": "en",
            "gl": "us",
            "output": "json",
            "api_key": self._api_key,
        }
        if no_cache:
            params["no_cache"] = "true"
        search = GoogleSearch(params)
        search.BACKEND = self._base_url
        search.timeout = self._timeout
        try:
            response = search.get_response("/search")
        except requests.Timeout:
            raise UpstreamTimeout(f"SerpAPI did not answer within {self._timeout:g} s") from None
        except requests.RequestException as exc:
            # The message holds the request URL, key and all.
            reason = redact(f"{type(exc).__name__}: {exc}", (self._api_key,))
            log.warning("upstream request failed: %s", reason, extra={"event": "upstream_error"})
            raise UpstreamUnavailable(f"SerpAPI could not be reached ({type(exc).__name__})") from None
        return self._read(response)

    def _read(self, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise UpstreamRejectedKey(
                f"SerpAPI rejected the configured API key (HTTP {status}); check SERPAPI_API_KEY"
            )
        if status == 429:
            raise UpstreamRateLimited(
                "SerpAPI's rate limit or monthly plan is exhausted",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise UpstreamUnavailable(f"SerpAPI failed with HTTP {status}")
        if status != 200:
            raise UpstreamBadResponse(f"SerpAPI refused the search with HTTP {status}")
        try:
            payload = orjson.loads(response.content)
        except (orjson.JSONDecodeError, requests.RequestException) as exc:
            raise UpstreamBadResponse(
                f"SerpAPI sent a body that is not JSON ({type(exc).__name__})"
            ) from None
        if not isinstance(payload, dict):
            raise UpstreamBadResponse("SerpAPI sent JSON that is not an object")
        # 200 with {"error": ...} means "no results": an empty answer, not a failure.
        return payload


def _retry_after(header: str | None) -> int:
    if header and header.strip().isdigit():
        return max(1, min(int(header), 3600))
    return DEFAULT_RETRY_AFTER
