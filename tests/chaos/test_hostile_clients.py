"""Hostile clients: huge and half-sent request heads, a forged Host, and HEAD.

The server under test is uvicorn with the service's protocol
(`sports_api.web.server.BoundedHttpToolsProtocol`), as `python -m sports_api`
runs it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

import httpx
import pytest

from sports_api.core import logs
from sports_api.web import server as limits
from tests.chaos.conftest import HealthProbe, wait_for

NFL = "/v1/leagues/nfl/games"


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def read_all(sock: socket.socket, within: float = 10.0) -> bytes:
    """Everything until the server closes (or `within` passes)."""
    sock.settimeout(within)
    data = b""
    with contextlib.suppress(ConnectionResetError, TimeoutError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_a_100mb_header_is_a_431_without_keeping_it(serve) -> None:
    server = serve()  # in this process: its memory is ours
    sent = 0
    before = rss_mb()
    with HealthProbe(server.url) as health, connect(server.url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\nX-Big: ")
        chunk = b"a" * 65536
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while sent < 100 * 2**20:
                sock.sendall(chunk)
                sent += len(chunk)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    # What follows the refusal is read and dropped (so the client reads the 431, not a reset).
    assert rss_mb() - before < 40, f"{rss_mb() - before:.0f} MB kept for {sent / 2**20:.0f} MB sent"
    health.assert_fast()
    assert httpx.get(server.url + "/health").status_code == 200


def test_many_headers_past_the_cap_are_a_431(serve) -> None:
    server = serve()
    with connect(server.url) as sock:
        headers = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(400))  # ~44 KB
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n" + headers + b"\r\n")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"connection: close" in answer.lower()


def test_headers_under_the_cap_are_answered(serve) -> None:
    server = serve()
    headers = {f"x-h{i}": "v" * 100 for i in range(200)}  # ~22 KB
    assert httpx.get(server.url + "/health", headers=headers).status_code == 200


def test_a_half_sent_head_is_closed_at_the_deadline(serve, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits.BoundedHttpToolsProtocol, "head_timeout", 1.0)
    server = serve()
    stop = threading.Event()
    socks = [connect(server.url) for _ in range(10)]
    for sock in socks:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n")

    def trickle() -> None:  # a header line every 100 ms: each read resets no deadline
        while not stop.wait(0.1):
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-Slow: 1\r\n")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        with HealthProbe(server.url) as health:
            started = time.monotonic()
            answers = [read_all(sock, within=5) for sock in socks]
            elapsed = time.monotonic() - started
    finally:
        stop.set()
        trickler.join()
        for sock in socks:
            sock.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), answers[0][:100]
    assert elapsed < 3.0  # the 1 s deadline (and the read of ten sockets), not the client's patience
    health.assert_fast()


def test_an_idle_connection_that_sends_nothing_is_closed(serve) -> None:
    server = serve()
    server._server.config.timeout_keep_alive = 1  # the keep-alive allowance, read per connection
    with connect(server.url) as sock:
        started = time.monotonic()
        assert read_all(sock, within=5) == b""  # closed without a word
        assert time.monotonic() - started < 3.0


def test_a_head_finished_in_time_is_answered(serve) -> None:
    server = serve()
    with connect(server.url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n")
        time.sleep(0.3)
        sock.sendall(b"X-Late: 1\r\nConnection: close\r\n\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("path", [NFL + "/", NFL + "//", "/v1/leagues/", "/health/"])
def test_a_trailing_slash_is_matched_never_redirected_to_the_host(serve, path: str) -> None:
    server = serve()
    response = httpx.get(server.url + path, headers={"Host": "evil.example"})
    assert response.status_code == 200, response.text[:200]
    assert "location" not in response.headers
    assert "evil.example" not in response.text


@pytest.mark.parametrize("path", [NFL, "/health", "/v1/leagues", "/v1/teams/Chiefs/games", "/openapi.json"])
def test_head_answers_every_get_route_without_a_body(serve, path: str) -> None:
    server = serve()
    with httpx.Client(base_url=server.url) as client:
        client.get(path)  # a miss; then hits, from the hot path for the games routes
        got = client.get(path)
        head = client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["content-type"] == got.headers["content-type"]


def test_head_on_an_unknown_league_is_its_404(serve) -> None:
    server = serve()
    response = httpx.head(server.url + "/v1/leagues/curling/games")
    assert response.status_code == 404 and response.content == b""


def test_head_is_logged_as_head(
    serve, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "_handler", None)  # through `logging`, where caplog sees it
    server = serve()
    with caplog.at_level("INFO", logger="sports_api.access"):
        assert httpx.head(server.url + "/health").status_code == 200
        # The line is written once the answer has gone: after the client has it.
        wait_for(lambda: any("/health" in record.getMessage() for record in caplog.records))
    assert [r.getMessage() for r in caplog.records if "/health" in r.getMessage()] == ["HEAD /health 200"]
