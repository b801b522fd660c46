"""What one request has learnt so far, for its access-log line.

The middleware opens a context per request; the games service fills in how
the cache answered and how long the upstream took.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestContext:
    request_id: str
    cache: str | None = None
    upstream_ms: float | None = None
    client: str | None = None  # who asked, for fair shares of the quota (`quota/clients.py`)


_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


def begin(request_id: str) -> RequestContext:
    ctx = RequestContext(request_id)
    _current.set(ctx)
    return ctx
