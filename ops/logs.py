"""`make logs`: the service's log group, followed or read once, through FilterLogEvents polling.

`python -m ops logs --help` lists the settings. CloudWatch evaluates the
patterns; the tool checks LEVEL and REQUEST_ID again on what comes back
(cheap, and it keeps the output right where a pattern cannot be combined, or
an emulator ignores JSON patterns).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from botocore.exceptions import ClientError

from . import OpsError
from .aws import error_code, error_message
from .settings import Settings
from .ui import Painter, paint_for

STREAM_PREFIX = "ecs/api/"  # awslogs-stream-prefix "ecs", container "api"
OVERLAP_MS = 30_000  # re-read this much before the newest event seen: late arrivals
LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL", "ERR": "ERROR"}

# -- parsing the settings -----------------------------------------------------------------------

_SPAN = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: datetime | None = None) -> int:
    """`10m`, `1h30m`, `2d`, or an ISO time, as epoch milliseconds."""
    now = now or datetime.now(UTC)
    compact = text.strip().lower().replace(" ", "")
    if compact and _SPAN.sub("", compact) == "" and _SPAN.search(compact):
        seconds = sum(int(n) * _UNITS[u] for n, u in _SPAN.findall(compact))
        return int((now - timedelta(seconds=seconds)).timestamp() * 1000)
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise OpsError(f"SINCE={text}: use a span such as 30s, 10m, 2h, 1d, or an ISO time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def normalise_level(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    name = value.strip().upper()
    name = _LEVEL_ALIASES.get(name, name)
    return name if name in LEVELS else None


def level_threshold(text: str | None) -> int | None:
    """LEVEL as a number; None for every line (no LEVEL, or DEBUG: the lines without a level too)."""
    name = normalise_level(text) if text else "DEBUG"
    if name is None:
        raise OpsError(f"LEVEL={text}: use DEBUG, INFO, WARN, ERROR or CRITICAL")
    return LEVELS[name] if LEVELS[name] > LEVELS["DEBUG"] else None


def level_clause(threshold: int) -> str | None:
    """The JSON pattern for `level` at or above the threshold; None for everything."""
    if threshold <= LEVELS["DEBUG"]:
        return None
    names = [n for n, v in LEVELS.items() if v >= threshold]
    names += ["WARN"] if "WARNING" in names else []
    return " || ".join(f'$.level = "{n}"' for n in names)


def combine(user: str | None, clauses: Iterable[str]) -> str:
    """One pattern for CloudWatch: the user's FILTER and the tool's JSON clauses, joined by &&.

    A text FILTER cannot be joined with JSON clauses; then CloudWatch gets the
    FILTER and the clauses are left to the client-side checks.
    """
    text = (user or "").strip()
    if user and not (text.startswith("{") and text.endswith("}")):
        return user
    parts = ([text[1:-1].strip()] if user else []) + [c for c in clauses if c]
    if len(parts) <= 1:
        return "".join("{ " + p + " }" for p in parts)
    return "{ " + " && ".join(f"({p})" for p in parts) + " }"


def stream_prefix(task: str) -> str:
    if task.startswith("arn:"):
        task = task.rsplit("/", 1)[-1]
    return task if "/" in task else STREAM_PREFIX + task


# -- events --------------------------------------------------------------------------------------


@dataclass
class Event:
    timestamp: int
    message: str
    stream: str
    source: str  # "app" or "gateway"
    event_id: str

    @property
    def data(self) -> dict[str, Any] | None:
        text = self.message.strip()
        if not text.startswith("{"):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


@dataclass
class Source:
    label: str  # "app" or "gateway"
    group: str
    pattern: str = ""
    prefix: str | None = None
    threshold: int | None = None  # LEVEL, as a number: the lines at or above it
    request_id: str | None = None
    optional: bool = False

    def keep(self, event: Event) -> bool:
        """LEVEL and REQUEST_ID again, on what came back: by the app's JSON fields, else in the text."""
        data = event.data
        if self.threshold is not None:
            name = normalise_level((data or {}).get("level"))
            if name is None or LEVELS[name] < self.threshold:
                return False
        if self.request_id and self.label == "app" and data is not None:
            return data.get("request_id") == self.request_id
        return not self.request_id or self.request_id in event.message


# -- printing ------------------------------------------------------------------------------------

