"""The offline source: a living schedule, written as Google's sports box would show it.

Without a key the service still has to show what it does, and a frozen
snapshot cannot: its "3rd Quarter" would last forever and its "today" would
be wrong tomorrow. So the demo writes SerpAPI-shaped payloads at the moment
of each search. Every league has a game every `SLOT` (leagues staggered, so
at any moment some game is in progress), finished games from the last day
and a half, and the next few. Teams come from the team catalogue, logos and
venues from the real captures shipped in `payloads/`. Scores, clocks and
status texts follow the wall clock; dates are Google's relative, year-less
texts in the search's zone. The payloads take the same path as live data
(normaliser, cache, headers), so `make run` without a key shows exactly what
the service does.

Everything is a pure function of the clock: two tasks, or two searches a
second apart, tell the same story.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from sports_api.sports.catalogue import LEAGUES, League, TeamOrder, get_league
from sports_api.sports.teams import Team, TeamCatalogue
from sports_api.upstream.base import Lookup

NO_RESULTS = {"error": "Google hasn't returned any results for this query."}
SLOT = 4 * 3600  # seconds between two games of one league
PAST, AHEAD = 8, 3  # finished and upcoming games around the current one
_NNBSP = "\u202f"  # Google's narrow no-break space before AM/PM


@dataclass(frozen=True, slots=True)
class _Sport:
    minutes: int  # from start to final, breaks included
    high: int  # a plausible final score for one team goes up to this
    final: str  # the status text of a finished game


_SPORTS = {
    "soccer": _Sport(115, 4, "FT"),
    "american-football": _Sport(195, 38, "Final"),
    "basketball": _Sport(150, 130, "Final"),
    "ice-hockey": _Sport(160, 6, "Final"),
    "baseball": _Sport(180, 9, "Final"),
}


class DemoSource:
    name = "demo"
    metered = False

    def __init__(self, teams: TeamCatalogue, zone: ZoneInfo, clock: Callable[[], float] = time.time) -> None:
        self._teams = teams
        self._zone = zone
        self._clock = clock
        self._looks = _looks()

    async def fetch(self, lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        now = self._clock()
        if lookup.kind == "team":
            return self._team(lookup.team, now) if lookup.team else dict(NO_RESULTS)
        if lookup.league is None:
            return dict(NO_RESULTS)
        results: dict[str, Any] = {"title": lookup.league.name}
        if lookup.kind == "league":
            results |= self._games(lookup.league, now)
        if lookup.kind == "standings" or lookup.league.sport == "soccer":
            # A soccer league's box shows its table beside the games: one search feeds both routes.
            results["league"] = {"standings": self._table(lookup.league, now)}
        return _payload(results)

    def _team(self, team: Team, now: float) -> dict[str, Any]:
        """A team's games from every competition it plays in, and its league's table."""
        games = []
        for slug in (team.league, *team.competitions):
            league = get_league(slug)
            if league is not None:
                games += [g for g in self._all_games(league, now) if team.id in g.pop("_ids")]
        if not games:
            return dict(NO_RESULTS)
        results: dict[str, Any] = {"title": team.name, "games": games}
        own = get_league(team.league)
        if own is not None:
            results["league"] = {"standings": self._table(own, now)}
        return _payload(results)

    def _games(self, league: League, now: float) -> dict[str, Any]:
        games = self._all_games(league, now)
        for game in games:
            del game["_ids"]
        current = next(
            (g for g in games if "status" not in g or g["status"] != _SPORTS[league.sport].final), None
        )
        found: dict[str, Any] = {"games": games}
        if current is not None:
            # Google puts the game of the moment in a spotlight and lists it again.
            spotlight = {k: v for k, v in current.items() if k not in ("tournament", "kgmid", "time")}
            spotlight["league"] = league.name
            if "time" in current:
                spotlight["date"] = f"{current['date']}, {current['time']}"
            found["game_spotlight"] = spotlight
        return found

    def _all_games(self, league: League, now: float) -> list[dict[str, Any]]:
        index = LEAGUES.index(league)
        phase = index * SLOT // len(LEAGUES) // 60 * 60  # whole minutes, as Google prints them
        current = int((now - phase) // SLOT)
        return [
            self._game(league, slot, phase + slot * SLOT, now)
            for slot in range(current - PAST, current + AHEAD + 1)
        ]

    def _game(self, league: League, slot: int, start: float, now: float) -> dict[str, Any]:
        sport = _SPORTS[league.sport]
        first, second = _pair(self._teams.in_league(league.slug), league.slug, slot)
        home = first if league.order is TeamOrder.HOME_FIRST else second
        elapsed = (now - start) / 60
        game: dict[str, Any] = {
            "tournament": league.name,
            "kgmid": "/g/11demo" + _digest(league.slug, slot, size=4),
            "_ids": {first.id, second.id},
        }
        venue = self._look(home)[1]
        if venue:
            game["stadium"] = venue
        local = datetime.fromtimestamp(start, UTC).astimezone(self._zone)
        today = datetime.fromtimestamp(now, UTC).astimezone(self._zone).date()
        finals = _finals(league.slug, slot, sport)
        teams = [self._team_block(first), self._team_block(second)]
        if elapsed >= sport.minutes:
            game["status"] = sport.final
            written = _past_day(local.date(), today)
            game["date"] = written or f"{_day_text(local.date(), today)}, {_clock(local)}"
            for block, score in zip(teams, finals, strict=True):
                block["score"] = str(score)
        elif elapsed >= 0:
            game["status"] = _in_play(league.sport, elapsed)
            game["date"] = f"{_day_text(local.date(), today)}, {_clock(local)}"
            for block, score in zip(teams, finals, strict=True):
                block["score"] = str(int(score * elapsed / sport.minutes))
        else:
            game["date"] = _day_text(local.date(), today)
            game["time"] = _clock(local)
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

    def _table(self, league: League, now: float) -> list[dict[str, Any]]:
        """A plausible table: the same all day, a new matchday's worth of change each week."""
        week = int(now // (7 * 86_400))
        rows = [self._row(team, league, week) for team in self._teams.in_league(league.slug)]
        if league.sport == "soccer":
            rows.sort(key=lambda r: (-int(r["pts"]), -int(r["gd"]), -int(r["gf"]), r["team"]["name"]))
        else:
            rows.sort(key=lambda r: (-float(r["pct"]), r["team"]["name"]))
            lead_w, lead_l = int(rows[0]["w"]), int(rows[0]["l"])
            for row in rows:
                behind = ((lead_w - int(row["w"])) + (int(row["l"]) - lead_l)) / 2
                row["gb"] = "-" if behind == 0 else f"{behind:g}"
        for position, row in enumerate(rows, 1):
            row["pos"] = str(position)
        return rows

    def _row(self, team: Team, league: League, week: int) -> dict[str, Any]:
        """A team's line: its strength is fixed by its id, the week moves it a little."""
        rnd = _numbers(_digest(league.slug, team.id, week % 52))
        strength = int(_digest(league.slug, team.id), 16) % 1000 / 1000
        row: dict[str, Any] = {"team": self._team_block(team)}
        if league.sport == "soccer":
            played = 10 + week % 20
            won = min(played, round(played * (0.15 + 0.5 * strength)) + next(rnd) % 3)
            drawn = min(played - won, round((played - won) * 0.35) + next(rnd) % 2)
            lost = played - won - drawn
            goals_for = won * 2 + drawn + next(rnd) % 5
            goals_against = lost * 2 + drawn + next(rnd) % 5
            row |= {
                "mp": str(played),
                "w": str(won),
                "d": str(drawn),
                "l": str(lost),
                "gf": str(goals_for),
                "ga": str(goals_against),
                "gd": f"{goals_for - goals_against:+d}" if goals_for != goals_against else "0",
                "pts": str(3 * won + drawn),
                "last_5": [("win", "tie", "loss")[next(rnd) % 3] for _ in range(5)],
            }
        else:
            played = 20 + week % 40
            won = round(played * (0.3 + 0.4 * strength))
            at_home = played // 2
            home_won = min(at_home, round(won * 0.55), won)
            away_won = won - home_won
            if away_won > played - at_home:  # more wins than away games: move the rest home
                home_won, away_won = won - (played - at_home), played - at_home
            ten = min(10, max(0, round(10 * (0.3 + 0.4 * strength)) + next(rnd) % 3 - 1))
            row |= {
                "w": str(won),
                "l": str(played - won),
                "pct": f"{won / played:.3f}".removeprefix("0"),
                "home": f"{home_won}-{at_home - home_won}",
                "away": f"{away_won}-{played - at_home - away_won}",
                "l10": f"{ten}-{10 - ten}",
            }
        return row


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


def _pair(teams: list[Team], league: str, slot: int) -> tuple[Team, Team]:
    rnd = _numbers(_digest(league, "pair", slot))
    first = next(rnd) % len(teams)
    second = (first + 1 + next(rnd) % (len(teams) - 1)) % len(teams)
    return teams[first], teams[second]


def _finals(league: str, slot: int, sport: _Sport) -> tuple[int, int]:
    rnd = _numbers(_digest(league, "score", slot))
    low = sport.high // 3 if sport.high > 20 else 0
    scores = (low + next(rnd) % (sport.high - low + 1), low + next(rnd) % (sport.high - low + 1))
    if sport.final != "FT" and scores[0] == scores[1]:  # no draws outside soccer
        scores = (scores[0] + 1, scores[1])
    return scores


def _in_play(sport: str, minutes: float) -> str:
    """The status text Google shows `minutes` after the start."""
    m = int(minutes)
    if sport == "soccer":
        if m < 45:
            return f"{m + 1}'"
        if m < 60:
            return "Halftime"
        return f"{m - 14}'" if m < 105 else f"90+{m - 104}'"
    if sport == "american-football":
        return _periods(m, 45, ("1st Quarter", "2nd Quarter", "Halftime", "3rd Quarter", "4th Quarter"))
    if sport == "basketball":
        return _periods(m, 33, ("1st Quarter", "2nd Quarter", "Halftime", "3rd Quarter", "4th Quarter"))
    if sport == "ice-hockey":
        return _periods(m, 40, ("1st Period", "End of 1st", "2nd Period", "End of 2nd", "3rd Period"))
    inning, half = divmod(m // 10, 2)
    return f"{'Top' if half == 0 else 'Bot'} {_ordinal(min(inning + 1, 9))}"


def _periods(minutes: int, length: int, names: tuple[str, ...]) -> str:
    # Breaks (half-time, intermissions) last two fifths of a period.
    spans = [length if "End" not in n and n != "Halftime" else length * 2 // 5 for n in names]
    for name, span in zip(names, spans, strict=True):
        if minutes < span:
            return name
        minutes -= span
    return names[-1]


def _ordinal(n: int) -> str:
    return f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'}"


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


def _digest(*parts: object, size: int = 8) -> str:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=size).hexdigest()


def _numbers(seed: str) -> Iterator[int]:
    counter = 0
    while True:
        yield int(_digest(seed, counter), 16)
        counter += 1


def _payload(results: dict[str, Any]) -> dict[str, Any]:
    return {"search_metadata": {"status": "Success"}, "sports_results": results}
