"""The six scenarios of `make bench`, each a function from a context to its figures.

Every scenario starts the servers it needs, fresh, so no scenario inherits
another's cache, budget or connections; the fake upstream is shared and reset
(behaviour and call count) at each start. Upstream calls are read from the
fake's own counter, not from the service.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sports_api.sports.catalogue import LEAGUES

from .load import Run, burst, path_for_team, wrk
from .procs import FakeUpstream, Server, http_get, service, uvicorn_app

HOT_PATH = "/v1/leagues/nfl/games"
FILTERED_PATH = "/v1/leagues/nfl/games?status=final&tz=America/New_York"
LEAGUE_PATHS = [f"/v1/leagues/{league.slug}/games" for league in LEAGUES]
BENCH_KEY = "bench-key-0123456789"
# Budget high enough that it never decides a scenario measuring the cache
# (the budget has tests of its own); the scenarios about failure keep the default.
HIGH_BUDGET = "100000"


@dataclass
class Durations:
    """Seconds; `quick` shrinks them to check the bench itself, not to publish."""

    warmup: float = 3
    round: float = 5
    rounds: int = 3
    seed: float = 10
    many_keys: float = 15
    down: float = 10
    soak: float = 120
    overload: float = 10
    recovery: float = 5
    quick_run: bool = False

    @classmethod
    def quick(cls) -> Durations:
        return cls(1, 2, 1, 3, 4, 3, 15, 4, 2, quick_run=True)


@dataclass
class Context:
    work: Path  # logs and the recorded answer
    upstream: FakeUpstream
    durations: Durations
    teams: list[str]
    servers: list[Server] = field(default_factory=list)
    hot_service_rps: float = 0.0  # scenario 1's figure, the yardstick for the others

    def start(self, server: Server, ready_path: str = "/health") -> Server:
        self.servers.append(server)
        return server.start(ready_path)

    def stop(self, server: Server) -> int | None:
        self.servers.remove(server)
        return server.stop()

    def service(self, name: str, **settings: str) -> Server:
        return self.start(service(self.work / f"{name}.log", self.upstream, **settings))

    def fresh_upstream(self, **behaviour: object) -> None:
        self.upstream.set(reset=True, **behaviour)


def team_names(n: int) -> list[str]:
    """Team names as people write them: Google's short names of catalogue teams, across leagues."""
    from sports_api.sports.teams import TeamCatalogue

    names = sorted({team.short or team.name for team in TeamCatalogue.load()})
    ambiguous = {name for name in names if len(TeamCatalogue.load().lookup(name)) > 1}
    return [name for name in names if name not in ambiguous][::3][:n]


