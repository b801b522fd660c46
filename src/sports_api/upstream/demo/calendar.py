"""The demo's season calendar: every league's fixtures, a pure function of the league and the season.

A fan judges a demo by its rhythm before its scores: who plays whom, on
which day, at what hour, and how long teams rest. So each league's season is
built the way real schedules are, then frozen by a digest of its names (never
by the process's random state or clock), so every task and every test sees
the same world:

- pairings come from the circle method (one team fixed, the others rotating
  round it), which gives every team one game per round and a new opponent
  each round; soccer plays it twice, home and away (a double round robin);
- rounds are laid on each sport's cadence: NFL weeks (Thursday, Sunday,
  Monday, with byes), soccer weekends with some midweek rounds and breaks,
  Champions League Tuesdays and Wednesdays, NBA and NHL rounds spread over
  two days (so teams play every one to three days, back-to-backs included),
  MLB three-game series on consecutive days;
- kick-offs are at the hours the league uses, in its home zone (the NFL's
  1:00, 4:05, 4:25 and 8:20 PM in New York; the Premier League's 12:30, 15:00
  and 17:30 in London), US games at the home team's local hour;
- soccer clubs in the Champions League never play a domestic game less than
  `REST["soccer"]` before or after a European night.

Seasons are named by the year they start in (the NBA's 2026-27 is 2026).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sports_api.sports.teams import TeamCatalogue

NEW_YORK = ZoneInfo("America/New_York")
_T = TypeVar("_T")

# The least time between two starts of one team: what each sport's schedules respect.
REST = {
    "american-football": timedelta(days=3, hours=12),
    "basketball": timedelta(hours=18),
    "ice-hockey": timedelta(hours=18),
    "baseball": timedelta(hours=12),
    "soccer": timedelta(hours=60),
}


@dataclass(frozen=True, slots=True)
class Fixture:
    league: str
    season: int  # the year the season starts in
    round: int  # from 0: the week, matchday or series
    home: str  # team ids
    away: str
    start: datetime  # aware, UTC
    stage: str | None = None  # what Google prints above the game: "Week 14", "Matchday 9"
    game: int = 0  # the game of a series (MLB)

    @property
    def key(self) -> str:
        return f"{self.league}/{self.season}/{self.round}/{self.game}/{self.home}/{self.away}"

    @property
    def teams(self) -> tuple[str, str]:
        return self.home, self.away


def digest(*parts: object) -> int:
    """A number fixed by the parts: the demo's only source of chance, the same in every process."""
    text = "|".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def shuffled(items: Iterable[_T], *seed: object) -> list[_T]:
    return sorted(items, key=lambda item: digest(*seed, item))


