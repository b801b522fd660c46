"""Real servers on loopback for the tests: the app under uvicorn, in a thread or a process."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn
from fastapi import FastAPI
from pydantic import AliasChoices

from sports_api.core.config import Settings
from sports_api.web.server import BoundedHttpToolsProtocol

ROOT = Path(__file__).resolve().parent.parent


def real_clock(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (this process's by default) without libfaketime, for the servers a test starts.

    `make test-calendar` runs the suite under libfaketime (LD_PRELOAD), which the
    children inherit; redis-server and Chromium break under it, and schemathesis
    (Hypothesis's timing) hangs. They run on the real clock: Redis's expiries are
    relative, and a page is given the moment it shows (`page.clock`). The app and
    moto_server keep the faked clock, as the tests do: moto, like AWS, judges the
    timestamps the tools send by its own.
    """
    env = dict(os.environ if env is None else env)
    preload = [lib for lib in env.get("LD_PRELOAD", "").split(":") if lib and "faketime" not in lib]
    env = {k: v for k, v in env.items() if not k.startswith(("FAKETIME", "DONT_FAKE_MONOTONIC"))}
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
    else:
        env.pop("LD_PRELOAD", None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThreadServer:
    """The app under uvicorn in this process: fast to start, and inspectable."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            http=BoundedHttpToolsProtocol,  # as `python -m sports_api` runs it
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)


class ProcessServer:
    """`python -m sports_api` as deployed, in its own process; stdout captured."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in _APP_VARIABLES},
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            **env,
        }
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> ProcessServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sports_api"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.process.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/health", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not become healthy")

    def stop(self, timeout: float = 30) -> str:
        """Stop with SIGTERM and return everything it printed."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out


# Variables of the user's shell that would change what the tool does.
_SCRUB_PREFIXES = ("AWS_", "OPS_")
_SCRUB = {
    "ENV", "REGION", "PROFILE", "PROJECT", "ARCH", "IMAGE_URI", "ALERT_EMAIL", "GITHUB_REPO",
    "GITHUB_BRANCH", "CONNECTION_ARN", "CFN_MODE", "CONFIRM", "FORMAT", "RESTART", "API_URL",
    "API_KEY", "SMOKE_WAIT", "FOLLOW", "SINCE", "FILTER", "LEVEL", "REQUEST_ID", "TASK",
    "NO_COLOR", "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
}  # fmt: skip


class Moto:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def env(self, **extra: str) -> dict[str, str]:
        """An environment for the tool and for boto3 in the tests: moto, dummy credentials."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB}
        env.update(
            AWS_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        env.update(extra)
        return env


@contextlib.contextmanager
def moto_server(name: str, **environment: str) -> Iterator[Moto]:
    """A moto_server on a free loopback port, its log in reports/<name>.log when reports/ exists."""
    port = free_port()
    log_path = ROOT / "reports" / f"{name}.log" if (ROOT / "reports").is_dir() else Path(os.devnull)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            # On the suite's clock, faked or not: CloudWatch Logs refuses events dated
            # more than 14 days from the server's now, and the tools date theirs.
            env={**os.environ, **environment},
        )
        server = Moto(port)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{server.url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        try:
            yield server
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


REDIS_SERVERS = ("redis-server", "valkey-server")  # Debian's, and Amazon Linux's (CodeBuild)


def redis_binary() -> str:
    """The installed redis-server (or valkey-server): skipped without one, except in CI."""
    binary = next(filter(None, map(shutil.which, REDIS_SERVERS)), None)
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no redis-server in CI: `make system-packages` installs it")
        pytest.skip("redis-server is not installed; `make test` installs it when run as root")
    return binary


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
        self.process = subprocess.Popen([self.binary, *options], stdout=subprocess.DEVNULL, env=real_clock())
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


def _setting_names() -> set[str]:
    """Every environment variable the settings class reads, aliases included."""
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names |= {choice.upper() for choice in alias.choices} if isinstance(alias, AliasChoices) else set()
        names.add(name.upper())
    return names


# Settings the developer's shell may hold; tests start from none of them.
_APP_VARIABLES = _setting_names()
