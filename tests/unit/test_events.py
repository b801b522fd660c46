"""The event logic on its own: changes, the change log, the fan-out, and a stream's timing.

Clocks are injected and nothing sleeps: a stream under test waits on a fake
clock, whose waits move it on at once, so every heartbeat and the close are
due the moment the stream looks again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from sports_api.events.changes import FIELDS, Change, changed_fields, game_changes, parse_id, read_message
from sports_api.events.hub import ChangeLog, Hub, Subscriber, TopicSpec
from sports_api.events.stream import EventStream, Schedule, Timing
from sports_api.sports.models import Document, Game, Team
from sports_api.upstream import Lookup


def game(
    gid: str, score: tuple[int | None, int | None] = (None, None), status: str = "live", **extra: Any
) -> Game:
    teams = [Team(id="home-fc", name="Home", score=score[0]), Team(id="away-fc", name="Away", score=score[1])]
    fields: dict[str, Any] = {
        "id": gid,
        "competition": "League",
        "status": status,
        "status_text": None,
        "start_time": datetime(2026, 11, 22, 18, tzinfo=UTC),
        "date": None,
        "time": None,
        "teams": teams,
        "home": None,
        **extra,
    }
    return Game(**fields)


def doc(*games: Game) -> Document:
    return Document(games=list(games))


# ---- what a refresh changed --------------------------------------------------------------------


def test_each_field_that_moved_is_named() -> None:
    before = game("a", (1, 0), clock="60'")
    assert changed_fields(before, game("a", (1, 0), clock="60'")) == ()
    assert changed_fields(before, game("a", (2, 0), clock="61'")) == ("score", "clock")
    assert changed_fields(before, game("a", (1, 0), status="final", clock="60'")) == ("status",)
    later = game("a", (1, 0), clock="60'", start_time=datetime(2026, 11, 22, 19, tzinfo=UTC))
    assert changed_fields(before, later) == ("start_time",)
    assert changed_fields(None, before) == FIELDS  # a game the previous answer did not show


def test_only_changed_games_become_events_and_a_first_answer_makes_none() -> None:
    old = doc(game("a", (0, 0)), game("b", (1, 1)))
    new = doc(game("b", (1, 1)), game("a", (1, 0)), game("c"))
    found = game_changes(old, new)
    assert [(n, g.id, fields) for n, g, fields in found] == [(1, "a", ("score",)), (2, "c", FIELDS)]
    assert game_changes(None, new) == []
    assert Change.between("league:x", old, old, 1.0) is None


def test_a_change_is_framed_once_with_ids_that_say_where_it_came_from() -> None:
    change = Change.between("league:x", doc(game("a", (0, 0))), doc(game("a", (1, 0))), 1_795_000_000.25)
    assert change is not None
    [event] = change.events
    assert event.id == f"{change.id}.0" and parse_id(event.id) == (change.id, 0)
    lines = event.frame.decode().split("\n")
    assert lines[:2] == [f"id: {event.id}", "event: game"] and event.frame.endswith(b"\n\n")
    data = orjson.loads(lines[2].removeprefix("data: "))
    assert data["changed"] == ["score"] and data["game"]["teams"][0]["score"] == 1
    assert data["fetched_at"] == "2026-11-18T11:06:40.250+00:00" and data["source"] == "league:x"
    assert event.teams == {"home-fc", "away-fc"}
    # The same change, rebuilt from what the bus carries, is byte for byte the same.
    origin, heard = read_message(change.message("task-1"))  # type: ignore[misc]
    assert origin == "task-1" and heard == change


@pytest.mark.parametrize(
    "text", [None, "", "s-19a", "nope", "ffff-0000000g.1", "1-12345678.99999", "x\nid: 1"]
)
def test_ids_not_ours_are_not_read(text: str | None) -> None:
    assert parse_id(text) is None


@pytest.mark.parametrize(
    "raw", [b"", b"{}", b"not json", b'{"origin":"a","source":"s","fetched_at":1,"games":[]}']
)
def test_a_malformed_bus_message_is_dropped(raw: bytes) -> None:
    assert read_message(raw) is None


# ---- the change log: resuming ------------------------------------------------------------------

LEAGUE = TopicSpec("league:x", {"league:x": None})
TEAM = TopicSpec("team:home-fc", {"team:home-fc": None, "league:x": frozenset({"home-fc"})})


def change(source: str, at: float, *games: tuple[int, str, list[str]]) -> Change:
    return Change.build(
        source, at, [(n, {"id": f"g{n}", "teams": [{"id": tid}]}, ["score"]) for n, tid, _ in games]
    )


def test_a_client_resumes_after_its_last_event_or_gets_a_snapshot() -> None:
    log = ChangeLog(size=3)
    first = change("league:x", 1.0, (0, "home-fc", []), (1, "other", []))
    second = change("league:x", 2.0, (0, "home-fc", []))
    assert log.add(first) and not log.add(first)  # heard twice (bus and self): kept once
    log.add(second)
    assert log.mark(LEAGUE) == second.id
    missed = log.since(first.events[0].id, LEAGUE)
    assert [e.id for e in missed or []] == [first.events[1].id, second.events[0].id]
    assert [e.id for e in log.since(first.id, LEAGUE) or []] == [second.events[0].id]  # a snapshot's mark
    assert [e.id for e in log.since(first.id, TEAM) or []] == [second.events[0].id]  # filtered by team
    assert log.since(second.events[0].id, LEAGUE) == []  # up to date
    assert log.since("ffff-00000000.0", LEAGUE) is None  # unknown: a snapshot
    for at in (3.0, 4.0, 5.0):
        log.add(change("league:x", at, (0, "home-fc", [])))
    assert log.since(first.events[0].id, LEAGUE) is None  # too old: a snapshot
    assert len(log) == 3


# ---- the fan-out ---------------------------------------------------------------------------------


def test_delivery_reaches_every_topic_that_wants_it_and_no_other() -> None:
    watched: list[tuple[str, bool]] = []
    hub = Hub(buffer=4, on_watch=lambda lookup, on: watched.append((lookup.key, on)))
    lookup = Lookup("league", "x", "X schedule")
    league_spec = TopicSpec("league:x", {"league:x": None}, (lookup,))
    fan, _ = hub.subscribe(league_spec, "a")
    other, _ = hub.subscribe(league_spec, "b")
    team, _ = hub.subscribe(TEAM, "c")
    elsewhere, _ = hub.subscribe(TopicSpec("league:y", {"league:y": None}), "d")
    assert watched == [("league:x", True)]  # one keeper for the league however many watch it
    moved = change("league:x", 1.0, (0, "home-fc", []), (1, "other", []))
    assert hub.deliver(moved) == 3 and hub.deliver(moved) == 0
    assert fan.frames == other.frames == [moved.events[0].frame + moved.events[1].frame]
    assert team.frames == [moved.events[0].frame] and team.last_id == moved.events[0].id
    assert elsewhere.frames == []
    assert hub.client_for("league:x") == "a"
    hub.unsubscribe(league_spec, fan)
    assert watched == [("league:x", True)]
    hub.unsubscribe(league_spec, other)
    assert watched == [("league:x", True), ("league:x", False)]
    assert hub.state()["streams"] == 2


def test_a_subscriber_too_slow_is_dropped_and_holds_no_more() -> None:
    hub = Hub(buffer=2)
    slow, _ = hub.subscribe(LEAGUE, "a")
    quick, _ = hub.subscribe(LEAGUE, "b")
    for at in range(1, 5):
        hub.deliver(change("league:x", float(at), (0, "home-fc", [])))
        quick.take()  # this one keeps up
    assert slow.closed and slow.reason == "slow" and len(slow.frames) == 2
    assert not quick.closed
    hub.unsubscribe(LEAGUE, slow)
    assert hub.dropped == 1 and hub.count == 1


# ---- a stream's timing ---------------------------------------------------------------------------


def test_heartbeats_follow_silence_and_the_stream_ends_before_its_lifetime() -> None:
    schedule = Schedule(100.0, Timing(heartbeat=15, lifetime=840, retry_ms=2000))
    assert schedule.due(114.9) is None and schedule.wait(100.0) == 15
    assert schedule.due(115.0) == "heartbeat"
    schedule.sent(120.0)  # an event went out: silence starts again
    assert schedule.due(134.0) is None and schedule.wait(130.0) == 5
    assert schedule.due(940.0) == "close"
    schedule.sent(935.0)
    assert schedule.wait(935.0) == 5  # the end comes before the next heartbeat


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The fake clock; a subscriber's wait moves it on by what it would have waited, at once."""
    fake = FakeClock()

    async def wait(self: Subscriber, seconds: float) -> None:
        if not (self.frames or self.closed):
            fake.now += seconds

    monkeypatch.setattr(Subscriber, "wait", wait)
    return fake


