"""A Server-Sent Events reader for the tests: one stream, its events as they arrive.

Reads what a browser's EventSource reads (`id:`, `event:`, `data:`,
`retry:`, comments), without reconnecting: a test reconnects itself, with the
`Last-Event-ID` it chooses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Event:
    event: str | None  # None: a block with `retry:` alone, which dispatches no event
    id: str | None
    data: str
    retry: int | None
    at: float  # time.monotonic() when it was read

    def json(self) -> Any:
        return json.loads(self.data)


def parse(lines: list[str], at: float) -> Event:
    fields: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))
    retry = fields.get("retry")
    data = "\n".join(fields.get("data", []))
    kind = fields["event"][-1] if "event" in fields else ("message" if "data" in fields else None)
    return Event(
        kind, fields["id"][-1] if "id" in fields else None, data, int(retry[-1]) if retry else None, at
    )


@dataclass
class Stream:
    """Reads one stream in the background; `events` grows as they arrive, `ended` when the server ends it."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    events: list[Event] = field(default_factory=list)
    ended: bool = False
    error: str | None = None
    content_type: str | None = None
    _task: asyncio.Task[None] | None = None

    def start(self, client: httpx.AsyncClient) -> Stream:
        self._task = asyncio.get_running_loop().create_task(self._read(client))
        return self

    async def _read(self, client: httpx.AsyncClient) -> None:
        try:
            async with client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                self.content_type = response.headers.get("content-type")
                block: list[str] = []
                async for line in response.aiter_lines():
                    if line:
                        block.append(line)
                    elif block:
                        self.events.append(parse(block, time.monotonic()))
                        block = []
                self.ended = True
        except httpx.HTTPError as exc:
            self.error = type(exc).__name__

    def named(self, kind: str) -> list[Event]:
        return [event for event in self.events if event.event == kind]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def until(check: Any, seconds: float, step: float = 0.05) -> bool:
    """Poll `check()` until it is true or `seconds` pass (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(step)
    return bool(check())
