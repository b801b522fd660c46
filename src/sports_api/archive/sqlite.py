"""The archive in one SQLite file (`DATA_DIR/archive.sqlite3`): the default, and what `make run` uses.

Standard library only. The file is in WAL mode, so readers never wait for
the writer, and survives a restart. The tables mirror the DynamoDB design
(`archive/__init__.py`): one row per game, with `league`, `team1`, `team2`
and `start_key` indexed the way the table's GSIs are, and one row per
favourite. A write is conditional on the version it read, like the table's.

One connection, shared by the worker threads under a lock: the archive's
writes are batched and its reads are few, so a pool would buy nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from sports_api.archive.records import GameRecord
from sports_api.archive.store import ArchiveError, View
from sports_api.core.errors import FavouritesFull

FILE_NAME = "archive.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    league TEXT,
    team1 TEXT,
    team2 TEXT,
    start_key TEXT,
    status TEXT NOT NULL,
    final INTEGER NOT NULL,
    observed_at REAL NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    game TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (source, id)
);
CREATE INDEX IF NOT EXISTS games_by_league ON games (source, league, start_key) WHERE start_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS games_by_team1 ON games (source, team1, start_key) WHERE start_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS games_by_team2 ON games (source, team2, start_key) WHERE start_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS games_by_expiry ON games (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS favourites (
    caller TEXT NOT NULL,
    team TEXT NOT NULL,
    added_at REAL NOT NULL,
    PRIMARY KEY (caller, team)
);
"""

_COLUMNS = (
    "source, id, league, team1, team2, start_key, status, final, observed_at, first_seen, last_seen, "
    "game, version, expires_at"
)


class SqliteStore:
    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / FILE_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ArchiveError(f"cannot open the SQLite archive {self.path}: {exc}") from exc
        self._lock = threading.Lock()

    # -- games ---------------------------------------------------------------

    def get_many(self, source: str, ids: Sequence[str]) -> dict[str, GameRecord]:
        found: dict[str, GameRecord] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._run(
                f"SELECT {_COLUMNS} FROM games WHERE source = ? AND id IN ({marks})",  # noqa: S608 - placeholders only
                (source, *chunk),
            )
            found.update((row[1], _record(row)) for row in rows)
        return found

    def write(self, records: Sequence[GameRecord]) -> list[str]:
        conflicts: list[str] = []
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for record in records:
                        if not self._write_one(record):
                            conflicts.append(record.id)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise ArchiveError(f"SQLite archive write failed: {exc}") from exc
        return conflicts

    def _write_one(self, record: GameRecord) -> bool:
        team1, team2 = (*record.teams, None, None)[:2]
        values = (
            record.league,
            team1,
            team2,
            record.start_key,
            record.status,
            int(record.final),
            record.observed_at,
            record.first_seen,
            record.last_seen,
            json.dumps(record.game, separators=(",", ":")),
            record.version,
            record.expires_at,
        )
        if record.version == 1:
            cursor = self._db.execute(
                f"INSERT INTO games ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
                "ON CONFLICT (source, id) DO NOTHING",
                (record.source, record.id, *values),
            )
        else:
            # The guard the DynamoDB condition also has: a stored final is only
            # ever replaced by a final.
            cursor = self._db.execute(
                "UPDATE games SET league = ?, team1 = ?, team2 = ?, start_key = ?, status = ?, final = ?, "
                "observed_at = ?, first_seen = ?, last_seen = ?, game = ?, version = ?, expires_at = ? "
                "WHERE source = ? AND id = ? AND version = ? AND (final = 0 OR ? = 1)",
                (*values, record.source, record.id, record.version - 1, int(record.final)),
            )
        return cursor.rowcount == 1

    def query(
        self, source: str, view: View, lower: str | None, upper: str | None, after: str | None, limit: int
    ) -> list[GameRecord]:
        if view.kind == "league":
            where, args = "league = ?", [view.subject]
        else:
            where, args = "(team1 = ? OR team2 = ?)", [view.subject, view.subject]
        where += " AND start_key IS NOT NULL"
        for clause, value in (("start_key >= ?", lower), ("start_key < ?", upper), ("start_key > ?", after)):
            if value is not None:
                where += f" AND {clause}"
                args.append(value)
        rows = self._run(
            f"SELECT {_COLUMNS} FROM games WHERE source = ? AND {where} ORDER BY start_key LIMIT ?",  # noqa: S608
            (source, *args, limit),
        )
        return [_record(row) for row in rows]

    def purge(self, now: float) -> int:
        with self._lock:
            try:
                return self._db.execute("DELETE FROM games WHERE expires_at < ?", (int(now),)).rowcount
            except sqlite3.Error as exc:
                raise ArchiveError(f"SQLite archive purge failed: {exc}") from exc

    # -- favourites ----------------------------------------------------------

    def favourites(self, caller: str) -> list[str]:
        rows = self._run("SELECT team FROM favourites WHERE caller = ? ORDER BY team", (caller,))
        return [row[0] for row in rows]

    def add_favourite(self, caller: str, team: str, limit: int, now: float) -> bool:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    there = self._db.execute(
                        "SELECT 1 FROM favourites WHERE caller = ? AND team = ?", (caller, team)
                    ).fetchone()
                    if there is None:
                        (count,) = self._db.execute(
                            "SELECT COUNT(*) FROM favourites WHERE caller = ?", (caller,)
                        ).fetchone()
                        if count >= limit:
                            raise FavouritesFull(
                                f"A caller may keep {limit} favourite teams; remove one first.", limit=limit
                            )
                        self._db.execute(
                            "INSERT INTO favourites (caller, team, added_at) VALUES (?, ?, ?)",
                            (caller, team, now),
                        )
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise ArchiveError(f"SQLite favourites write failed: {exc}") from exc
        return there is None

    def remove_favourite(self, caller: str, team: str) -> bool:
        with self._lock:
            try:
                cursor = self._db.execute(
                    "DELETE FROM favourites WHERE caller = ? AND team = ?", (caller, team)
                )
            except sqlite3.Error as exc:
                raise ArchiveError(f"SQLite favourites write failed: {exc}") from exc
        return cursor.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: Sequence[object]) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise ArchiveError(f"SQLite archive read failed: {exc}") from exc


def _record(row: tuple) -> GameRecord:
    (
        source,
        game_id,
        league,
        team1,
        team2,
        key,
        status,
        final,
        observed,
        first,
        last,
        game,
        version,
        expires,
    ) = row
    return GameRecord(
        source=source,
        id=game_id,
        league=league,
        teams=tuple(team for team in (team1, team2) if team),
        start_key=key,
        status=status,
        final=bool(final),
        observed_at=observed,
        first_seen=first,
        last_seen=last,
        game=json.loads(game),
        version=version,
        expires_at=expires,
    )
