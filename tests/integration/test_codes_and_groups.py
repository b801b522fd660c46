"""Official codes and grouped tables, over real HTTP in demo mode (issue 22)."""

from __future__ import annotations

import re

import httpx
import pytest

from sports_api.sports.teams import TeamCatalogue

TEAMS = TeamCatalogue.load()


@pytest.fixture
def web(serve) -> httpx.Client:
    server = serve()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_the_team_api_gives_the_official_code(web: httpx.Client) -> None:
    assert web.get("/v1/teams/Chiefs").json()["abbreviation"] == "KC"
    assert web.get("/v1/teams/Man Utd").json()["abbreviation"] == "MUN"
    listing = web.get("/v1/teams", params={"league": "nhl"}).json()
    assert {t["id"]: t["abbreviation"] for t in listing}["new-york-rangers"] == "NYR"


def test_badges_without_logos_show_the_codes(web: httpx.Client) -> None:
    # Demo data loads no logo: every badge is text, and every text is a catalogue team's code.
    for league in ("nfl", "premier-league"):
        page = web.get("/", params={"league": league}).text
        badges = re.findall(r'<span class="logo logo-text hue-\d+" aria-hidden="true">([^<]+)</span>', page)
        codes = {team.abbreviation for team in TEAMS.in_league(league)}
        assert badges and set(badges) <= codes, (league, set(badges) - codes)


def test_grouped_tables_come_group_by_group(web: httpx.Client) -> None:
    rows = web.get("/v1/leagues/nfl/standings").json()["standings"]
    divisions = list(dict.fromkeys(row["group"] for row in rows))
    assert divisions == [f"{c} {d}" for c in ("AFC", "NFC") for d in ("East", "North", "South", "West")]
    assert all(row["tied"] is not None and row["win_percentage"] is not None for row in rows)
    page = web.get("/", params={"league": "nfl"}).text
    assert page.count('<tr class="group-row">') == 8 and ">AFC East</th>" in page
    nhl = web.get("/v1/leagues/nhl/standings").json()["standings"]
    assert {row["group"] for row in nhl} == {"Eastern Conference", "Western Conference"}
    assert all(row["points"] == 2 * row["won"] + row["overtime_losses"] for row in nhl)
    assert ">OTL</abbr>" in web.get("/", params={"league": "nhl"}).text
