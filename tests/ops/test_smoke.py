"""`make smoke` against the real app (demo data) behind a stand-in for API Gateway's key check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from ops import smoke
from sports_api.web.app import create_app
from tests.conftest import settings
from tests.ops.conftest import Moto, run_make
from tests.servers import ThreadServer

KEY = "smoke-test-key-0123456789"


class KeyGate:
    """What API Gateway does with ApiKeyRequired: 403 without the right x-api-key."""

    def __init__(self, app: Any, key: str, enforce: bool = True) -> None:
        self.app, self.key, self.enforce = app, key, enforce

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.enforce:
            given = dict(scope["headers"]).get(b"x-api-key", b"").decode()
            if given != self.key:
                body = json.dumps({"message": "Forbidden"}).encode()
                headers = [(b"content-type", b"application/json")]
                await send({"type": "http.response.start", "status": 403, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


@pytest.fixture
def gateway() -> Iterator[ThreadServer]:
    server = ThreadServer(KeyGate(create_app(settings()), KEY)).start()  # type: ignore[arg-type]
    yield server
    server.stop()


def test_smoke_passes_against_the_app_behind_a_key(moto: Moto, gateway: ThreadServer) -> None:
    result = run_make("smoke", moto.env(API_URL=gateway.url + "/", API_KEY=KEY, SMOKE_WAIT="0"), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[3].startswith("  ok    unknown route            GET /v1/no-such-route-"), lines
    assert lines[:3] + lines[4:] == [
        f"Smoke test of {gateway.url}",
        "  ok    health                   GET /health",
        "  ok    data route               GET /v1/leagues/nfl/games",
        "  ok    data route without key   GET /v1/leagues/nfl/games (no key)",
        "all 4 checks passed",
    ]
    assert KEY not in result.stdout + result.stderr


def test_smoke_fails_when_a_check_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    server = ThreadServer(KeyGate(create_app(settings()), KEY, enforce=False)).start()  # type: ignore[arg-type]
    try:
        monkeypatch.setenv("API_URL", server.url)
        monkeypatch.setenv("API_KEY", KEY)
        monkeypatch.setenv("SMOKE_WAIT", "0")
        assert smoke.smoke() == 1
    finally:
        server.stop()
    out = capsys.readouterr().out
    assert "  FAIL  data route without key" in out and "HTTP 200, expected 403" in out
    assert "1 of 4 checks failed" in out


def test_smoke_explains_a_gateway_without_a_catch_all_route() -> None:
    check = smoke.Check("unknown route", "/x", True, 404)
    reply = smoke.Reply(403, b'{"message":"Missing Authentication Token"}', {})
    assert "unknown paths should reach the app through {proxy+}" in (check.verdict(reply) or "")
    assert smoke.Check("d", "/d", True, 200, games=True).verdict(smoke.Reply(200, b'{"x": 1}', {})) == (
        "the JSON has no `games` list"
    )


def test_smoke_finds_the_url_and_key_from_the_api_stack(
    aws_env: Moto, gateway: ThreadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    apigw = boto3.client("apigateway")
    key = apigw.create_api_key(name="smoke-stack-key", value=KEY, enabled=True)
    template = {
        "Resources": {
            "M": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": "x", "Name": "/smoke"},
            }
        },
        "Outputs": {"ApiUrl": {"Value": gateway.url}, "ApiKeyId": {"Value": key["id"]}},
    }
    boto3.client("cloudformation").create_stack(
        StackName="smoke-test-dev-api", TemplateBody=json.dumps(template)
    )
    monkeypatch.setenv("PROJECT", "smoke-test")
    assert smoke.find_api() == (gateway.url, KEY)
