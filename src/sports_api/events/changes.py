"""The events one refresh makes, and how Server-Sent Events frame them.

A refresh replaces a key's answer (a league's games, a team's) with a newer
one. Every game of the new answer whose score, status, clock or start time
differs from the previous answer's, or that the previous answer did not show,
becomes one `game` event. A game that left Google's box is not an event: a
client keeps what it has. The first answer for a key makes none: there is
nothing to compare it with, and a client starts from a snapshot anyway.

A change is encoded once, where it is made, and every stream that wants it
sends the same bytes. Its id is `<fetched_at in ms, hex>-<digest of the key>`,
the same in every task (the change travels between tasks as it is), and each
event's id is the change's id and the game's place in the answer
(`18c2f…-9a0b1c2d.3`), so a client's `Last-Event-ID` says exactly what it saw.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from sports_api.sports.models import Document, Game

FIELDS = ("score", "status", "clock", "start_time")
_CHANGE_ID = re.compile(r"[0-9a-f]{1,14}-[0-9a-f]{8}")
_EVENT_ID = re.compile(r"(?P<change>[0-9a-f]{1,14}-[0-9a-f]{8})(?:\.(?P<n>\d{1,4}))?")


def changed_fields(old: Game | None, new: Game) -> tuple[str, ...]:
    """Which of `FIELDS` differ; all of them for a game the previous answer did not show."""
    if old is None:
        return FIELDS
    found = []
    if [team.score for team in old.teams] != [team.score for team in new.teams]:
        found.append("score")
    if old.status != new.status:
        found.append("status")
    if old.clock != new.clock:
        found.append("clock")
    if old.start_time != new.start_time:
        found.append("start_time")
    return tuple(found)


def game_changes(old: Document | None, new: Document) -> list[tuple[int, Game, tuple[str, ...]]]:
    """(place in the new answer, game, fields changed) for every game that changed."""
    if old is None:
        return []
    before = {game.id: game for game in old.games}
    found = []
    for n, game in enumerate(new.games):
        fields = changed_fields(before.get(game.id), game)
        if fields:
            found.append((n, game, fields))
    return found


def change_id(source: str, fetched_at: float) -> str:
    digest = hashlib.blake2b(source.encode(), digest_size=4).hexdigest()
    return f"{round(fetched_at * 1000):x}-{digest}"


def parse_id(text: str | None) -> tuple[str, int | None] | None:
    """A `Last-Event-ID` as (change id, game place or None for the whole change); None if not ours."""
    if not text:
        return None
    found = _EVENT_ID.fullmatch(text.strip())
    if found is None:
        return None
    n = found.group("n")
    return found.group("change"), int(n) if n is not None else None


def frame(event: str, data: bytes, event_id: str | None = None, retry_ms: int | None = None) -> bytes:
    """One SSE event. `data` is a JSON document on one line (orjson never writes a raw newline)."""
    head = b"retry: %d\n" % retry_ms if retry_ms is not None else b""
    if event_id is not None:
        head += b"id: " + event_id.encode("ascii") + b"\n"
    return head + b"event: " + event.encode("ascii") + b"\ndata: " + data + b"\n\n"


def retry_frame(retry_ms: int) -> bytes:
    """`retry:` alone: no event is dispatched, the client reconnects after `retry_ms` when the stream ends."""
    return b"retry: %d\n\n" % retry_ms


@dataclass(frozen=True, slots=True)
class GameEvent:
    id: str  # `<change id>.<n>`
    n: int  # the game's place in the refreshed answer
    teams: frozenset[str]  # its teams' catalogue ids, for team and favourites streams
    frame: bytes  # the whole SSE event, id included


@dataclass(frozen=True, slots=True)
class Change:
    """One refresh's game events for one key (`source`: the lookup key, e.g. `league:nfl`)."""

    id: str
    source: str
    events: tuple[GameEvent, ...]
    fetched_at: float
    games: tuple[tuple[int, dict[str, Any], tuple[str, ...]], ...]  # as the bus carries them

    @classmethod
    def build(
        cls, source: str, fetched_at: float, games: Iterable[tuple[int, dict[str, Any], Sequence[str]]]
    ) -> Change:
        """From (place, game as JSON, fields changed): the same whether made here or read from the bus."""
        ident = change_id(source, fetched_at)
        at = datetime.fromtimestamp(fetched_at, UTC).isoformat(timespec="milliseconds")
        events, kept = [], []
        for n, game, fields in games:
            kept.append((n, game, tuple(fields)))
            data = orjson.dumps({"game": game, "changed": list(fields), "source": source, "fetched_at": at})
            teams = frozenset(team["id"] for team in game.get("teams", ()) if isinstance(team.get("id"), str))
            event_id = f"{ident}.{n}"
            events.append(GameEvent(event_id, n, teams, frame("game", data, event_id)))
        return cls(ident, source, tuple(events), fetched_at, tuple(kept))

    @classmethod
    def between(cls, source: str, old: Document | None, new: Document, fetched_at: float) -> Change | None:
        """The change from `old` to `new`, or None when no game changed."""
        found = game_changes(old, new)
        if not found:
            return None
        return cls.build(source, fetched_at, [(n, game.model_dump(mode="json"), f) for n, game, f in found])

    def message(self, origin: str) -> bytes:
        """What the bus carries: enough for another task to `build` the very same change."""
        return orjson.dumps(
            {
                "origin": origin,
                "source": self.source,
                "fetched_at": self.fetched_at,
                "games": [{"n": n, "game": game, "changed": list(fields)} for n, game, fields in self.games],
            }
        )


def read_message(raw: bytes) -> tuple[str, Change] | None:
    """(origin, change) from a bus message; None for anything malformed (the channel is shared)."""
    try:
        body = orjson.loads(raw)
        origin, source, fetched_at = str(body["origin"]), str(body["source"]), float(body["fetched_at"])
        games = [
            (int(item["n"]), dict(item["game"]), [str(f) for f in item["changed"] if f in FIELDS])
            for item in body["games"]
        ]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    if not games or not source or len(source) > 200:
        return None
    return origin, Change.build(source, fetched_at, games)