def run_stream(hub: Hub, spec: TopicSpec, timing: Timing, on_send: Any, clock: FakeClock) -> list[bytes]:
    """The stream's body, as sent; `on_send(body, sent, subscriber)` runs after each send."""
    subscriber, _ = hub.subscribe(spec, "a")
    stream = EventStream(
        hub, spec, subscriber, b"id: s-1\nevent: snapshot\ndata: {}\n\n", "s-1", timing, clock
    )
    sent: list[bytes] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # the client never goes away on its own
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("more_body"):
            sent.append(message["body"])
            on_send(message["body"], sent, subscriber)

    asyncio.run(asyncio.wait_for(stream({"type": "http"}, receive, send), 5))
    assert hub.count == 0  # unsubscribed when it ended
    return sent


def test_a_quiet_stream_sends_heartbeats_with_the_last_id_then_closes_with_retry(clock: FakeClock) -> None:
    hub = Hub()

    def on_send(body: bytes, sent: list[bytes], subscriber: Any) -> None:
        return None

    sent = run_stream(hub, LEAGUE, Timing(heartbeat=10, lifetime=35, retry_ms=1500), on_send, clock)
    assert sent[0] == b"retry: 1500\n\nid: s-1\nevent: snapshot\ndata: {}\n\n"
    assert sent[1:4] == [b"id: s-1\nevent: heartbeat\ndata: {}\n\n"] * 3
    assert sent[4:] == [b"retry: 1500\n\n"]  # at 35 s: closed itself, telling the client when to come back


