"""Hostile clients: slow-loris connections and a 1 MB query string.

Measured behaviour of uvicorn 0.54 with httptools, as deployed: a request head
has no deadline, so a slow-loris connection is held (not answered, not
closed) for as long as the client keeps it, at the cost of one socket; other
clients are served as usual, and SIGTERM closes such connections at once
(tests/fault/test_shutdown.py). In AWS the load balancer forwards complete
requests only. A request line over about 64 KB is refused by uvicorn itself
with a plain-text 400 before the app sees it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import httpx
import pytest

from tests.fault.conftest import slow_loris

NFL = "/v1/leagues/nfl/games"


def read_head(sock: socket.socket, within: float = 5.0) -> bytes:
    sock.settimeout(within)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_slow_loris_connections_do_not_hold_up_other_clients(serve) -> None:
    server = serve()
    httpx.get(server.url + NFL)  # a cached key, so timings below are the server's own
    loris = [slow_loris(server.url) for _ in range(20)]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.05):
            for sock in loris:
                sock.sendall(b"X-Slow: 1\r\n")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            for path in [NFL, "/health", "/v1/leagues/nba/games", "/v1/teams/Chiefs/games"] * 10:
                started = time.perf_counter()
                assert client.get(path).status_code == 200
                assert time.perf_counter() - started < 0.5
        for sock in loris:  # held: no answer to an unfinished head
            sock.settimeout(0.01)
            with pytest.raises(TimeoutError):
                sock.recv(1)
    finally:
        stop.set()
        trickler.join()
    loris[0].sendall(b"\r\n")  # finishing the head gets a normal answer
    assert read_head(loris[0]).startswith(b"HTTP/1.1 200 ")
    for sock in loris:
        sock.close()
    assert httpx.get(server.url + "/health").status_code == 200


def raw_get(url: str, target: bytes) -> bytes:
    """GET over a plain socket: httpx refuses to send a URL this long."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # The server may answer and close before it has read it all.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        return read_head(sock)


@pytest.mark.parametrize("path", [NFL, "/sports", "/v1/teams/Chiefs/games", "/health"])
def test_a_1mb_query_string_is_a_400_and_nothing_else(serve, path: str) -> None:
    server = serve()
    huge = raw_get(server.url, f"{path}?q={'A' * 2**20}".encode())
    assert huge.startswith(b"HTTP/1.1 400 ")
    assert httpx.get(f"{server.url}{path}").status_code == 200
    assert len(server.app.hot_answers) <= 1


def test_a_long_query_under_the_limit_is_answered_but_not_kept(serve) -> None:
    server = serve()
    response = httpx.get(f"{server.url}{NFL}?q={'A' * 60_000}", timeout=10)
    assert response.status_code == 400 and response.json()["unknown"] == ["q"]  # named, not echoed whole
    assert len(response.content) < 2_000
    assert len(server.app.hot_answers) == 0
