"""The live source: Google's sports box through SerpAPI, behind one hostile-input boundary.

Everything SerpAPI (or anything answering in its place) sends passes through
`SerpApiSource.fetch` and leaves it as either a bounded payload dict or an
`UpstreamError`: never another exception, never an unbounded object.

- The request is the `google-search-results` client's (`GoogleSearch` builds
  the URL and parameters, `source=python` and all), but sent by `requests`
  here: `GoogleSearch.get_response` reads any body whole, follows redirects
  (a loop cost 31 requests for one budget unit) and has a 60,000 s timeout.
- Redirects are not followed: a 3xx is a bad response.
- The body is streamed and counted: past `MAX_BODY_BYTES` (the real box is
  tens of KB) the search fails without reading the rest.
- The search runs in a worker thread that honours its own deadline: connect
  and header wait through urllib3's total timeout, then every body read with
  the socket timeout set to what is left, and the deadline checked between
  reads (a 1-byte-per-second drip never resets it). So a search that times out
  ends inside its thread, and threads stay bounded by the capacity limiter.
- JSON is parsed in that thread and pruned there (`bounded`): lists, nesting,
  text and numbers are capped, so the normaliser's work on the payload is
  bounded whatever was sent.
- `Retry-After` is ASCII digits of bounded length or an HTTP-date; anything
  else is the default.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import anyio
import orjson
import requests
import requests.adapters
from serpapi import GoogleSearch
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util import Timeout

from sports_api.core import context
from sports_api.core.errors import (
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejectedKey,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from sports_api.core.redact import redact
from sports_api.upstream.base import Lookup

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 60
MAX_RETRY_AFTER = 3600
MAX_BODY_BYTES = 4 * 1024 * 1024  # the real box is tens of KB; a full Google page a few hundred
READ_CHUNK = 64 * 1024
# What a payload may hold once parsed: the normaliser keeps 200 games and 64 table rows.
MAX_ITEMS = 256  # per list
MAX_DEPTH = 24  # the box nests about eight deep
MAX_TEXT = 2_000  # characters per string
MAX_NUMBER = 10**9  # no count in a sports box comes near; larger numbers become None
MAX_NODES = 10_000  # values in all; a real box holds a few hundred (the NFL demo: 106)
KEPT = ("sports_results", "error", "search_metadata")  # what the service reads of an answer
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: "²" and "٣" are digits to str.isdigit()


class SerpApiSource:
    name = "serpapi"
    metered = True

    def __init__(
        self,
        api_key: str,
        base_url: str,
        timeout: float,
        location: str,
        max_concurrency: int = 16,
        on_answer: Callable[[bytes], None] | None = None,
    ) -> None:
        """`on_answer` sees each 200 answer's raw body before it is parsed: the contract
        check (ops/contract.py) keeps the whole answer, of which `fetch` returns the part
        the service reads."""
        self._api_key = api_key
        self._on_answer = on_answer
        self._location = location
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        # Bounds worker threads. A search is never abandoned: its thread ends
        # itself at the deadline, and holds its slot until then.
        self._limiter = anyio.CapacityLimiter(max_concurrency)
        # Pooled connections, one per possible thread; no retries (each would be another
        # search), no cookies (an upstream must not make later searches carry its state).
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max_concurrency, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    async def fetch(self, lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        started = time.perf_counter()
        deadline = time.monotonic() + self._timeout
        try:
            # Waiting for a slot is cancellable; once the search runs, the
            # thread is waited for: it ends by `deadline` on its own.
            with anyio.fail_after(self._timeout):
                return await anyio.to_thread.run_sync(
                    self._guarded, lookup.query, no_cache, deadline, limiter=self._limiter
                )
        except TimeoutError:
            raise self._timed_out() from None
        finally:
            if ctx := context.current():
                ctx.upstream_ms = round((time.perf_counter() - started) * 1000, 1)

    def _timed_out(self) -> UpstreamTimeout:
        return UpstreamTimeout(f"SerpAPI did not answer within {self._timeout:g} s")

    def _guarded(self, query: str, no_cache: bool, deadline: float) -> dict[str, Any]:
        """The search; any failure that is not already an `UpstreamError` becomes a bad response."""
        try:
            return self._search(query, no_cache, deadline)
        except UpstreamError:
            raise
        except Exception as exc:  # the boundary: nothing else may leave it
            reason = redact(f"{type(exc).__name__}: {exc}", (self._api_key,))
            log.warning("upstream answer unusable: %s", reason[:500], extra={"event": "upstream_error"})
            raise UpstreamBadResponse(f"SerpAPI sent an unusable answer ({type(exc).__name__})") from None

    def _params(self, query: str, no_cache: bool) -> tuple[str, dict[str, str]]:
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
        return search.construct_url("/search")

    def _search(self, query: str, no_cache: bool, deadline: float) -> dict[str, Any]:
        url, params = self._params(query, no_cache)
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._timed_out()
        try:
            response = self._session.get(
                url,
                params=params,
                timeout=Timeout(total=left, connect=left, read=left),
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout:
            raise self._timed_out() from None
        except requests.TooManyRedirects:
            raise UpstreamBadResponse("SerpAPI redirected the search; not followed") from None
        except requests.RequestException as exc:
            raise self._unreachable(exc) from None
        with response:
            status = response.status_code
            headers = response.headers
            if status != 200:
                # An error answer's body is not read: the status says it all.
                return self._read(status, headers, b"")
            body = self._body(response, deadline)
        if self._on_answer is not None:
            self._on_answer(body)
        return self._read(status, headers, body)

    def _unreachable(self, exc: Exception) -> UpstreamUnavailable:
        # The message holds the request URL, key and all.
        reason = redact(f"{type(exc).__name__}: {exc}", (self._api_key,))
        log.warning("upstream request failed: %s", reason[:500], extra={"event": "upstream_error"})
        return UpstreamUnavailable(f"SerpAPI could not be reached ({type(exc).__name__})")

    def _body(self, response: requests.Response, deadline: float) -> bytes:
        """The body, read as it arrives, within the size cap and the deadline."""
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared[:12]) > MAX_BODY_BYTES:
            raise UpstreamBadResponse(f"SerpAPI sent a body over {MAX_BODY_BYTES // 1024} KB")
        raw = response.raw
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._timed_out()
                _set_read_timeout(raw, left)
                chunk = raw.read1(READ_CHUNK, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise UpstreamBadResponse(f"SerpAPI sent a body over {MAX_BODY_BYTES // 1024} KB")
                chunks.append(chunk)
        except (TimeoutError, ReadTimeoutError):
            raise self._timed_out() from None
        except (ProtocolError, OSError) as exc:
            # Reset, closed early, or short of its Content-Length: it failed mid-answer.
            raise self._unreachable(exc) from None
        return b"".join(chunks)

    def _read(self, status: int, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        if status in (401, 403):
            raise UpstreamRejectedKey(
                f"SerpAPI rejected the configured API key (HTTP {status}); check SERPAPI_API_KEY"
            )
        if status == 429:
            raise UpstreamRateLimited(
                "SerpAPI's rate limit or monthly plan is exhausted",
                retry_after=retry_after(headers.get("Retry-After")),
            )
        if status >= 500:
            raise UpstreamUnavailable(f"SerpAPI failed with HTTP {status}")
        if 300 <= status < 400:
            raise UpstreamBadResponse(f"SerpAPI redirected the search (HTTP {status}); not followed")
        if status != 200:
            raise UpstreamBadResponse(f"SerpAPI refused the search with HTTP {status}")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            # Not JSON, cut short, nested past orjson's 1,024 levels, or a number past a double.
            raise UpstreamBadResponse(
                f"SerpAPI sent a body that is not usable JSON ({str(exc)[:80]})"
            ) from None
        if not isinstance(payload, dict):
            raise UpstreamBadResponse("SerpAPI sent JSON that is not an object")
        # 200 with {"error": ...} means "no results": an empty answer, not a failure.
        return bounded(payload)


def _set_read_timeout(raw: Any, seconds: float) -> None:
    """Give the next socket read only what is left of the deadline (urllib3 2's connection)."""
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def bounded(payload: dict[str, Any]) -> dict[str, Any]:
    """The parts of a parsed answer the service reads, with every size capped.

    Only `sports_results` (what the normaliser reads), `error` and
    `search_metadata` are kept. Within them, lists are cut at `MAX_ITEMS`,
    strings at `MAX_TEXT`, nesting at `MAX_DEPTH`, and the whole at
    `MAX_NODES` values (in document order: the first games keep theirs);
    numbers past `MAX_NUMBER`, which no sports box holds, become None. The
    normaliser then never meets more than it can use, nor a number it cannot
    encode, and its time on the event loop stays small whatever was sent.
    """
    budget = [MAX_NODES]
    return {key: _bounded(payload[key], 0, budget) for key in KEPT if key in payload}


def _bounded(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        return None
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -MAX_NUMBER <= value <= MAX_NUMBER else None
    if isinstance(value, float):
        return value if math.isfinite(value) and -MAX_NUMBER <= value <= MAX_NUMBER else None
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        out = {}
        for key, item in list(value.items())[:MAX_ITEMS]:
            if budget[0] <= 0:
                break
            out[key] = _bounded(item, depth + 1, budget)
        return out
    if isinstance(value, list):
        items = []
        for item in value[:MAX_ITEMS]:
            if budget[0] <= 0:
                break
            items.append(_bounded(item, depth + 1, budget))
        return items
    return None


def retry_after(header: str | None) -> int:
    """Seconds from `Retry-After` (RFC 9110: delay-seconds or an HTTP-date), within 1..3600.

    Only ASCII digits of bounded length count as seconds; an HTTP-date counts
    from now; anything else (`²`, 5,000 digits, words) is the default.
    """
    if header is None:
        return DEFAULT_RETRY_AFTER
    text = header.strip()
    if _DIGITS.fullmatch(text):
        return max(1, min(int(text), MAX_RETRY_AFTER))
    if len(text) > 64 or not text.isascii():
        return DEFAULT_RETRY_AFTER
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    seconds = math.ceil((when - datetime.now(UTC)).total_seconds())
    return max(1, min(seconds, MAX_RETRY_AFTER))


_retry_after = retry_after  # the name earlier tests and callers know
