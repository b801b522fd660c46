"""Failures the service knows how to explain, each with its HTTP answer.

Handlers in `problems.py` turn these into RFC 9457 bodies; nothing here knows
about HTTP frameworks.
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    status = 500
    kind = "internal"
    title = "Internal error"
    headers: ClassVar[dict[str, str]] = {}  # sent with the problem, e.g. WWW-Authenticate

    def __init__(self, detail: str, *, retry_after: int | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after
        self.extra = extra  # further members of the problem body, e.g. the accepted parameters


class UnknownLeague(ServiceError):
    status = 404
    kind = "unknown-league"
    title = "Unknown league"


class Misconfigured(ServiceError):
    """The service cannot reach its data: a missing or rejected key."""

    status = 503
    kind = "misconfigured"
    title = "Service misconfigured"


class BudgetExhausted(ServiceError):
    """Our own hourly cap on upstream searches is spent."""

    status = 503
    kind = "upstream-budget-exhausted"
    title = "Upstream search budget exhausted"


class ShareSpent(BudgetExhausted):
    """A part of the hour's searches is spent: the part for names outside the catalogue, the part
    kept for the catalogue's leagues, or the small allowance for failed attempts. Same kind as the
    budget: to a client it is the same situation."""


class StreamsFull(ServiceError):
    """This task holds as many event streams as it may (EVENTS_MAX_STREAMS)."""

    status = 503
    kind = "streams-full"
    title = "Too many event streams"


class ClientShareExhausted(ServiceError):
    """This client has caused its hour's part of the searches for names outside the catalogue."""

    status = 429
    kind = "client-share-exhausted"
    title = "Too many searches for names outside the catalogue"


class UpstreamError(ServiceError):
    """SerpAPI failed; a stale copy may still answer instead."""


class UpstreamTimeout(UpstreamError):
    status = 504
    kind = "upstream-timeout"
    title = "Upstream timed out"


class UpstreamUnavailable(UpstreamError):
    status = 502
    kind = "upstream-unavailable"
    title = "Upstream unavailable"


class UpstreamBackingOff(UpstreamUnavailable):
    """After repeated 5xx or timeouts no search is sent until the back-off has passed.

    Nothing was tried, so 503 with Retry-After rather than 502; the kind stays
    `upstream-unavailable`, the failure the back-off answers to.
    """

    status = 503


class UpstreamBadResponse(UpstreamError):
    status = 502
    kind = "upstream-bad-response"
    title = "Upstream sent an unreadable response"


class UpstreamRejectedKey(UpstreamError):
    """SerpAPI answered 401/403: the key is wrong or lacks permission."""

    status = 503
    kind = "misconfigured"
    title = "Service misconfigured"


class UpstreamRateLimited(UpstreamError):
    status = 503
    kind = "upstream-rate-limited"
    title = "Upstream rate limit reached"


class UnknownTeam(ServiceError):
    status = 404
    kind = "unknown-team"
    title = "Unknown team"


class AmbiguousTeam(ServiceError):
    """A name several catalogue teams answer to ("Giants"): the caller must pick one."""

    status = 409
    kind = "ambiguous-team"
    title = "Ambiguous team name"


class UnknownParameter(ServiceError):
    status = 400
    kind = "unknown-parameter"
    title = "Unknown query parameter"


class InvalidParameter(ServiceError):
    """A parameter the route reads, with a value it cannot use; like FastAPI's own 422s."""

    status = 422
    kind = "invalid-request"
    title = "Invalid request"


class Unauthenticated(ServiceError):
    """A route that needs to know the caller (`/v1/me/*`) got no trusted API key id."""

    status = 401
    kind = "unauthenticated"
    title = "Caller not identified"
    # RFC 9110 §15.5.2: a 401 names how to authenticate; API Gateway takes the key as `x-api-key`.
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'ApiKey header="x-api-key"'}


class InvalidCursor(ServiceError):
    """A `cursor` this service did not hand out, or one from another query."""

    status = 422
    kind = "invalid-cursor"
    title = "Invalid cursor"


class FavouritesFull(ServiceError):
    """The caller already follows as many teams as the service keeps per caller."""

    status = 409
    kind = "favourites-full"
    title = "Too many favourite teams"


class ArchiveUnavailable(ServiceError):
    """The archive (SQLite file or DynamoDB table) cannot be read or written, or is turned off."""

    status = 503
    kind = "archive-unavailable"
    title = "Archive unavailable"
