"""The normaliser over every payload shape, status text and date form in the SerpAPI reference."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from sports_api.sports.catalogue import LEAGUES, League, get_league
from sports_api.sports.models import Document
from sports_api.sports.normalize import MAX_GAMES, Reading
from sports_api.sports.normalize import normalize as read
from sports_api.sports.teams import TeamCatalogue

NFL = get_league("nfl")
EPL = get_league("premier-league")
MLB = get_league("mlb")
NEW_YORK = ZoneInfo("America/New_York")
TEAMS = TeamCatalogue.load()
# A Sunday evening in New York: 2026-11-22 18:00 EST.
SEARCHED = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)

SPOTLIGHT = {
    "league": "Premier League",
    "stadium": "Emirates Stadium",
    "date": "today, 4:30 PM",
    "status": "Full-time",
    "video_highlight_carousel": [
        {"title": "Match recap", "link": "https://v/1", "duration": "3:14", "thumbnail": "https://t/1"}
    ],
    "teams": [
        {"name": "Arsenal", "thumbnail": "https://l/ars", "score": "0"},
        {"name": "Aston Villa", "thumbnail": "https://l/avl", "score": "2", "goal_summary": []},
    ],
}
LISTED = [
    {
        "tournament": "UEFA Europa Conference League",
        "stage": "Quarter-final · Leg 2 of 2",
        "stadium": "Stade Pierre-Mauroy",
        "date": "Thu, Apr 18",
        "time": "5:45 PM",
        "teams": [{"name": "LOSC", "thumbnail": "https://l/losc"}, {"name": "Aston Villa"}],
    },
    {
        "tournament": "Premier League",
        "status": "FT",
        "date": "11/7",
        "video_highlights": {"link": "https://v/2", "thumbnail": "https://t/2", "duration": "5:18"},
        "teams": [{"name": "Man United", "score": "3"}, {"name": "Partizan", "score": "0"}],
    },
]


def payload(**results: object) -> dict:
    return {"search_metadata": {"status": "Success"}, "sports_results": {"title": "X", **results}}


def document(body: dict, league: League | None = None, at: datetime = SEARCHED) -> Document:
    return read(body, Reading(at, NEW_YORK, TEAMS, league))


def normalize(body: dict, league: League | None = None, at: datetime = SEARCHED) -> list:
    return document(body, league, at).games


def test_spotlight_only_becomes_one_game() -> None:
    [game] = normalize(payload(game_spotlight=SPOTLIGHT))
    assert game.competition == "Premier League"
    assert game.venue == "Emirates Stadium"
    assert game.date == "today, 4:30 PM" and game.time is None
    assert [(t.name, t.score, t.logo) for t in game.teams] == [
        ("Arsenal", 0, "https://l/ars"),
        ("Aston Villa", 2, "https://l/avl"),
    ]
    assert [h.link for h in game.highlights] == ["https://v/1"]
    assert game.highlights[0].title == "Match recap"


def test_games_only_keeps_order_and_raw_strings() -> None:
    games = normalize(payload(games=LISTED))
    assert [g.competition for g in games] == ["UEFA Europa Conference League", "Premier League"]
    assert games[0].stage == "Quarter-final · Leg 2 of 2"
    assert (games[0].date, games[0].time) == ("Thu, Apr 18", "5:45 PM")
    assert (games[1].status, games[1].status_text) == ("final", "FT")


def test_spotlight_and_games_both_become_games_spotlight_first() -> None:
    games = normalize(payload(game_spotlight=SPOTLIGHT, games=LISTED))
    assert len(games) == 3
    assert games[0].venue == "Emirates Stadium"


def test_the_spotlight_and_its_twin_in_games_become_one_game() -> None:
    twin = {
        "tournament": "Premier League",
        "status": "FT",
        "date": "today, 4:30 PM",
        "kgmid": "/g/11ars0avl",
        "teams": [{"name": "Arsenal", "score": "0"}, {"name": "Aston Villa", "score": "2"}],
    }
    games = normalize(payload(game_spotlight=SPOTLIGHT, games=[twin, *LISTED]), EPL)
    assert len(games) == 3
    [match] = [g for g in games if g.teams[0].name == "Arsenal"]
    assert match.id == "/g/11ars0avl"  # the twin's Knowledge Graph id wins over a derived one
    assert match.status == "final" and match.status_text == "Full-time"  # the spotlight's telling
    assert match.venue == "Emirates Stadium"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"search_metadata": {"status": "Success"}},
        payload(),
        payload(games=[]),
        payload(games=None, game_spotlight=None),
        {"sports_results": "not an object"},
        {"sports_results": {"games": "nope", "game_spotlight": ["nope"]}},
        {"sports_results": {"games": [None, 3, "x", []]}},
    ],
)
def test_missing_or_odd_blocks_give_an_empty_list(body: dict) -> None:
    assert document(body) == Document(games=[], standings=None)


def test_200_with_error_is_an_empty_result() -> None:
    assert normalize({"error": "Google hasn't returned any results for this query."}) == []


def test_missing_scores_are_null_not_zero() -> None:
    [game] = normalize(payload(games=[LISTED[0]]))
    assert [t.score for t in game.teams] == [None, None]
    assert game.teams[1].logo is None


@pytest.mark.parametrize(
    ("raw", "score"),
    [
        ("2", 2),
        ("0", 0),
        (" 10", 10),
        ("1 (4)", 1),
        ("", None),
        ("-", None),
        (None, None),
        (3, 3),
        (True, None),
        ("30", 30),
        ("5" * 5000, None),
        (10**30, None),
        (-1, None),
        ("1000", None),
        (2.0, None),
    ],
)
def test_scores(raw: object, score: int | None) -> None:
    block = {"teams": [{"name": "A", "score": raw}, {"name": "B"}]}
    [game] = normalize(payload(games=[block]))
    assert game.teams[0].score == score


def test_narrow_no_break_spaces_become_plain_spaces() -> None:
    block = {"date": "yesterday, 11:30\u202fAM", "time": "7:00\u00a0PM", "teams": [{"name": "A\u202fB"}]}
    [game] = normalize(payload(games=[block]))
    assert game.date == "yesterday, 11:30 AM"
    assert game.time == "7:00 PM"
    assert game.teams[0].name == "A B"


def test_both_highlight_shapes_together() -> None:
    block = {
        "video_highlights": {"link": "https://v/old", "duration": "1:00"},
        "video_highlight_carousel": [{"link": "https://v/new", "title": "New"}, {"title": "no link"}],
        "teams": [],
    }
    block["teams"] = [{"name": "A"}]
    [game] = normalize(payload(games=[block]))
    assert [h.link for h in game.highlights] == ["https://v/old", "https://v/new"]


def test_soccer_lists_home_first() -> None:
    [game] = normalize(payload(game_spotlight=SPOTLIGHT), EPL)
    assert game.home and game.away
    assert (game.home.name, game.away.name) == ("Arsenal", "Aston Villa")


def test_us_sports_list_away_first() -> None:
    block = {"tournament": "NFL", "teams": [{"name": "Raiders"}, {"name": "Chiefs"}]}
    [game] = normalize(payload(games=[block]), NFL)
    assert game.home and game.away
    assert (game.home.name, game.away.name) == ("Chiefs", "Raiders")


def test_recognised_competition_decides_order_over_the_asked_league() -> None:
    # A team query about an NFL team can list a game whose competition we know.
    block = {"tournament": "NFL", "teams": [{"name": "Raiders"}, {"name": "Chiefs"}]}
    [game] = normalize(payload(games=[block]), None)
    assert game.home is not None and game.home.name == "Chiefs"


def test_unknown_convention_leaves_home_and_away_null() -> None:
    [euro, _] = normalize(payload(games=LISTED))  # a team query: no league asked
    assert euro.home is None and euro.away is None
    assert [t.name for t in euro.teams] == ["LOSC", "Aston Villa"]


def test_kgmid_is_the_id_and_new_keys_are_ignored() -> None:
    block = {**LISTED[1], "kgmid": "/g/11x2y", "google_sports_serpapi_link": "https://serpapi.com/x"}
    [game] = normalize(payload(games=[block]))
    assert game.competition == "Premier League"
    assert game.id == "/g/11x2y"


@pytest.mark.parametrize("kgmid", ["", "11x2y", "/g/", "/g/<script>", "/x/11abc", 7])
def test_a_malformed_kgmid_is_not_an_id(kgmid: object) -> None:
    [game] = normalize(payload(games=[{**LISTED[1], "kgmid": kgmid}]))
    assert game.id.startswith("g-")


@pytest.mark.parametrize("league", LEAGUES, ids=lambda lg: lg.slug)
def test_every_demo_payload_gives_games_with_home_and_away(league) -> None:
    raw = json.loads(
        (resources.files("sports_api.upstream") / "payloads" / f"{league.slug}.json").read_text()
    )
    games = normalize(raw, league)
    assert games, f"demo payload for {league.slug} has no games"
    assert len({g.id for g in games}) == len(games)
    for game in games:
        assert len(game.teams) == 2
        assert game.home is not None and game.away is not None
        assert all(team.id for team in game.teams), [t.name for t in game.teams]


# Every status text in the SerpAPI reference, read through the whole normaliser.
@pytest.mark.parametrize(
    ("text", "scored", "status", "clock"),
    [
        ("Final", True, "final", None),
        ("Final/OT", True, "final", None),
        ("Final/SO", True, "final", None),
        ("FT", True, "final", None),
        ("Full-time", True, "final", None),
        ("FT (P)", True, "final", None),
        ("AET", True, "final", None),
        ("Halftime", True, "paused", "Halftime"),
        ("HT", True, "paused", "HT"),
        ("Live", True, "live", None),
        ("3rd Quarter", True, "live", "3rd Quarter"),
        ("Top 5th", True, "live", "Top 5th"),
        ("67'", True, "live", "67'"),
        ("Postponed", False, "postponed", None),
        ("Cancelled", False, "cancelled", None),
        ("Delayed", False, "scheduled", None),
        ("Delayed", True, "suspended", None),
        (None, False, "scheduled", None),
        (None, True, "unknown", None),
        ("Finalizado", True, "unknown", None),
    ],
)
def test_every_reference_status_text(text: str | None, scored: bool, status: str, clock: str | None) -> None:
    teams = [{"name": "Chiefs", **({"score": "7"} if scored else {})}, {"name": "Raiders"}]
    block = {"tournament": "NFL", "date": "today, 4:25 PM", "teams": teams}
    [game] = normalize(payload(games=[{**block, **({"status": text} if text else {})}]), NFL)
    assert (game.status, game.clock, game.status_text) == (status, clock, text)


# Every date form in the reference, read on Sunday 2026-11-22 at 18:00 in New York (EST, UTC-5).
@pytest.mark.parametrize(
    ("date", "time", "status", "start", "day"),
    [
        ("today, 4:30 PM", None, None, "2026-11-22T21:30:00+00:00", "2026-11-22"),
        ("yesterday, 11:30\u202fAM", None, "FT", "2026-11-21T16:30:00+00:00", "2026-11-21"),
        ("tomorrow, 8:15 PM", None, None, "2026-11-24T01:15:00+00:00", "2026-11-23"),
        ("11/2", None, "FT", None, "2026-11-02"),
        ("11/7", None, "FT", None, "2026-11-07"),
        ("Oct 17", None, "FT", None, "2026-10-17"),
        ("Sun, Feb 9, 6:30 PM", None, None, None, None),  # 2027-02-09 is a Tuesday: no guess
        ("Tue, Feb 9, 6:30 PM", None, None, "2027-02-09T23:30:00+00:00", "2027-02-09"),
        ("Thu, Nov 26", "5:45 PM", None, "2026-11-26T22:45:00+00:00", "2026-11-26"),
        ("Thu, Apr 18", "5:45 PM", None, None, None),  # 2027-04-18 is a Sunday
        ("Jan 3", "1:00 PM", None, "2027-01-03T18:00:00+00:00", "2027-01-03"),  # next year's
        ("Thu", "8:15 PM", None, "2026-11-27T01:15:00+00:00", "2026-11-26"),  # upcoming: this week
        ("Thu", None, "Final", None, "2026-11-19"),  # finished: last week
        ("Sat, Nov 28", "17:30 PM", None, "2026-11-28T22:30:00+00:00", "2026-11-28"),
        ("Sat, Nov 28", "TBD", None, None, "2026-11-28"),
        (None, "7:00 PM", None, None, None),
        ("soon", None, None, None, None),
    ],
)
def test_every_reference_date_form(date, time, status, start, day) -> None:
    block = {"tournament": "NFL", "date": date, "time": time, "teams": [{"name": "Jets"}, {"name": "Bills"}]}
    if status:
        block["status"] = status
        block["teams"] = [{"name": "Jets", "score": "10"}, {"name": "Bills", "score": "13"}]
    [game] = normalize(payload(games=[{k: v for k, v in block.items() if v is not None}]), NFL)
    assert (game.start_time.isoformat() if game.start_time else None) == start
    assert (game.start_date.isoformat() if game.start_date else None) == day
    assert (game.date, game.time) == (date and date.replace("\u202f", " "), time)  # raw, spaces tidied


def test_start_times_follow_the_search_zone_across_dst() -> None:
    # 2026-11-01: New York falls back from EDT (UTC-4) to EST (UTC-5).
    block = {"tournament": "NFL", "date": "Sat, Oct 31", "time": "1:00 PM", "teams": [{"name": "Jets"}]}
    after = {**block, "date": "Sun, Nov 1"}
    at = datetime(2026, 11, 2, 12, tzinfo=UTC)
    games = normalize(payload(games=[block, after]), NFL, at)
    assert [g.start_time.isoformat() for g in games] == [
        "2026-10-31T17:00:00+00:00",
        "2026-11-01T18:00:00+00:00",
    ]


def test_ids_are_stable_across_fetches_and_days() -> None:
    """A game's derived id follows its local day, not the relative words naming it."""
    game = {
        "tournament": "NFL",
        "status": "Final",
        "teams": [{"name": "Jets", "score": "3"}, {"name": "Bills"}],
    }
    [sunday] = normalize(payload(games=[{**game, "date": "today, 1:00 PM"}]), NFL, SEARCHED)
    monday = datetime(2026, 11, 23, 15, tzinfo=UTC)
    [next_day] = normalize(payload(games=[{**game, "date": "yesterday, 1:00 PM"}]), NFL, monday)
    assert sunday.id == next_day.id and sunday.id.startswith("g-")
    [other_day] = normalize(payload(games=[{**game, "date": "11/15"}]), NFL, SEARCHED)
    assert other_day.id != sunday.id


