"""The offline source: the demo's world at the moment of each search, written as Google's sports box.

Without a key the service still has to show what it does, and a frozen
snapshot cannot: its "3rd Quarter" would last forever and its "today" would
be wrong tomorrow. So the demo writes SerpAPI-shaped payloads at the moment
of each search, from a season calendar (`calendar`): every league plays its
real cadence at its real hours, games in progress show the clock and the
part of their final already scored (`play`), and tables add up the season's
finals so far (`tables`). A league's box lists every team's last result and
next game (for a league out of season: the last season's final games and the
next season's first) and the day's slate; a team's box its last few results
and next games in every competition it plays, with its league's table.
Teams come from the catalogue, logos and venues from the real captures in
`payloads/`. Dates are Google's relative, year-less texts in the search's
zone. The payloads take the same path as live data (normaliser, cache,
headers), so `make run` without a key shows exactly what the service does.

Everything is a pure function of the injected clock: two tasks, or two
searches a second apart, tell the same story.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from sports_api.sports.catalogue import LEAGUES, League, TeamOrder, get_league
from sports_api.sports.teams import Team, TeamCatalogue
from sports_api.upstream.base import Lookup
from sports_api.upstream.demo.calendar import Fixture, digest, season_of
from sports_api.upstream.demo.play import SPORTS, fraction, in_play, result
from sports_api.upstream.demo.tables import finished, standings

NO_RESULTS = {"error": "Google hasn't returned any results for this query."}
RECENT, COMING = 4, 3  # a team's box: its last results and its next games
SLATE = (timedelta(hours=-20), timedelta(hours=28))  # a league's box also lists the games around now
_NNBSP = "\u202f"  # Google's narrow no-break space before AM/PM


class DemoSource:
    name = "demo"
    metered = False

    def __init__(self, teams: TeamCatalogue, zone: ZoneInfo, clock: Callable[[], float] = time.time) -> None:
        self._teams = teams
        self._zone = zone
        self._clock = clock
        self._looks = _looks()
        self._indexes: dict[tuple[str, int], _Index] = {}
        self._tables: dict[tuple[str, int, int], list[dict[str, Any]]] = {}

    async def fetch(self, lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        now = datetime.fromtimestamp(self._clock(), UTC)
        if lookup.kind == "team":
            return self._team(lookup.team, now) if lookup.team else dict(NO_RESULTS)
        if lookup.league is None:
            return dict(NO_RESULTS)
        results: dict[str, Any] = {"title": lookup.league.name}
        if lookup.kind == "league":
            results |= self._league(lookup.league, now)
        if lookup.kind == "standings" or lookup.league.sport == "soccer":
            # A soccer league's box shows its table beside the games: one search feeds both routes.
            results["league"] = {"standings": self._table(lookup.league, now)}
        return _payload(results)

    def fixtures(self, league: League, now: datetime) -> list[Fixture]:
        """What a league's box lists at `now`: each team's last result and next game, and the slate."""
        index = self._index(league, now)
        chosen: set[Fixture] = set()
        length = timedelta(minutes=SPORTS[league.sport].minutes)
        for games, starts in index.by_team.values():
            n = bisect.bisect_right(starts, now)  # games[n - 1] started last, games[n] is next
            live = n > 0 and now < games[n - 1].start + length
            chosen.update(games[max(0, n - 1 - live) : n + 1])  # its last result, a game on now, the next
        low = bisect.bisect_left(index.starts, now + SLATE[0])
        high = bisect.bisect_right(index.starts, now + SLATE[1])
        chosen.update(index.games[low:high])
        return sorted(chosen, key=lambda f: (f.start, f.key))

    def team_fixtures(self, team: Team, now: datetime) -> list[Fixture]:
        """A team's last results, any game in progress and its next games, in every competition."""
        games: list[Fixture] = []
        for slug in (team.league, *team.competitions):
            league = get_league(slug)
            if league is not None:
                games += self._index(league, now).by_team.get(team.id, ((), ()))[0]
        games.sort(key=lambda f: f.start)
        starts = [f.start for f in games]
        n = bisect.bisect_right(starts, now)
        return games[max(0, n - RECENT - 1) : n + COMING]

    def _index(self, league: League, now: datetime) -> _Index:
        key = (league.slug, now.year)
        if key not in self._indexes:
            games = [f for year in (now.year - 1, now.year, now.year + 1) for f in self._season(league, year)]
            self._indexes[key] = _Index(games)
            if len(self._indexes) > 64:
                self._indexes.pop(next(iter(self._indexes)))
        return self._indexes[key]

    def _season(self, league: League, year: int) -> tuple[Fixture, ...]:
        return season_of(league.slug, self._teams, year)

    def _league(self, league: League, now: datetime) -> dict[str, Any]:
        fixtures = self.fixtures(league, now)
        found: dict[str, Any] = {"games": [self._game(fixture, league, now) for fixture in fixtures]}
        length = timedelta(minutes=SPORTS[league.sport].minutes)
        current = next((n for n, f in enumerate(fixtures) if f.start <= now < f.start + length), None)
        if current is None:
            current = next((n for n, f in enumerate(fixtures) if f.start > now), None)
        if current is not None:
            # Google puts the game of the moment in a spotlight and lists it again.
            game = found["games"][current]
            spotlight = {k: v for k, v in game.items() if k not in ("tournament", "kgmid", "time")}
            spotlight["league"] = league.name
            if "time" in game:
                spotlight["date"] = f"{game['date']}, {game['time']}"
            found["game_spotlight"] = spotlight
        return found

    def _team(self, team: Team, now: datetime) -> dict[str, Any]:
        """A team's games from every competition it plays in, and its league's table."""
        games = []
        for fixture in self.team_fixtures(team, now):
            league = get_league(fixture.league)
            if league is not None:
                games.append(self._game(fixture, league, now))
        if not games:
            return dict(NO_RESULTS)
        results: dict[str, Any] = {"title": team.name, "games": games}
        own = get_league(team.league)
        if own is not None:
            results["league"] = {"standings": self._table(own, now)}
        return _payload(results)

    def _game(self, fixture: Fixture, league: League, now: datetime) -> dict[str, Any]:
        sport = SPORTS[league.sport]
        home, away = self._teams.get(fixture.home), self._teams.get(fixture.away)
        if home is None or away is None:  # a season is built from the catalogue: never
            raise LookupError(fixture.key)
        elapsed = (now - fixture.start).total_seconds() / 60
        game: dict[str, Any] = {"tournament": league.name}
        if fixture.stage:
            game["stage"] = fixture.stage
        game["kgmid"] = f"/g/11demo{digest(fixture.key):016x}"[:24]
        venue = self._look(home)[1]
        if venue:
            game["stadium"] = venue
        local = fixture.start.astimezone(self._zone)
        today = now.astimezone(self._zone).date()
        order = (home, away) if league.order is TeamOrder.HOME_FIRST else (away, home)
        teams = [self._team_block(team) for team in order]
        final = result(fixture, league.sport)
        scores = (
            (final.home, final.away) if league.order is TeamOrder.HOME_FIRST else (final.away, final.home)
        )
        if elapsed >= sport.minutes:
            game["status"] = final.status
            written = _past_day(local.date(), today)
            game["date"] = written or f"{_day_text(local.date(), today)}, {_clock(local)}"
        elif elapsed >= 0:
            game["status"] = in_play(league.sport, elapsed)
            game["date"] = f"{_day_text(local.date(), today)}, {_clock(local)}"
            home_score, away_score = final.score_at(fraction(league.sport, elapsed))
            scores = (
                (home_score, away_score) if league.order is TeamOrder.HOME_FIRST else (away_score, home_score)
            )
        else:
            game["date"] = _day_text(local.date(), today)
            game["time"] = _clock(local)
            scores = None
        if scores is not None:
            for block, score in zip(teams, scores, strict=True):
                block["score"] = str(score)
        game["teams"] = teams
        return game

    def _team_block(self, team: Team) -> dict[str, Any]:
        block: dict[str, Any] = {"name": team.short or team.name}
        if logo := self._look(team)[0]:
            block["thumbnail"] = logo
        return block

    def _look(self, team: Team) -> tuple[str | None, str | None]:
        """The team's logo and home venue in the captures, if it appears there."""
        for name in (team.short, team.name, *team.aliases):
            if name and (look := self._looks.get(fold_name(name))):
                return look
        return None, None

    def _table(self, league: League, now: datetime) -> list[dict[str, Any]]:
        """The season on show: the one under way, else the last one played."""
        for year in (now.year + 1, now.year, now.year - 1, now.year - 2):
            season = self._season(league, year)
            if season and season[0].start <= now:
                break
        played = finished(season, league.sport, now)
        key = (league.slug, year, len(played))
        if key not in self._tables:
            self._tables[key] = standings(league, self._teams, played, self._team_block)
            if len(self._tables) > 64:
                self._tables.pop(next(iter(self._tables)))
        return self._tables[key]