def _record_answer(url: str, path: str, into: Path) -> Path:
    """The service's answer for `path`, byte for byte (but `date`), for the bare ASGI app."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    headers = [(name.lower(), value) for name, value in response.getheaders() if name.lower() != "date"]
    into.write_text(
        json.dumps({"status": response.status, "headers": headers, "body": base64.b64encode(body).decode()})
    )
    return into


def _median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.rps)[len(runs) // 2]


def _lines(path: Path) -> int:
    with path.open("rb") as log:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: log.read(1 << 20), b""))


def hot_key(ctx: Context) -> dict[str, object]:
    """1. One cached key at 64 connections: the service against the bare ASGI ceiling."""
    d = ctx.durations
    ctx.fresh_upstream()
    svc = ctx.service("hot-key")
    assert http_get(svc.url + HOT_PATH)[0] == 200  # the one miss
    assert http_get(svc.url + FILTERED_PATH)[0] == 200  # filtered from the same cached search
    answer = _record_answer(svc.url, HOT_PATH, ctx.work / "answer.json")
    limit = ctx.start(
        uvicorn_app("limit", "bench.limit_app:app", ctx.work / "limit.log", {"BENCH_ANSWER": str(answer)}),
        "/",
    )
    for server in (limit, svc):
        wrk(server.url, [HOT_PATH], connections=64, seconds=d.warmup)
    log_before = _lines(ctx.work / "hot-key.log")
    calls_before = ctx.upstream.calls()
    runs: dict[str, list[Run]] = {"limit": [], "service": [], "filtered": []}
    for _ in range(d.rounds):  # alternated, so drift in the machine hits both alike
        runs["limit"].append(wrk(limit.url, [HOT_PATH], connections=64, seconds=d.round))
        runs["service"].append(wrk(svc.url, [HOT_PATH], connections=64, seconds=d.round))
        runs["filtered"].append(wrk(svc.url, [FILTERED_PATH], connections=64, seconds=d.round))
    calls = ctx.upstream.calls() - calls_before
    access_lines = _lines(ctx.work / "hot-key.log") - log_before
    ctx.stop(limit)
    ctx.stop(svc)
    limit_run, service_run = _median_run(runs["limit"]), _median_run(runs["service"])
    filtered_run = _median_run(runs["filtered"])
    ctx.hot_service_rps = service_run.rps
    return {
        "path": HOT_PATH,
        "connections": 64,
        "seconds_per_round": d.round,
        "rounds": d.rounds,
        "limit_rps": round(limit_run.rps),
        "service_rps": round(service_run.rps),
        "ratio": round(service_run.rps / limit_run.rps, 3),
        "p50_ms": round(service_run.p50_ms, 2),
        "p99_ms": round(service_run.p99_ms, 2),
        "max_ms": round(service_run.max_ms, 2),
        "limit_p50_ms": round(limit_run.p50_ms, 2),
        "limit_p99_ms": round(limit_run.p99_ms, 2),
        "limit_max_ms": round(limit_run.max_ms, 2),
        "errors": sum(run.errors for run in runs["service"]),
        "limit_errors": sum(run.errors for run in runs["limit"]),
        "upstream_calls": calls,
        "limit_rps_rounds": [round(run.rps) for run in runs["limit"]],
        "service_rps_rounds": [round(run.rps) for run in runs["service"]],
        "service_requests": sum(run.requests for run in runs["service"]),
        "access_log_lines": access_lines,  # one JSON line per request: logging was on
        "filtered": {
            "path": FILTERED_PATH,
            **filtered_run.summary(),
            "ratio": round(filtered_run.rps / limit_run.rps, 3),
            "errors": sum(run.errors for run in runs["filtered"]),
            "upstream_calls": calls,  # shared with the plain route: a filter never searches
        },
    }


def push(ctx: Context, subscribers: int = 10_000) -> dict[str, object]:
    """8. Live push: event streams one task holds, and refresh-to-delivery at that many (bench/push.py)."""
    from . import push as push_bench

    ctx.fresh_upstream()
    svc = ctx.service(
        "push",
        TTL_LIVE_SECONDS=str(push_bench.TTL_LIVE),
        SERPAPI_MAX_SEARCHES_PER_HOUR=HIGH_BUDGET,
        EVENTS_HEARTBEAT_SECONDS="15",
        EVENTS_MAX_STREAMS=str(subscribers + 1000),
    )
    try:
        found = push_bench.run(
            ctx.upstream, svc, subscribers=subscribers if not ctx.durations.quick_run else 1000, rounds=3
        )
    finally:
        ctx.stop(svc)
        ctx.fresh_upstream()
    return found


def seed_design(ctx: Context) -> dict[str, object]:
    """1b. The seed tutorials' design: one upstream search per request, no cache."""
    d = ctx.durations
    ctx.fresh_upstream()
    env = {"SERPAPI_API_KEY": BENCH_KEY, "SERPAPI_BASE_URL": ctx.upstream.url}
    seed = ctx.start(uvicorn_app("seed", "bench.seed_app:app", ctx.work / "seed.log", env))
    path = "/sports?league=nfl"
    wrk(seed.url, [path], connections=64, seconds=d.warmup)
    calls_before = ctx.upstream.calls()
    run = wrk(seed.url, [path], connections=64, seconds=d.seed)
    calls = ctx.upstream.calls() - calls_before
    # SerpAPI takes a second or two: then FastAPI's thread pool (40) is the ceiling.
    ctx.upstream.set(latency=1.0)
    calls_before = ctx.upstream.calls()
    slow = wrk(seed.url, [path], connections=64, seconds=d.seed, timeout=20)
    slow_calls = ctx.upstream.calls() - calls_before
    ctx.stop(seed)
    ctx.fresh_upstream()
    return {
        "path": path,
        "connections": 64,
        "seconds": d.seed,
        "upstream_latency_s": 0.0,
        **run.summary(),
        "upstream_calls": calls,
        "vs_service_rps": round(run.rps / ctx.hot_service_rps, 4) if ctx.hot_service_rps else None,
        "upstream_1s": {**slow.summary(), "upstream_latency_s": 1.0, "upstream_calls": slow_calls},
    }


