"""Reading a team's running games from its league's answer (`sports/live.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sports_api.sports.live import covered, follow, same_game
from sports_api.sports.models import Document, Game, Team

DAY = dt.date(2026, 11, 22)


def make(
    game_id: str, status: str, scores: tuple[int | None, int | None] = (None, None), **extra: Any
) -> Game:
    teams = [Team(id="nyj", name="Jets", score=scores[0]), Team(id="buf", name="Bills", score=scores[1])]
    fields: dict[str, Any] = {
        "id": game_id,
        "competition": "NFL",
        "league": "nfl",
        "status": status,
        "status_text": None,
        "start_time": None,
        "start_date": DAY,
        "date": "today",
        "time": None,
        "teams": teams,
        "home": None,
    }
    return Game(**(fields | extra))


def running(game: Game) -> bool:
    return game.status in ("live", "paused")


def test_the_same_game_by_id_or_by_its_two_catalogue_teams_on_one_day() -> None:
    assert same_game(make("/g/1", "live"), make("/g/1", "final"))
    assert same_game(make("g-a", "live"), make("/g/1", "live"))  # ids differ, teams and day agree
    assert not same_game(make("g-a", "live"), make("/g/1", "live", start_date=DAY + dt.timedelta(days=7)))
    unknown = make("g-b", "live", teams=[Team(name="Jets"), Team(name="Bills")])
    assert not same_game(unknown, make("/g/1", "live", teams=[Team(name="Jets"), Team(name="Bills")]))


def test_the_leagues_copy_wins_but_the_teams_id_and_what_only_it_knows_stay() -> None:
    team = Document(games=[make("g-a", "live", (7, 3), venue="MetLife Stadium"), make("g-next", "scheduled")])
    league = Document(games=[make("/g/1", "paused", (14, 3), clock="Halftime")])
    [now, later] = follow(team, league, running).games
    assert (now.id, now.status, now.clock, now.venue) == ("g-a", "paused", "Halftime", "MetLife Stadium")
    assert [t.score for t in now.teams] == [14, 3]
    assert later.id == "g-next" and later.status == "scheduled"


def test_a_league_follows_a_game_it_shows_running_or_over_but_not_one_it_shows_ahead() -> None:
    team = Document(games=[make("/g/1", "live")])
    assert covered(team, Document(games=[make("/g/1", "live")]), running)
    assert covered(team, Document(games=[make("/g/1", "final")]), running)
    assert not covered(team, Document(games=[make("/g/1", "scheduled")]), running)
    assert not covered(team, Document(games=[]), running)
    assert covered(Document(games=[make("/g/2", "final")]), Document(games=[]), running)  # nothing running


def test_a_doubleheader_or_two_google_ids_are_never_guessed_at() -> None:
    first, second = make("/g/1", "final", (5, 2)), make("/g/2", "live", (2, 0))
    assert not same_game(first, second)  # two Knowledge Graph ids: different games
    team = Document(games=[make("g-a", "live", (2, 0))])  # no Google id: which of the two?
    assert not covered(team, Document(games=[first, second]), running)
    assert follow(team, Document(games=[first, second]), running) == team


def test_a_finished_game_does_not_keep_the_teams_old_clock() -> None:
    team = Document(games=[make("/g/1", "live", (7, 3), clock="Top 3rd", status_text="Top 3rd")])
    league = Document(games=[make("/g/1", "final", (9, 3), status_text="Final")])
    [game] = follow(team, league, running).games
    assert (game.status, game.clock, game.status_text) == ("final", None, "Final")