def circle(teams: Sequence[str]) -> list[list[tuple[str, str]]]:
    """A single round robin by the circle method: n-1 rounds of n/2 (home, away) pairs.

    The first team stays put while the others rotate one place a round, so
    each round pairs everyone once and no pairing repeats. Homes alternate
    with the round (for the fixed team) and the pair's place (for the rest),
    which keeps every team's home and away games close to even.
    """
    n = len(teams)
    if n % 2:
        raise ValueError("the circle method here needs an even number of teams")
    fixed, rest = teams[0], list(teams[1:])
    rounds = []
    for number in range(n - 1):
        line = [fixed, *rest]
        pairs = []
        for k in range(n // 2):
            first, second = line[k], line[n - 1 - k]
            pairs.append((second, first) if (number if k == 0 else k) % 2 else (first, second))
        rounds.append(pairs)
        rest = rest[-1:] + rest[:-1]
    return rounds


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (from 1; -1 for the last) `weekday` (Monday 0) of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def at(day: date, clock: str, zone: ZoneInfo) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(day, time(hours, minutes), zone).astimezone(UTC)


# --- where US teams play: the home team's zone sets a game's local hour ------------------

_CENTRAL = ZoneInfo("America/Chicago")
_MOUNTAIN = ZoneInfo("America/Denver")
_ARIZONA = ZoneInfo("America/Phoenix")
_PACIFIC = ZoneInfo("America/Los_Angeles")
_HOME_ZONES = {
    _CENTRAL: """chicago-bulls dallas-mavericks houston-rockets memphis-grizzlies milwaukee-bucks
        minnesota-timberwolves new-orleans-pelicans oklahoma-city-thunder san-antonio-spurs
        chicago-blackhawks dallas-stars minnesota-wild nashville-predators st-louis-blues winnipeg-jets
        chicago-cubs chicago-white-sox houston-astros kansas-city-royals milwaukee-brewers minnesota-twins
        st-louis-cardinals texas-rangers austin-fc chicago-fire fc-dallas houston-dynamo minnesota-united
        nashville-sc sporting-kansas-city st-louis-city-sc""",
    _MOUNTAIN: """denver-nuggets utah-jazz colorado-avalanche calgary-flames edmonton-oilers utah-mammoth
        colorado-rockies colorado-rapids real-salt-lake""",
    _ARIZONA: "phoenix-suns arizona-diamondbacks",
    _PACIFIC: """golden-state-warriors los-angeles-clippers los-angeles-lakers portland-trail-blazers
        sacramento-kings anaheim-ducks los-angeles-kings san-jose-sharks seattle-kraken vancouver-canucks
        vegas-golden-knights athletics los-angeles-angels los-angeles-dodgers san-diego-padres
        san-francisco-giants seattle-mariners la-galaxy los-angeles-fc portland-timbers san-diego-fc
        san-jose-earthquakes seattle-sounders vancouver-whitecaps""",
}
HOME_ZONE = {team: zone for zone, names in _HOME_ZONES.items() for team in names.split()}


def home_zone(team: str) -> ZoneInfo:
    """Where a North American team plays its home games (New York's zone unless listed)."""
    return HOME_ZONE.get(team, NEW_YORK)


# --- the seasons -------------------------------------------------------------------------


def season_of(league: str, teams: TeamCatalogue, season: int) -> tuple[Fixture, ...]:
    """Every fixture of a league's season, in order of start."""
    return _season(league, season, _Ids(teams, league))


class _Ids:
    """The league's team ids, hashable so that a season is built once per process, and their catalogue."""

    __slots__ = ("catalogue", "ids")

    def __init__(self, teams: TeamCatalogue, league: str) -> None:
        self.ids = tuple(team.id for team in teams.in_league(league))
        self.catalogue = teams

    def __hash__(self) -> int:
        return hash(self.ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ids) and other.ids == self.ids


@functools.lru_cache(maxsize=64)
def _season(league: str, season: int, ids: _Ids) -> tuple[Fixture, ...]:
    if league == "nfl":
        fixtures = _nfl(season, ids.ids)
    elif league in ("nba", "nhl"):
        fixtures = _nightly(league, season, ids.ids)
    elif league == "mlb":
        fixtures = _mlb(season, ids.ids)
    elif league == "champions-league":
        fixtures = _champions(season, ids.ids)
    elif league in SOCCER:
        fixtures = _domestic(league, season, ids)
    else:
        raise ValueError(f"no calendar for {league!r}")
    return tuple(sorted(fixtures, key=lambda f: (f.start, f.key)))


# NFL: 18 weeks from the Thursday after Labor Day; 17 games and one bye week each.
_NFL_SUNDAY = (("13:00", None), ("16:05", 2), ("16:25", 3), ("20:20", 1))


def _nfl(season: int, ids: Sequence[str]) -> list[Fixture]:
    """Weeks are circle rounds; in weeks 5-12 four teams rest and their opponents meet instead."""
    kickoff = nth_weekday(season, 9, 0, 1) + timedelta(days=3)  # Thursday after Labor Day
    byes = shuffled(ids, "nfl-bye", season)
    rested = {5 + n // 4: set() for n in range(len(byes))}
    for n, team in enumerate(byes):
        rested[5 + n // 4].add(team)
    fixtures: list[Fixture] = []
    monday: set[str] = set()
    for week, pairs in enumerate(circle(shuffled(ids, "nfl", season))[:18]):
        out = rested.get(week, set())
        games = [pair for pair in pairs if not set(pair) & out]
        orphans = [team for pair in pairs if len(set(pair) & out) == 1 for team in pair if team not in out]
        games += list(zip(orphans[::2], orphans[1::2], strict=True))
        games = shuffled(games, "nfl-slot", season, week)
        # Thursday's teams did not play the Monday before: three days' rest is too few.
        thursday = next(g for g in games if not set(g) & monday)
        games.remove(thursday)
        monday_game = games.pop()
        monday = set(monday_game)
        thursday_day = kickoff + timedelta(weeks=week)
        sunday = thursday_day + timedelta(days=3)
        slots = [(thursday_day, "20:20", thursday), (sunday + timedelta(days=1), "20:20", monday_game)]
        for clock, count in reversed(_NFL_SUNDAY[1:]):
            for _ in range(count or 0):
                slots.append((sunday, clock, games.pop()))
        slots += [(sunday, _NFL_SUNDAY[0][0], game) for game in games]
        for day, clock, (home, away) in slots:
            start = at(day, clock, NEW_YORK)
            fixtures.append(Fixture("nfl", season, week, home, away, start, f"Week {week + 1}"))
    return fixtures


# NBA and NHL: 82 rounds, each spread over two game days, at 7 PM-ish at the home team.
_NIGHTLY = {
    # first game day (month, weekday, n), local tip-off or face-off times
    "nba": ((10, 1, 3), ("19:00", "19:30", "19:00", "20:00")),
    "nhl": ((10, 1, 1), ("19:00", "19:00", "19:30", "19:00")),
}
_OPENING = {"nba": "Opening Night", "nhl": "Opening Night", "mlb": "Opening Day"}


def _nightly(league: str, season: int, ids: Sequence[str]) -> list[Fixture]:
    (month, weekday, n), clocks = _NIGHTLY[league]
    days = _game_days(league, nth_weekday(season, month, weekday, n))
    fixtures = []
    for number in range(82):
        cycle, index = divmod(number, len(ids) - 1)
        pairs = circle(shuffled(ids, league, season, cycle))[index]
        if cycle % 2:
            pairs = [(away, home) for home, away in pairs]
        first, second = next(days), next(days)
        if league == "nhl" and number % 8 == 7:
            next(days)  # a night off for the whole league now and then
        for k, (home, away) in enumerate(shuffled(pairs, league, season, number)):
            day = first if k < len(pairs) // 2 else second
            clock = clocks[digest(league, season, number, home) % len(clocks)]
            stage = _OPENING[league] if number == 0 else None
            start = at(day, clock, home_zone(home))
            fixtures.append(Fixture(league, season, number, home, away, start, stage))
    return fixtures


def _game_days(league: str, first: date) -> Iterator[date]:
    """Days with games: none on Thanksgiving, Christmas Eve, or during the All-Star break."""
    day = first
    while True:
        year = day.year
        thanksgiving = nth_weekday(year, 11, 3, 4)
        if league == "nba":
            star = nth_weekday(year, 2, 6, 3)  # the All-Star game's Sunday
            blocked = {thanksgiving, date(year, 12, 24)} | {star + timedelta(days=d) for d in range(-2, 3)}
        else:
            star = nth_weekday(year, 2, 5, 1)
            blocked = {thanksgiving, date(year, 12, 24), date(year, 12, 25), date(year, 12, 26)}
            blocked |= {star + timedelta(days=d) for d in range(-2, 3)}
        if day not in blocked:
            yield day
        day += timedelta(days=1)


# MLB: 54 three-game series from late March, Tuesday-Thursday and Friday-Sunday, Mondays off.
_MLB_CLOCKS = {0: ("19:05", "19:10", "18:40"), 3: ("13:05", "19:10"), 5: ("16:05", "19:10", "19:15")}
_MLB_CLOCKS |= {1: _MLB_CLOCKS[0], 2: _MLB_CLOCKS[0], 4: ("19:10", "19:05", "18:40"), 6: ("13:35", "13:10")}


def _mlb(season: int, ids: Sequence[str]) -> list[Fixture]:
    opening_week = nth_weekday(season, 3, 3, -1) - timedelta(days=3)  # the week of March's last Thursday
    all_star = nth_weekday(season, 7, 1, 2) - timedelta(days=1)  # the Monday of the All-Star week
    starts: list[date] = []
    week = opening_week
    while len(starts) < 54:
        for offset in (1, 4):  # Tuesday and Friday series
            day = week + timedelta(days=offset)
            if week in (opening_week, all_star) and offset == 1:
                continue
            if len(starts) < 54:
                starts.append(day)
        week += timedelta(weeks=1)
    fixtures = []
    for number, first in enumerate(starts):
        cycle, index = divmod(number, len(ids) - 1)
        pairs = circle(shuffled(ids, "mlb", season, cycle))[index]
        if cycle % 2:
            pairs = [(away, home) for home, away in pairs]
        for home, away in pairs:
            for game in range(3):
                day = first + timedelta(days=game)
                clocks = _MLB_CLOCKS[day.weekday()]
                clock = clocks[digest("mlb", season, number, game, home) % len(clocks)]
                stage = _OPENING["mlb"] if number == 0 and game == 0 else None
                start = at(day, clock, home_zone(home))
                fixtures.append(Fixture("mlb", season, number, home, away, start, stage, game))
    return fixtures


# Soccer. Champions League matchdays are fixed Tuesdays; domestic rounds avoid those weeks.
_PARIS = ZoneInfo("Europe/Paris")
_CHAMPIONS_TUESDAYS = ((9, 3), (10, 1), (10, 3), (11, 1), (11, 4), (12, 2), (1, 3), (1, 4))


def champions_tuesdays(season: int) -> list[date]:
    return [nth_weekday(season + (month < 7), month, 1, n) for month, n in _CHAMPIONS_TUESDAYS]


def _champions(season: int, ids: Sequence[str]) -> list[Fixture]:
    """The league phase: 36 clubs, eight matchdays, eight different opponents each."""
    fixtures = []
    rounds = circle(shuffled(ids, "ucl", season))
    for number, tuesday in enumerate(champions_tuesdays(season)):
        pairs = shuffled(rounds[number], "ucl-slot", season, number)
        for k, (home, away) in enumerate(pairs):
            day = tuesday + timedelta(days=k % 2)  # half on Tuesday, half on Wednesday
            clock = "18:45" if k < 4 else "21:00"  # two early games a night, the rest at nine
            stage = f"League phase · Matchday {number + 1}"
            start = at(day, clock, _PARIS)
            fixtures.append(Fixture("champions-league", season, number, home, away, start, stage))
    return fixtures


@dataclass(frozen=True, slots=True)
class _Soccer:
    zone: ZoneInfo | None  # None: each game at the home team's local hour (MLS)
    first: tuple[int, int]  # the first round's Saturday: (month, n-th Saturday)
    midweek: tuple[tuple[int, int], ...]  # Tuesdays of midweek rounds: (month, n-th Tuesday)
    weekend: tuple[tuple[int, str], ...]  # (days after Saturday, local time): one per game
    weekday: tuple[tuple[int, str], ...]  # (days after Tuesday, local time)
    breaks: tuple[tuple[int, int], ...]  # Saturdays with no round: international windows
    winter: tuple[tuple[int, int], tuple[int, int]] | None = None  # no round between these days
    spring: bool = False  # the season runs within one calendar year (MLS)


_EUROPE_BREAKS = ((9, 1), (10, 2), (11, 3), (3, 4))
_MIDWEEK = ((12, 1), (1, 1), (2, 2), (4, 2), (4, 4))
_DAYS = {"Fri": -1, "Sat": 0, "Sun": 1, "Mon": 2, "Tue": 0, "Wed": 1}


def _slots(text: str) -> tuple[tuple[int, str], ...]:
    """ "Sat 15:00*2, Sun 17:30" → ((0, "15:00"), (0, "15:00"), (1, "17:30")).

    Days count from Saturday for weekend rounds, from Tuesday for midweek ones.
    """
    slots = []
    for item in text.split(","):
        day, clock = item.split()
        clock, _, times = clock.partition("*")
        slots += [(_DAYS[day], clock)] * int(times or 1)
    return tuple(slots)


SOCCER = {
    "premier-league": _Soccer(
        ZoneInfo("Europe/London"),
        (8, 3),
        _MIDWEEK[:2],
        _slots("Sat 12:30, Sat 15:00*5, Sat 17:30, Sun 15:00*2, Sun 17:30"),
        _slots("Tue 19:30*5, Wed 20:00*5"),
        _EUROPE_BREAKS,
    ),
    "serie-a": _Soccer(
        ZoneInfo("Europe/Rome"),
        (8, 4),
        _MIDWEEK[:3],
        _slots(
            "Sat 15:00, Sat 18:00, Sat 20:45, Sun 12:30, Sun 15:00*2, Sun 18:00, Sun 20:45,"
            " Mon 18:30, Mon 20:45"
        ),
        _slots("Tue 18:30, Tue 20:45*2, Wed 18:30*2, Wed 20:45*5"),
        _EUROPE_BREAKS,
    ),
    "la-liga": _Soccer(
        ZoneInfo("Europe/Madrid"),
        (8, 3),
        _MIDWEEK[:3],
        _slots(
            "Fri 21:00, Sat 14:00, Sat 16:15, Sat 18:30, Sat 21:00,"
            " Sun 14:00, Sun 16:15, Sun 18:30, Sun 21:00, Mon 21:00"
        ),
        _slots("Tue 19:00*2, Tue 21:30*2, Wed 19:00*2, Wed 21:30*4"),
        _EUROPE_BREAKS,
        ((12, 22), (1, 1)),
    ),
    "bundesliga": _Soccer(
        ZoneInfo("Europe/Berlin"),
        (8, 4),
        _MIDWEEK[:2],
        _slots("Fri 20:30, Sat 15:30*5, Sat 18:30, Sun 15:30, Sun 17:30"),
        _slots("Tue 18:30*2, Tue 20:30*2, Wed 18:30*2, Wed 20:30*3"),
        _EUROPE_BREAKS,
        ((12, 21), (1, 8)),
    ),
    "ligue-1": _Soccer(
        _PARIS,
        (8, 3),
        (),
        _slots("Fri 20:45, Sat 17:00, Sat 19:00, Sat 21:05, Sun 15:00*3, Sun 17:15, Sun 20:45"),
        _slots("Tue 19:00*2, Tue 21:00*2, Wed 19:00*2, Wed 21:00*3"),
        _EUROPE_BREAKS,
        ((12, 21), (1, 1)),
    ),
    "mls": _Soccer(
        None,
        (2, -1),
        ((4, 3), (5, 3), (6, 4), (7, 2), (8, 3), (9, 3)),
        _slots("Sat 19:30*12, Sun 17:00, Sun 19:00*2"),
        _slots("Wed 19:30*15"),
        ((3, 4), (6, 1), (9, 1), (10, 2), (7, 4)),
        spring=True,
    ),
}


def _safe(slots: Sequence[tuple[int, str]], kind: str) -> tuple[int, str]:
    """The round's latest Saturday slot (or Wednesday's, midweek): a time every club can make."""
    day = 0 if kind == "weekend" else 1
    return max(slot for slot in slots if slot[0] == day)


def _domestic(league: str, season: int, ids: _Ids) -> list[Fixture]:
    """A double round robin on weekends and a few midweeks, kick-offs placed round by round.

    Each game takes the first free slot of its round that leaves both clubs
    their rest since their last game and before their next European one;
    when none does, a Saturday (or Wednesday) afternoon, which always can.
    """
    spec = SOCCER[league]
    europe = _european_starts(season, ids.catalogue, ids.ids) if not spec.spring else {}
    rounds = circle(shuffled(ids.ids, league, season))
    rounds += [[(away, home) for home, away in pairs] for pairs in rounds]
    if spec.spring:  # MLS: 34 rounds, the circle's 29 and five of them again the other way round
        rounds = rounds[: len(ids.ids) - 1] + rounds[len(ids.ids) - 1 : len(ids.ids) + 4]
    days = _round_days(spec, season, len(rounds))
    last: dict[str, datetime] = {}
    fixtures = []
    for number, (pairs, (day, kind)) in enumerate(zip(rounds, days, strict=True)):
        slots = list(spec.weekend if kind == "weekend" else spec.weekday)
        safe = _safe(slots, kind)
        following = days[number + 1][0] if number + 1 < len(days) else None
        if kind == "weekend" and following is not None and (following - day).days < 6:
            slots = [slot if slot[0] < 2 else safe for slot in slots]  # no Monday game before a midweek
        free = shuffled(slots, league, season, number)
        for home, away in shuffled(pairs, league, season, number, "games"):
            zone = spec.zone or home_zone(home)
            starts = [at(day + timedelta(days=offset), clock, zone) for offset, clock in free]
            fits = [n for n, start in enumerate(starts) if _rested(start, (home, away), last, europe)]
            if fits:
                start = starts[fits[0]]
                free.pop(fits[0])
            else:
                start = at(day + timedelta(days=safe[0]), safe[1], zone)
            last[home] = last[away] = start
            fixtures.append(Fixture(league, season, number, home, away, start, f"Matchday {number + 1}"))
    return fixtures


def _rested(
    start: datetime, teams: tuple[str, str], last: dict[str, datetime], europe: dict[str, list[datetime]]
) -> bool:
    rest = REST["soccer"]
    for team in teams:
        if team in last and start - last[team] < rest:
            return False
        if any(abs(start - other) < rest for other in europe.get(team, ())):
            return False
    return True


def _european_starts(season: int, teams: TeamCatalogue, ids: Sequence[str]) -> dict[str, list[datetime]]:
    clubs = set(ids) & {team.id for team in teams.in_league("champions-league")}
    if not clubs:
        return {}
    starts: dict[str, list[datetime]] = {}
    for fixture in season_of("champions-league", teams, season):
        for team in fixture.teams:
            if team in clubs:
                starts.setdefault(team, []).append(fixture.start)
    return starts


def _round_days(spec: _Soccer, season: int, count: int) -> list[tuple[date, str]]:
    """The Saturday (weekend rounds) or Tuesday (midweek rounds) of each round, in order."""
    month, n = spec.first
    day = nth_weekday(season, month, 5, n)
    year_of = (lambda m: season) if spec.spring else (lambda m: season + (m < 7))
    breaks = {nth_weekday(year_of(m), m, 5, k) for m, k in spec.breaks}
    european = set(champions_tuesdays(season))
    midweeks = {nth_weekday(year_of(m), m, 1, k) for m, k in spec.midweek} - european
    days: list[tuple[date, str]] = []
    while len(days) < count:
        if day not in breaks and not _in_winter(spec, day):
            days.append((day, "weekend"))
        tuesday = day + timedelta(days=3)
        if tuesday in midweeks and len(days) < count:
            days.append((tuesday, "weekday"))
        day += timedelta(weeks=1)
    return days


def _in_winter(spec: _Soccer, day: date) -> bool:
    if spec.winter is None:
        return False
    (m1, d1), (m2, d2) = spec.winter
    return (day.month, day.day) >= (m1, d1) or (day.month, day.day) <= (m2, d2)
