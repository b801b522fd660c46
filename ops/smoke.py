"""`make smoke`: call the deployed API through the gateway, as a client would.

Checks /health (200), one data route (200, a `games` list, and `"source":
"serpapi"`: a deployment serving demo data has no key to use and fails), an
unknown route (404) and a data request without the key (403). With
RELEASE_TEST=1 every request carries `X-Release-Test: 1`, which the service
stack's test listener rule sends to a release's new revision before any
production traffic moves to it.

Failing checks are retried only while the ECS service is rolling out (a
deployment IN_PROGRESS), for at most SMOKE_WAIT seconds, and the output says
what it waited for. Where the rollout cannot be seen (no boto3, no service
stack, no access), the checks run once. With API_URL and API_KEY it needs the
standard library only: the pipeline's smoke stage, which runs after its deploy
action has waited for the service to be stable.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from . import OpsError
from .settings import Settings

DATA_ROUTE = "/v1/leagues/nfl/games"
RETRY_SECONDS = 5.0
DEMO = '"source": "demo": the service runs without a SerpAPI key, so it serves the bundled demo data'


@dataclass
class Reply:
    status: int
    body: bytes


def fetch(url: str, key: str | None, release_test: bool = False, timeout: float = 15) -> Reply:
    headers = {"Accept": "application/json", "User-Agent": "sports-api-smoke"}
    if key:
        headers["x-api-key"] = key
    if release_test:  # the service stack's test listener rule sends it to the release's new revision
        headers["X-Release-Test"] = "1"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the URL is the API's
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Reply(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read())


@dataclass
class Check:
    name: str
    path: str
    with_key: bool
    expect: int
    live_games: bool = False

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
        if self.live_games:
            try:
                body = json.loads(reply.body)
            except ValueError:
                return "the body is not JSON"
            if not isinstance(body, dict) or not isinstance(body.get("games"), list):
                return "the JSON has no `games` list"
            if body.get("source") != "serpapi":
                return DEMO if body.get("source") == "demo" else f'"source" is {body.get("source")!r}'
        return None


CHECKS = (
    Check("health", "/health", True, 200),
    Check("live data route", DATA_ROUTE, True, 200, live_games=True),
    Check("unknown route", "/v1/no-such-route-{nonce}", True, 404),
    Check("data route without key", DATA_ROUTE, False, 403),
)


def find_api(settings: Settings) -> tuple[str, str]:
    """API_URL and API_KEY as given, else from the api stack and API Gateway."""
    if settings.api_url and settings.api_key:
        return settings.api_url, settings.api_key
    api = settings.outputs("api")
    url = settings.api_url or api.get("ApiUrl")
    if not url:
        raise OpsError(f"stack {settings.stack_name('api')} has no ApiUrl output")
    key = settings.api_key
    if not key:
        if not api.get("ApiKeyId"):
            raise OpsError(f"stack {settings.stack_name('api')} has no ApiKeyId output: set API_KEY=")
        key = settings.client("apigateway").get_api_key(apiKey=api["ApiKeyId"], includeValue=True)["value"]
    return url, key


def rollout_probe(settings: Settings) -> tuple[Callable[[], str | None] | None, str]:
    """A function saying what is rolling out (None when nothing is), or None and why it cannot tell."""
    try:
        cluster = settings.outputs("platform", required=False).get("ClusterName")
        service = settings.outputs("service", required=False).get("ServiceName")
    except Exception as exc:
        return None, f"rollout state unknown ({type(exc).__name__}): the checks run once"
    if not cluster or not service:
        return None, f"no service stack {settings.stack_name('service')}: the checks run once"
    ecs = settings.client("ecs")

    def rolling_out() -> str | None:
        for svc in ecs.describe_services(cluster=cluster, services=[service])["services"]:
            for d in svc.get("deployments", []):
                if d.get("rolloutState") == "IN_PROGRESS":
                    revision = (d.get("taskDefinition") or "").rsplit("/", 1)[-1]
                    running, desired = d.get("runningCount", 0), d.get("desiredCount", 0)
                    return f"service {service} rolling out {revision} ({running}/{desired} tasks running)"
        return None

    return (
        rolling_out,
        f"retries while service {service} is rolling out, for up to {settings.smoke_wait:.0f} s",
    )


def why_demo(settings: Settings) -> str:
    """Why the tasks have no key: the secret's state when it can be read, else the likely cause."""
    name = f"{settings.project}/{settings.env}/serpapi-api-key"
    try:
        name = settings.outputs("platform", required=False).get("SerpApiSecretName") or name
        stages = settings.client("secretsmanager").describe_secret(SecretId=name).get("VersionIdsToStages")
    except Exception:
        return f"no key in Secrets Manager under {name}: `make put-secret`"
    if any("AWSCURRENT" in s for s in (stages or {}).values()):
        return f"{name} has a key, but the tasks started before it: `make put-secret` again restarts them"
    return f"secret {name} has no value: `make put-secret`"


def smoke(
    settings: Settings,
    probe: tuple[Callable[[], str | None] | None, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    url, key = find_api(settings)
    base = url.rstrip("/")
    rolling_out, how = probe or rollout_probe(settings)
    nonce = uuid.uuid4().hex[:8]
    target = ", the new revision (X-Release-Test: 1)" if settings.release_test else ""
    print(f"Smoke test of {base}{target} ({how})")
    started = clock()
    waited_for: list[str] = []
    while True:
        results = []
        for check in CHECKS:
            path = check.path.format(nonce=nonce)
            try:
                reply = fetch(base + path, key if check.with_key else None, settings.release_test)
                problem = check.verdict(reply)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                problem = f"no answer: {getattr(exc, 'reason', exc)}"
            results.append((check, path, problem))
        failed = [r for r in results if r[2]]
        rollout = rolling_out() if failed and rolling_out else None
        if not rollout or clock() - started + RETRY_SECONDS > settings.smoke_wait:
            break
        if not waited_for or waited_for[-1] != rollout:
            print(f"  {len(failed)} failing while {rollout}: retrying every {RETRY_SECONDS:.0f} s")
            waited_for.append(rollout)
        sleep(RETRY_SECONDS)
    if waited_for:
        print(f"  waited {clock() - started:.0f} s for the rollout ({waited_for[-1]})")
    for check, path, problem in results:
        label = f"GET {path}" + ("" if check.with_key else " (no key)")
        if problem == DEMO:
            problem = f"{DEMO} ({why_demo(settings)})"
        print(
            f"  {'ok  ' if problem is None else 'FAIL'}  {check.name:<24} {label}"
            + (f": {problem}" if problem else "")
        )
    if failed:
        still = f" (still rolling out: {rollout})" if rollout else ""
        print(f"{len(failed)} of {len(CHECKS)} checks failed{still}")
        return 1
    print(f"all {len(CHECKS)} checks passed")
    return 0
