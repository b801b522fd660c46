"""While anyone watches, the answers behind a topic are kept fresh, as requests would keep them.

A keeper per watched lookup (a league's games, a team's) asks the service for
it, exactly as a request for the games route does, and then sleeps until
that answer's freshness ends: `TTL_LIVE_SECONDS` while a game is live, until
just after its start when one is about to start, `TTL_IDLE_SECONDS`
otherwise (`quota/freshness.py`). So it spends nothing a request would not:
the single-flight, the store's lock across tasks (one search per key per
interval, however many tasks keep it), the hour's budget and the shares all
apply, and the search is paid for by a subscriber (`Hub.client_for`), so a
stream of a name outside the catalogue is that name's search, from that
client's share. A refused or failed refresh is tried again after
`retry_seconds` (or the problem's Retry-After), never sooner.

The service publishes what a refresh changed (`SportsService(on_refresh=)`):
the keeper itself sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sports_api.core.errors import ServiceError
from sports_api.service import SportsService
from sports_api.upstream import Lookup

log = logging.getLogger(__name__)

MARGIN_SECONDS = 0.05  # past the end of freshness, so the service sees the answer as expired
MIN_WAIT_SECONDS = 1.0


class Keeper:
    def __init__(
        self,
        service: SportsService,
        client_for: Callable[[str], str],
        *,
        retry_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._service = service
        self._client_for = client_for
        self._retry = retry_seconds
        self._clock = clock
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def watch(self, lookup: Lookup, watched: bool) -> None:
        """`Hub(on_watch=)`: start keeping `lookup` fresh, or stop."""
        if watched:
            if lookup.key not in self._tasks:
                self._tasks[lookup.key] = asyncio.get_running_loop().create_task(self._keep(lookup))
        elif (task := self._tasks.pop(lookup.key, None)) is not None:
            task.cancel()

    async def _keep(self, lookup: Lookup) -> None:
        while True:  # noqa: ASYNC110 - a schedule, not a wait for a condition
            await asyncio.sleep(await self.step(lookup))

    async def step(self, lookup: Lookup) -> float:
        """Ask for the answer once, as a request would; the seconds until it should be asked again."""
        try:
            result = await self._service.get(lookup, client=self._client_for(lookup.key))
        except ServiceError as exc:
            log.info("stream refresh of %s refused: %s", lookup.key, exc.detail, extra={"event": exc.kind})
            return max(MIN_WAIT_SECONDS, float(exc.retry_after or self._retry))
        except Exception:
            log.exception("stream refresh of %s failed", lookup.key, extra={"event": "stream_refresh_error"})
            return self._retry
        if result.cache == "stale":
            return max(MIN_WAIT_SECONDS, self._retry)
        return max(MIN_WAIT_SECONDS, result.fresh_until - self._clock() + MARGIN_SECONDS)

    @property
    def watching(self) -> list[str]:
        return sorted(self._tasks)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
