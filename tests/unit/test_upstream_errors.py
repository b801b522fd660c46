"""How SerpAPI's answers map to the service's errors (the HTTP layer is in integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sports_api.core import errors
from sports_api.upstream.serpapi import (
    DEFAULT_RETRY_AFTER,
    MAX_ITEMS,
    MAX_NODES,
    SerpApiSource,
    bounded,
    retry_after,
)


def response(status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> tuple:
    """What `SerpApiSource._read` takes: the status, the headers and the body read."""
    return status, headers or {}, body


SOURCE = SerpApiSource("k", "http://127.0.0.1:1", 1.0, "New York, New York, United States")


@pytest.mark.parametrize(
    ("status", "error", "http"),
    [
        (401, errors.UpstreamRejectedKey, 503),
        (403, errors.UpstreamRejectedKey, 503),
        (429, errors.UpstreamRateLimited, 503),
        (500, errors.UpstreamUnavailable, 502),
        (503, errors.UpstreamUnavailable, 502),
        (400, errors.UpstreamBadResponse, 502),
        (404, errors.UpstreamBadResponse, 502),
    ],
)
def test_status_codes(status: int, error: type[errors.ServiceError], http: int) -> None:
    with pytest.raises(error) as caught:
        SOURCE._read(*response(status, b'{"error": "whatever the text says"}'))
    assert caught.value.status == http
    assert isinstance(caught.value, errors.UpstreamError)


def test_bad_key_says_the_service_is_misconfigured() -> None:
    with pytest.raises(errors.UpstreamRejectedKey) as caught:
        SOURCE._read(*response(401))
    assert caught.value.kind == "misconfigured"
    assert "SERPAPI_API_KEY" in caught.value.detail


def test_rate_limit_passes_retry_after_on() -> None:
    with pytest.raises(errors.UpstreamRateLimited) as caught:
        SOURCE._read(*response(429, headers={"Retry-After": "120"}))
    assert caught.value.retry_after == 120


@pytest.mark.parametrize(
    "header", [None, "soon", "\u00b2", "\u0663", "9" * 5000, "-5", "1.5", "Wed, 32 Foo 2026 99:00:00 GMT"]
)
def test_rate_limit_without_usable_retry_after_uses_a_default(header: str | None) -> None:
    headers = {"Retry-After": header} if header else {}
    with pytest.raises(errors.UpstreamRateLimited) as caught:
        SOURCE._read(*response(429, headers=headers))
    assert caught.value.retry_after == DEFAULT_RETRY_AFTER


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"sports_results": {', b"[1, 2]", b""])
def test_unreadable_bodies_are_bad_responses(body: bytes) -> None:
    with pytest.raises(errors.UpstreamBadResponse):
        SOURCE._read(*response(200, body))


def test_200_with_error_is_returned_as_an_empty_result() -> None:
    assert SOURCE._read(*response(200, b'{"error": "no results"}')) == {"error": "no results"}


def test_retry_after_as_an_http_date_counts_from_now() -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    assert 100 <= retry_after(format_datetime(when, usegmt=True)) <= 121


def test_retry_after_is_bounded() -> None:
    assert retry_after("0") == 1
    assert retry_after("999999") == 3600
    assert retry_after(format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)) == 1
    assert retry_after(format_datetime(datetime.now(UTC) + timedelta(days=9), usegmt=True)) == 3600


def test_redirects_are_bad_responses() -> None:
    with pytest.raises(errors.UpstreamBadResponse):
        SOURCE._read(*response(302, headers={"Location": "http://127.0.0.1:1/search"}))


@pytest.mark.parametrize("body", [b"[" * 2000 + b"]" * 2000, b'{"n": 1e999}', b'{"s": ' + b"9" * 5000 + b"}"])
def test_json_orjson_refuses_is_a_bad_response(body: bytes) -> None:
    with pytest.raises(errors.UpstreamBadResponse):
        SOURCE._read(*response(200, body))


def test_payloads_are_bounded() -> None:
    nested: object = "deep"
    for _ in range(100):
        nested = {"x": nested}
    results = {
        "games": list(range(10_000)),
        "score": 10**30,
        "big": 1.2e29,
        "text": "a" * 100_000,
        "nested": nested,
    }
    out = bounded({"sports_results": results, "organic_results": [1, 2, 3]})["sports_results"]
    assert len(out["games"]) == MAX_ITEMS
    assert out["score"] is None and out["big"] is None
    assert len(out["text"]) == 2000
    depth, node = 0, out["nested"]
    while isinstance(node, dict):
        depth, node = depth + 1, node["x"]
    assert node is None and depth < 30


def test_only_what_the_service_reads_is_kept() -> None:
    payload = {"search_metadata": {"id": "1"}, "organic_results": [{"title": "x"}], "error": "none"}
    assert bounded(payload) == {"error": "none", "search_metadata": {"id": "1"}}


def test_a_payload_is_cut_at_the_node_budget_in_document_order() -> None:
    game = {"teams": [{"name": "A", "score": "1"}] * 200}
    out = bounded({"sports_results": {"games": [game] * 200}})["sports_results"]
    kept = [len(g["teams"]) for g in out["games"]]
    assert kept[0] == 200  # the first games whole
    assert sum(kept) * 3 <= MAX_NODES  # the rest cut: no more values than the budget


def test_anything_unexpected_inside_the_boundary_is_a_bad_response(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> dict:
        raise RuntimeError(f"client bug near api_key={SOURCE._api_key}")

    monkeypatch.setattr(SOURCE, "_search", broken)
    with pytest.raises(errors.UpstreamBadResponse) as caught:
        SOURCE._guarded("NFL schedule", False, 0.0)
    assert "RuntimeError" in caught.value.detail


def test_upstream_errors_pass_the_boundary_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    def limited(*args: object) -> dict:
        raise errors.UpstreamRateLimited("slow down", retry_after=5)

    monkeypatch.setattr(SOURCE, "_search", limited)
    with pytest.raises(errors.UpstreamRateLimited):
        SOURCE._guarded("NFL schedule", False, 0.0)


def test_the_session_keeps_no_cookies() -> None:
    import requests

    response = requests.Response()
    response.headers["Set-Cookie"] = "track=1; Path=/"
    response.url = "http://127.0.0.1:1/search"
    request = requests.Request("GET", response.url).prepare()
    response.request = request
    SOURCE._session.cookies.extract_cookies(_CookieResponse(response), _CookieRequest(request))
    assert len(SOURCE._session.cookies) == 0


class _CookieResponse:
    """What `CookieJar.extract_cookies` reads of a response (requests does the same wrapping)."""

    def __init__(self, response) -> None:  # type: ignore[no-untyped-def]
        self._headers = response.headers

    def info(self):  # type: ignore[no-untyped-def]
        from email.message import Message

        message = Message()
        for name, value in self._headers.items():
            message[name] = value
        return message


class _CookieRequest:
    def __init__(self, request) -> None:  # type: ignore[no-untyped-def]
        from requests.cookies import MockRequest

        self._mock = MockRequest(request)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._mock, name)
