"""One JSON object per log line on stdout, which CloudWatch indexes as is.

A hand-written formatter rather than a logging library: orjson keeps a line
to a few microseconds. The access line, one per request, is the exception to
going through `logging` at all: building a LogRecord and passing it through
loggers and handler cost about 30 µs a request under load, and writing each
line with its own write(2) (stdout is unbuffered in the image) another 8 µs
of system time: together more than a third of a cached answer's time
(bench/README.md). So `access()` formats the same JSON object itself and
hands it to `JsonHandler`, which writes access lines in batches. That is
only so in the process as deployed (`configure()`); elsewhere, in tests that
run the app in-process, the line goes through `logging` as any other.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import orjson

from sports_api.core import context
from sports_api.core.redact import redact

# Fields a record may carry through `extra=`; they become top-level keys.
_FIELDS = ("method", "path", "status", "duration_ms", "cache", "upstream_ms", "client", "event")

ACCESS = logging.getLogger("sports_api.access")


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = secrets
        self._second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        ctx = context.current()
        request_id = getattr(record, "request_id", None) or (ctx.request_id if ctx else None)
        fields = {field: getattr(record, field, None) for field in _FIELDS}
        line = self.line(
            record.created, record.levelname, record.name, record.getMessage(), request_id, fields
        )
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["error"] = redact(f"{type(exc).__name__}: {exc}", self._secrets)
            line["traceback"] = redact(self.formatException(record.exc_info), self._secrets)
        return orjson.dumps(line).decode()

    def line(
        self,
        created: float,
        level: str,
        logger: str,
        message: str,
        request_id: str | None,
        fields: Mapping[str, object],
    ) -> dict[str, object]:
        """The JSON object of one line; fields that are None are left out."""
        line: dict[str, object] = {
            "time": self._time(created),
            "level": level,
            "logger": logger,
            "message": redact(message, self._secrets),
        }
        if request_id:
            line["request_id"] = request_id
        for field in _FIELDS:
            value = fields.get(field)
            if value is not None:
                line[field] = value
        return line

    def _time(self, created: float) -> str:
        """UTC, ISO 8601 with milliseconds, as `isoformat(timespec="milliseconds")` writes it.

        The text up to the second is kept: formatting a datetime costs more than the rest of the line.
        """
        fraction, whole = math.modf(created)  # split the way datetime splits it
        second, micros = divmod(int(whole) * 1_000_000 + round(fraction * 1_000_000), 1_000_000)
        cached, text = self._second
        if second != cached:
            text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{micros // 1000:03d}+00:00"


class JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stdout, with access lines written in batches.

    An access line waits at most `ACCESS_DELAY` seconds, or until
    `ACCESS_BATCH` characters are waiting, and then goes out with the others
    in one write. Any other record, and `flush()` (which `logging.shutdown`
    calls at exit), writes the waiting lines first, so lines keep their
    order. A process killed outright (SIGKILL, out of memory) loses at most
    the last `ACCESS_DELAY` seconds of access lines.
    """

    ACCESS_DELAY = 0.1
    ACCESS_BATCH = 64 * 1024

    def __init__(self, formatter: JsonFormatter) -> None:
        super().__init__(sys.stdout)
        self.setFormatter(formatter)
        self._waiting: list[str] = []
        self._waiting_size = 0
        self._timer: asyncio.TimerHandle | None = None

    def access(self, line: str) -> None:
        self.acquire()
        try:
            self._waiting.append(line)
            self._waiting_size += len(line)
            if self._waiting_size >= self.ACCESS_BATCH or not self._later():
                self._write_waiting()
        finally:
            self.release()

    def _later(self) -> bool:
        """Have the event loop write the waiting lines soon; False outside a running loop."""
        if self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(self.ACCESS_DELAY, self._timer_fired)
            except RuntimeError:
                return False
        return True

    def _timer_fired(self) -> None:
        self._timer = None
        self.flush()

    def emit(self, record: logging.LogRecord) -> None:
        self._write_waiting()  # `handle` holds the lock
        super().emit(record)

    def flush(self) -> None:
        self.acquire()
        try:
            self._write_waiting()
            super().flush()
        finally:
            self.release()

    def _write_waiting(self) -> None:
        if not self._waiting:
            return
        text = "".join(self._waiting)
        self._waiting.clear()
        self._waiting_size = 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:  # as logging does: a broken stdout must not fail requests
            self.handleError(logging.makeLogRecord({"msg": "access lines lost"}))


_handler: JsonHandler | None = None


def access(request_id: str, fields: Mapping[str, object]) -> None:
    """The request's access line (`method`, `path`, `status`, ... in `fields`).

    At ERROR for a 5xx, so `make logs LEVEL=ERROR` finds failed requests; INFO otherwise.
    """
    level = logging.ERROR if int(fields["status"]) >= 500 else logging.INFO  # type: ignore[call-overload]
    if not ACCESS.isEnabledFor(level):
        return
    message = f"{fields['method']} {fields['path']} {fields['status']}"
    if _handler is None:
        ACCESS.log(level, "%s", message, extra={"request_id": request_id, **fields})
        return
    formatter: JsonFormatter = _handler.formatter  # type: ignore[assignment]
    line = formatter.line(time.time(), logging.getLevelName(level), ACCESS.name, message, request_id, fields)
    _handler.access(orjson.dumps(line).decode() + "\n")


def configure(level: str, secrets: tuple[str, ...] = ()) -> None:
    """Route every logger, uvicorn's included, through one JSON handler."""
    global _handler
    handler = JsonHandler(JsonFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the middleware logs requests
    _handler = handler