def test_a_doubleheader_keeps_two_games_with_two_ids() -> None:
    teams = [{"name": "Yankees", "score": "3"}, {"name": "Red Sox", "score": "2"}]
    first = {"tournament": "MLB", "status": "Final", "date": "11/1", "teams": teams}
    second = {**first, "teams": [{"name": "Yankees", "score": "1"}, {"name": "Red Sox", "score": "5"}]}
    games = normalize(payload(games=[first, second]), MLB)
    assert [g.id for g in games] == [games[0].id, games[0].id + "-2"]
    games = normalize(payload(games=[first, {**second, "kgmid": "/g/11game2"}]), MLB)
    assert len(games) == 2 and games[1].id == "/g/11game2"


def test_teams_are_recognised_by_catalogue_id() -> None:
    [game] = normalize(payload(games=[LISTED[1]]), EPL)
    assert [t.id for t in game.teams] == ["manchester-united", None]  # Partizan is not in the catalogue
    [spot] = normalize(payload(game_spotlight=SPOTLIGHT), EPL)
    assert [t.id for t in spot.teams] == ["arsenal", "aston-villa"]


def test_a_huge_list_is_capped() -> None:
    block = {"tournament": "NFL", "teams": [{"name": "Jets"}, {"name": "Bills"}]}
    games = [{**block, "kgmid": f"/g/11n{i:06d}"} for i in range(MAX_GAMES * 50)]
    assert len(normalize(payload(games=games), NFL)) == MAX_GAMES