_APP_SKIP = {"time", "level", "logger", "message", "traceback"}
_GATEWAY_SKIP = {"requestTime", "requestTimeEpoch", "time", "timestamp"}
_METHOD_KEYS = ("httpMethod", "method", "http_method")
_PATH_KEYS = ("path", "resourcePath", "resource_path", "routeKey")
_ID_KEYS = ("requestId", "request_id", "extendedRequestId")


def _fmt_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value) if (not value or any(c.isspace() or c in '"=' for c in value)) else value
    return json.dumps(value, separators=(",", ":"))


def _fields(data: dict[str, Any], first: Iterable[str], skip: set[str]) -> str:
    keys = [k for k in first if k in data] + [k for k in data if k not in first]
    return " ".join(
        f"{k}={_fmt_value(data[k])}" for k in keys if k not in skip and data[k] not in (None, "-", "")
    )


def iso_ms(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def task_label(event: Event) -> str:
    if event.source == "gateway":
        return "gateway"
    tail = event.stream[len(STREAM_PREFIX) :] if event.stream.startswith(STREAM_PREFIX) else event.stream
    return tail.rsplit("/", 1)[-1][:8]


def _status_level(status: Any) -> str:
    try:
        code = int(status)
    except (TypeError, ValueError):
        return "-"
    return "ERROR" if code >= 500 else "WARN" if code >= 400 else "INFO"


def render(event: Event, paint: Painter) -> str:
    """One event as a person reads it: time, level, task, message, the useful fields."""
    data = event.data
    extra = ""
    if event.source == "gateway" and data is not None:
        method = next((data[k] for k in _METHOD_KEYS if data.get(k) not in (None, "-")), "")
        path = next((data[k] for k in _PATH_KEYS if data.get(k) not in (None, "-")), "")
        status = data.get("status", "")
        level = _status_level(status)
        message = " ".join(str(p) for p in (method, path, status) if p not in ("", None))
        said = {k for k in (*_METHOD_KEYS, *_PATH_KEYS) if data.get(k) in (method, path)}
        fields = _fields(data, _ID_KEYS, _GATEWAY_SKIP | {"status"} | said)
    elif data is not None:
        level = normalise_level(data.get("level")) or str(data.get("level") or "-")
        message = str(data.get("message", ""))
        skip = _APP_SKIP | {k for k in ("method", "path", "status") if k in data and str(data[k]) in message}
        if data.get("logger") not in (None, "sports_api.access"):
            skip.discard("logger")
        fields = _fields(data, ("request_id",), skip)
        if data.get("traceback"):
            extra = "\n" + "\n".join("    " + line for line in str(data["traceback"]).rstrip().splitlines())
    else:
        level, message, fields = "-", event.message.rstrip("\n"), ""
    shown = "WARN" if level == "WARNING" else "CRIT" if level == "CRITICAL" else level
    styles = ("red", "bold") if shown in ("ERROR", "CRIT") else ("yellow",) if shown == "WARN" else ()
    source = paint(f"{task_label(event):<8}", "dim")
    line = f"{iso_ms(event.timestamp)} {paint(f'{shown:<5}', *styles)} {source} {message}"
    if fields:
        line += "  " + fields
    return line + extra


def render_json(event: Event) -> str:
    if event.data is not None:
        return event.message.strip()
    return json.dumps(
        {"time": iso_ms(event.timestamp), "stream": event.stream, "message": event.message.rstrip("\n")}
    )


# -- reading -------------------------------------------------------------------------------------


@dataclass
class Reader:
    client: Any
    sources: list[Source]
    start_ms: int
    out: TextIO = sys.stdout
    fmt: str = "text"
    poll: float = 2.0
    where: str = ""  # for messages: ENV=... REGION=...
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.paint = paint_for(self.out) if self.fmt == "text" else Painter(False)
        self.cursor = {s.group: self.start_ms for s in self.sources}
        self.seen: dict[str, int] = {}

    def fetch(self, source: Source, start: int) -> list[Event]:
        args: dict[str, Any] = {"logGroupName": source.group, "startTime": start, "interleaved": True}
        if source.pattern:
            args["filterPattern"] = source.pattern
        if source.prefix:
            args["logStreamNamePrefix"] = source.prefix
        try:
            pages = self.client.get_paginator("filter_log_events").paginate(**args)
            return [
                Event(e["timestamp"], e["message"], e.get("logStreamName", ""), source.label, e["eventId"])
                for page in pages
                for e in page.get("events", [])
            ]
        except ClientError as exc:
            code = error_code(exc)
            if code == "ResourceNotFoundException":
                message = f"log group {source.group} does not exist ({self.where})"
                if source.optional:
                    print(f"note: {message}; reading the others", file=sys.stderr)
                    self.sources.remove(source)
                    return []
                raise OpsError(message) from None
            if code == "InvalidParameterException" and source.pattern:
                raise OpsError(
                    f"CloudWatch rejected the pattern {source.pattern!r}: {error_message(exc)}"
                ) from None
            raise

    def poll_once(self) -> list[Event]:
        batch: list[Event] = []
        for source in list(self.sources):
            start = max(self.start_ms, self.cursor[source.group] - OVERLAP_MS)
            for event in self.fetch(source, start):
                if event.event_id in self.seen:
                    continue
                self.seen[event.event_id] = event.timestamp
                self.cursor[source.group] = max(self.cursor[source.group], event.timestamp)
                if source.prefix and not event.stream.startswith(source.prefix):
                    continue  # CloudWatch narrows by prefix already; an emulator may not
                if source.keep(event):
                    batch.append(event)
        batch.sort(key=lambda e: (e.timestamp, e.source == "gateway"))  # the app's line first on a tie
        if self.seen:
            horizon = min(self.cursor.values()) - 2 * OVERLAP_MS
            self.seen = {k: t for k, t in self.seen.items() if t >= horizon}
        return batch

    def run(self, follow: bool) -> int:
        total = 0
        while True:
            events = self.poll_once()
            for event in events:
                line = render_json(event) if self.fmt == "json" else render(event, self.paint)
                self.out.write(line + "\n")
            self.out.flush()
            total += len(events)
            if not follow:
                return total
            self.sleep(self.poll)


# -- the command -------------------------------------------------------------------------------


def build_sources(settings: Settings) -> tuple[list[Source], bool, int]:
    """The groups to read, whether to follow, and the window's start."""
    request_id, user_filter, task = settings.request_id, settings.filter, settings.task
    threshold = level_threshold(settings.level)
    follow = settings.follow if settings.follow is not None else request_id is None
    start = parse_since(settings.since or ("24h" if request_id else "10m"))

    app_group = settings.outputs("platform").get("ServiceLogGroupName")
    if not app_group:
        raise OpsError(f"stack {settings.stack_name('platform')} has no ServiceLogGroupName output")

    clauses = [level_clause(threshold) or ""] if threshold else []
    if request_id:
        if '"' in request_id or "\\" in request_id:
            raise OpsError("REQUEST_ID holds quotes or backslashes: not a request id")
        clauses.append(f'$.request_id = "{request_id}"')
    prefix = stream_prefix(task) if task else None
    sources = [Source("app", app_group, combine(user_filter, clauses), prefix, threshold, request_id)]
    if request_id:
        access_group = settings.outputs("api", required=False).get("AccessLogGroupName")
        if access_group:
            gateway_pattern = (
                combine(user_filter, [" || ".join(f'$.{k} = "{request_id}"' for k in _ID_KEYS)])
                if user_filter
                else f'"{request_id}"'
            )
            sources.append(
                Source("gateway", access_group, gateway_pattern, request_id=request_id, optional=True)
            )
        else:
            print(
                f"note: stack {settings.stack_name('api')} has no AccessLogGroupName output: "
                "reading the app's log group only",
                file=sys.stderr,
            )
    return sources, follow, start


def logs(settings: Settings) -> int:
    sources, follow, start = build_sources(settings)
    poll = 0.5 if settings.endpoint else 2.0
    reader = Reader(
        settings.client("logs"), sources, start, fmt=settings.format, poll=poll, where=settings.where()
    )
    groups = ", ".join(f"{s.group}" + (f" [{s.pattern}]" if s.pattern else "") for s in sources)
    print(
        f"{'following' if follow else 'reading'} {groups} since {iso_ms(start)}"
        + (" (Ctrl-C stops)" if follow else ""),
        file=sys.stderr,
    )
    total = reader.run(follow)
    if total == 0:
        print("no matching events in that window (SINCE= widens it)", file=sys.stderr)
    return 0
