"""Which games a client asked for: by status and by when they start.

A filter never costs a search: it is applied to the cached document. Time
windows are read in the client's zone (`tz`) and compared with what is
certain about each game. A game with a known `start_time` is in a window
when that instant is. A game known only by its local day (`start_date`, in
the search's zone, typical of finished games) is in a window when the whole
of that day is; a game with neither is in no window. So a filter may leave a
game out that a person would have put in, but never puts one in wrongly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sports_api.sports.models import Game

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class GameFilter:
    statuses: frozenset[str] | None = None
    start: datetime | None = None  # aware, inclusive
    end: datetime | None = None  # aware, exclusive

    @property
    def active(self) -> bool:
        return self.statuses is not None or self.start is not None or self.end is not None

    def apply(self, games: Iterable[Game], zone: ZoneInfo) -> list[Game]:
        """The games that pass; `zone` is the search's, in which `start_date` is a local day."""
        return [game for game in games if self._passes(game, zone)]

    def _passes(self, game: Game, zone: ZoneInfo) -> bool:
        if self.statuses is not None and game.status not in self.statuses:
            return False
        if self.start is None and self.end is None:
            return True
        if game.start_time is not None:
            first = last = game.start_time
        elif game.start_date is not None:
            first = datetime.combine(game.start_date, time(), zone)
            last = datetime.combine(game.start_date + timedelta(days=1), time(), zone) - _TICK
        else:
            return False
        return (self.start is None or first >= self.start) and (self.end is None or last < self.end)


def window(
    day: date | None, start: date | None, end: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The instants [start, end) meant by the days `date`, `from` and `to`, read in `zone`, in UTC.

    `from` starts at its day's midnight and `to` includes its whole day;
    `date` and `from`/`to` together mean both. Bounds beyond what a datetime
    can hold (year 1, year 9999) are clamped, not errors. A window that
    holds no instant (`from` after `to`) is a question with no games, not an
    error.
    """
    lower = _instant(start, zone, end_of_day=False)
    upper = _instant(end, zone, end_of_day=True)
    if day is not None:
        day_start = _instant(day, zone, end_of_day=False)
        day_end = _instant(day, zone, end_of_day=True)
        lower = day_start if lower is None else max(lower, day_start)
        upper = day_end if upper is None else min(upper, day_end)
    return lower, upper


_FIRST, _LAST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def _instant(value: date | None, zone: ZoneInfo, *, end_of_day: bool) -> datetime | None:
    if value is None:
        return None
    try:
        midnight = datetime.combine(value + timedelta(days=1) if end_of_day else value, time(), zone)
        return midnight.astimezone(UTC)
    except OverflowError:  # past year 9999, or before year 1 once in UTC
        return _LAST if end_of_day or value.year > 1 else _FIRST