SOCCER_ROWS = [
    {"pos": "1", "team": {"name": "Arsenal", "thumbnail": "https://l/ars"}, "mp": "12", "w": "9", "d": "2",
     "l": "1", "gf": "24", "ga": "7", "gd": "+17", "pts": "29", "last_5": ["win", "win", "tie", "not played",
     "loss"]},
    {"pos": "20", "team": {"name": "Wolves"}, "mp": "12", "w": "0", "d": "2", "l": "10", "gf": "5",
     "ga": "27", "gd": "\u221222", "pts": "2", "last_5": []},
]  # fmt: skip
BASEBALL_ROWS = [
    {"pos": "1", "team": {"name": "Yankees"}, "w": "94", "l": "68", "pct": ".580", "gb": "-", "home": "50-31",
     "away": "44-37", "l10": "6-4"},
    {"pos": "2", "team": {"name": "Red Sox"}, "w": "89", "l": "73", "pct": ".549", "gb": "5", "home": "48-33",
     "away": "41-40", "l10": "5-5"},
]  # fmt: skip


def test_a_soccer_table_becomes_integers_and_form() -> None:
    doc = document(payload(league={"standings": SOCCER_ROWS}), EPL)
    first, last = doc.standings
    assert (first.position, first.team.id, first.team.logo) == (1, "arsenal", "https://l/ars")
    assert (first.played, first.won, first.drawn, first.lost, first.points) == (12, 9, 2, 1, 29)
    assert (first.goals_for, first.goals_against, first.goal_difference) == (24, 7, 17)
    assert first.form == ["win", "win", "draw", "loss"]
    assert (last.team.id, last.goal_difference) == ("wolverhampton-wanderers", -22)
    assert first.win_percentage is None


def test_a_baseball_table_keeps_its_own_columns() -> None:
    leader, second = document(payload(league={"standings": BASEBALL_ROWS}), MLB).standings
    assert (leader.won, leader.lost, leader.win_percentage, leader.games_behind) == (94, 68, 0.58, 0.0)
    assert (leader.home_record, leader.away_record, leader.last_ten) == ("50-31", "44-37", "6-4")
    assert second.games_behind == 5.0 and second.points is None and second.team.id == "boston-red-sox"


@pytest.mark.parametrize("rows", [None, "x", [None, 3], [{"pos": "1"}], [{"team": {}}]])
def test_odd_tables_are_empty_or_absent(rows: object) -> None:
    standings = document(payload(league={"standings": rows}), EPL).standings
    assert standings in (None, [])


def test_absurd_table_numbers_are_null() -> None:
    row = {"pos": "9" * 40, "team": {"name": "Arsenal"}, "pts": "1e9", "gd": "--3", "pct": "7.5", "gb": "x"}
    [standing] = document(payload(league={"standings": [row]}), EPL).standings
    assert (standing.position, standing.points, standing.goal_difference) == (None, None, None)
    assert (standing.win_percentage, standing.games_behind) == (None, None)
