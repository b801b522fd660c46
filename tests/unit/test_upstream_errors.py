"""How SerpAPI's answers map to the service's errors (the HTTP layer is in integration)."""

from __future__ import annotations

import pytest
import requests

from sports_api.core import errors
from sports_api.upstream.serpapi import DEFAULT_RETRY_AFTER, SerpApiSource


def response(status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body
    resp.headers.update(headers or {})
    return resp


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
        SOURCE._read(response(status, b'{"error": "whatever the text says"}'))
    assert caught.value.status == http
    assert isinstance(caught.value, errors.UpstreamError)


def test_bad_key_says_the_service_is_misconfigured() -> None:
    with pytest.raises(errors.UpstreamRejectedKey) as caught:
        SOURCE._read(response(401))
    assert caught.value.kind == "misconfigured"
    assert "SERPAPI_API_KEY" in caught.value.detail


def test_rate_limit_passes_retry_after_on() -> None:
    with pytest.raises(errors.UpstreamRateLimited) as caught:
        SOURCE._read(response(429, headers={"Retry-After": "120"}))
    assert caught.value.retry_after == 120


@pytest.mark.parametrize("header", [None, "soon", "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_rate_limit_without_usable_retry_after_uses_a_default(header: str | None) -> None:
    headers = {"Retry-After": header} if header else {}
    with pytest.raises(errors.UpstreamRateLimited) as caught:
        SOURCE._read(response(429, headers=headers))
    assert caught.value.retry_after == DEFAULT_RETRY_AFTER


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"sports_results": {', b"[1, 2]", b""])
def test_unreadable_bodies_are_bad_responses(body: bytes) -> None:
    with pytest.raises(errors.UpstreamBadResponse):
        SOURCE._read(response(200, body))


def test_200_with_error_is_returned_as_an_empty_result() -> None:
    assert SOURCE._read(response(200, b'{"error": "no results"}')) == {"error": "no results"}
