"""`make bench`'s push scenario: how many event streams one task holds, and how fast a change reaches them.

The service (one process pinned to the server core, as deployed) serves the
NFL with its first game live, from the fake upstream. Subscribers connect
to `/v1/leagues/nfl/events` in batches from this process, on the load core,
each a bare asyncio protocol that only looks for `event: ` lines: a
browser's EventSource would cost the load core more than the server. Then
the score moves upstream, round after round; each round, every subscriber's
delivery time is taken against the refresh's own `fetched_at` (the moment
the search came back, before it was read, stored and fanned out), and the
upstream calls are counted: one per interval, whatever the number of
subscribers. Memory is the service's resident set, before and with them.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

from .procs import FakeUpstream, Server

PATH = "/v1/leagues/nfl/events"
TTL_LIVE = 3  # seconds: the interval of the live refresh


class Subscriber(asyncio.Protocol):
    """One stream, read just enough: when its snapshot and each `game` event arrived."""

    def __init__(self, request: bytes, counts: dict[str, int]) -> None:
        self.request = request
        self.counts = counts
        self.snapshot = False
        self.games: list[tuple[float, bytes]] = []  # arrival, the chunk holding the event
        self.closed = False
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        seen = self._tail + data
        self._tail = data[-32:]
        if not self.snapshot and b"event: snapshot" in seen:
            self.snapshot = True
            self.counts["snapshots"] += 1
        if b"event: game" in seen:
            self.games.append((now, seen))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.counts["closed"] += 1


def _fetched_at(chunk: bytes) -> float | None:
    """The `fetched_at` of the first game event in a chunk (its data line is one JSON document)."""
    start = chunk.find(b"event: game\ndata: ")
    if start < 0:
        return None
    line = chunk[start + len(b"event: game\ndata: ") :].split(b"\n", 1)[0]
    try:
        return datetime.fromisoformat(json.loads(line)["fetched_at"]).timestamp()
    except (ValueError, KeyError):
        return None


def _percentile(ordered: list[float], pct: float) -> float:
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else 0.0


async def _subscribe(port: int, n: int, batch: int) -> tuple[list[Subscriber], list[asyncio.BaseTransport]]:
    loop = asyncio.get_running_loop()
    request = f"GET {PATH} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n".encode()
    counts = {"snapshots": 0, "closed": 0}
    subscribers: list[Subscriber] = []
    transports: list[asyncio.BaseTransport] = []
    for start in range(0, n, batch):
        made = await asyncio.gather(
            *(
                loop.create_connection(lambda: Subscriber(request, counts), "127.0.0.1", port)
                for _ in range(min(batch, n - start))
            )
        )
        for transport, protocol in made:
            transports.append(transport)
            subscribers.append(protocol)
        deadline = time.monotonic() + 30
        while counts["snapshots"] < len(subscribers) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # bounded: until each batch has its snapshots, or 30 s
    return subscribers, transports


async def _rounds(upstream: FakeUpstream, subscribers: list[Subscriber], rounds: int) -> list[dict[str, Any]]:
    found = []
    for goal in range(2, 2 + rounds):
        before = [len(s.games) for s in subscribers]
        calls = upstream.calls()
        upstream.set(live_score=[goal, 0])
        deadline = time.monotonic() + 2 * TTL_LIVE + 15
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if all(len(s.games) > b for s, b in zip(subscribers, before, strict=True)):
                break
        delays = []
        for subscriber, seen in zip(subscribers, before, strict=True):
            if len(subscriber.games) > seen:
                arrived, chunk = subscriber.games[seen]
                fetched = _fetched_at(chunk)
                if fetched is not None:
                    delays.append((arrived - fetched) * 1000)
        delays.sort()
        found.append(
            {
                "delivered": len(delays),
                "p50_ms": round(_percentile(delays, 50), 1),
                "p99_ms": round(_percentile(delays, 99), 1),
                "last_ms": round(delays[-1], 1) if delays else None,
                "upstream_calls": upstream.calls() - calls,
            }
        )
    return found


def run(
    upstream: FakeUpstream, service: Server, subscribers: int = 10_000, rounds: int = 3, batch: int = 500
) -> dict[str, Any]:
    upstream.set(reset=True, live=["NFL schedule"], live_score=[1, 0])
    rss_idle = service.rss_mb()

    async def scenario() -> dict[str, Any]:
        started = time.monotonic()
        subs, transports = await _subscribe(service.port, subscribers, batch)
        connect_s = time.monotonic() - started
        held = sum(1 for s in subs if s.snapshot and not s.closed)
        await asyncio.sleep(1)
        rss_held = service.rss_mb()
        found = await _rounds(upstream, subs, rounds)
        rss_after = service.rss_mb()
        still = sum(1 for s in subs if not s.closed)
        for transport in transports:
            transport.close()
        await asyncio.sleep(1)
        delays_p99 = [r["p99_ms"] for r in found]
        return {
            "subscribers": subscribers,
            "held": held,
            "still_open_after_rounds": still,
            "connect_seconds": round(connect_s, 1),
            "rss_idle_mb": round(rss_idle, 1),
            "rss_held_mb": round(rss_held, 1),
            "rss_after_rounds_mb": round(rss_after, 1),
            "ttl_live_s": TTL_LIVE,
            "rounds": found,
            "worst_p99_ms": max(delays_p99) if delays_p99 else None,
            "worst_last_ms": max((r["last_ms"] or 0) for r in found) if found else None,
            "upstream_calls_per_round": [r["upstream_calls"] for r in found],
        }

    return asyncio.run(scenario())
