"""One client's event stream, as an ASGI response.

First `retry:` and either a `snapshot` (the games route's document) or, for a
client that resumes with `Last-Event-ID`, the events it missed; then each
change as it is delivered (`hub.Subscriber`), a `heartbeat` whenever nothing
else was sent for `heartbeat` seconds, and, after `lifetime` seconds (under
API Gateway's 15-minute limit on a streamed answer) or when the server shuts
down, `retry:` again and the end of the answer, after which the client
reconnects with its last id. Every event carries an `id:`; a heartbeat
repeats the last one, so it never moves where a client resumes from.

A client that stops reading is dropped when its buffer fills: if the stream
is then blocked sending to it, that send is cancelled, the connection
closed, and nothing of it is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from sports_api.events.changes import frame, retry_frame
from sports_api.events.hub import Hub, Subscriber, TopicSpec

log = logging.getLogger(__name__)

# A scope key: a list of callables the HTTP protocol calls when the server starts its graceful
# shutdown (`web/server.py`), so streams end with `retry:` before the drain is over.
SHUTDOWN_HOOKS = "sports_api.shutdown_hooks"
# A scope key: the `send` the app itself was given (`web/app.SportsApi`). The layers between it and
# the route (error pages, request ids, exception handling) each wrap every message in a coroutine
# of their own, but look only at the response's start: the body of a stream, one send per event
# for each of thousands of streams, goes straight to the server.
SERVER_SEND = "sports_api.server_send"
HEAD_REQUEST = "sports_api.head"  # set by `web/middleware.as_get`: the headers alone
MEDIA_TYPE = "text/event-stream"


@dataclass(frozen=True, slots=True)
class Timing:
    heartbeat: float  # seconds of silence after which a heartbeat is sent
    lifetime: float  # seconds after which the stream closes itself with `retry:`
    retry_ms: int  # the reconnection delay the client is told


class Schedule:
    """When the next heartbeat is due and when the stream ends, on an injected clock."""

    def __init__(self, started: float, timing: Timing) -> None:
        self._heartbeat = timing.heartbeat
        self.ends = started + timing.lifetime
        self.beat_at = started + timing.heartbeat

    def sent(self, now: float) -> None:
        """Something was sent at `now`: the next heartbeat is a full interval later."""
        self.beat_at = now + self._heartbeat

    def due(self, now: float) -> Literal["close", "heartbeat"] | None:
        if now >= self.ends:
            return "close"
        if now >= self.beat_at:
            return "heartbeat"
        return None

    def wait(self, now: float) -> float:
        """Seconds until something is due."""
        return max(0.0, min(self.beat_at, self.ends) - now)


class EventStream(Response):
    media_type = MEDIA_TYPE

    def __init__(
        self,
        hub: Hub,
        spec: TopicSpec,
        subscriber: Subscriber,
        first: bytes,
        last_id: str,
        timing: Timing,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.status_code = 200
        self.background = None
        # No body attribute: no Content-Length, the answer is sent chunked as it comes.
        self.init_headers({"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self._hub = hub
        self._spec = spec
        self._subscriber = subscriber
        self._first = first
        self._last_id = last_id
        self._timing = timing
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subscriber = self._subscriber
        hooks: list[Callable[[], None]] | None = scope.get(SHUTDOWN_HOOKS)
        stop = _closer(subscriber, "shutdown")
        if hooks is not None:
            hooks.append(stop)
        task = asyncio.current_task()
        watcher = asyncio.get_running_loop().create_task(_watch(receive, subscriber))
        try:
            await send(
                {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
            )
            body_send: Send = scope.get(SERVER_SEND, send)
            if scope.get(HEAD_REQUEST):
                subscriber.close("gone")
                body_send = send  # without a body: `middleware.as_get` drops it
            else:
                await self._write(body_send, subscriber, task)
            await body_send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            # Dropped as too slow (`Subscriber.close`); any other cancellation goes on.
            if subscriber.reason != "slow" or task is None or task.uncancel() > 0:
                raise
            log.warning("dropped a stream whose client does not read", extra={"event": "stream_dropped"})
        finally:
            watcher.cancel()
            self._hub.unsubscribe(self._spec, subscriber)
            if hooks is not None and stop in hooks:
                hooks.remove(stop)

    async def _write(self, send: Send, subscriber: Subscriber, task: asyncio.Task[object] | None) -> None:
        timing, clock = self._timing, self._clock
        schedule = Schedule(clock(), timing)
        last_id = subscriber.last_id or self._last_id
        first, self._first = self._first, b""  # not kept for the stream's life: a snapshot is big

        async def body(data: bytes) -> None:
            subscriber.task = task
            try:
                await send({"type": "http.response.body", "body": data, "more_body": True})
            finally:
                subscriber.task = None
            schedule.sent(clock())

        await body(retry_frame(timing.retry_ms) + first + subscriber.take())
        del first
        while True:
            if subscriber.frames:
                await body(subscriber.take())
                continue
            if subscriber.closed:
                if subscriber.reason in ("shutdown", "lifetime"):
                    await body(retry_frame(timing.retry_ms))
                return
            now = clock()
            due = schedule.due(now)
            if due == "close":
                subscriber.close("lifetime")
            elif due == "heartbeat":
                last_id = subscriber.last_id or last_id
                await body(frame("heartbeat", b"{}", last_id))
            else:
                await subscriber.wait(schedule.wait(now))


def _closer(subscriber: Subscriber, reason: str) -> Callable[[], None]:
    return lambda: subscriber.close(reason)


async def _watch(receive: Receive, subscriber: Subscriber) -> None:
    """The client went away: end its stream (a GET has no body to read)."""
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            subscriber.close("gone")
            return