def cold_burst(ctx: Context, n: int = 500, latency: float = 1.0) -> dict[str, object]:
    """2. `n` concurrent requests for one uncached key while the upstream takes `latency` s."""
    ctx.fresh_upstream(latency=latency)
    svc = ctx.service("cold-burst", SERPAPI_MAX_SEARCHES_PER_HOUR=HIGH_BUDGET)
    path = "/v1/leagues/premier-league/games"
    answers = burst(svc.url, path, n)
    calls = ctx.upstream.calls()
    alive = svc.alive
    ctx.stop(svc)
    ctx.fresh_upstream()
    seconds = sorted(answer.seconds for answer in answers if answer.status)
    statuses = Counter(str(answer.status) for answer in answers)
    return {
        "path": path,
        "requests": n,
        "upstream_latency_s": latency,
        "answered": sum(1 for answer in answers if answer.status),
        "statuses": dict(statuses),
        "upstream_calls": calls,
        "p50_ms": round(_percentile(seconds, 50) * 1000, 1),
        "p99_ms": round(_percentile(seconds, 99) * 1000, 1),
        "max_ms": round(seconds[-1] * 1000, 1) if seconds else None,
        "server_alive": alive,
    }


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def many_keys(ctx: Context, latency: float = 0.5) -> dict[str, object]:
    """3. Every league and 50 teams in random order, from a cold cache: upstream calls per 1,000."""
    ctx.fresh_upstream(latency=latency)
    svc = ctx.service("many-keys", SERPAPI_MAX_SEARCHES_PER_HOUR=HIGH_BUDGET)
    paths = LEAGUE_PATHS + [path_for_team(team) for team in ctx.teams]
    run = wrk(svc.url, paths, connections=64, seconds=ctx.durations.many_keys, count_statuses=True)
    calls = ctx.upstream.calls()
    ctx.stop(svc)
    ctx.fresh_upstream()
    return {
        "keys": len(paths),
        "connections": 64,
        "seconds": ctx.durations.many_keys,
        "upstream_latency_s": latency,
        **run.summary(),
        "upstream_calls": calls,
        "upstream_calls_per_1000": round(calls / run.requests * 1000, 3),
    }


def upstream_down(ctx: Context) -> dict[str, object]:
    """4. The upstream fails: stale copies where there are some, fast problems where not."""
    d = ctx.durations
    results: dict[str, object] = {}

    # a) Stale copies: every league cached, then stale (TTL 2 s), upstream answering 503.
    ctx.fresh_upstream()
    svc = ctx.service("down-stale", TTL_LIVE_SECONDS="2", TTL_IDLE_SECONDS="2")
    for path in LEAGUE_PATHS:
        http_get(svc.url + path)
    time.sleep(2.2)
    ctx.fresh_upstream(mode="status", status=503)
    run = wrk(svc.url, LEAGUE_PATHS, connections=64, seconds=d.down, count_statuses=True)
    results["stale"] = {
        **run.summary(),
        "stale_answers": run.stale,
        "upstream_calls": ctx.upstream.calls(),
        "vs_hot_key_rps": round(run.rps / ctx.hot_service_rps, 3) if ctx.hot_service_rps else None,
    }
    ctx.stop(svc)

    # b) No copy, upstream failing fast (503): problems, fast; the budget caps the calls.
    ctx.fresh_upstream(mode="status", status=503)
    svc = ctx.service("down-fast")
    paths = [path_for_team(team) for team in ctx.teams]
    run = wrk(svc.url, paths, connections=64, seconds=d.down, count_statuses=True)
    results["no_stale_upstream_503"] = {**run.summary(), "upstream_calls": ctx.upstream.calls()}
    ctx.stop(svc)

    # c) No copy, upstream hanging: 504 once the timeout (production 8 s) runs out, never later.
    ctx.fresh_upstream(mode="hang")
    svc = ctx.service("down-hang")
    timeout = 8.0
    run = wrk(
        svc.url,
        LEAGUE_PATHS,
        connections=64,
        seconds=max(d.down, timeout + 2),
        count_statuses=True,
        timeout=20,
    )
    results["no_stale_upstream_hangs"] = {
        **run.summary(),
        "upstream_timeout_s": timeout,
        "upstream_calls": ctx.upstream.calls(),
    }
    ctx.stop(svc)
    ctx.fresh_upstream()
    return results


