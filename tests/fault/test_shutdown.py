"""SIGTERM under load, on the real process: nothing the server took on fails.

Several clients stream requests (cached answers back to back, and searches
the upstream takes a second over) when SIGTERM arrives. Every request the server took on, as
its access log shows by request id, reaches its client complete and with the
logged status; a request it never took fails at the connection, before any
byte of an answer; new connections are refused while the last searches
finish; the process exits 0.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from tests.conftest import FAKE_KEY
from tests.fakes.serpapi import FakeSerpApi

NFL = "/v1/leagues/nfl/games"
SEARCH_SECONDS = 1.0
CACHED_CLIENTS = 4  # cached answers, back to back
SEARCH_CLIENTS = 3  # a new team each time: a search the upstream takes a second over


@dataclass
class Outcome:
    request_id: str
    path: str
    started: float
    finished: float
    status: int | None  # None: the request failed
    error: str | None = None


async def stream(url: str, n: int, searches: bool, outcomes: list[Outcome]) -> None:
    """Requests back to back on one keep-alive client until the server is gone."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        for i in range(100_000):
            request_id = f"load-{n}-{i}"
            path = f"/v1/teams/Shutdown {n}-{i}/games" if searches else NFL
            started = time.monotonic()
            try:
                response = await client.get(path, headers={"X-Request-ID": request_id})
            except httpx.TransportError as exc:
                outcomes.append(
                    Outcome(request_id, path, started, time.monotonic(), None, type(exc).__name__)
                )
                return
            outcomes.append(Outcome(request_id, path, started, time.monotonic(), response.status_code))


def test_sigterm_under_load_fails_no_request_the_server_took(process, fake_serpapi: FakeSerpApi) -> None:
    fake_serpapi.set(latency=SEARCH_SECONDS)
    server = process(
        {
            "SERPAPI_API_KEY": FAKE_KEY,
            "SERPAPI_BASE_URL": fake_serpapi.url,
            "SERPAPI_TIMEOUT_SECONDS": "5",
            # Its searches are for made-up names that find nothing: the shutdown is what is tested.
            "CLIENT_EMPTY_SEARCHES_PER_HOUR": "100000",
        }
    )
    assert httpx.get(server.url + NFL, timeout=5).status_code == 200
    outcomes: list[Outcome] = []

    async def scenario() -> tuple[float, bool, str]:
        clients = [
            asyncio.ensure_future(stream(server.url, n, n >= CACHED_CLIENTS, outcomes))
            for n in range(CACHED_CLIENTS + SEARCH_CLIENTS)
        ]
        await asyncio.sleep(1.6)
        server.terminate()
        sigterm = time.monotonic()
        await asyncio.sleep(0.2)
        draining = server.process.poll() is None  # type: ignore[union-attr]
        try:
            await httpx.AsyncClient().get(server.url + "/health", timeout=2)
            newcomer = "answered"
        except httpx.TransportError as exc:
            newcomer = type(exc).__name__
        await asyncio.wait_for(asyncio.gather(*clients), 20)
        return sigterm, draining, newcomer

    sigterm, draining, newcomer = asyncio.run(scenario())
    assert server.wait(20) == 0
    logged = {
        line["request_id"]: line["status"]
        for line in server.lines()
        if line.get("request_id", "").startswith("load-") and "status" in line
    }

    assert draining and newcomer == "ConnectError"  # refused while the last searches finished
    answered = [o for o in outcomes if o.status is not None]
    failed = [o for o in outcomes if o.status is None]
    assert {o.status for o in answered} == {200}
    for outcome in answered:
        assert logged.get(outcome.request_id) == outcome.status
    for outcome in failed:  # never taken on: no access line, and failed before any answer
        assert outcome.request_id not in logged
        assert outcome.error in {"ConnectError", "RemoteProtocolError", "ReadError"}, outcome
    assert set(logged) <= {o.request_id for o in answered}
    drained = [o for o in answered if o.started < sigterm < o.finished and o.path != NFL]
    assert drained, "no search was in flight at SIGTERM: the test proved nothing"
    assert len(answered) > 100 * CACHED_CLIENTS  # a stream, not a trickle


def test_sigterm_closes_slow_loris_connections_at_once(process) -> None:
    from tests.fault.conftest import slow_loris

    server = process({})
    loris = [slow_loris(server.url) for _ in range(10)]
    started = time.monotonic()
    server.terminate()
    assert server.wait(10) == 0
    assert time.monotonic() - started < 3
    for sock in loris:
        sock.settimeout(1)
        assert sock.recv(1) == b""  # closed, without an answer
        sock.close()