def test_changes_go_out_as_delivered_and_heartbeats_then_repeat_their_id(clock: FakeClock) -> None:
    hub = Hub()
    goal = change("league:x", 1.0, (0, "home-fc", []))

    def on_send(body: bytes, sent: list[bytes], subscriber: Any) -> None:
        if len(sent) == 1:
            hub.deliver(goal)
        elif len(sent) == 3:
            subscriber.close("shutdown")

    sent = run_stream(hub, LEAGUE, Timing(heartbeat=10, lifetime=600, retry_ms=2000), on_send, clock)
    assert sent[1] == goal.events[0].frame
    assert sent[2] == f"id: {goal.events[0].id}\nevent: heartbeat\ndata: {{}}\n\n".encode()
    assert sent[3:] == [b"retry: 2000\n\n"]  # shutdown: closed with retry


def test_a_stream_blocked_on_a_client_that_does_not_read_is_dropped() -> None:
    hub = Hub(buffer=2)
    subscriber, _ = hub.subscribe(LEAGUE, "a")
    stream = EventStream(hub, LEAGUE, subscriber, b"", "s-1", Timing(10, 600, 2000), FakeClock())
    sends = 0

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal sends
        sends += 1
        if message["type"] == "http.response.body":
            await asyncio.Event().wait()  # the socket's buffers are full: this send never completes

    async def scenario() -> None:
        task = asyncio.ensure_future(stream({"type": "http"}, receive, send))
        for _ in range(5):  # let it block in its first send
            await asyncio.sleep(0)
        for at in range(1, 4):  # more than its buffer holds
            hub.deliver(change("league:x", float(at), (0, "home-fc", [])))
        await asyncio.wait_for(task, 5)  # ends, and not with an error
        assert not task.cancelled()

    asyncio.run(scenario())
    assert subscriber.reason == "slow" and hub.count == 0 and hub.dropped == 1
