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
import copy
import json
import socket
import struct
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from sports_api.quota.pacing import hours_left

NO_RESULTS = {"error": "Google hasn't returned any results for this query."}
MODES = (
    "ok",  # a sports_results payload for the query
    "no-results",  # 200 with {"error": ...}, as SerpAPI answers an empty search
    "malformed",  # 200 whose body is not JSON
    "truncated",  # 200 whose JSON stops half-way, with a matching Content-Length
    "reset",  # headers promise more body than is sent, then the connection closes
    "hang",  # never answers (until the client gives up)
    "status",  # the HTTP status in `status`, with SerpAPI's error body
    # Hostile modes (the chaos suite): what no real SerpAPI sends, but a broken one or a
    # man in the middle could.
    "huge",  # a 200 JSON body of `size` bytes (its games repeated), sent in chunks
    "nested",  # a 200 JSON body nested `depth` levels deep inside sports_results
    "absurd",  # the real payload with every score `digits` digits long, and raw JSON numbers as long
    "redirect",  # 302 to itself, forever: each hop is another call
    "drip",  # a 200 whose body comes one byte every `drip_interval` s (at most `size` bytes)
    "rst",  # part of the body, then a TCP reset (SO_LINGER 0) instead of a clean close
)


@dataclass
class Behaviour:
    mode: str = "ok"
    status: int = 500
    latency: float = 0.0  # seconds before answering
    retry_after: str | None = None
    size: int = 45 * 1024 * 1024  # bytes, for "huge" and the cap on "drip"
    depth: int = 100_000  # for "nested"
    digits: int = 5_000  # for "absurd"
    drip_interval: float = 1.0  # seconds between bytes, for "drip"


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
    def __init__(self, host: str = "127.0.0.1", port: int = 0, plan_searches_left: int | None = None) -> None:
        self.behaviour = Behaviour()
        self.stats = Stats()
        self._lock = threading.Lock()
        self._payloads = _payloads()
        self._server = _Server((host, port), self._handler())
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._plan_searches_left = plan_searches_left
        self.plan = self._fresh_plan()  # issue 11: /account.json and live games

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
            self.behaviour, self.stats, self.plan = Behaviour(), Stats(), self._fresh_plan()

    def _fresh_plan(self) -> AccountPlan:
        left = self._plan_searches_left
        if left is None:  # sized from the moment of each reading: the same hours on any day
            return AccountPlan()
        # A plan as large as asked, whose hourly limit is no tighter than the plan itself.
        return AccountPlan(
            plan_searches_left=left, searches_per_month=left, account_rate_limit_per_hour=max(1000, left)
        )

    def start(self) -> FakeSerpApi:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def payload_for(self, query: str) -> dict:
        if query.casefold() in self.plan.live:
            return live_payload(self._payload_for(query), self.plan.live_score)
        if query.casefold() in self.plan.starting:
            return starting_payload(self._payload_for(query), time.time() + 30 * 60)
        return self._payload_for(query)

    def _payload_for(self, query: str) -> dict:
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
                if url.path == "/account.json":
                    return self._account(parse_qs(url.query))
                if url.path not in ("/search", "/search.json"):
                    return self._json(404, {"error": "Not found"})
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.plan.searched(params, fake.behaviour.mode)
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
                # The plan's live games, for a process that drives the fake over HTTP (`make bench`'s push).
                if "live" in body:
                    fake.plan.live = {query.casefold() for query in body.pop("live")}
                if "live_score" in body:
                    fake.plan.live_score = tuple(str(goals) for goals in body.pop("live_score"))  # type: ignore[assignment]
                fake.set(**body)
                self._json(200, asdict(fake.behaviour))

            def _account(self, query: dict[str, list[str]]) -> None:
                plan = fake.plan
                with fake._lock:
                    plan.account_calls += 1
                    plan.account_keys.update(query.get("api_key", []))
                if plan.account_mode == "hang":
                    fake._stopped.wait(60)
                elif plan.account_mode == "status":
                    self._json(plan.account_status, {"error": f"HTTP {plan.account_status} from fake"})
                elif plan.account_mode == "malformed":
                    self._raw(200, b"<html>not json</html>", "text/html")
                else:
                    self._json(200, plan.body())

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
                elif mode == "huge":
                    self._huge(behaviour.size, fake.payload_for(params.get("q", "")))
                elif mode == "nested":
                    depth = behaviour.depth
                    self._raw(200, b'{"sports_results": {"games": ' + b"[" * depth + b"]" * depth + b"}}")
                elif mode == "absurd":
                    self._raw(200, _absurd(fake.payload_for(params.get("q", "")), behaviour.digits))
                elif mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif mode == "drip":
                    self._drip(behaviour)
                elif mode in ("rst", "reset"):
                    self._cut_short(fake.payload_for(params.get("q", "")), rst=mode == "rst")
                else:
                    self._json(200, fake.payload_for(params.get("q", "")))

            def _huge(self, size: int, payload: dict) -> None:
                """`{"sports_results": {"games": [game, game, ...]}}` of about `size` bytes."""
                games = payload["sports_results"].get("games") or [{"teams": []}]
                item = json.dumps(games[0]).encode()
                head, tail = b'{"sports_results": {"games": [', b"]}}"
                count = max(1, (size - len(head) - len(tail)) // (len(item) + 1))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(head) + count * (len(item) + 1) - 1 + len(tail)))
                self.end_headers()
                batch = 256
                with contextlib.suppress(OSError):  # the client may stop reading: that is the point
                    self.wfile.write(head)
                    for start in range(0, count, batch):
                        n = min(batch, count - start)
                        sep = b"," if start + n < count else b""
                        self.wfile.write(b",".join([item] * n) + sep)
                    self.wfile.write(tail)
                self.close_connection = True

            def _cut_short(self, payload: dict, rst: bool) -> None:
                """A 200 whose body stops after 100 bytes: the connection reset (RST), or shut down."""
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:100])
                self.wfile.flush()
                if rst:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                else:
                    self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def _drip(self, behaviour: Behaviour) -> None:
                """A valid body, one byte at a time; bounded by `size` bytes and the fake's stop."""
                body = json.dumps(NO_RESULTS).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    for byte in body[: behaviour.size]:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if fake._stopped.wait(behaviour.drip_interval):
                            break
                self.close_connection = True

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


