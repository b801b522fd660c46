"""The living demo, read through the real normaliser at many moments of an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sports_api.sports.catalogue import LEAGUES, get_league
from sports_api.sports.models import Document
from sports_api.sports.normalize import Reading, normalize
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Lookup
from sports_api.upstream.demo import DemoSource

ZONE = ZoneInfo("America/New_York")
TEAMS = TeamCatalogue.load()
START = datetime(2026, 12, 31, 20, 7, tzinfo=UTC)  # a year turn in New York, to make dates work for it


async def read(lookup: Lookup, at: datetime) -> Document:
    source = DemoSource(TEAMS, ZONE, clock=at.timestamp)
    payload = await source.fetch(lookup)
    return normalize(payload, Reading(at, ZONE, TEAMS, lookup.league))


# 64 moments across a year, at odd minutes; tests/unit/test_demo_world.py judges the world at its own.
MOMENTS = [START + timedelta(days=5.7 * step, minutes=23 * step) for step in range(64)]
SUNDAY = datetime(2026, 12, 6, 17, 55, tzinfo=UTC)  # five minutes before the NFL's 1:00 PM games


@pytest.mark.parametrize("at", MOMENTS, ids=lambda at: at.strftime("%Y%m%d-%H%M"))
async def test_every_game_reads_back_whole_at_any_moment(at: datetime) -> None:
    running = []
    for league in LEAGUES:
        games = (await read(Lookup.for_league(league), at)).games
        running += [g for g in games if g.status in ("live", "paused")]
        for game in games:
            assert game.status in ("final", "live", "paused", "scheduled"), game.status_text
            assert game.start_date is not None, game.date
            if game.status == "final":
                assert game.start_date <= at.astimezone(ZONE).date()
                assert all(team.score is not None for team in game.teams)
            if game.status == "scheduled":
                assert game.start_time is not None and game.start_time > at
                assert all(team.score is None for team in game.teams)
    for game in running:  # whatever is on (nothing, some nights at 4 AM) has its clock
        assert game.clock and game.start_time is not None and game.start_time <= at


async def test_every_league_has_finished_live_or_upcoming_games() -> None:
    for league in LEAGUES:
        games = (await read(Lookup.for_league(league), START)).games
        statuses = {g.status for g in games}
        assert "final" in statuses and "scheduled" in statuses, league.slug
        assert len({g.id for g in games}) == len(games)
        assert all(team.id for g in games for team in g.teams)  # every demo team is a catalogue team


async def test_a_live_game_moves_with_the_clock() -> None:
    nfl = Lookup.for_league(get_league("nfl"))
    seen = None
    for minutes in range(0, 4 * 60, 5):
        at = SUNDAY + timedelta(minutes=minutes)
        live = [g for g in (await read(nfl, at)).games if g.status in ("live", "paused")]
        if not live:
            continue
        game = live[0]
        if seen is not None and seen.id == game.id:
            assert [t.score for t in game.teams] >= [t.score for t in seen.teams] or all(
                now >= before for now, before in zip(
                    [t.score for t in game.teams], [t.score for t in seen.teams], strict=True)
            )  # fmt: skip
            if game.clock != seen.clock:
                return
        seen = game
    pytest.fail("the live NFL game's clock never moved over four hours")


async def test_the_same_moment_tells_the_same_story() -> None:
    nfl = Lookup.for_league(get_league("nfl"))
    assert await read(nfl, START) == await read(nfl, START)


async def test_every_soccer_league_has_a_table_and_us_leagues_on_request() -> None:
    for league in LEAGUES:
        if league.sport == "soccer":
            table = (await read(Lookup.for_league(league), START)).standings
        else:
            assert (await read(Lookup.for_league(league), START)).standings is None
            table = (await read(Lookup.for_standings(league), START)).standings
        assert table, league.slug
        assert len(table) == len(TEAMS.in_league(league.slug))
        groups: dict[str | None, list[int | None]] = {}  # divisions and conferences rank from 1
        for row in table:
            groups.setdefault(row.group, []).append(row.position)
        assert all(positions == list(range(1, len(positions) + 1)) for positions in groups.values())


async def test_a_team_lookup_lists_only_that_teams_games() -> None:
    team = TEAMS.resolve("Bayern Munich")
    doc = await read(Lookup.for_team(team), START)
    assert doc.games, "Bayern play in the Bundesliga and the Champions League"
    assert all(team.id in [t.id for t in game.teams] for game in doc.games)
    assert {g.league for g in doc.games} <= {"bundesliga", "champions-league"}
    assert doc.standings and any(row.team.id == team.id for row in doc.standings)
