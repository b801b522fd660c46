"""A stand-in for serpapi.com on loopback, with faults you can switch on.

A real HTTP server (threads, sockets), so the service's client, timeouts and
error mapping are exercised exactly as in production. Tests drive it through
`set()` in-process, or through `POST /_control` from another process (the
benchmarks do). `GET /_stats` reports the calls it has served.

    python -m tests.fakes.serpapi --port 8999 --latency 1.0
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

NO_RESULTS = {"error": "Google hasn't returned any results for this query."}
MODES = (
    "ok",  # a sports_results payload for the query
    "no-results",  # 200 with {"error": ...}, as SerpAPI answers an empty search
    "malformed",  # 200 whose body is not JSON
    "truncated",  # 200 whose JSON stops half-way, with a matching Content-Length
    "reset",  # headers promise more body than is sent, then the connection closes
    "hang",  # never answers (until the client gives up)
    "status",  # the HTTP status in `status`, with SerpAPI's error body
)


@dataclass
class Behaviour:
    mode: str = "ok"
    status: int = 500
    latency: float = 0.0  # seconds before answering
    retry_after: str | None = None


@dataclass
class Stats:
    calls: int = 0
    queries: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


def _payloads() -> dict[str, dict]:
    """The shipped demo payloads, keyed by the query each league sends."""
    from sports_api.sports.catalogue import LEAGUES

    folder = resources.files("sports_api.upstream") / "payloads"
    return {lg.query.casefold(): json.loads((folder / f"{lg.slug}.json").read_text()) for lg in LEAGUES}


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: more concurrent searches than
    # that would meet dropped SYNs and one-second retransmits, which SerpAPI
    # never causes, and which skew every timing measured against this fake.
    request_queue_size = 128
    daemon_threads = True


class FakeSerpApi:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.behaviour = Behaviour()
        self.stats = Stats()
        self._lock = threading.Lock()
        self._payloads = _payloads()
        self._server = _Server((host, port), self._handler())
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def calls(self) -> int:
        return self.stats.calls

    def set(self, **changes: object) -> None:
        with self._lock:
            self.behaviour = Behaviour(**{**asdict(self.behaviour), **changes})

    def reset(self) -> None:
        with self._lock:
            self.behaviour, self.stats = Behaviour(), Stats()

    def start(self) -> FakeSerpApi:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def payload_for(self, query: str) -> dict:
        found = self._payloads.get(query.casefold())
        if found is not None:
            return found
        team = query.removesuffix(" schedule")
        games = [
            game
            for payload in self._payloads.values()
            for game in payload["sports_results"].get("games", [])
            if any(team.casefold() in t["name"].casefold() for t in game["teams"])
        ]
        return {"search_metadata": {"status": "Success"}, "sports_results": {"title": team, "games": games}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/_stats":
                    stats = fake.stats
                    return self._json(200, {"calls": stats.calls, "queries": stats.queries[-50:]})
                if url.path not in ("/search", "/search.json"):
                    return self._json(404, {"error": "Not found"})
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                with fake._lock:
                    fake.stats.calls += 1
                    fake.stats.queries.append(params.get("q", ""))
                    fake.stats.keys.add(params.get("api_key", ""))
                    behaviour = fake.behaviour
                if behaviour.latency:
                    time.sleep(behaviour.latency)
                self._answer(behaviour, params)

            def do_POST(self) -> None:
                if urlsplit(self.path).path != "/_control":
                    return self._json(404, {"error": "Not found"})
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if body.pop("reset", False):
                    fake.reset()
                fake.set(**body)
                self._json(200, asdict(fake.behaviour))

            def _answer(self, behaviour: Behaviour, params: dict[str, str]) -> None:
                mode = behaviour.mode
                if mode == "hang":
                    fake._stopped.wait(60)
                elif mode == "status":
                    headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
                    self._json(behaviour.status, {"error": f"HTTP {behaviour.status} from fake"}, headers)
                elif mode == "no-results":
                    self._json(200, NO_RESULTS)
                elif mode == "malformed":
                    self._raw(200, b"<html>Service temporarily unavailable</html>", "text/html")
                elif mode == "truncated":
                    body = json.dumps(fake.payload_for(params.get("q", ""))).encode()
                    self._raw(200, body[: len(body) // 2])
                elif mode == "reset":
                    body = json.dumps(fake.payload_for(params.get("q", ""))).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[:100])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                else:
                    self._json(200, fake.payload_for(params.get("q", "")))

            def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
                self._raw(status, json.dumps(body).encode(), headers=headers)

            def _raw(
                self,
                status: int,
                body: bytes,
                content_type: str = "application/json",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeSerpApi(args.host, args.port)
    fake.set(latency=args.latency)
    print(f"fake SerpAPI on {fake.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake._server.serve_forever()


if __name__ == "__main__":
    main()
