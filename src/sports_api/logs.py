"""One JSON object per log line on stdout, which CloudWatch indexes as is.

A hand-written formatter rather than a logging library: it runs once per
request on the hot path, and orjson keeps it to a few microseconds.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import orjson

from . import context
from .redact import redact

# Fields a record may carry through `extra=`; they become top-level keys.
_FIELDS = ("method", "path", "status", "duration_ms", "cache", "upstream_ms", "client", "event")


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), self._secrets),
        }
        ctx = context.current()
        request_id = getattr(record, "request_id", None) or (ctx.request_id if ctx else None)
        if request_id:
            line["request_id"] = request_id
        for field in _FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["error"] = redact(f"{type(exc).__name__}: {exc}", self._secrets)
            line["traceback"] = redact(self.formatException(record.exc_info), self._secrets)
        return orjson.dumps(line).decode()


def configure(level: str, secrets: tuple[str, ...] = ()) -> None:
    """Route every logger, uvicorn's included, through one JSON handler."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the middleware logs requests
