"""Real servers on loopback for the tests: the app under uvicorn, in a thread or a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import AliasChoices

from sports_api.core.config import Settings
from sports_api.web.server import BoundedHttpToolsProtocol

ROOT = Path(__file__).resolve().parent.parent


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