def _absurd(payload: dict, digits: int) -> bytes:
    """The payload with every score a string of `digits` nines, and a bare JSON number as long."""
    results = json.loads(json.dumps(payload["sports_results"]))
    blocks = [results.get("game_spotlight"), *(results.get("games") or [])]
    for block in filter(None, blocks):
        for team in block.get("teams", []):
            team["score"] = "9" * digits
    body = json.dumps({"search_metadata": {"status": "Success"}, "sports_results": results}).encode()
    # A bare number orjson reads as a float (or refuses, past a double); json.dumps cannot write it.
    return body[:-1] + b', "total_results": ' + b"9" * digits + b"}"


# ---- issue 11: the Account API and live games -----------------------------------


@dataclass
class AccountPlan:
    """What `/account.json` says, and which queries answer with a game in progress.

    By default the plan is sized from the moment of each reading: what is
    left is `hourly` searches for every hour left in the month (the pacer's
    own count of them), so the service is paced at `hourly` an hour whatever
    the day. A fixed plan's date-bound pace (5,000 searches are 62 an hour on
    the 27th and 7 on the 1st) made tests pass on some days and fail on others.
    A test that sets `plan_searches_left` gets that number as it is.

    Successful searches (mode "ok") use a fixed plan up as SerpAPI's would:
    `plan_searches_left` goes down and `this_month_usage` up by one.
    """

    plan_searches_left: int | None = None  # None: `hourly` for each hour left, at each reading
    hourly: int = 1000
    searches_per_month: int = 5000
    this_month_usage: int = 0
    this_hour_searches: int = 0
    account_rate_limit_per_hour: int = 1000
    account_mode: str = "ok"  # "ok", "status" (HTTP `account_status`), "hang", "malformed"
    account_status: int = 500
    account_calls: int = 0
    account_keys: set[str] = field(default_factory=set)
    live: set[str] = field(default_factory=set)  # casefolded queries whose first game is in progress
    live_score: tuple[str, str] = ("1", "0")  # that game's score
    starting: set[str] = field(default_factory=set)  # casefolded queries whose first game starts in 30 min
    no_cache: list[str] = field(default_factory=list)  # queries sent with no_cache=true

    def searched(self, params: dict[str, str], mode: str) -> None:
        if params.get("no_cache") == "true":
            self.no_cache.append(params.get("q", ""))
        if mode == "ok":
            if self.plan_searches_left is not None:
                self.plan_searches_left = max(0, self.plan_searches_left - 1)
            self.this_month_usage += 1
            self.this_hour_searches += 1

    def left(self, now: float) -> int:
        if self.plan_searches_left is not None:
            return self.plan_searches_left
        return round(self.hourly * hours_left(now))

    def body(self) -> dict:
        left = self.left(time.time())
        return {
            "account_id": "fake",
            "api_key": "redacted",
            "plan_id": "fake",
            "searches_per_month": self.searches_per_month,
            "plan_searches_left": left,
            "extra_credits": 0,
            "total_searches_left": left,
            "this_month_usage": self.this_month_usage,
            "this_hour_searches": self.this_hour_searches,
            "last_hour_searches": 0,
            "account_rate_limit_per_hour": self.account_rate_limit_per_hour,
        }


def live_payload(payload: dict, score: tuple[str, str] = ("1", "0")) -> dict:
    """The payload with its first game in progress today ("Live", `score`)."""
    payload = copy.deepcopy(payload)
    results = payload.get("sports_results", {})
    games = results.get("games") or []
    if not games:
        return payload
    game = games[0]
    game["status"], game["date"] = "Live", "today"
    game.pop("time", None)
    for team, goals in zip(game.get("teams", []), score, strict=False):
        team["score"] = goals
    results.pop("game_spotlight", None)
    return payload


def starting_payload(payload: dict, at: float) -> dict:
    """The payload's first game alone, scheduled for `at` (as Google prints it in New York).

    Alone: the capture's other games are dated from the day it was taken ("today,
    10:00 PM"), and one of them could start sooner than `at` at some hours.
    """
    payload = copy.deepcopy(payload)
    results = payload.get("sports_results", {})
    results.pop("game_spotlight", None)
    games = results.get("games") or []
    if games:
        del games[1:]
        zone = ZoneInfo("America/New_York")
        local = datetime.fromtimestamp(at, zone)
        day = "today" if local.date() == datetime.now(zone).date() else "tomorrow"
        game = games[0]
        game.pop("status", None)
        game["date"], game["time"] = day, local.strftime("%-I:%M %p")
        for team in game.get("teams", []):
            team.pop("score", None)
    return payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument(
        "--plan-searches-left",
        type=int,
        default=None,
        help="what /account.json says is left (and the month); "
        "by default 1,000 for each hour left in the month at each reading",
    )
    args = parser.parse_args()
    fake = FakeSerpApi(args.host, args.port, args.plan_searches_left)
    fake.set(latency=args.latency)
    print(f"fake SerpAPI on {fake.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake._server.serve_forever()


if __name__ == "__main__":
    main()
