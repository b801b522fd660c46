"""`make bench`: the service against the bare ASGI limit and the seed design, six scenarios.

    python -m bench.run [--quick] [--out bench/results.json] [--keep]

Loopback only, bounded (about five minutes; `--quick`, under two, checks the
bench itself). Writes the results file and prints a Markdown table. Exits 1
when a correctness check fails (a second upstream call in the cold burst, an
error in the soak, a crash under overload), not when a speed target is missed:
those numbers are reported as they are.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import quota_day, report, scenarios
from .load import WRK
from .procs import LOAD_CPU, PINNED, SERVER_CPU, FakeUpstream

SCENARIOS: list[tuple[str, Callable[[scenarios.Context], dict[str, Any]]]] = [
    ("hot_key", scenarios.hot_key),
    ("seed_design", scenarios.seed_design),
    ("cold_burst", scenarios.cold_burst),
    ("many_keys", scenarios.many_keys),
    ("upstream_down", scenarios.upstream_down),
    ("soak", scenarios.soak),
    ("overload", scenarios.overload),
    ("push", scenarios.push),
    ("quota_day", lambda ctx: quota_day.simulate()),  # virtual time, in process: no servers
]


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    wrk = subprocess.run([WRK, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "uvicorn": importlib.metadata.version("uvicorn"),
        "fastapi": importlib.metadata.version("fastapi"),
        "loop": "uvloop" if _installed("uvloop") else "asyncio",
        "http": "httptools" if _installed("httptools") else "h11",
        "load_generator": " ".join((wrk.stdout or wrk.stderr).split()[:2]),
        "pinned": PINNED,
        "server_cpu": SERVER_CPU if PINNED else None,
        "load_cpu": LOAD_CPU if PINNED else None,
    }


def _installed(name: str) -> bool:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def busy_percent(seconds: float = 2.0) -> float:
    """How busy all cores were over `seconds`: other work on the machine skews every figure."""

    def sample() -> tuple[int, int]:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields) - idle, sum(fields)

    busy_before, total_before = sample()
    time.sleep(seconds)
    busy_after, total_after = sample()
    return round(100 * (busy_after - busy_before) / max(1, total_after - total_before), 1)


def checks(r: dict[str, Any]) -> dict[str, bool]:
    """What must hold whatever the machine: the quota and availability claims."""
    burst, soak, over = r["cold_burst"], r["soak"], r["overload"]
    hang = r["upstream_down"]["no_stale_upstream_hangs"]
    stale = r["upstream_down"]["stale"]
    return {
        "hot_key_no_errors": r["hot_key"]["errors"] == 0,
        "cold_burst_one_upstream_call": burst["upstream_calls"] == 1,
        "cold_burst_all_answered_200": burst["statuses"] == {"200": burst["requests"]},
        "many_keys_one_call_per_key": r["many_keys"]["upstream_calls"] == r["many_keys"]["keys"],
        "stale_served_for_every_request": stale.get("statuses") == {"200": stale["requests"]}
        and stale["stale_answers"] == stale["requests"],
        "no_copy_never_waits_past_timeout": hang["max_ms"] <= (hang["upstream_timeout_s"] + 1) * 1000,
        "soak_no_errors": soak["errors"] == 0,
        "overload_server_survives": over["server_alive"] and over["health_after"] == 200,
        "overload_recovers_without_errors": over["recovery_errors"] == 0,
        "push_every_subscriber_held_and_reached": r["push"]["held"] == r["push"]["subscribers"]
        and all(one["delivered"] == r["push"]["held"] for one in r["push"]["rounds"]),
    }


def _raise_fd_limit() -> None:
    """2,000 connections need more descriptors than the usual 1,024, in wrk and the server."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shortened runs, to check the bench itself")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs")
    parser.add_argument(
        "--only",
        action="append",
        choices=[name for name, _ in SCENARIOS],
        help="this scenario alone (repeated: these)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: `make bench` installs it (scripts/need-packages wrk=wrk)", file=sys.stderr)
        return 2
    _raise_fd_limit()
    if PINNED:
        os.sched_setaffinity(0, {LOAD_CPU})  # this process's own clients load from the load core too
    work = Path(tempfile.mkdtemp(prefix="sports-api-bench-"))
    durations = scenarios.Durations.quick() if args.quick else scenarios.Durations()
    upstream = FakeUpstream(work / "upstream.log").start()
    ctx = scenarios.Context(work, upstream, durations, scenarios.team_names(50))
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "cpu_busy_before_pct": busy_percent(),  # with nothing of ours running yet
        "quick": args.quick,
        "settings": {
            "service": "python -m sports_api: production settings, JSON access log to a file, memory cache",
            "upstream": "tests/fakes/serpapi.py on the load core",
            "budget": f"default 60/hour; {scenarios.HIGH_BUDGET} where the cache is measured "
            "(cold burst, many keys, soak)",
        },
    }
    started = time.monotonic()
    try:
        for name, scenario in SCENARIOS:
            if args.only and name not in args.only:
                continue
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            begun = time.monotonic()
            results[name] = scenario(ctx)
            print(f"bench: {name} done in {time.monotonic() - begun:.0f} s", file=sys.stderr, flush=True)
    finally:
        for server in list(ctx.servers):
            server.stop()
        upstream.stop()
    results["seconds"] = round(time.monotonic() - started)
    results["cpu_busy_after_pct"] = busy_percent()
    if args.only:  # a part of the bench: its figures as they are, no table of the whole
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps({name: results[name] for name in args.only}, indent=2))
        return 0
    results["checks"] = checks(results)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(report.table(results))
    print(f"\n{args.out} written; logs in {work}" if args.keep else f"\n{args.out} written")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
