"""In-process single-flight: concurrent callers for one key share one call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class SingleFlight:
    def __init__(self) -> None:
        self._calls: dict[str, asyncio.Task[Any]] = {}

    async def run(self, key: str, call: Callable[[], Awaitable[T]]) -> T:
        task = self._calls.get(key)
        if task is None:
            # A task of its own, so a caller that goes away cancels only its wait.
            task = asyncio.ensure_future(call())
            self._calls[key] = task
            task.add_done_callback(lambda done: self._finish(key, done))
        return await asyncio.shield(task)

    def _finish(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._calls.get(key) is task:
            del self._calls[key]
        if not task.cancelled():
            task.exception()  # retrieved here, in case every caller left

    def __len__(self) -> int:
        return len(self._calls)
