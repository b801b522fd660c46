"""The results as a Markdown table and a few sentences, for stdout and docs/performance.md."""

from __future__ import annotations

from typing import Any

from . import quota_day


def _n(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{round(value):,}" if isinstance(value, int | float) else str(value)


def _row(scenario: str, server: str, conns: Any, r: dict[str, Any], rps_key: str = "rps") -> str:
    cells = [
        scenario,
        server,
        _n(conns),
        _n(r.get(rps_key)),
        _n(r.get("p50_ms"), 1),
        _n(r.get("p99_ms"), 1),
        _n(r.get("max_ms"), 1),
        _n(r.get("errors")),
        _n(r.get("upstream_calls")),
    ]
    return "| " + " | ".join(cells) + " |"


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    hot, seed, burst = results["hot_key"], results["seed_design"], results["cold_burst"]
    many, down, soak, over = (
        results["many_keys"],
        results["upstream_down"],
        results["soak"],
        results["overload"],
    )
    stale, fast, hang = down["stale"], down["no_stale_upstream_503"], down["no_stale_upstream_hangs"]
    limit = {
        "rps": hot["limit_rps"],
        "p50_ms": hot["limit_p50_ms"],
        "p99_ms": hot["limit_p99_ms"],
        "max_ms": hot["limit_max_ms"],
        "errors": hot["limit_errors"],
        "upstream_calls": 0,
    }
    service = {**hot, "rps": hot["service_rps"]}
    lines = [
        f"`make bench`, {results['date']}: {m['cores']} cores, {m['cpu_model']}, Linux {m['kernel']}, "
        f"Python {m['python']}, uvicorn {m['uvicorn']} (one worker, {m['loop']}/{m['http']}), "
        f"{m['load_generator']}; server on CPU {m['server_cpu']}, load on CPU {m['load_cpu']}"
        + (" (quick run: shortened, not for publishing)" if results.get("quick") else ""),
        "",
        "| scenario | server | conns | req/s | p50 ms | p99 ms | max ms | errors | upstream calls |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
        _row("1 hot key", "limit: bare ASGI", 64, limit),
        _row("1 hot key", "service", 64, service),
        _row("1 hot key, filtered", "service", 64, hot["filtered"]),
        _row("1 hot key", "seed design", 64, seed),
        _row("1 hot key, upstream 1 s", "seed design", 64, seed["upstream_1s"]),
        _row(
            f"2 cold burst, upstream {burst['upstream_latency_s']:g} s", "service", burst["requests"], burst
        ),
        _row(f"3 many keys ({many['keys']})", "service", 64, many),
        _row("4 upstream down, stale copies", "service", 64, stale),
        _row("4 upstream down (503), no copy", "service", 64, fast),
        _row("4 upstream hangs, no copy", "service", 64, hang),
        _row(f"5 soak {soak['seconds']:g} s, mixed", "service", 64, soak),
        _row("6 overload", "service", over["connections"], over),
        "",
        f"- Hot key: the service serves **{hot['ratio']:.2f}x** the bare ASGI limit's requests/s "
        f"(target ≥ 0.5), p99 {hot['p99_ms']:.1f} ms at 64 connections; the seed design serves "
        f"{seed['rps']:,} req/s ({seed['upstream_1s']['rps']:,} when the upstream takes 1 s) and spends "
        f"one upstream search per request ({seed['upstream_calls']:,}).",
        f"- Cold burst: {burst['requests']} concurrent requests for one uncached key → "
        f"**{burst['upstream_calls']} upstream call**, {burst['answered']} answered "
        f"({_statuses(burst['statuses'])}), p99 {burst['p99_ms']:,.0f} ms against an upstream taking "
        f"{burst['upstream_latency_s'] * 1000:,.0f} ms.",
        f"- Many keys: {many['keys']} keys, {many['requests']:,} requests → "
        f"{many['upstream_calls']} upstream calls: "
        f"**{many['upstream_calls_per_1000']:.2f} per 1,000 requests**.",
        f"- Upstream down: stale copies at {stale['rps']:,} req/s ({stale['vs_hot_key_rps']:.2f}x hot hits), "
        f"{_statuses(stale.get('statuses', {}))}, {stale['upstream_calls']} upstream calls; with no copy, "
        f"{_statuses(fast.get('statuses', {}))} with p99 {fast['p99_ms']:.1f} ms; upstream hanging: "
        f"{_statuses(hang.get('statuses', {}))}, slowest {hang['max_ms'] / 1000:.2f} s "
        f"(timeout {hang['upstream_timeout_s']:g} s).",
        f"- Soak: RSS {soak['rss_before_mb']:.1f} → {soak['rss_after_mb']:.1f} MB "
        f"(**{soak['rss_growth_mb']:+.1f} MB**), open fds {soak['fds_before']} → {soak['fds_after']}, "
        f"**{soak['errors']} errors** in {soak['requests']:,} requests, "
        f"{soak['upstream_calls']} upstream calls (TTL {soak['cache_ttl_s']} s).",
        f"- Overload: {over['connections']:,} connections: {_statuses(over.get('statuses', {}))}, "
        f"socket errors {_socket(over['socket_errors'])}, up to "
        f"{max(over.get('accept_queue_per_second') or [0]):,} connections waiting to be accepted; server "
        f"{'up' if over['server_alive'] else 'DOWN'}, /health {over['health_after']} after, "
        f"{over['recovery_rps']:,} req/s at 64 connections right after "
        f"({over['recovery_vs_hot_key']:.2f}x hot key).",
    ]
    busy = max(results.get("cpu_busy_before_pct", 0), results.get("cpu_busy_after_pct", 0))
    if busy > 10:
        lines += [
            "",
            f"Warning: other work kept the machine {busy:.0f}% busy around the run; numbers are noisy.",
        ]
    failed = [name for name, ok in results["checks"].items() if not ok]
    lines += ["", "Checks: " + ("all passed" if not failed else "FAILED: " + ", ".join(failed))]
    if "quota_day" in results:
        lines += ["", quota_day.table(results["quota_day"])]
    return "\n".join(lines)


def _statuses(counted: dict[str, int]) -> str:
    return ", ".join(f"{n:,}x {status}" for status, n in sorted(counted.items())) or "no answers"


def _socket(errors: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in errors.items() if n) or "none"
