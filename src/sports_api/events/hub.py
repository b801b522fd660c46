"""This task's event streams: topics, subscribers, the recent changes, and the fan-out.

A topic is what one kind of stream watches: a league (`league:nfl`), a team
(`team:arsenal`), or a caller's favourites. It reads changes from one or
more keys (`TopicSpec.sources`), each with the team ids whose games it keeps
(None: every game). A team's topic reads its own answer and its league's,
keeping from the league's only the team's games, because a team's running
game is refreshed through its league's answer (`sports/live.py`).

A change is delivered by appending the same encoded bytes to the buffer of
every subscriber of every topic that wants it, and waking that subscriber:
no await, so no subscriber ever waits on another. A buffer holds at most
`buffer` events; a subscriber whose buffer is full when another arrives is
too slow, and is dropped (its stream ends, the client reconnects and resumes).

The recent changes (`ChangeLog`, in every task: each hears every change
through the bus) let a client that reconnects with `Last-Event-ID` get what
it missed, from any task; an id older than the log, or unknown, gets a fresh
snapshot instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sports_api.events.changes import Change, GameEvent, parse_id
from sports_api.upstream import Lookup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    name: str  # `league:nfl`, `team:arsenal`, `me:<team ids>`
    sources: Mapping[str, frozenset[str] | None]  # lookup key -> team ids kept (None: every game)
    lookups: tuple[Lookup, ...] = field(default=(), compare=False)  # refreshed while watched (`keeper`)

    def select(self, change: Change) -> list[GameEvent]:
        if change.source not in self.sources:
            return []
        teams = self.sources[change.source]
        if teams is None:
            return list(change.events)
        return [event for event in change.events if event.teams & teams]


class Subscriber:
    """One stream's buffer and its wake-up; filled by the hub, emptied by the stream."""

    __slots__ = ("_waiter", "client", "closed", "frames", "last_id", "limit", "reason", "task")

    def __init__(self, client: str, limit: int) -> None:
        self.client = client  # who pays for the searches that keep its topic fresh
        self.limit = limit
        self.frames: list[bytes] = []
        self.last_id = ""  # the id of the last event in `frames`
        self.closed = False
        self.reason = ""
        self.task: asyncio.Task[object] | None = None  # set while a send is under way (`stream`)
        self._waiter: asyncio.Future[None] | None = None

    def push(self, frame: bytes, last_id: str) -> None:
        if self.closed:
            return
        if len(self.frames) >= self.limit:
            self.close("slow")
            return
        self.frames.append(frame)
        self.last_id = last_id
        self._wake()

    def take(self) -> bytes:
        chunk = b"".join(self.frames)
        self.frames.clear()
        return chunk

    def close(self, reason: str) -> None:
        """End the stream: `shutdown` and `lifetime` with `retry:`, `slow` and `gone` without."""
        if self.closed:
            return
        self.closed, self.reason = True, reason
        self._wake()
        if reason == "slow" and self.task is not None:
            self.task.cancel()  # blocked sending to a client that does not read: stop waiting for it

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, seconds: float) -> None:
        """Until there is something to send, the stream is closed, or `seconds` pass."""
        if self.frames or self.closed or seconds <= 0:
            return
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(seconds, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class ChangeLog:
    """The last `size` changes heard, oldest first, found by id."""

    def __init__(self, size: int = 256) -> None:
        self._changes: deque[Change] = deque(maxlen=size)
        self._first = 0  # the sequence number of `_changes[0]`
        self._seq: dict[str, int] = {}

    def add(self, change: Change) -> bool:
        """Keep it; False if it was heard already (the bus and the task itself both tell it)."""
        if change.id in self._seq:
            return False
        if len(self._changes) == self._changes.maxlen:
            dropped = self._changes.popleft()
            self._seq.pop(dropped.id, None)
            self._first += 1
        self._seq[change.id] = self._first + len(self._changes)
        self._changes.append(change)
        return True

    def mark(self, spec: TopicSpec) -> str | None:
        """The id a snapshot of `spec` starts after: its newest change's, whole; None if none is kept."""
        for change in reversed(self._changes):
            if change.source in spec.sources:
                return change.id
        return None

    def since(self, last_id: str | None, spec: TopicSpec) -> list[GameEvent] | None:
        """Every event of `spec` after `last_id`; None when that id is not (or no longer) here."""
        parsed = parse_id(last_id)
        if parsed is None:
            return None
        ident, after = parsed
        seq = self._seq.get(ident)
        if seq is None:
            return None
        frames = []
        for index in range(seq - self._first, len(self._changes)):
            change = self._changes[index]
            for event in spec.select(change):
                if change.id == ident and (after is None or event.n <= after):
                    continue
                frames.append(event)
        return frames

    def __len__(self) -> int:
        return len(self._changes)


class _Topic:
    __slots__ = ("spec", "subscribers")

    def __init__(self, spec: TopicSpec) -> None:
        self.spec = spec
        self.subscribers: dict[Subscriber, None] = {}  # in order of arrival


class Hub:
    """Topics and their subscribers in this task; `deliver` is the fan-out.

    `on_watch(lookups, watched)` is told when a lookup starts (True) or stops
    (False) being behind any topic: the keeper refreshes exactly those.
    """

    def __init__(
        self,
        *,
        buffer: int = 64,
        log_size: int = 256,
        max_subscribers: int = 20_000,
        on_watch: Callable[[Lookup, bool], None] | None = None,
    ) -> None:
        self.buffer = buffer
        self.max_subscribers = max_subscribers
        self.log = ChangeLog(log_size)
        self._topics: dict[str, _Topic] = {}
        self._by_source: dict[str, dict[str, _Topic]] = {}
        self._watched: dict[str, int] = {}  # lookup key -> topics behind which it is
        self.on_watch = on_watch
        self.count = 0
        self.dropped = 0  # subscribers dropped as too slow, since start

    def subscribe(self, spec: TopicSpec, client: str) -> tuple[Subscriber, str | None]:
        """A new subscriber, and the id its snapshot starts after (`ChangeLog.mark`)."""
        topic = self._topics.get(spec.name)
        if topic is None:
            topic = self._topics[spec.name] = _Topic(spec)
            for source in spec.sources:
                self._by_source.setdefault(source, {})[spec.name] = topic
            for lookup in spec.lookups:
                self._watch(lookup, 1)
        subscriber = Subscriber(client, self.buffer)
        topic.subscribers[subscriber] = None
        self.count += 1
        return subscriber, self.log.mark(topic.spec)

    def unsubscribe(self, spec: TopicSpec, subscriber: Subscriber) -> None:
        topic = self._topics.get(spec.name)
        if topic is None or topic.subscribers.pop(subscriber, 0) is not None:
            return
        self.count -= 1
        if subscriber.reason == "slow":
            self.dropped += 1
        if topic.subscribers:
            return
        del self._topics[spec.name]
        for source in topic.spec.sources:
            found = self._by_source.get(source, {})
            found.pop(spec.name, None)
            if not found:
                self._by_source.pop(source, None)
        for lookup in topic.spec.lookups:
            self._watch(lookup, -1)

    def _watch(self, lookup: Lookup, step: int) -> None:
        count = self._watched.get(lookup.key, 0) + step
        if count > 0:
            self._watched[lookup.key] = count
        else:
            self._watched.pop(lookup.key, None)
        if self.on_watch is not None and ((count == 1 and step > 0) or count == 0):
            self.on_watch(lookup, count > 0)

    def client_for(self, key: str) -> str:
        """Who pays for refreshing `key`: the longest-watching subscriber of a topic behind it."""
        for topic in self._by_source.get(key, {}).values():
            for subscriber in topic.subscribers:
                return subscriber.client
        return "anonymous"

    def deliver(self, change: Change) -> int:
        """Log the change and hand its events to every subscriber that wants them; how many got any."""
        if not self.log.add(change):
            return 0
        reached = 0
        for topic in list(self._by_source.get(change.source, {}).values()):
            events = topic.spec.select(change)
            if not events:
                continue
            chunk = events[0].frame if len(events) == 1 else b"".join(event.frame for event in events)
            last_id = events[-1].id
            for subscriber in list(topic.subscribers):
                subscriber.push(chunk, last_id)
            reached += len(topic.subscribers)
        return reached

    def subscribers(self) -> Iterable[Subscriber]:
        for topic in list(self._topics.values()):
            yield from list(topic.subscribers)

    def close_all(self, reason: str) -> int:
        """End every stream (`shutdown`: each says `retry:` first); how many there were."""
        closed = 0
        for subscriber in self.subscribers():
            subscriber.close(reason)
            closed += 1
        return closed

    def state(self) -> dict[str, int]:
        return {"streams": self.count, "topics": len(self._topics), "changes_kept": len(self.log)}
