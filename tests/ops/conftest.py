"""moto_server on loopback, and the real `make` targets run against it."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
MOTO = Path(sys.executable).parent / "moto_server"

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
            [str(MOTO), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
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


@pytest.fixture(scope="session")
def moto() -> Iterator[Moto]:
    with moto_server("moto_server") as server:
        yield server


@pytest.fixture
def aws_env(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Moto:
    """boto3 in this process talks to moto."""
    for key in list(os.environ):
        if key.startswith(_SCRUB_PREFIXES) or key in _SCRUB:
            monkeypatch.delenv(key)
    for key, value in moto.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    return moto


def _make_prefix() -> list[str]:
    """`make`, with mk/aws.mk added when the main Makefile does not include it yet."""
    makefile = (ROOT / "Makefile").read_text()
    included = re.search(r"^-?include .*mk/", makefile, re.MULTILINE) is not None
    # -o: never rebuild the shared virtualenv from a test.
    base = ["make", "--no-print-directory", "-s", "-o", ".venv/.installed"]
    return base if included else [*base, "-f", "Makefile", "-f", "mk/aws.mk"]


def run_make(
    target: str, env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_make_prefix(), target, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
