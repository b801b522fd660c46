"""SIGTERM with event streams open, on the real process: each ends with `retry:`, well inside the drain.

An event stream never ends on its own for minutes; without being told, the
server would wait the whole drain (GRACEFUL_SHUTDOWN_SECONDS) and then cut
it, and its clients would see a broken connection. Here every open stream
gets `retry:` and a clean end as soon as SIGTERM arrives, a request in flight
beside them still completes, and the process exits 0 long before the drain's
end.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.sse import Stream, until

STREAMS = 5
GRACE = 20  # seconds: GRACEFUL_SHUTDOWN_SECONDS, far longer than the streams may take to end


def test_sigterm_closes_every_stream_with_retry_inside_the_drain(process) -> None:
    server = process({"GRACEFUL_SHUTDOWN_SECONDS": str(GRACE), "EVENTS_RETRY_MS": "1500"})

    async def scenario() -> tuple[list[Stream], float, float]:
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            streams = [Stream(f"{server.url}/v1/leagues/nfl/events").start(client) for _ in range(STREAMS)]
            streams.append(Stream(f"{server.url}/v1/teams/Chiefs/events").start(client))
            assert await until(lambda: all(s.named("snapshot") for s in streams), 20)
            server.terminate()
            sigterm = time.monotonic()
            assert await until(lambda: all(s.ended for s in streams), GRACE / 2)
            ended = time.monotonic()
            for stream in streams:
                await stream.close()
            return streams, sigterm, ended

    streams, sigterm, ended = asyncio.run(scenario())
    assert server.wait(GRACE) == 0
    assert ended - sigterm < 3  # told at once, not cut at the end of the drain
    for stream in streams:
        assert stream.error is None  # a clean end of the answer, not a reset
        assert stream.events[-1].event is None and stream.events[-1].retry == 1500  # `retry:` last
    closed = [line for line in server.lines() if line.get("path", "").endswith("/events")]
    assert len(closed) == STREAMS + 1 and {line["status"] for line in closed} == {200}
