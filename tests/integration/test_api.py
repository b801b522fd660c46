"""The HTTP contract, over real HTTP, in demo mode."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from sports_api.sports.catalogue import LEAGUES
from sports_api.sports.status import STATUSES

REQUIRED_LEAGUES = {
    "nfl", "nba", "mlb", "nhl", "mls", "premier-league", "serie-a", "la-liga",
    "bundesliga", "ligue-1", "champions-league",
}  # fmt: skip


@pytest.fixture
def api(serve) -> httpx.Client:
    server = serve()
    with httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


def test_catalogue(api: httpx.Client) -> None:
    response = api.get("/v1/leagues")
    assert response.status_code == 200
    body = response.json()
    assert {entry["slug"] for entry in body} >= REQUIRED_LEAGUES
    assert all(set(entry) == {"slug", "name", "sport"} for entry in body)


@pytest.mark.parametrize("league", LEAGUES, ids=lambda lg: lg.slug)
def test_every_league_serves_demo_games(api: httpx.Client, league) -> None:
    response = api.get(f"/v1/leagues/{league.slug}/games")
    assert response.status_code == 200
    body = response.json()
    assert body["league"] == league.slug
    assert body["source"] == "demo"
    assert body["cache"] == "miss"
    assert body["games"], "demo data must have games"
    assert set(body) == {"league", "time_zone", "season", "games", "source", "fetched_at", "cache"}
    assert body["season"]["state"] in ("in_season", "off_season")
    assert body["time_zone"] == "America/New_York"
    game = body["games"][0]
    assert set(game) == {
        "id", "competition", "league", "stage", "status", "status_text", "clock", "start_time", "start_date",
        "date", "time", "venue", "teams", "home", "away", "highlights",
    }  # fmt: skip
    assert len({g["id"] for g in body["games"]}) == len(body["games"])
    assert {g["status"] for g in body["games"]} <= set(STATUSES)


def test_second_request_is_a_hit_with_remaining_freshness(api: httpx.Client) -> None:
    first = api.get("/v1/leagues/nba/games")
    second = api.get("/v1/leagues/nba/games")
    assert (first.json()["cache"], second.json()["cache"]) == ("miss", "hit")
    fresh_for = int(first.headers["cache-control"].rsplit("=", 1)[1])
    assert 0 < fresh_for <= 3600
    max_age = int(second.headers["cache-control"].rsplit("=", 1)[1])
    assert 0 < max_age <= fresh_for
    assert first.json()["fetched_at"] == second.json()["fetched_at"]


def test_etag_and_if_none_match(api: httpx.Client) -> None:
    first = api.get("/v1/leagues/nhl/games")
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    not_modified = api.get("/v1/leagues/nhl/games", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert "cache-control" in not_modified.headers
    strong = etag.removeprefix("W/")
    assert api.get("/v1/leagues/nhl/games", headers={"If-None-Match": f'"x", {strong}'}).status_code == 304
    assert api.get("/v1/leagues/nhl/games", headers={"If-None-Match": '"other"'}).status_code == 200


def test_request_id_is_echoed_or_generated(api: httpx.Client) -> None:
    echoed = api.get("/health", headers={"X-Request-ID": "gw-1234-abcd"})
    assert echoed.headers["x-request-id"] == "gw-1234-abcd"
    generated = api.get("/health", headers={"X-Request-ID": "bad id; <script>"})
    assert generated.headers["x-request-id"] != "bad id; <script>"
    assert len(api.get("/health").headers["x-request-id"]) == 32


def test_sports_compat_endpoint_defaults_to_nfl(api: httpx.Client) -> None:
    assert api.get("/sports").json()["league"] == "nfl"
    assert api.get("/sports", params={"league": "serie-a"}).json()["league"] == "serie-a"
    assert api.get("/sports", params={"league": "xfl"}).status_code == 404


def test_team_games_are_that_teams_games(api: httpx.Client) -> None:
    body = api.get("/v1/teams/Chiefs/games").json()
    assert body["team"] == {"id": "kansas-city-chiefs", "name": "Kansas City Chiefs", "league": "nfl"}
    for game in body["games"]:
        assert "kansas-city-chiefs" in [t["id"] for t in game["teams"]]
        assert game["home"]["name"] in [t["name"] for t in game["teams"]]


@pytest.mark.parametrize(
    "spelling",
    [
        "Manchester United",
        "man united",
        "MAN UTD",
        "manchester-united",
        "\uff2d\uff41\uff4e \uff35\uff4e\uff49\uff54\uff45\uff44",  # full-width
        "Manches\u00adter United",  # soft hyphen
        "Man\u200b United",  # zero-width space
        "Manchester%20%20United",
        "MANCHESTER UNITED".lower().replace("u", "\u0055", 1),
    ],
)  # fmt: skip
def test_team_aliases_case_and_unicode_share_one_cache_entry(api: httpx.Client, spelling: str) -> None:
    api.get("/v1/teams/Man United/games")
    body = api.get(f"/v1/teams/{spelling}/games").json()
    assert body["team"]["id"] == "manchester-united"
    assert body["cache"] == "hit"


def test_accents_do_not_matter(api: httpx.Client) -> None:
    plain, accented = api.get("/v1/teams/Atletico Madrid"), api.get("/v1/teams/Atle\u0301tico Madrid")  # NFD
    assert plain.json()["id"] == accented.json()["id"] == api.get("/v1/teams/Atlético Madrid").json()["id"]


def test_unknown_team_in_demo_mode_is_a_404_problem(api: httpx.Client) -> None:
    body = assert_problem(api.get("/v1/teams/Nobody FC/games"), 404)
    assert body["type"] == "urn:sports-api:problem:unknown-team"
    assert assert_problem(api.get("/v1/teams/a/games"), 404)  # no substring search any more


def test_an_ambiguous_team_is_a_409_listing_the_candidates(api: httpx.Client) -> None:
    body = assert_problem(api.get("/v1/teams/Giants/games"), 409)
    assert {"new-york-giants", "san-francisco-giants"} <= set(body["candidates"])


def test_team_catalogue(api: httpx.Client) -> None:
    teams = api.get("/v1/teams", params={"league": "premier-league"}).json()
    assert len(teams) == 20
    united = next(t for t in teams if t["id"] == "manchester-united")
    assert "Man United" in united["aliases"] and united["league"] == "premier-league"
    assert len(api.get("/v1/teams", params={"league": "champions-league"}).json()) == 36
    assert assert_problem(api.get("/v1/teams", params={"league": "xfl"}), 404)
    assert api.get("/v1/teams/Man Utd").json()["name"] == "Manchester United"


def test_standings_for_every_soccer_league_from_the_same_search(api: httpx.Client) -> None:
    for league in (lg for lg in LEAGUES if lg.sport == "soccer"):
        games = api.get(f"/v1/leagues/{league.slug}/games").json()
        table = api.get(f"/v1/leagues/{league.slug}/standings").json()
        assert table["cache"] == "hit" and table["fetched_at"] == games["fetched_at"]  # no second search
        groups: dict[str | None, list[dict]] = {}  # MLS ranks by conference; Europe in one table
        for row in table["standings"]:
            groups.setdefault(row["group"], []).append(row)
        for rows in groups.values():
            assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
            for row in rows:
                assert row["played"] == row["won"] + row["drawn"] + row["lost"]
                assert row["points"] == 3 * row["won"] + row["drawn"]
                assert row["goal_difference"] == row["goals_for"] - row["goals_against"]
                assert set(row["form"]) <= {"win", "draw", "loss"}
            assert [r["points"] for r in rows] == sorted((r["points"] for r in rows), reverse=True)


def test_us_standings_have_their_own_columns(api: httpx.Client) -> None:
    rows = api.get("/v1/leagues/mlb/standings").json()["standings"]
    assert len(rows) == 30 and rows[0]["games_behind"] == 0.0
    assert all(0 <= r["win_percentage"] <= 1 and r["drawn"] is None for r in rows)


def test_filters_by_status(api: httpx.Client) -> None:
    every = api.get("/v1/leagues/nfl/games").json()["games"]
    finals = api.get("/v1/leagues/nfl/games", params={"status": "final"}).json()["games"]
    assert finals and all(g["status"] == "final" for g in finals)
    assert finals == [g for g in every if g["status"] == "final"]
    both = api.get("/v1/leagues/nfl/games", params={"status": "final,scheduled"}).json()["games"]
    assert both == [g for g in every if g["status"] in ("final", "scheduled")]


def test_filters_by_day_and_window_in_a_zone(api: httpx.Client) -> None:
    every = api.get("/v1/leagues/premier-league/games").json()["games"]
    timed = [g for g in every if g["start_time"]]
    day = timed[0]["start_time"][:10]
    on_day = api.get("/v1/leagues/premier-league/games", params={"date": day}).json()["games"]
    assert timed[0] in on_day and all(g["start_time"] is None or g["start_time"][:10] == day for g in on_day)
    last = timed[-1]["start_time"][:10]
    later = api.get("/v1/leagues/premier-league/games", params={"from": last}).json()["games"]
    assert timed[-1] in later and all(g["start_time"][:10] >= last for g in later if g["start_time"])
    # The same days read in Kiritimati (UTC+14) start fourteen hours earlier in UTC.
    wide = {"from": day, "to": last, "tz": "Pacific/Kiritimati"}
    ahead = api.get("/v1/leagues/premier-league/games", params=wide).json()["games"]
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    lower = datetime.combine(date.fromisoformat(day), time(), kiritimati)
    upper = datetime.combine(date.fromisoformat(last) + timedelta(days=1), time(), kiritimati)
    inside = [g for g in timed if lower <= datetime.fromisoformat(g["start_time"]) < upper]
    assert [g for g in ahead if g["start_time"]] == inside


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"status": "over"}, "status"),
        ({"status": ","}, "status"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"from": "soon"}, "from"),
        ({"from": "2026-11-22T18:00"}, "from"),
        ({"to": "20261122"}, "to"),
        ({"to": ""}, "to"),
        ({"tz": "Mars/Base"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
    ],
)
def test_malformed_filters_are_422_problems(api: httpx.Client, params: dict, named: str) -> None:
    body = assert_problem(api.get("/v1/leagues/nfl/games", params=params), 422)
    assert named in body["detail"]


def test_an_empty_window_is_an_empty_answer(api: httpx.Client) -> None:
    body = api.get("/v1/leagues/nfl/games", params={"from": "2026-11-02", "to": "2026-11-01"}).json()
    assert body["games"] == [] and body["league"] == "nfl"


def test_unknown_parameters_are_400_problems_naming_them(api: httpx.Client) -> None:
    body = assert_problem(api.get("/v1/leagues/nfl/games", params={"stauts": "live"}), 400)
    assert body["unknown"] == ["stauts"]
    assert {"status", "date", "from", "to", "tz"} == set(body["accepted"])
    assert assert_problem(api.get("/v1/leagues", params={"x": "1"}), 400)["accepted"] == []


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


def test_unknown_league_is_404_problem(api: httpx.Client) -> None:
    body = assert_problem(api.get("/v1/leagues/xfl/games"), 404)
    assert body["type"] == "urn:sports-api:problem:unknown-league"
    assert "xfl" in body["detail"]


@pytest.mark.parametrize(
    "team",
    [
        "%20",
        "x" * 65,
        "Aston%00Villa",
        "Aston%0AVilla",
        "%1B[31m",
        "%7F",
        " leading",
        "trailing%20",
        "%C2%85",
    ],
)
def test_bad_team_text_is_422_problem(api: httpx.Client, team: str) -> None:
    assert_problem(api.get(f"/v1/teams/{team}/games"), 422)


def test_empty_team_is_a_4xx_problem(api: httpx.Client) -> None:
    response = api.get("/v1/teams//games")
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_route_and_method_are_problems(api: httpx.Client) -> None:
    assert_problem(api.get("/v2/nothing"), 404)
    body = assert_problem(api.post("/v1/leagues"), 405)
    assert body["title"] == "Method Not Allowed"


def test_health_and_ready(api: httpx.Client) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    assert api.get("/ready").json() == {"status": "ready", "source": "demo", "cache": "memory"}


def test_docs_and_openapi(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    spec = api.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/v1/leagues",
        "/v1/leagues/{slug}/games",
        "/v1/teams/{team}/games",
        "/v1/leagues/{slug}/standings",
        "/v1/teams",
        "/v1/teams/{team}",
        "/sports",
        "/health",
        "/ready",
    ):
        assert path in paths
    games = paths["/v1/leagues/{slug}/games"]["get"]["responses"]
    assert {"200", "304", "404", "502", "503", "504"} <= set(games)
    assert "application/problem+json" in games["404"]["content"]
    schemas = spec["components"]["schemas"]
    assert schemas["LeagueGames"]["examples"] and schemas["Problem"]["examples"]


def test_misconfigured_live_mode_is_not_ready(serve) -> None:
    server = serve(data_source="serpapi")
    with httpx.Client(base_url=server.url) as client:
        ready = assert_problem(client.get("/ready"), 503)
        assert "SERPAPI_API_KEY" in ready["detail"]
        assert assert_problem(client.get("/v1/leagues/nfl/games"), 503)["type"].endswith("misconfigured")
        assert client.get("/health").status_code == 200


def test_team_of_64_characters_is_accepted(api: httpx.Client) -> None:
    assert api.get(f"/v1/teams/{'x' * 64}/games").status_code == 404  # read, then not found
