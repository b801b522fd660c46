"""`make smoke` against the real app behind the stand-in for API Gateway's key check (tests/gateway.py).

Live data comes from the fake SerpAPI (a real HTTP server); without a key the
app serves its demo data, which the smoke test must refuse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from ops.settings import Settings

from ops import smoke
from sports_api.web.app import create_app
from tests.conftest import settings
from tests.gateway import ApiKeyGate
from tests.ops.conftest import run_make
from tests.servers import Moto, ThreadServer

KEY = "smoke-test-key-0123456789"


@pytest.fixture
def gateway(fake_serpapi: Any) -> Callable[..., ThreadServer]:
    """The app behind the key check: live data by default, demo data with live=False."""
    started: list[ThreadServer] = []

    def start(live: bool = True, enforce: bool = True) -> ThreadServer:
        values = {"serpapi_api_key": "k" * 32, "serpapi_base_url": fake_serpapi.url} if live else {}
        app = create_app(settings(**values))
        server = ThreadServer(ApiKeyGate(app, KEY) if enforce else app).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start  # type: ignore[misc]
    for server in started:
        server.stop()


def _smoke(moto: Moto, url: str) -> Any:
    env = moto.env(PROJECT="smoke-test", API_URL=url, API_KEY=KEY, SMOKE_WAIT="0")
    return run_make("smoke", env, timeout=60)


def test_smoke_passes_against_live_data_behind_a_key(
    moto: Moto, gateway: Callable[..., ThreadServer]
) -> None:
    server = gateway()
    result = _smoke(moto, server.url + "/")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == f"Smoke test of {server.url} (no service stack smoke-test-dev-service: the checks run once)"
    )
    assert lines[3].startswith("  ok    unknown route            GET /v1/no-such-route-"), lines
    assert lines[1:3] + lines[4:] == [
        "  ok    health                   GET /health",
        "  ok    live data route          GET /v1/leagues/nfl/games",
        "  ok    data route without key   GET /v1/leagues/nfl/games (no key)",
        "all 4 checks passed",
    ]
    assert KEY not in result.stdout + result.stderr


def test_release_test_sends_every_check_to_the_new_revision(moto: Moto, fake_serpapi: Any) -> None:
    """RELEASE_TEST=1: the header the service stack's test listener rule routes on, on every request."""
    seen: list[bytes | None] = []
    app = ApiKeyGate(create_app(settings(serpapi_api_key="k" * 32, serpapi_base_url=fake_serpapi.url)), KEY)

    async def recorder(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(dict(scope["headers"]).get(b"x-release-test"))
        await app(scope, receive, send)

    server = ThreadServer(recorder).start()  # type: ignore[arg-type]
    try:
        env = moto.env(
            PROJECT="smoke-test", API_URL=server.url, API_KEY=KEY, SMOKE_WAIT="0", RELEASE_TEST="1"
        )
        result = run_make("smoke", env, timeout=60)
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"Smoke test of {server.url}, the new revision (X-Release-Test: 1)")
    assert seen and set(seen) == {b"1"}, seen


def test_smoke_fails_on_demo_data_saying_the_key_is_missing(
    moto: Moto, gateway: Callable[..., ThreadServer]
) -> None:
    result = _smoke(moto, gateway(live=False).url)
    assert result.returncode != 0
    line = next(line for line in result.stdout.splitlines() if "live data route" in line)
    assert line.startswith("  FAIL  live data route")
    assert '"source": "demo": the service runs without a SerpAPI key' in line
    assert "no key in Secrets Manager under smoke-test/dev/serpapi-api-key: `make put-secret`" in line
    assert "1 of 4 checks failed" in result.stdout


def test_smoke_fails_when_the_gateway_lets_keyless_requests_through(
    gateway: Callable[..., ThreadServer], capsys: pytest.CaptureFixture[str]
) -> None:
    server = gateway(enforce=False)
    assert smoke.smoke(Settings(api_url=server.url, api_key=KEY), probe=(None, "once")) == 1
    out = capsys.readouterr().out
    assert "  FAIL  data route without key" in out and "HTTP 200, expected 403" in out


def test_failing_checks_are_retried_only_while_the_service_rolls_out(
    gateway: Callable[..., ThreadServer], capsys: pytest.CaptureFixture[str]
) -> None:
    """Demo data while a rollout is in progress: wait for it (clock injected), then judge."""
    server = gateway(live=False)
    now = [0.0]
    states = iter(["service s rolling out s:2 (0/1 tasks running)"] * 3 + [None])
    probe = (lambda: next(states), "retries while service s is rolling out")
    result = smoke.smoke(
        Settings(api_url=server.url, api_key=KEY, smoke_wait=300),
        probe=probe,
        clock=lambda: now[0],
        sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
    )
    out = capsys.readouterr().out
    assert result == 1  # the rollout ended and the data is still demo data
    assert "  1 failing while service s rolling out s:2 (0/1 tasks running): retrying every 5 s" in out
    assert "  waited 15 s for the rollout (service s rolling out s:2 (0/1 tasks running))" in out
    assert out.count("FAIL") == 1  # printed once, after the wait

    # not rolling out: one round, no wait
    now[0] = 0.0
    assert (
        smoke.smoke(
            Settings(api_url=server.url, api_key=KEY), probe=(lambda: None, "x"), clock=lambda: now[0]
        )
        == 1
    )
    assert "waited" not in capsys.readouterr().out


def test_smoke_gives_up_waiting_after_smoke_wait(
    gateway: Callable[..., ThreadServer], capsys: pytest.CaptureFixture[str]
) -> None:
    server = gateway(live=False)
    now = [0.0]
    probe = (lambda: "service s rolling out s:2 (0/1 tasks running)", "x")
    result = smoke.smoke(
        Settings(api_url=server.url, api_key=KEY, smoke_wait=12),
        probe=probe,
        clock=lambda: now[0],
        sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
    )
    assert result == 1
    assert "1 of 4 checks failed (still rolling out: service s rolling out" in capsys.readouterr().out
    assert now[0] == 10  # two waits of 5 s; a third would pass SMOKE_WAIT


def test_smoke_explains_a_gateway_without_a_catch_all_route() -> None:
    check = smoke.Check("unknown route", "/x", True, 404)
    reply = smoke.Reply(403, b'{"message":"Missing Authentication Token"}')
    assert "unknown paths should reach the app through {proxy+}" in (check.verdict(reply) or "")
    live = smoke.Check("d", "/d", True, 200, live_games=True)
    assert live.verdict(smoke.Reply(200, b'{"x": 1}')) == "the JSON has no `games` list"
    assert live.verdict(smoke.Reply(200, b'{"games": [], "source": "serpapi"}')) is None


def test_smoke_finds_the_url_and_key_from_the_api_stack(aws_env: Moto) -> None:
    apigw = boto3.client("apigateway")
    key = apigw.create_api_key(name="smoke-stack-key", value=KEY, enabled=True)
    template = {
        "Resources": {
            "M": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": "x", "Name": "/smoke"},
            }
        },
        "Outputs": {"ApiUrl": {"Value": "https://api.example"}, "ApiKeyId": {"Value": key["id"]}},
    }
    boto3.client("cloudformation").create_stack(
        StackName="smoke-test-dev-api", TemplateBody=json.dumps(template)
    )
    assert smoke.find_api(Settings(project="smoke-test")) == ("https://api.example", KEY)
