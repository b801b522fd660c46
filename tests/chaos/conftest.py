"""The chaos suite's tools: a real redis-server to kill, pause and corrupt, and a /health probe.

Every case runs the app under uvicorn on loopback (`tests.conftest.live`, one
server fixture) against the fake SerpAPI's hostile modes, or a real
redis-server that it breaks while requests run. Each asserts the documented
status, that no 500 appears, how many searches the fault cost (the fake
counts them), and that `/health` stays fast while it happens (measured, with
a generous bound: the point is an event loop that is never blocked, not speed).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import redis

from tests.fakes.serpapi import FakeSerpApi
from tests.servers import ThreadServer, free_port

HEALTH_BOUND = 1.0  # seconds: /health takes milliseconds; a blocked loop takes the fault's length
REDIS_SERVERS = ("redis-server", "valkey-server")  # Debian's, and Amazon Linux's (CodeBuild)


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


class RedisProcess:
    """A real redis-server on loopback that a test may kill, pause, restart and corrupt."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def start(self) -> RedisProcess:
        options = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([self.binary, *options], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        with self.client() as client:
            while True:
                try:
                    client.ping()
                    return self
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise RuntimeError(f"{self.binary} did not start") from None
                    time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.resume()
        self.process.kill()
        self.process.wait(10)

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.paused:
            self.process.send_signal(signal.SIGCONT)
            self.paused = False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def redis_server() -> Iterator[RedisProcess]:
    binary = next(filter(None, map(shutil.which, REDIS_SERVERS)), None)
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no redis-server in CI: `make system-packages` installs it")
        pytest.skip("redis-server is not installed; `make test` installs it when run as root")
    server = RedisProcess(binary).start()
    yield server
    server.stop()


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
