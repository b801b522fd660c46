"""`make smoke`: call the deployed API through the gateway, as a client would.

Checks /health, one data route (200 with JSON games), an unknown route (404)
and a data request without the key (403); exits non-zero on any failure.
API_URL and API_KEY come from the environment (the pipeline's smoke stage);
without them, from the api stack's outputs and API Gateway's GetApiKey.
Runs on the standard library alone when both are given.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from . import OpsError
from .aws import var

DATA_ROUTE = "/v1/leagues/nfl/games"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(url: str, key: str | None, timeout: float = 15) -> Reply:
    headers = {"Accept": "application/json", "User-Agent": "sports-api-smoke"}
    if key:
        headers["x-api-key"] = key
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the URL is the API's
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Reply(
                response.status, response.read(), {k.lower(): v for k, v in response.headers.items()}
            )
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()})


@dataclass
class Check:
    name: str
    path: str
    with_key: bool
    expect: int
    games: bool = False

    def verdict(self, reply: Reply) -> str | None:
        """None when the reply passes, else why not."""
        if reply.status != self.expect:
            why = f"HTTP {reply.status}, expected {self.expect}"
            snippet = reply.body[:200].decode(errors="replace").strip()
            if reply.status == 403 and self.expect == 404 and "Authentication Token" in snippet:
                why += (
                    " (the gateway has no route for it: unknown paths should reach the app through {proxy+})"
                )
            return f"{why}: {snippet}" if snippet else why
        if self.games:
            try:
                body = reply.json()
            except ValueError:
                return "the body is not JSON"
            if not isinstance(body, dict) or not isinstance(body.get("games"), list):
                return "the JSON has no `games` list"
        return None


CHECKS = (
    Check("health", "/health", True, 200),
    Check("data route", DATA_ROUTE, True, 200, games=True),
    Check("unknown route", "/v1/no-such-route-{nonce}", True, 404),
    Check("data route without key", DATA_ROUTE, False, 403),
)


def find_api() -> tuple[str, str]:
    """API_URL and API_KEY from the environment, else from the api stack and API Gateway."""
    url, key = var("API_URL"), var("API_KEY")
    if url and key:
        return url, key
    from .aws import Settings

    settings = Settings.from_env()
    api = settings.outputs("api")
    url = url or api.get("ApiUrl")
    if not url:
        raise OpsError(f"stack {settings.stack_name('api')} has no ApiUrl output")
    if not key:
        key_id = api.get("ApiKeyId")
        if not key_id:
            raise OpsError(f"stack {settings.stack_name('api')} has no ApiKeyId output: set API_KEY=")
        key = settings.client("apigateway").get_api_key(apiKey=key_id, includeValue=True)["value"]
    return url, key


def smoke() -> int:
    url, key = find_api()
    base = url.rstrip("/")
    wait = float(var("SMOKE_WAIT") or 60)
    nonce = uuid.uuid4().hex[:8]
    print(f"Smoke test of {base}")
    failures = 0
    # A fresh deployment or API key can take a moment: failing checks are retried
    # until one shared deadline, so a broken API fails in about SMOKE_WAIT seconds.
    deadline = time.monotonic() + wait
    for check in CHECKS:
        path = check.path.format(nonce=nonce)
        while True:
            try:
                problem = check.verdict(fetch(base + path, key if check.with_key else None))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                problem = f"no answer: {getattr(exc, 'reason', exc)}"
            if problem is None or time.monotonic() >= deadline:
                break
            time.sleep(min(3.0, max(0.0, deadline - time.monotonic())))
        label = f"GET {path}" + ("" if check.with_key else " (no key)")
        if problem is None:
            print(f"  ok    {check.name:<24} {label}")
        else:
            failures += 1
            print(f"  FAIL  {check.name:<24} {label}: {problem}")
    if failures:
        print(f"{failures} of {len(CHECKS)} checks failed")
        return 1
    print(f"all {len(CHECKS)} checks passed")
    return 0
