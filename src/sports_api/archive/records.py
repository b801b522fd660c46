"""What the archive keeps of a game, and the one rule by which sightings are merged.

A *sighting* is one game as one upstream answer showed it, with the moment
that answer was fetched. Both backends store a `GameRecord` per game and
change it only through `merge`, so the rule is written (and tested) once:

- the newest answer's game wins (status, score, clock, texts), and
  `first_seen`/`last_seen` span every answer that showed the game;
- a final is never replaced by a game that is not final: an answer fetched
  later may still be older (SerpAPI serves its own hour-old copy of a search
  under a fresh fetch time), and a game does not come back from `final`. A
  newer final does replace it (a corrected score);
- a start that a later answer no longer prints (finished games often show a
  day and no time) is kept from the earlier one, when the days agree.

`start_key` orders a game in the league and team views: its UTC start
(`2026-10-04T14:00:00Z`), or for a game known only by its local day, that
day's midnight in the archive's zone, then `#` and the game id, so keys are
unique and sort by time. A game with neither has no key and is in no view
until an answer dates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sports_api.sports.models import Game

_STAMP = "%Y-%m-%dT%H:%M:%SZ"
KEY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z#.{1,256}", re.DOTALL)
MAX_TEAMS = 2  # views per game: the two sides (see the key design in `archive/__init__.py`)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One game in one answer: what `Archive.record` queues, per game."""

    game: Game
    fetched_at: float
    source: str  # "serpapi" or "demo": their games never mix
    league: str | None = None  # the league searched for, used when the game names none
    team: str | None = None  # the catalogue team searched for: its schedule's games are its games


@dataclass(frozen=True, slots=True)
class GameRecord:
    source: str
    id: str
    league: str | None
    teams: tuple[str, ...]  # catalogue team ids, at most MAX_TEAMS
    start_key: str | None
    status: str
    final: bool
    observed_at: float  # fetch time of the answer whose game is kept
    first_seen: float
    last_seen: float
    game: dict[str, Any]  # the Game, as JSON
    version: int = 1  # +1 on every write: the backends write version n only over version n - 1
    expires_at: int | None = None  # Unix time after which the backend may forget it

    def to_game(self) -> Game:
        return Game.model_validate(self.game)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP)


def ceil_stamp(moment: datetime) -> str:
    """`moment` as a key prefix, rounded up to the second: every key of an earlier second sorts below."""
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return utc.strftime(_STAMP)


def start_key(game: Game, zone: ZoneInfo) -> str | None:
    if game.start_time is not None:
        return f"{stamp(game.start_time)}#{game.id}"
    if game.start_date is not None:
        return f"{stamp(datetime.combine(game.start_date, time(), zone))}#{game.id}"
    return None


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _with_start_of(kept: Game, other: Game, zone: ZoneInfo) -> Game:
    """`kept`, with the start `other` knows and `kept` no longer prints, when both mean one day."""
    if kept.start_time is not None or other.start_time is None:
        if kept.start_date is None and other.start_date is not None and kept.start_time is None:
            return kept.model_copy(update={"start_date": other.start_date})
        return kept
    day = _local_day(other.start_time, zone)
    if kept.start_date is not None and kept.start_date != day:
        return kept  # rescheduled: the newer day stands, without a time
    return kept.model_copy(update={"start_time": other.start_time, "start_date": other.start_date or day})


def _team_ids(game: Game, hint: str | None) -> tuple[str, ...]:
    ids = [team.id for team in game.teams if team.id]
    ids = list(dict.fromkeys(ids))
    if hint and hint not in ids and len(ids) < MAX_TEAMS:
        ids.append(hint)
    return tuple(ids[:MAX_TEAMS])


def merge(
    old: GameRecord | None, seen: Sighting, zone: ZoneInfo, retention_days: int | None = None
) -> GameRecord:
    """The record after `seen`: see the module docstring for the rule."""
    new = seen.game
    if old is None:
        game, observed = new, seen.fetched_at
        first, last = seen.fetched_at, seen.fetched_at
        league, teams = new.league or seen.league, _team_ids(new, seen.team)
        version = 1
    else:
        previous = old.to_game()
        newer = seen.fetched_at >= old.observed_at
        takes_over = newer and (not old.final or new.status == "final")
        if takes_over:
            game, observed = _with_start_of(new, previous, zone), seen.fetched_at
        else:
            game, observed = _with_start_of(previous, new, zone), old.observed_at
        first, last = min(old.first_seen, seen.fetched_at), max(old.last_seen, seen.fetched_at)
        league = game.league or old.league or seen.league
        teams = _team_ids(game, seen.team) or old.teams
        if old.teams and len(teams) < len(old.teams):
            teams = tuple(dict.fromkeys((*teams, *old.teams)))[:MAX_TEAMS]
        version = old.version + 1
    expires = int(last + retention_days * 86_400) if retention_days else None
    return GameRecord(
        source=seen.source,
        id=new.id,
        league=league,
        teams=teams,
        start_key=start_key(game, zone),
        status=game.status,
        final=game.status == "final",
        observed_at=observed,
        first_seen=first,
        last_seen=last,
        game=game.model_dump(mode="json"),
        version=version,
        expires_at=expires,
    )
