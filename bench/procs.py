"""The processes a bench run starts: servers pinned to one core, load on the other.

Each server is one uvicorn worker in a process of its own, started under
`taskset` so the load generator never competes with it for a core; its
resident memory and open descriptors are read from /proc.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Core 0 serves, core 1 loads. With one core, or without taskset, nothing is pinned.
SERVER_CPU, LOAD_CPU = 0, 1
PINNED = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None


def on_cpu(cpu: int, argv: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *argv] if PINNED else argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http_post_json(url: str, body: dict, timeout: float = 5.0) -> dict:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())


class Server:
    """One server process on loopback, its output in a log file."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        port: int,
        log: Path,
        env: dict[str, str] | None = None,
        unset: set[str] = frozenset(),  # type: ignore[assignment]
    ):
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._argv = on_cpu(SERVER_CPU, argv)
        self._env = {**{k: v for k, v in os.environ.items() if k not in unset}, **(env or {})}
        self._log_path = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str = "/health", timeout: float = 30.0) -> Server:
        log = self._log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            self._argv, env=self._env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self._log_path}")
            try:
                if http_get(self.url + ready_path, timeout=1)[0] < 500:
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not start; see {self._log_path}")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def open_fds(self) -> int:
        assert self.process is not None
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def accept_queue(self) -> int:
        """Connections the kernel has completed that the server has not accepted yet."""
        port = f":{self.port:04X}"
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1].endswith(port) and fields[3] == "0A":  # the LISTEN socket
                return int(fields[4].split(":")[1], 16)
        return 0

    def threads(self) -> int:
        assert self.process is not None
        return len(os.listdir(f"/proc/{self.process.pid}/task"))

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL if it will not go; the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


class FakeUpstream(Server):
    """tests/fakes/serpapi.py in its own process, driven over HTTP."""

    def __init__(self, log: Path) -> None:
        port = free_port()
        # A plan so large that pacing never decides a scenario that measures the cache
        # (quota_day.py measures pacing); reset at every scenario's start, like the rest.
        argv = [
            sys.executable,
            "-m",
            "tests.fakes.serpapi",
            "--port",
            str(port),
            "--plan-searches-left",
            "100000000",
        ]
        super().__init__("fake-serpapi", argv, port, log)
        self._argv = on_cpu(LOAD_CPU, argv)  # the upstream's work is not the server's

    def start(self, ready_path: str = "/_stats", timeout: float = 30.0) -> FakeUpstream:
        super().start(ready_path, timeout)
        return self

    def set(self, **behaviour: object) -> None:
        http_post_json(self.url + "/_control", behaviour)

    def calls(self) -> int:
        return json.loads(http_get(self.url + "/_stats")[1])["calls"]


def service(log: Path, upstream: FakeUpstream, **settings: str) -> Server:
    """`python -m sports_api` as deployed (JSON logs on), live against the fake upstream."""
    port = free_port()
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SERPAPI_API_KEY": "bench-key-0123456789",
        "SERPAPI_BASE_URL": upstream.url,
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",  # as the image sets it: stdout is written through, line by line
        **settings,
    }
    return Server("service", [sys.executable, "-m", "sports_api"], port, log, env, unset=_app_variables())


def _app_variables() -> set[str]:
    """What the developer's shell may set for the app (a Redis URL, say): none of it applies here."""
    from sports_api.core.config import Settings

    return {name.upper() for name in Settings.model_fields} | {"SPORTS_API_KEY"}


def uvicorn_app(name: str, target: str, log: Path, env: dict[str, str] | None = None) -> Server:
    """A bench app under one uvicorn worker with the service's server options."""
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", target,
        "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--no-server-header", "--timeout-keep-alive", "65", "--log-level", "warning",
    ]  # fmt: skip
    return Server(name, argv, port, log, env)
