"""Answers served before routing are the route's answers, byte for byte, and only while fresh."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

NFL = "/v1/leagues/nfl/games"


def comparable(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {
        k: v for k, v in response.headers.items() if k not in {"date", "x-request-id", "cache-control"}
    }
    return response.status_code, headers, response.content


def test_hot_answer_equals_the_routed_hit(serve) -> None:
    server = serve()
    with httpx.Client(base_url=server.url) as client:
        assert client.get(NFL).json()["cache"] == "miss"
        hot = client.get(NFL)
        assert len(server.app.hot_answers) == 1
        server.app.hot_answers.clear()
        routed = client.get(NFL)  # a hit through the games service
    assert hot.json()["cache"] == routed.json()["cache"] == "hit"
    assert comparable(hot) == comparable(routed)
    assert list(hot.headers) == list(routed.headers)


def test_hot_answers_end_with_freshness(serve) -> None:
    server = serve(ttl_live_seconds=1, ttl_idle_seconds=1)
    with httpx.Client(base_url=server.url) as client:
        first = client.get(NFL)
        assert client.get(NFL).json()["cache"] == "hit"
        time.sleep(1.1)
        refreshed = client.get(NFL)
    assert refreshed.json()["cache"] == "miss"
    assert refreshed.json()["fetched_at"] != first.json()["fetched_at"]  # 1.1 s: another second
    assert refreshed.headers["cache-control"] == "public, max-age=1"


def test_query_strings_are_part_of_the_key(serve) -> None:
    server = serve()
    with httpx.Client(base_url=server.url) as client:
        client.get("/sports?league=nba")
        assert client.get("/sports?league=nba").json()["league"] == "nba"
        assert client.get("/sports?league=mlb").json()["league"] == "mlb"
        assert client.get("/sports").json()["league"] == "nfl"
        long = client.get(f"/sports?league=nba&junk={'x' * 1000}")
        padded = client.get(f"/sports?league={'nba' + ' ' * 1000}")
    assert long.status_code == 400 and padded.status_code == 422
    assert all(len(query) <= 256 for _, query in server.app.hot_answers._answers)


@pytest.mark.parametrize("etag_form", ["exact", "strong", "star"])
def test_hot_path_honours_if_none_match(serve, etag_form: str) -> None:
    server = serve()
    with httpx.Client(base_url=server.url) as client:
        etag = client.get(NFL).headers["etag"]
        sent = {"exact": etag, "strong": f'"x", {etag.removeprefix("W/")}', "star": "*"}[etag_form]
        response = client.get(NFL, headers={"If-None-Match": sent, "X-Request-ID": "hot-304"})
    assert response.status_code == 304 and response.content == b""
    assert response.headers["etag"] == etag and response.headers["x-request-id"] == "hot-304"


def test_hot_path_requests_are_logged(serve, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sports_api.access")
    server = serve()
    with httpx.Client(base_url=server.url) as client:
        client.get(NFL)
        client.get(NFL, headers={"X-Request-ID": "hot-1"})
    deadline = time.monotonic() + 2  # the line is written just after the answer is sent
    while not (found := [r for r in caplog.records if getattr(r, "request_id", None) == "hot-1"]):
        assert time.monotonic() < deadline, "no access line for the hot-path request"
        time.sleep(0.01)
    [record] = found
    assert (record.status, record.cache, record.path) == (200, "hit", NFL)  # type: ignore[attr-defined]
