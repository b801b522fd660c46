"""`Archive`: what the app holds. Records answers off the request path, and reads pages of a view.

`record` is called on the request path, right after an answer is normalised,
and only puts the document on a bounded queue: it never waits, never raises,
and when the queue is full the answer is dropped and counted (the next
answer shows the same games again). One task takes what is queued, in
batches, and upserts it from a worker thread. A failing store is logged
(once a minute while it lasts) and counted; the request that caused the
answer has long been answered by then.

Reads (`page`, the favourites) also run in a worker thread, and a failing or
absent store is an `ArchiveUnavailable` problem (503) for those routes only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import anyio

from sports_api.archive.records import GameRecord, Sighting, ceil_stamp, stamp
from sports_api.archive.store import ArchiveError, ArchiveStore, View, upsert
from sports_api.core.errors import ArchiveUnavailable
from sports_api.sports.filters import GameFilter
from sports_api.sports.models import Document

if TYPE_CHECKING:
    from sports_api.core.config import Settings
    from sports_api.upstream import Lookup

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH_DOCUMENTS = 20  # answers per upsert: a few hundred games at most
FAILURE_LOG_SECONDS = 60.0
FAILURE_PAUSE_SECONDS = 1.0  # after a failed batch, before the next: an outage is not hammered
PURGE_SECONDS = 3600.0
STOP_SECONDS = 5.0  # at shutdown, how long what is queued may still be written


@dataclass(slots=True)
class Counters:
    queued: int = 0  # answers accepted by `record`
    dropped: int = 0  # answers refused because the queue was full (or the archive is unavailable)
    written: int = 0  # games upserted
    lost: int = 0  # games of failed batches, or still conflicting after retries
    failed_batches: int = 0
    purged: int = 0


@dataclass(frozen=True, slots=True)
class _Queued:
    document: Document
    fetched_at: float
    source: str
    league: str | None
    team: str | None


class Archive:
    def __init__(
        self,
        opener: Callable[[], ArchiveStore] | None,
        zone: ZoneInfo,
        *,
        backend: str,
        retention_days: int | None = None,
        queue_size: int = 1000,
        stop_seconds: float = STOP_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stop_seconds = stop_seconds
        self._opener = opener
        self.zone = zone
        self.backend = backend
        self._retention = retention_days
        self._queue: asyncio.Queue[_Queued] = asyncio.Queue(queue_size)
        self._clock = clock
        self._store: ArchiveStore | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_failure_log = -FAILURE_LOG_SECONDS
        self._next_purge = 0.0
        self.counters = Counters()
        self.problem: str | None = "the archive is off (ARCHIVE_BACKEND=off)" if opener is None else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Archive:
        backend = settings.archive_backend
        opener: Callable[[], ArchiveStore] | None
        if backend == "sqlite":
            from sports_api.archive.sqlite import SqliteStore

            opener = functools.partial(SqliteStore, settings.data_dir)
        elif backend == "dynamodb":
            table, endpoint = settings.archive_table, settings.archive_endpoint_url
            region = settings.archive_region or os.environ.get("AWS_REGION") or None

            def opener() -> ArchiveStore:
                # boto3 is imported only here: `make run` (SQLite) works without it.
                try:
                    from sports_api.archive.dynamodb import DynamoStore
                except ImportError as exc:
                    raise ArchiveError(f"ARCHIVE_BACKEND=dynamodb needs boto3: {exc}") from exc
                assert table is not None  # Settings insists
                return DynamoStore(table, endpoint_url=endpoint, region=region)

        else:
            opener = None
        return cls(
            opener,
            settings.zone,
            backend=backend,
            retention_days=settings.archive_retention_days,
            queue_size=settings.archive_queue_size,
        )

    @property
    def available(self) -> bool:
        return self._store is not None

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        if self._opener is None:
            return
        try:
            self._store = await anyio.to_thread.run_sync(self._opener)
        except Exception as exc:  # ArchiveError, or anything a backend let through: never fatal to the app
            self.problem = str(exc)
            log.error("archive unavailable: %s", exc, extra={"event": "archive_unavailable"})
            return
        self.problem = None
        self._task = asyncio.get_running_loop().create_task(self._run(), name="archive-writer")

    async def flush(self) -> None:
        """Wait until everything queued so far has been written (or has failed)."""
        if self._task is not None:
            await self._queue.join()

    async def stop(self) -> None:
        """Write what is queued (for up to `stop_seconds`), then close the store.

        Shutdown is never held up longer: a batch still being written then (a
        store that hangs) is abandoned with its thread, and the store is left
        for the exiting process to drop rather than closed under it.
        """
        drained = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._queue.join(), self._stop_seconds)
            except TimeoutError:
                drained = False
                self.counters.lost += sum(len(item.document.games) for item in self._queue_items())
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._opener is not None:
            log.info("archive stopped: %s", self.stats(), extra={"event": "archive_stopped"})
        if self._store is not None:
            store, self._store = self._store, None
            if drained:
                with contextlib.suppress(Exception):
                    await anyio.to_thread.run_sync(store.close)

    def _queue_items(self) -> list[_Queued]:
        items = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
            self._queue.task_done()
        return items

    # -- writing -------------------------------------------------------------

    def record(
        self, document: Document, fetched_at: float, source: str, lookup: Lookup | None = None
    ) -> None:
        """Queue one normalised answer for the archive. Never blocks, never raises."""
        try:
            if self._task is None or not document.games:
                if self._task is None and self._opener is not None:
                    self.counters.dropped += 1  # configured, but could not be opened
                return
            league = team = None
            if lookup is not None:
                if lookup.kind != "team" and lookup.league is not None:
                    league = lookup.league.slug
                if lookup.team is not None:
                    team = lookup.team.id
            self._queue.put_nowait(_Queued(document, fetched_at, source, league, team))
            self.counters.queued += 1
        except asyncio.QueueFull:
            self.counters.dropped += 1
            if self.counters.dropped in (1, 10, 100) or self.counters.dropped % 1000 == 0:
                log.warning(
                    "archive queue full: %d answers dropped so far",
                    self.counters.dropped,
                    extra={"event": "archive_dropped"},
                )
        except Exception:  # the request path must never feel the archive
            self.counters.dropped += 1
            log.exception("archive: could not queue an answer", extra={"event": "archive_dropped"})

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH_DOCUMENTS and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._flush(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _flush(self, batch: list[_Queued]) -> None:
        sightings = [
            Sighting(game, item.fetched_at, item.source, item.league, item.team)
            for item in batch
            for game in item.document.games
        ]
        store = self._store
        assert store is not None
        try:
            outcome = await anyio.to_thread.run_sync(
                upsert, store, sightings, self.zone, self._retention, abandon_on_cancel=True
            )
            self.counters.written += outcome.written
            self.counters.lost += outcome.lost
            now = self._clock()
            if self._retention and now >= self._next_purge:
                self._next_purge = now + PURGE_SECONDS
                self.counters.purged += await anyio.to_thread.run_sync(store.purge, now)
        except Exception as exc:  # ArchiveError, or anything else a backend let through
            self.counters.failed_batches += 1
            self.counters.lost += len(sightings)
            now = time.monotonic()
            if now - self._last_failure_log >= FAILURE_LOG_SECONDS:
                self._last_failure_log = now
                log.warning(
                    "archive write failed (%d games lost; counters %s): %s",
                    len(sightings),
                    asdict(self.counters),
                    exc,
                    extra={"event": "archive_failed"},
                )
            await anyio.sleep(FAILURE_PAUSE_SECONDS)

    # -- reading -------------------------------------------------------------

    async def page(
        self, source: str, view: View, wanted: GameFilter, after: str | None, limit: int
    ) -> tuple[list[GameRecord], str | None]:
        """Up to `limit` records of the view that pass `wanted`, after the key `after`, in start order;
        and the key to continue after, when there are more."""
        lower = stamp(wanted.start) if wanted.start is not None else None
        upper = ceil_stamp(wanted.end) if wanted.end is not None else None
        zone = self.zone
        kept: list[GameRecord] = []
        position = after
        fetch = limit + 1
        while len(kept) <= limit:
            found = await self._read(lambda s, p=position: s.query(source, view, lower, upper, p, fetch))
            for record in found:
                # Exactly the rule of /games: a game known by its day is in a window when that whole
                # day is, and `status` filters too.
                if wanted.apply([record.to_game()], zone):
                    kept.append(record)
            if len(found) < fetch:
                break
            position = found[-1].start_key
        if len(kept) > limit:
            return kept[:limit], kept[limit - 1].start_key
        return kept, None

    async def favourites(self, caller: str) -> list[str]:
        return await self._read(lambda s: s.favourites(caller))

    async def add_favourite(self, caller: str, team: str, limit: int) -> bool:
        now = self._clock()
        return await self._read(lambda s: s.add_favourite(caller, team, limit, now))

    async def remove_favourite(self, caller: str, team: str) -> bool:
        return await self._read(lambda s: s.remove_favourite(caller, team))

    async def _read(self, call: Callable[[ArchiveStore], T]) -> T:
        store = self._store
        if store is None:
            if self._opener is None:
                raise ArchiveUnavailable("The archive is turned off (ARCHIVE_BACKEND=off).")
            raise ArchiveUnavailable("The archive could not be opened; the service's log says why.")
        try:
            return await anyio.to_thread.run_sync(call, store)
        except ArchiveError as exc:
            log.warning("archive read failed: %s", exc, extra={"event": "archive_failed"})
            raise ArchiveUnavailable("The archive cannot be read right now; try again later.") from None

    def stats(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "available": self.available,
            "problem": self.problem,
            **asdict(self.counters),
        }
