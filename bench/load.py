"""Load: wrk for sustained traffic, and a plain asyncio client for one burst.

wrk (C, epoll) is driven by a generated Lua script that rotates through the
paths in random order and prints one JSON line at the end, so nothing parses
wrk's human output. Status counting is optional: wrk only hands Lua a
response when a `response` function exists, and that costs it some speed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from .procs import LOAD_CPU, on_cpu

MARK = "BENCH_RESULT "
WRK = shutil.which("wrk") or "wrk"

_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(%(seed)d + #threads)
  statuses = {}
  stale = 0
end
function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
%(response)s
function done(summary, latency, requests)
  local counted, stale_total = {}, 0
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      counted[tostring(status)] = (counted[tostring(status)] or 0) + n
    end
    stale_total = stale_total + t:get("stale")
  end
  local parts = {}
  for status, n in pairs(counted) do table.insert(parts, string.format('"%%s":%%d', status, n)) end
  io.write(string.format(
    '%(mark)s{"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status_errors":%%d,"timeouts":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d,' ..
    '"mean_us":%%.1f,"statuses":{%%s},"stale":%%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ","), stale_total))
end
"""

_COUNT_STATUSES = """
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if body and string.find(body, '"cache":"stale"', 1, true) then stale = stale + 1 end
end
"""


@dataclass
class Run:
    """What one wrk run measured. Latencies in milliseconds."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: int  # connect, read, write and timeout errors, plus non-2xx/3xx answers
    socket_errors: dict[str, int]
    status_errors: int
    statuses: dict[str, int] = field(default_factory=dict)  # only when counted
    stale: int = 0  # answers saying "cache":"stale", only when counted

    def summary(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "rps": round(self.rps),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "errors": self.errors,
            **({"statuses": self.statuses} if self.statuses else {}),
        }


def path_for_team(team: str) -> str:
    return f"/v1/teams/{quote(team, safe='')}/games"


def wrk(
    base_url: str,
    paths: list[str],
    *,
    connections: int,
    seconds: float,
    count_statuses: bool = False,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    threads: int = 1,
    seed: int = 7,
) -> Run:
    """One wrk run against `base_url`, pinned to the load core."""
    script = _SCRIPT % {
        "paths": ", ".join(json.dumps(path) for path in paths),
        "headers": ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()),
        "seed": seed,
        "response": _COUNT_STATUSES if count_statuses else "",
        "mark": MARK,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-") as lua:
        lua.write(script)
        lua.flush()
        argv = [
            WRK, f"-t{threads}", f"-c{connections}", f"-d{round(seconds)}s", f"--timeout={round(timeout)}s",
            "-s", lua.name, base_url,
        ]  # fmt: skip
        limit = seconds + timeout + 30
        finished = subprocess.run(  # noqa: S603 - our own argv
            on_cpu(LOAD_CPU, argv), capture_output=True, text=True, timeout=limit, check=False
        )
    lines = [line for line in finished.stdout.splitlines() if line.startswith(MARK)]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    raw = json.loads(lines[-1].removeprefix(MARK))
    socket_errors = {name: raw[name] for name in ("connect", "read", "write", "timeouts")}
    duration = raw["duration_us"] / 1e6
    return Run(
        requests=raw["requests"],
        seconds=duration,
        rps=raw["requests"] / duration,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        mean_ms=raw["mean_us"] / 1000,
        errors=sum(socket_errors.values()) + raw["status_errors"],
        socket_errors=socket_errors,
        status_errors=raw["status_errors"],
        statuses=raw["statuses"],
        stale=raw["stale"],
    )


@dataclass
class Answer:
    status: int  # 0: no answer (connection failed or timed out)
    seconds: float


class _StartGate:
    """Holds every request until every connection is open, so they arrive together."""

    def __init__(self, n: int) -> None:
        self._pending = n
        self.open = asyncio.Event()

    def arrived(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.open.set()


async def _one(host: str, port: int, request: bytes, gate: _StartGate, wait_s: float) -> Answer:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        gate.arrived()
        return Answer(0, 0.0)
    gate.arrived()
    await gate.open.wait()
    started = time.perf_counter()
    try:
        writer.write(request)
        async with asyncio.timeout(wait_s):
            data = await reader.read()  # to the end: the server closes (Connection: close)
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    except (OSError, TimeoutError, ValueError, IndexError):
        status = 0
    finally:
        writer.close()
    return Answer(status, time.perf_counter() - started)


async def _burst(host: str, port: int, path: str, n: int, wait_s: float) -> list[Answer]:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
    gate = _StartGate(n)
    return list(await asyncio.gather(*(_one(host, port, request, gate, wait_s) for _ in range(n))))


def burst(base_url: str, path: str, n: int, timeout: float = 30.0) -> list[Answer]:
    """`n` requests sent at once on `n` fresh connections; each answer's status and latency."""
    host, port = base_url.removeprefix("http://").split(":")
    return asyncio.run(_burst(host, int(port), path, n, timeout))