class _Index:
    """A league's fixtures over three seasons, by start and by team, for bisecting on a moment."""

    __slots__ = ("by_team", "games", "starts")

    def __init__(self, games: list[Fixture]) -> None:
        self.games = sorted(games, key=lambda f: (f.start, f.key))
        self.starts = [f.start for f in self.games]
        teams: dict[str, list[Fixture]] = {}
        for fixture in self.games:
            for team in fixture.teams:
                teams.setdefault(team, []).append(fixture)
        self.by_team = {team: (games, [f.start for f in games]) for team, games in teams.items()}


def fold_name(text: str) -> str:
    return " ".join(text.casefold().split())


def _looks() -> dict[str, tuple[str | None, str | None]]:
    """Logo and home venue of every team seen in the real captures, by printed name."""
    folder = resources.files("sports_api.upstream") / "payloads"
    looks: dict[str, tuple[str | None, str | None]] = {}
    for league in LEAGUES:
        results = orjson.loads((folder / f"{league.slug}.json").read_bytes()).get("sports_results", {})
        for game in [results.get("game_spotlight"), *results.get("games", [])]:
            if not isinstance(game, dict):
                continue
            teams = game.get("teams", [])
            for position, team in enumerate(teams):
                is_home = position == (0 if league.order is TeamOrder.HOME_FIRST else len(teams) - 1)
                logo, venue = looks.get(fold_name(team["name"]), (None, None))
                looks[fold_name(team["name"])] = (
                    logo or team.get("thumbnail"),
                    venue or (game.get("stadium") if is_home else None),
                )
    return looks


def _clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{_NNBSP}{'AM' if moment.hour < 12 else 'PM'}"


def _day_text(day: date, today: date) -> str:
    """Google's words for a day near today: "today", "tomorrow", "Thu, Nov 26"."""
    delta = (day - today).days
    if -1 <= delta <= 1:
        return ("yesterday", "today", "tomorrow")[delta + 1]
    return f"{day:%a}, {day:%b} {day.day}"


def _past_day(day: date, today: date) -> str | None:
    """A finished game more than a week back is written "11/7"; a recent one gets its time too."""
    if today - day > timedelta(days=6):
        return f"{day.month}/{day.day}"
    return None if today - day <= timedelta(days=1) else f"{day:%a}, {day:%b} {day.day}"


def _payload(results: dict[str, Any]) -> dict[str, Any]:
    return {"search_metadata": {"status": "Success"}, "sports_results": results}
