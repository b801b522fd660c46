"""The real process for fault tests that send it load: its log goes to a file.

`tests.servers.ProcessServer` reads stdout through a pipe at the end; under
load the access lines would fill the pipe and stall the server mid-test.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import ROOT, ProcessServer


class LoggedProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._template = ProcessServer(env)  # the same environment and port choice
        self.url = self._template.url
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> LoggedProcess:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sports_api"],
                env=self._template.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def terminate(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def process(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], LoggedProcess]]:
    started: list[LoggedProcess] = []

    def start(env: dict[str, str]) -> LoggedProcess:
        server = LoggedProcess(env, tmp_path / f"server-{len(started)}.log").start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


def slow_loris(url: str, head: bytes = b"GET /health HTTP/1.1\r\nHost: test\r\n") -> socket.socket:
    """A connection that has sent part of a request head and will trickle the rest."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.sendall(head)
    return sock
