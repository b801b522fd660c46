"""The interface both archive backends offer, and the upsert written once on top of it.

A backend is synchronous (sqlite3 and boto3 both block); `Archive` calls it
from a worker thread, never on the event loop. Every failure of the storage
itself leaves as `ArchiveError`, so the writer and the routes handle one
exception whatever the backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from sports_api.archive.records import GameRecord, Sighting, merge

MAX_CONFLICT_RETRIES = 3


class ArchiveError(Exception):
    """The store could not be read or written (file, permissions, network, throttling)."""


@dataclass(frozen=True, slots=True)
class View:
    """A league's or a team's games, in start order."""

    kind: Literal["league", "team"]
    subject: str  # league slug or catalogue team id


class ArchiveStore(Protocol):
    name: str

    def get_many(self, source: str, ids: Sequence[str]) -> dict[str, GameRecord]:
        """The stored records of these games (absent ones left out)."""
        ...

    def write(self, records: Sequence[GameRecord]) -> list[str]:
        """Store each record over its version - 1 (version 1: only where none is stored).

        Returns the ids whose condition failed: another writer got there
        first, and the caller merges again from what is stored now.
        """
        ...

    def query(
        self, source: str, view: View, lower: str | None, upper: str | None, after: str | None, limit: int
    ) -> list[GameRecord]:
        """Up to `limit` records of the view with lower <= start_key < upper and start_key > after,
        in start_key order."""
        ...

    def favourites(self, caller: str) -> list[str]:
        """The caller's team ids, sorted."""
        ...

    def add_favourite(self, caller: str, team: str, limit: int, now: float) -> bool:
        """True if added, False if already there; raises `FavouritesFull` past `limit`."""
        ...

    def remove_favourite(self, caller: str, team: str) -> bool:
        """True if it was there."""
        ...

    def purge(self, now: float) -> int:
        """Forget records whose `expires_at` has passed, where the backend does not do it itself."""
        ...

    def close(self) -> None: ...


@dataclass(slots=True)
class UpsertOutcome:
    written: int = 0
    lost: int = 0  # still conflicting after the retries: left to the next answer that shows them


def upsert(
    store: ArchiveStore, sightings: Iterable[Sighting], zone: ZoneInfo, retention_days: int | None = None
) -> UpsertOutcome:
    """Merge the sightings into what is stored: one read and one conditional write per game."""
    by_game: dict[tuple[str, str], list[Sighting]] = {}
    for seen in sightings:
        by_game.setdefault((seen.source, seen.game.id), []).append(seen)
    outcome = UpsertOutcome()
    by_source: dict[str, list[str]] = {}
    for source, game_id in by_game:
        by_source.setdefault(source, []).append(game_id)
    for source, ids in by_source.items():
        pending = ids
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            stored = store.get_many(source, pending)
            records = []
            for game_id in pending:
                before = record = stored.get(game_id)
                for seen in sorted(by_game[(source, game_id)], key=lambda s: s.fetched_at):
                    record = merge(record, seen, zone, retention_days)
                assert record is not None
                # One write however many sightings: over the version read.
                records.append(replace(record, version=before.version + 1 if before else 1))
            conflicts = set(store.write(records))
            outcome.written += len(records) - len(conflicts)
            pending = [game_id for game_id in pending if game_id in conflicts]
            if not pending:
                break
            if attempt == MAX_CONFLICT_RETRIES:
                outcome.lost += len(pending)
    return outcome
