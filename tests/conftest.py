from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from sports_api.core.config import Settings
from sports_api.web.app import create_app
from tests.fakes.serpapi import FakeSerpApi
from tests.servers import (
    _APP_VARIABLES,
    _SCRUB,
    _SCRUB_PREFIXES,
    Moto,
    RedisProcess,
    ThreadServer,
    moto_server,
    redis_binary,
)

FAKE_KEY = "test-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in _APP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # The archive (SQLite by default) writes under DATA_DIR: a directory per test, never the checkout.
    monkeypatch.setenv("DATA_DIR", str(tmp_path_factory.mktemp("data")))


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def fake_serpapi() -> Iterator[FakeSerpApi]:
    fake = FakeSerpApi().start()
    yield fake
    fake.stop()


@pytest.fixture
def serve() -> Iterator[Callable[..., ThreadServer]]:
    """Start the app under uvicorn on loopback with the given settings."""
    started: list[ThreadServer] = []

    def start(**values: object) -> ThreadServer:
        server = ThreadServer(create_app(settings(**values))).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def live(serve: Callable[..., ThreadServer], fake_serpapi: FakeSerpApi) -> Callable[..., ThreadServer]:
    """The app in live mode against the fake SerpAPI."""

    def start(**values: object) -> ThreadServer:
        return serve(serpapi_api_key=FAKE_KEY, serpapi_base_url=fake_serpapi.url, **values)

    return start


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


@pytest.fixture
def redis_server() -> Iterator[RedisProcess]:
    """A real redis-server of this test's own, which it may kill, pause and corrupt."""
    server = RedisProcess(redis_binary()).start()
    yield server
    server.stop()
