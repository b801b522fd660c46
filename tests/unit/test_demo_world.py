"""The demo's world, judged as a fan would, at 64 moments across a year (and its whole calendar).

Every check reads what a client reads: payloads from `DemoSource` on an
injected clock, through the real normaliser. Nothing reads the machine's
clock or zone, so the same moments are checked whatever the day, the hour
or the zone the suite runs in. The expected hours, rests and season lengths
are the real leagues', written here independently of the demo's code.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sports_api.sports.catalogue import LEAGUES, League, get_league
from sports_api.sports.models import Document, Game
from sports_api.sports.normalize import Reading, normalize
from sports_api.sports.season import season
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Lookup
from sports_api.upstream.demo import DemoSource
from sports_api.upstream.demo.calendar import season_of

ZONE = ZoneInfo("America/New_York")
TEAMS = TeamCatalogue.load()
# 64 moments across a year, at odd minutes and every hour of the day in turn.
START = datetime(2026, 7, 1, 0, 7, tzinfo=UTC)
MOMENTS = [START + timedelta(days=5 * step + step % 7 * 0.13, minutes=97 * step) for step in range(64)]
LENGTH = {  # games a team plays in a season
    "nfl": 17, "nba": 82, "mlb": 162, "nhl": 82, "mls": 34, "premier-league": 38, "serie-a": 38,
    "la-liga": 38, "bundesliga": 34, "ligue-1": 34, "champions-league": 8,
}  # fmt: skip
REST = {  # the least a team rests between two starts
    "american-football": timedelta(days=3, hours=12),
    "basketball": timedelta(hours=18),
    "ice-hockey": timedelta(hours=18),
    "baseball": timedelta(hours=12),
    "soccer": timedelta(days=2, hours=12),
}
_US_EVENING = {"19:00", "19:30", "20:00"}
# Kick-off hours in the league's home zone; for US leagues other than the NFL, at the home team.
KICKOFFS: dict[str, tuple[str | None, set[str]]] = {
    "nfl": ("America/New_York", {"13:00", "16:05", "16:25", "20:20"}),
    "nba": (None, _US_EVENING),
    "nhl": (None, _US_EVENING),
    "mlb": (None, {"13:05", "13:10", "13:35", "16:05", "18:40", "19:05", "19:10", "19:15"}),
    "mls": (None, {"17:00", "19:00", "19:30"}),
    "premier-league": ("Europe/London", {"12:30", "15:00", "17:30", "19:30", "20:00"}),
    "serie-a": ("Europe/Rome", {"12:30", "15:00", "18:00", "18:30", "20:45"}),
    "la-liga": ("Europe/Madrid", {"14:00", "16:15", "18:30", "19:00", "21:00", "21:30"}),
    "bundesliga": ("Europe/Berlin", {"15:30", "17:30", "18:30", "20:30"}),
    "ligue-1": ("Europe/Paris", {"15:00", "17:00", "17:15", "19:00", "20:45", "21:00", "21:05"}),
    "champions-league": ("Europe/Paris", {"18:45", "21:00"}),
}


@functools.cache
def read(slug: str, kind: str, stamp: float) -> Document:
    at = datetime.fromtimestamp(stamp, UTC)
    league = get_league(slug)
    lookup = Lookup.for_league(league) if kind == "league" else Lookup.for_standings(league)
    payload = asyncio.run(DemoSource(TEAMS, ZONE, clock=lambda: stamp).fetch(lookup))
    return normalize(payload, Reading(at, ZONE, TEAMS, league))


def read_team(team_id: str, at: datetime) -> Document:
    team = TEAMS.get(team_id)
    payload = asyncio.run(DemoSource(TEAMS, ZONE, clock=at.timestamp).fetch(Lookup.for_team(team)))
    return normalize(payload, Reading(at, ZONE, TEAMS, None))


def ids(game: Game) -> set[str]:
    return {team.id for team in game.teams if team.id}


moments = pytest.mark.parametrize("at", MOMENTS, ids=lambda at: at.strftime("%Y%m%d-%H%M"))


@moments
def test_every_team_has_a_last_result_and_a_next_game(at: datetime) -> None:
    for league in LEAGUES:
        games = read(league.slug, "league", at.timestamp()).games
        for team in TEAMS.in_league(league.slug):
            mine = [g for g in games if team.id in ids(g)]
            assert any(g.status == "final" for g in mine), (league.slug, team.id, "no last result")
            upcoming = [g for g in mine if g.status == "scheduled"]
            assert upcoming, (league.slug, team.id, "no next game")
            assert all(g.start_time is not None and g.start_time > at for g in upcoming)


@pytest.mark.parametrize("at", MOMENTS[::8], ids=lambda at: at.strftime("%Y%m%d-%H%M"))
def test_every_team_box_lists_results_and_next_games(at: datetime) -> None:
    for team in TEAMS:
        games = read_team(team.id, at).games
        assert all(team.id in ids(g) for g in games)
        assert any(g.status == "final" for g in games), team.id
        assert any(g.status == "scheduled" for g in games), team.id
        assert {g.league for g in games} <= {team.league, *team.competitions}


@moments
def test_rest_between_a_teams_games_and_plausible_live_games(at: datetime) -> None:
    starts: dict[str, list[tuple[datetime, str]]] = {}
    for league in LEAGUES:
        for game in read(league.slug, "league", at.timestamp()).games:
            assert game.start_date is not None, (league.slug, game.date, game.time)
            if game.status != "final":  # older finals show a day and no time, as Google writes them
                assert game.start_time is not None, (league.slug, game.date, game.time)
            for team in ids(game):
                if game.start_time is not None:
                    starts.setdefault(team, []).append((game.start_time, league.sport))
            if game.status in ("live", "paused"):
                assert game.start_time <= at < game.start_time + timedelta(hours=4), game
                assert game.clock and all(t.score is not None for t in game.teams)
    for team, seen in starts.items():
        seen = sorted(set(seen))
        for (first, sport), (second, _) in itertools.pairwise(seen):
            assert second - first >= REST[sport], (team, first, second)


@pytest.mark.parametrize("league", LEAGUES, ids=lambda lg: lg.slug)
@pytest.mark.parametrize("year", [2026, 2027])
def test_a_whole_season_keeps_rest_cadence_and_length(league: League, year: int) -> None:
    fixtures = season_of(league.slug, TEAMS, year)
    played: dict[str, list[datetime]] = {}
    for fixture in fixtures:
        for team in fixture.teams:
            played.setdefault(team, []).append(fixture.start)
    assert {len(v) for v in played.values()} == {LENGTH[league.slug]}
    assert set(played) == {team.id for team in TEAMS.in_league(league.slug)}
    for team, starts in played.items():
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert min(gaps) >= REST[league.sport], (team, min(gaps))
    local = sorted({f.start.astimezone(ZONE).weekday() for f in fixtures})
    if league.slug == "nfl":
        assert local == [0, 3, 6]  # Monday, Thursday, Sunday in New York
    if league.slug == "champions-league":
        assert sorted({f.start.astimezone(ZoneInfo("Europe/Paris")).weekday() for f in fixtures}) == [1, 2]
    if league.slug == "mlb":  # three-game series on consecutive days
        by_round: dict[tuple[int, str], list[date]] = {}
        for f in fixtures:
            by_round.setdefault((f.round, f.home), []).append(f.start.astimezone(_home(f.home)).date())
        assert all(days[2] - days[0] == timedelta(days=2) for days in by_round.values())
    first, last = fixtures[0].start.astimezone(ZONE).month, fixtures[-1].start.astimezone(ZONE).month
    seasons = {"nfl": (9, 1), "nba": (10, 4), "nhl": (10, 4), "mlb": (3, 10), "mls": (2, 10)}
    seasons |= {"champions-league": (9, 1)}
    assert (first, last) == seasons.get(league.slug, (8, 5)), league.slug
    for fixture in fixtures:
        zone, hours = KICKOFFS[league.slug]
        where = ZoneInfo(zone) if zone else _home(fixture.home)
        assert f"{fixture.start.astimezone(where):%H:%M}" in hours, (fixture, where)


def _home(team: str) -> ZoneInfo:
    """Where a North American team plays at home (this test's own list, by city)."""
    return ZoneInfo(_CITY.get(team, "America/New_York"))


_CITIES = """
America/Chicago: chicago-bulls dallas-mavericks houston-rockets memphis-grizzlies milwaukee-bucks
  minnesota-timberwolves new-orleans-pelicans oklahoma-city-thunder san-antonio-spurs chicago-blackhawks
  dallas-stars minnesota-wild nashville-predators st-louis-blues winnipeg-jets chicago-cubs chicago-white-sox
  houston-astros kansas-city-royals milwaukee-brewers minnesota-twins st-louis-cardinals texas-rangers
  austin-fc
  chicago-fire fc-dallas houston-dynamo minnesota-united nashville-sc sporting-kansas-city st-louis-city-sc
America/Denver: denver-nuggets utah-jazz colorado-avalanche calgary-flames edmonton-oilers utah-mammoth
  colorado-rockies colorado-rapids real-salt-lake
America/Phoenix: phoenix-suns arizona-diamondbacks
America/Los_Angeles: golden-state-warriors los-angeles-clippers los-angeles-lakers portland-trail-blazers
  sacramento-kings anaheim-ducks los-angeles-kings san-jose-sharks seattle-kraken vancouver-canucks
  vegas-golden-knights athletics los-angeles-angels los-angeles-dodgers san-diego-padres san-francisco-giants
  seattle-mariners la-galaxy los-angeles-fc portland-timbers san-diego-fc san-jose-earthquakes
  seattle-sounders
  vancouver-whitecaps
"""
_CITY = {
    team: zone
    for zone, teams in re.findall(r"^(\S+): ((?:.|\n  )+)", _CITIES, re.MULTILINE)
    for team in teams.split()
}


@moments
def test_tables_count_the_seasons_games_shown(at: datetime) -> None:
    for league in LEAGUES:
        games = read(league.slug, "league", at.timestamp()).games
        kind = "league" if league.sport == "soccer" else "standings"
        table = read(league.slug, kind, at.timestamp()).standings
        assert table and {row.team.id for row in table} == {t.id for t in TEAMS.in_league(league.slug)}
        groups: dict[str | None, list] = {}
        for row in table:
            groups.setdefault(row.group, []).append(row)
            played = row.played if row.played is not None else row.won + row.lost + (row.tied or 0)
            assert 0 <= played <= LENGTH[league.slug], (league.slug, row)
            if league.sport == "soccer":
                assert row.points == 3 * row.won + row.drawn and played == row.won + row.drawn + row.lost
                assert row.goal_difference == row.goals_for - row.goals_against
                assert len(row.form) == min(5, played)
                _last_result_is_in_the_form(row, games, league)
            elif league.sport == "ice-hockey":
                assert row.points == 2 * row.won + row.overtime_losses
                assert played == row.won + row.lost + row.overtime_losses
            else:
                assert row.win_percentage is not None
        for rows in groups.values():
            assert [row.position for row in rows] == list(range(1, len(rows) + 1))
            if league.sport in ("basketball", "baseball"):
                assert rows[0].games_behind == 0
        expected = {"nfl": 8, "mlb": 6, "nba": 2, "nhl": 2, "mls": 2}.get(league.slug, 1)
        assert len(groups) == expected, (league.slug, list(groups))


def _last_result_is_in_the_form(row, games: list[Game], league: League) -> None:
    mine = [g for g in games if g.status == "final" and row.team.id in ids(g) and g.league == league.slug]
    if not mine or not row.form:
        return
    last = mine[-1]  # the box lists games in order of start
    ours = next(t.score for t in last.teams if t.id == row.team.id)
    theirs = next(t.score for t in last.teams if t.id != row.team.id)
    assert row.form[-1] == ("win" if ours > theirs else "draw" if ours == theirs else "loss"), (row, last)


@moments
def test_out_of_season_leagues_say_so_and_play_nothing(at: datetime) -> None:
    today = at.astimezone(ZONE).date()
    for league in LEAGUES:
        games = read(league.slug, "league", at.timestamp()).games
        state = season(games, today)
        assert state is not None
        if state.state == "off_season":
            assert not [g for g in games if g.status in ("live", "paused")], league.slug
            assert state.next_game is not None and state.next_game > today + timedelta(days=10)
            assert state.last_game is not None and state.last_game < today - timedelta(days=10)


def test_december_has_mlb_and_mls_out_of_season_and_the_rest_in() -> None:
    at = datetime.combine(date(2026, 12, 5), time(18, 50), ZONE)
    today = at.date()
    states = {lg.slug: season(read(lg.slug, "league", at.timestamp()).games, today).state for lg in LEAGUES}
    assert {slug for slug, state in states.items() if state == "off_season"} == {"mlb", "mls"}
    mlb = read("mlb", "league", at.timestamp()).games
    assert min(g.start_date for g in mlb if g.status == "scheduled") == date(2027, 3, 26)
    assert all(g.stage == "Opening Day" for g in mlb if g.status == "scheduled" and g.start_date.month == 3)


def test_abbreviations_are_official_and_unique_per_league() -> None:
    official = {
        "kansas-city-chiefs": "KC", "green-bay-packers": "GB", "miami-dolphins": "MIA",
        "los-angeles-lakers": "LAL", "new-york-yankees": "NYY", "new-york-rangers": "NYR",
        "manchester-united": "MUN", "arsenal": "ARS", "bayern-munich": "FCB", "paris-saint-germain": "PSG",
        "real-madrid": "RMA", "juventus": "JUV", "tottenham-hotspur": "TOT", "washington-commanders": "WAS",
    }  # fmt: skip
    for team_id, code in official.items():
        assert TEAMS.get(team_id).abbreviation == code
    for league in LEAGUES:
        codes = [team.abbreviation for team in TEAMS.in_league(league.slug)]
        assert all(code and re.fullmatch(r"[A-Z][A-Z0-9]{1,3}", code) for code in codes), league.slug
        assert len(set(codes)) == len(codes), league.slug
        if league.sport == "soccer" and league.slug != "mls":
            assert {len(code) for code in codes} == {3}, league.slug


def test_the_same_moment_is_the_same_world_in_a_new_source() -> None:
    at = MOMENTS[17]
    for slug in ("nfl", "premier-league", "mlb"):
        league = get_league(slug)
        first = asyncio.run(DemoSource(TEAMS, ZONE, clock=at.timestamp).fetch(Lookup.for_league(league)))
        again = asyncio.run(DemoSource(TEAMS, ZONE, clock=at.timestamp).fetch(Lookup.for_league(league)))
        assert first == again
