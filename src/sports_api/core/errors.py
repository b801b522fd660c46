"""Failures the service knows how to explain, each with its HTTP answer.

Handlers in `problems.py` turn these into RFC 9457 bodies; nothing here knows
about HTTP frameworks.
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 500
    kind = "internal"
    title = "Internal error"

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
