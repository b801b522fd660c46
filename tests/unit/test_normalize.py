"""The normaliser over every payload shape in the SerpAPI reference."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from sports_api.sports.catalogue import LEAGUES, get_league
from sports_api.sports.normalize import normalize

NFL = get_league("nfl")
EPL = get_league("premier-league")

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
    assert games[1].status == "FT"


def test_spotlight_and_games_both_become_games_spotlight_first() -> None:
    games = normalize(payload(game_spotlight=SPOTLIGHT, games=LISTED))
    assert len(games) == 3
    assert games[0].venue == "Emirates Stadium"


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
    assert normalize(body) == []


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


def test_kgmid_and_new_keys_are_ignored() -> None:
    block = {**LISTED[1], "kgmid": "/g/11x", "google_sports_serpapi_link": "https://serpapi.com/x"}
    [game] = normalize(payload(games=[block]))
    assert game.competition == "Premier League"


@pytest.mark.parametrize("league", LEAGUES, ids=lambda lg: lg.slug)
def test_every_demo_payload_gives_games_with_home_and_away(league) -> None:
    raw = json.loads((resources.files("sports_api.upstream") / "payloads" / f"{league.slug}.json").read_text())
    games = normalize(raw, league)
    assert games, f"demo payload for {league.slug} has no games"
    for game in games:
        assert len(game.teams) == 2
        assert game.home is not None and game.away is not None
