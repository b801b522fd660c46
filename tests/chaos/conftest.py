"""The chaos suite's tools: a real redis-server to kill, pause and corrupt, and a /health probe.

Every case runs the app under uvicorn on loopback (`tests.conftest.live`, one
server fixture) against the fake SerpAPI's hostile modes, or a real
redis-server that it breaks while requests run. Each asserts the documented
status, that no 500 appears, how many searches the fault cost (the fake
counts them), and that `/health` stays fast while it happens (measured, with
a generous bound: the point is an event loop that is never blocked, not speed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from tests.fakes.serpapi import FakeSerpApi
from tests.servers import RedisProcess, ThreadServer

HEALTH_BOUND = 1.0  # seconds: /health takes milliseconds; a blocked loop takes the fault's length


@dataclass
class HealthProbe:
    """/health asked every 20 ms from a thread of its own while a fault runs."""

    url: str
    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> HealthProbe:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._wait_for_probes(1)  # the fault starts once the probe runs
        return self

    def __exit__(self, *exc: object) -> None:
        self._wait_for_probes(len(self.statuses) + 1)  # and one more probe after it
        self._stop.set()
        assert self._thread is not None
        self._thread.join(10)

    def _wait_for_probes(self, n: int) -> None:
        deadline = time.monotonic() + 10
        while len(self.statuses) < n and time.monotonic() < deadline:
            time.sleep(0.005)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self._stop.is_set():
                time.sleep(0.02)
                started = time.perf_counter()
                try:
                    status = client.get("/health").status_code
                except httpx.HTTPError:
                    status = 0
                self.latencies.append(time.perf_counter() - started)
                self.statuses.append(status)

    def assert_fast(self, bound: float = HEALTH_BOUND) -> None:
        assert self.statuses, "the probe never ran"
        assert set(self.statuses) == {200}, self.statuses
        assert max(self.latencies) < bound, f"/health took {max(self.latencies):.2f} s"


@pytest.fixture
def probe() -> Callable[[str], HealthProbe]:
    return HealthProbe


@pytest.fixture
def redis_live(live, redis_server: RedisProcess) -> Callable[..., ThreadServer]:
    """The app in live mode against the fake SerpAPI, sharing a real redis-server."""

    def start(**values: object) -> ThreadServer:
        return live(redis_url=redis_server.url, **values)

    return start


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text[:200]
    return response.json()["type"].rsplit(":", 1)[-1]


def wait_for(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


__all__ = ["FakeSerpApi", "HealthProbe", "RedisProcess", "problem_type", "wait_for"]
