"""How long an answer stays fresh: as long as what is in it can be trusted.

A search is worth spending only when the answer may have changed. A game in
progress changes by the minute; a schedule with nothing live and nothing
about to start does not change for hours, and SerpAPI answers a repeat of
the same search from its own hour-long cache anyway. So freshness follows
the games: live → `live` seconds; a game about to start → until just after
its start (so the next search sees it live); otherwise `idle` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sports_api.sports.models import Document, Game

RUNNING = frozenset({"live", "paused"})


@dataclass(frozen=True, slots=True)
class Freshness:
    live: int  # seconds, while a game is in progress
    idle: int  # seconds, while nothing is live or about to start

    def seconds(self, document: Document, now: float) -> int:
        """Seconds the document stays fresh from `now` (its fetch)."""
        if self.is_live(document, now):
            return self.live
        moment = datetime.fromtimestamp(now, UTC)
        starts = [
            (game.start_time - moment).total_seconds()
            for game in document.games
            if game.status == "scheduled" and game.start_time is not None and game.start_time > moment
        ]
        if starts and min(starts) < self.idle:
            return max(self.live, int(min(starts)) + self.live)
        return self.idle

    def is_live(self, document: Document, now: float) -> bool:
        """Whether any of its games is running (`running`)."""
        return any(self.running(game, now) for game in document.games)

    @staticmethod
    def running(game: Game, now: float) -> bool:
        """In progress, or due to have started: a scheduled game whose start has passed today."""
        if game.status in RUNNING:
            return True
        if game.status != "scheduled" or game.start_time is None:
            return False
        return 0 <= now - game.start_time.timestamp() < 6 * 3600