class _Sampler(threading.Thread):
    """Reads something of a server's (its RSS, say) every few seconds while load runs."""

    def __init__(self, read: Callable[[], float], every: float) -> None:
        super().__init__(daemon=True)
        self.read, self.every = read, every
        self.samples: list[float] = []
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(self.every):
            self.samples.append(round(self.read(), 1))


def soak(ctx: Context) -> dict[str, object]:
    """5. Minutes of mixed load, with keys expiring and refreshing: memory and descriptors before/after."""
    d = ctx.durations
    ctx.fresh_upstream(latency=0.05)
    svc = ctx.service(
        "soak", TTL_LIVE_SECONDS="15", TTL_IDLE_SECONDS="15", SERPAPI_MAX_SEARCHES_PER_HOUR=HIGH_BUDGET
    )
    paths = [
        *LEAGUE_PATHS,
        *(path_for_team(team) for team in ctx.teams),
        "/health",
        "/v1/leagues",
        "/sports?league=nba",
    ]
    wrk(svc.url, paths, connections=64, seconds=max(d.warmup, 10))
    time.sleep(1)
    before = {"rss_mb": svc.rss_mb(), "fds": svc.open_fds(), "threads": svc.threads()}
    sampler = _Sampler(svc.rss_mb, every=10)
    sampler.start()
    run = wrk(svc.url, paths, connections=64, seconds=d.soak)
    sampler.finished.set()
    time.sleep(2)
    after = {"rss_mb": svc.rss_mb(), "fds": svc.open_fds(), "threads": svc.threads()}
    calls = ctx.upstream.calls()
    ctx.stop(svc)
    ctx.fresh_upstream()
    return {
        "seconds": d.soak,
        "connections": 64,
        "paths": len(paths),
        "cache_ttl_s": 15,
        **run.summary(),
        "upstream_calls": calls,
        "rss_before_mb": round(before["rss_mb"], 1),
        "rss_after_mb": round(after["rss_mb"], 1),
        "rss_growth_mb": round(after["rss_mb"] - before["rss_mb"], 1),
        "rss_samples_mb": sampler.samples,
        "fds_before": before["fds"],
        "fds_after": after["fds"],
        "threads_before": before["threads"],
        "threads_after": after["threads"],
    }


def overload(ctx: Context, connections: int = 2000) -> dict[str, object]:
    """6. Far more connections than one worker can serve quickly: it must stay up and recover."""
    d = ctx.durations
    ctx.fresh_upstream()
    svc = ctx.service("overload")
    for path in LEAGUE_PATHS:
        http_get(svc.url + path)
    idle_fds = svc.open_fds()
    queue = _Sampler(svc.accept_queue, every=1)
    queue.start()
    run = wrk(
        svc.url, LEAGUE_PATHS, connections=connections, seconds=d.overload, count_statuses=True, timeout=10
    )
    queue.finished.set()
    alive = svc.alive
    time.sleep(2)
    health = http_get(svc.url + "/health")[0] if svc.alive else None
    fds_after = svc.open_fds() if svc.alive else None
    recovery = wrk(svc.url, [HOT_PATH], connections=64, seconds=d.recovery) if svc.alive else None
    exit_status = ctx.stop(svc)
    return {
        "connections": connections,
        "seconds": d.overload,
        **run.summary(),
        "socket_errors": run.socket_errors,
        # Connections opened but not yet accepted, each second: what waits is the queue, not errors.
        "accept_queue_per_second": [int(n) for n in queue.samples],
        "server_alive": alive,
        "health_after": health,
        "fds_idle_before": idle_fds,
        "fds_idle_after": fds_after,
        "recovery_rps": round(recovery.rps) if recovery else None,
        "recovery_p99_ms": round(recovery.p99_ms, 2) if recovery else None,
        "recovery_errors": recovery.errors if recovery else None,
        "recovery_vs_hot_key": round(recovery.rps / ctx.hot_service_rps, 3)
        if recovery and ctx.hot_service_rps
        else None,
        "exit_status": exit_status,
    }
