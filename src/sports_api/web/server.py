"""The HTTP server's limits on request heads, as a thin layer over uvicorn's httptools protocol.

uvicorn 0.54 with httptools reads a request head for as long as the client
keeps sending it, of any size: a 100 MB header was buffered whole (memory
59 → 221 MB, the event loop stalled), and a half-sent head held its
connection for ever. This protocol adds the two limits its h11 protocol
partly has and httptools has not:

- a head (request line and headers) must be complete within
  `HEAD_TIMEOUT_SECONDS` of its first byte; otherwise 408 and the
  connection is closed;
- headers past `MAX_HEADER_BYTES` are answered with 431 and the connection
  closed, as soon as the bytes received say so, without waiting for (or
  keeping) the rest; a request line past `MAX_URL_BYTES` gets uvicorn's own
  plain 400, also without waiting for the rest.

An idle connection that has sent nothing yet is closed after the keep-alive
timeout, as one idle between requests is. Behind the ALB none of this is met
(it forwards complete requests, and its own limits are lower); it guards
the task when something reaches it directly.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from sports_api.events.stream import SHUTDOWN_HOOKS

HEAD_TIMEOUT_SECONDS = 10.0
MAX_HEADER_BYTES = 32 * 1024  # names, values and separators; the ALB allows 64 KB, API Gateway 10 KB
MAX_URL_BYTES = 65_535  # what httptools' URL parser accepts
LINGER_SECONDS = 2.0


class _HeadRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a size cap and a read deadline on request heads."""

    head_timeout: float = HEAD_TIMEOUT_SECONDS
    max_header_bytes: int = MAX_HEADER_BYTES
    max_url_bytes: int = MAX_URL_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False
        self._head_received = 0  # bytes received since the head began (whole reads: approximate)
        self._header_bytes = 0  # exact, from the parser's callbacks
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused: _HeadRefused | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Nothing sent yet: the same allowance as a connection idle between requests.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused is not None or self.transport.is_closing():
            return  # the rest of a refused head: read and dropped until the close
        super().data_received(data)
        if self._in_head and self._refused is None and not self.transport.is_closing():
            if self._head_timer is None:
                # Only a head that did not arrive whole in one read needs a deadline: almost every
                # request's head does, and a timer set and cancelled per request cost the hot path.
                self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)
            self._head_received += len(data)
            if self._head_received > self.max_url_bytes + self.max_header_bytes:
                too_long = len(self.url) > self.max_url_bytes
                self._refuse(
                    _HeadRefused(400, "Request line too long.")
                    if too_long
                    else _HeadRefused(431, "Request header fields too large.")
                )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_received = 0
        self._header_bytes = 0
        self._stop_head_timer()  # the deadline starts after this read, if the head is not whole yet

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.max_url_bytes:
            # Raising stops the parser; uvicorn then calls `send_400_response`.
            self._refused = _HeadRefused(400, "Request line too long.")
            raise self._refused

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > self.max_header_bytes:
            self._refused = _HeadRefused(431, "Request header fields too large.")
            raise self._refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_head_timer()
        self.scope[SHUTDOWN_HOOKS] = []  # an event stream registers its close here (`events/stream.py`)
        super().on_headers_complete()

    def shutdown(self) -> None:
        """The server's graceful shutdown: an event stream under way is told to close with `retry:`.

        uvicorn then waits for the answer to end, as for any other, instead of
        cutting it at the end of the drain (GRACEFUL_SHUTDOWN_SECONDS).
        """
        super().shutdown()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            for hook in list(cycle.scope.get(SHUTDOWN_HOOKS, ())):
                hook()

    def send_400_response(self, msg: str) -> None:
        if self._refused is not None:
            refused, self._refused = self._refused, None
            self._refuse(refused)
        else:
            super().send_400_response(msg)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and self._refused is None and not self.transport.is_closing():
            self._refuse(_HeadRefused(408, "Request head not received in time."))

    def _refuse(self, refused: _HeadRefused) -> None:
        """Answer in plain text, as uvicorn answers a malformed head, and close.

        The client may still be sending the rest of its head: the answer is
        followed by a half-close, and what still arrives is read and dropped
        for `LINGER_SECONDS`, so the client reads the answer rather than a reset.
        """
        self._in_head = False
        self._refused = refused
        self._stop_head_timer()
        self._unset_keepalive_if_required()
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.close()  # a pipelined response is under way: no answer can follow it
            return
        self.logger.warning("Refused a request head: %s", refused.reason)
        body = refused.reason.encode("ascii")
        head = [STATUS_LINE[refused.status]]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()
