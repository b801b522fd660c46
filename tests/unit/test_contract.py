"""The contract a live answer is held to (sports_api.upstream.contract), on payloads of every drift kind.

Every answer is read at a fixed instant in New York: nothing here depends on today.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from sports_api.core.redact import MASK
from sports_api.sports.catalogue import LEAGUES, League, get_league
from sports_api.sports.normalize import Reading
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream.contract import Verdict, check, scrub

EPL = get_league("premier-league")
NEW_YORK = ZoneInfo("America/New_York")
SEARCHED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # the shipped payloads' created_at
KEY = "0123456789abcdef0123456789abcdef"


def _shipped(league: League) -> dict:
    return json.loads(
        (resources.files("sports_api.upstream") / "payloads" / f"{league.slug}.json").read_text()
    )


def _check(payload: dict, league: League = EPL) -> Verdict:
    return check(payload, Reading(SEARCHED, NEW_YORK, TeamCatalogue.load(), league))


def _games(payload: dict) -> list[dict]:
    results = payload["sports_results"]
    return [results["game_spotlight"], *results["games"]] if "game_spotlight" in results else results["games"]


@pytest.mark.parametrize("league", LEAGUES, ids=lambda lg: lg.slug)
def test_every_shipped_answer_holds(league: League) -> None:
    verdict = _check(_shipped(league), league)
    assert verdict.holds, verdict.problems
    assert verdict.games > 0 and verdict.table_rows is None


def test_no_sports_box_breaks_it() -> None:
    for payload in (
        {"error": "Google hasn't returned any results for this query."},
        {"search_metadata": {"status": "Success"}, "sports_box": _shipped(EPL)["sports_results"]},
        {"sports_results": {"title": "Premier League", "fixtures": _shipped(EPL)["sports_results"]["games"]}},
    ):
        verdict = _check(payload)
        assert not verdict.holds and verdict.games == 0
        assert verdict.problems[0].startswith("no games")


def test_a_status_the_service_cannot_read_breaks_it() -> None:
    payload = _shipped(EPL)
    for game in _games(payload):  # the spotlight and its twin in games[]
        if game.get("status") in ("FT", "Full-time"):
            game["status"] = "Game over (after a new kind of ending)"
    verdict = _check(payload)
    assert [p for p in verdict.problems if "is not one the service reads" in p]
    assert "'Game over (after a new kind of ending)'" in verdict.problems[0]


def test_a_scheduled_game_without_a_readable_start_breaks_it() -> None:
    payload = _shipped(EPL)
    upcoming = [g for g in _games(payload) if "status" not in g and "score" not in g["teams"][0]]
    assert upcoming
    upcoming[0]["date"], upcoming[0]["time"] = "sometime soon", None
    verdict = _check(payload)
    assert [p for p in verdict.problems if "scheduled, but 'sometime soon' None gives no start_time" in p]


def test_a_team_outside_the_catalogue_breaks_it_on_the_league_asked_for_only() -> None:
    payload = _shipped(EPL)
    renamed = copy.deepcopy(payload)
    _games(renamed)[-1]["teams"][1]["name"] = "Sporting Newtown"
    verdict = _check(renamed)
    assert [p for p in verdict.problems if "teams not in the catalogue: ['Sporting Newtown']" in p]
    # A cup game against a club the catalogue does not list is no drift of the league's box.
    cup = copy.deepcopy(payload)
    cup["sports_results"]["games"].append(
        {
            "tournament": "UEFA Europa Conference League",
            "date": "Fri, Nov 27",
            "time": "3:00 PM",
            "teams": [{"name": "Partizan"}, {"name": "Aston Villa"}],
        }
    )
    assert _check(cup).holds, _check(cup).problems
    lonely = copy.deepcopy(payload)
    _games(lonely)[-1]["teams"] = _games(lonely)[-1]["teams"][:1]
    assert [p for p in _check(lonely).problems if "fewer than two" in p]


def _table(rows: list[dict]) -> dict:
    payload = _shipped(EPL)
    payload["sports_results"]["league"] = {"standings": rows}
    return payload


ROW = {
    "pos": "1",
    "team": {"name": "Arsenal", "thumbnail": "https://l/ars"},
    "mp": "12",
    "w": "9",
    "d": "2",
    "l": "1",
    "gf": "25",
    "ga": "7",
    "gd": "+18",
    "pts": "29",
    "last_5": ["win", "win", "tie", "win", "loss"],
}


def test_a_table_that_parses_holds_and_one_that_does_not_breaks_it() -> None:
    second = {**ROW, "pos": "2", "team": {"name": "Chelsea"}, "pts": "26"}
    assert _check(_table([ROW, second])) == Verdict(4, 2, [])
    # A baseball-style row (wins and losses, no points) parses too.
    assert _check(_table([{"pos": "1", "team": {"name": "Arsenal"}, "w": "90", "l": "72"}])).holds
    renamed = _check(_table([ROW, {**second, "position": "2", "pos": None}]))
    assert renamed.problems == ["table row 'Chelsea' does not parse"]
    nameless = _check(_table([ROW, {**second, "club": second["team"], "team": None}]))
    assert nameless.problems == ["the table has 2 rows, of which 1 name a team"]
    for block in ({"table": [ROW]}, {"standings": []}, "Premier League"):
        payload = _shipped(EPL)
        payload["sports_results"]["league"] = block
        assert _check(payload).problems == ["the box's `league` block holds no `standings` rows"]


def test_it_is_checked_on_a_catalogue_league_only() -> None:
    with pytest.raises(ValueError, match="catalogue league"):
        check(_shipped(EPL), Reading(SEARCHED, NEW_YORK, TeamCatalogue.load(), None))


def test_scrub_takes_the_key_out_of_every_field_and_url() -> None:
    answer = {
        "search_metadata": {
            "json_endpoint": f"https://serpapi.com/searches/1/1.json?api_key={KEY}",
            "google_url": "https://www.google.com/search?q=x",
        },
        "search_parameters": {"q": "Premier League schedule", "api_key": KEY, "API_KEY": "other"},
        "sports_results": {"games": [{"teams": [{"name": f"said {KEY} aloud"}], "score": 3}]},
        "serpapi_pagination": {"next": f"https://serpapi.com/search.json?q=x&api_key={KEY}&start=10"},
    }
    clean = scrub(answer, KEY)
    assert KEY not in json.dumps(clean)
    assert clean["search_parameters"] == {"q": "Premier League schedule", "api_key": MASK, "API_KEY": MASK}
    assert clean["search_metadata"]["json_endpoint"].endswith(f"?api_key={MASK}")
    assert clean["search_metadata"]["google_url"] == answer["search_metadata"]["google_url"]
    assert clean["serpapi_pagination"]["next"].endswith(f"api_key={MASK}&start=10")
    assert clean["sports_results"]["games"][0]["score"] == 3
    assert answer["search_parameters"]["api_key"] == KEY, "a copy: the answer itself is untouched"
    # Without the key to look for, key fields and URL parameters still go.
    assert scrub(answer, "")["search_parameters"]["api_key"] == MASK
    assert KEY not in json.dumps(scrub(answer, "")["serpapi_pagination"])
