"""What the games service needs from a cache backend."""

from __future__ import annotations

from typing import Literal, Protocol

from sports_api.cache.entry import Entry


class StoreUnavailable(Exception):
    """The shared store could not be reached."""


class StoreLock(Protocol):
    async def release(self) -> None: ...


class Store(Protocol):
    kind: Literal["memory", "redis"]

    async def get(self, key: str) -> Entry | None: ...

    async def put(self, key: str, entry: Entry, keep_seconds: int) -> None: ...

    async def try_lock(self, key: str, seconds: float) -> StoreLock | None:
        """A lock on refreshing `key` across processes, or None if another holds it."""
        ...

    async def incr(self, counter: str, expire_seconds: int, amount: int = 1) -> int:
        """Add `amount` (negative to give back) to a counter that disappears after `expire_seconds`.

        The new value; StoreUnavailable when the store cannot count.
        """
        ...

    async def counts(self, counters: list[str]) -> list[int]:
        """The counters' values, 0 for those not set; StoreUnavailable when the store cannot count."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
