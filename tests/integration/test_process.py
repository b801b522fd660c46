"""`python -m sports_api` as deployed: its log lines and what never appears in them."""

from __future__ import annotations

import asyncio
import json
import signal

import httpx

from tests.conftest import FAKE_KEY
from tests.servers import ProcessServer

LOG_KEYS = {"time", "level", "message"}


def lines(output: str) -> list[dict]:
    parsed = []
    for raw in output.splitlines():
        assert raw.startswith("{"), f"not a JSON log line: {raw!r}"
        parsed.append(json.loads(raw))
    return parsed


def test_demo_mode_says_so_first_and_logs_json(tmp_path) -> None:
    server = ProcessServer({}).start()
    response = httpx.get(f"{server.url}/v1/leagues/nfl/games", headers={"X-Request-ID": "req-42"})
    assert response.json()["source"] == "demo"
    logged = lines(server.stop())
    assert "demo" in logged[0]["message"]
    assert all(set(line) >= LOG_KEYS for line in logged)
    [access] = [line for line in logged if line.get("request_id") == "req-42"]
    assert access["method"] == "GET"
    assert access["path"] == "/v1/leagues/nfl/games"
    assert access["status"] == 200
    assert access["cache"] == "miss"
    assert isinstance(access["duration_ms"], float)


def test_live_mode_logs_upstream_time_and_never_the_key(fake_serpapi) -> None:
    server = ProcessServer(
        {"SERPAPI_API_KEY": FAKE_KEY, "SERPAPI_BASE_URL": fake_serpapi.url, "SERPAPI_TIMEOUT_SECONDS": "1"}
    ).start()
    try:
        ok = httpx.get(f"{server.url}/v1/leagues/nfl/games", timeout=5)
        fake_serpapi.set(mode="reset")
        reset = httpx.get(f"{server.url}/v1/leagues/nba/games", timeout=5)
        fake_serpapi.set(mode="status", status=401)
        rejected = httpx.get(f"{server.url}/v1/leagues/nhl/games", timeout=5)
    finally:
        output = server.stop()
    assert (ok.status_code, reset.status_code, rejected.status_code) == (200, 502, 503)
    assert FAKE_KEY not in output
    logged = lines(output)
    assert "live" in logged[0]["message"]
    [first] = [line for line in logged if line.get("path") == "/v1/leagues/nfl/games"]
    assert first["upstream_ms"] > 0 and first["cache"] == "miss"
    served = [line for line in logged if "status" in line]
    assert [line["level"] for line in served if line["status"] >= 500] == ["ERROR", "ERROR"]
    assert {line["level"] for line in served if line["status"] < 500} == {"INFO"}
    events = {line.get("event") for line in logged}
    assert {"upstream_error", "upstream-unavailable", "misconfigured"} <= events


def test_sigterm_exits_cleanly() -> None:
    server = ProcessServer({}).start()
    server.stop()
    assert server.process is not None and server.process.returncode == 0


def test_misconfiguration_is_logged_at_start() -> None:
    server = ProcessServer({"DATA_SOURCE": "serpapi"}).start()
    logged = lines(server.stop())
    assert any(line["level"] == "ERROR" and "SERPAPI_API_KEY" in line["message"] for line in logged[:3])


def test_sigterm_lets_in_flight_requests_finish(fake_serpapi) -> None:
    fake_serpapi.set(latency=1.5)
    server = ProcessServer(
        {"SERPAPI_API_KEY": FAKE_KEY, "SERPAPI_BASE_URL": fake_serpapi.url, "SERPAPI_TIMEOUT_SECONDS": "5"}
    ).start()
    slugs = ["nfl", "nba", "mlb", "nhl", "mls", "serie-a"]

    async def in_flight() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=10) as client:
            requests = [
                asyncio.ensure_future(client.get(f"{server.url}/v1/leagues/{s}/games")) for s in slugs
            ]
            await asyncio.sleep(0.5)  # all six are now waiting on the slow upstream
            assert server.process is not None
            server.process.send_signal(signal.SIGTERM)
            return await asyncio.gather(*requests)

    responses = asyncio.run(in_flight())
    server.stop()
    assert [r.status_code for r in responses] == [200] * len(slugs)
    assert server.process.returncode == 0
