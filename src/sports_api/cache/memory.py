"""The default backend: a bounded in-process LRU, for one task on its own."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from sports_api.cache.entry import Entry


class _NoLock:
    async def release(self) -> None:
        return None


class MemoryStore:
    kind = "memory"

    def __init__(self, max_entries: int = 2048, clock: Callable[[], float] = time.time) -> None:
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Entry]] = OrderedDict()
        self._counters: dict[str, tuple[float, int]] = {}

    async def get(self, key: str) -> Entry | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, entry = found
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    async def put(self, key: str, entry: Entry, keep_seconds: int) -> None:
        self._entries[key] = (self._clock() + keep_seconds, entry)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def try_lock(self, key: str, seconds: float) -> _NoLock:
        # One process: the in-process single-flight already lets only one caller through.
        return _NoLock()

    async def incr(self, counter: str, expire_seconds: int, amount: int = 1) -> int:
        now = self._clock()
        self._counters = {k: v for k, v in self._counters.items() if v[0] > now}
        expires, value = self._counters.get(counter, (now + expire_seconds, 0))
        self._counters[counter] = (expires, value + amount)
        return value + amount

    async def counts(self, counters: list[str]) -> list[int]:
        now = self._clock()
        kept = (self._counters.get(counter) for counter in counters)
        return [found[1] if found is not None and found[0] > now else 0 for found in kept]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()
