"""The team catalogue: its data, lookup, ambiguity across leagues, and the names Google prints."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from sports_api.sports.names import fold
from sports_api.sports.teams import CatalogueError, Team, TeamCatalogue

SRC = Path(__file__).resolve().parents[2] / "src" / "sports_api"

LEAGUE_SIZES = {
    "nfl": 32,
    "nba": 30,
    "mlb": 30,
    "nhl": 32,
    "mls": 30,
    "premier-league": 20,
    "serie-a": 20,
    "la-liga": 20,
    "bundesliga": 18,
    "ligue-1": 18,
}
US_LEAGUES = ("nfl", "nba", "mlb", "nhl")


@pytest.fixture(scope="module")
def catalogue() -> TeamCatalogue:
    return TeamCatalogue.load()


# --- the shipped data ----------------------------------------------------------------------------


def test_knows_exactly_the_service_leagues(catalogue: TeamCatalogue) -> None:
    assert set(catalogue.leagues) == {*LEAGUE_SIZES, "champions-league"}


@pytest.mark.parametrize(("league", "size"), LEAGUE_SIZES.items())
def test_each_league_has_its_full_line_up(catalogue: TeamCatalogue, league: str, size: int) -> None:
    primary = [team for team in catalogue if team.league == league]
    assert len(primary) == size
    listed = catalogue.in_league(league)
    assert set(listed) == set(primary)
    assert [fold(team.name) for team in listed] == sorted(fold(team.name) for team in primary)


def test_champions_league_lists_its_36_league_phase_clubs(catalogue: TeamCatalogue) -> None:
    clubs = catalogue.in_league("champions-league")
    assert len(clubs) == 36
    ids = {team.id for team in clubs}
    assert {
        "real-madrid",
        "inter",
        "paris-saint-germain",
        "manchester-city",
        "benfica",
        "psv-eindhoven",
    } <= ids
    assert "manchester-united" not in ids  # in the Premier League, not in this Champions League
    # Clubs from leagues outside the catalogue are listed under the competition itself.
    assert catalogue.get("benfica").league == "champions-league"  # type: ignore[union-attr]
    assert catalogue.get("inter").league == "serie-a"  # type: ignore[union-attr]


def test_total_is_the_sum_of_the_leagues(catalogue: TeamCatalogue) -> None:
    outside = [team for team in catalogue if team.league == "champions-league"]
    assert len(catalogue) == sum(LEAGUE_SIZES.values()) + len(outside) == len(list(catalogue))


def test_in_league_is_sorted_by_name_ignoring_accents_and_case(catalogue: TeamCatalogue) -> None:
    names = [team.name for team in catalogue.in_league("la-liga")]
    assert names[0] == "Alavés"
    assert names.index("Athletic Club") < names.index("Atlético Madrid") < names.index("Barcelona")


def test_us_teams_carry_the_nickname_google_prints(catalogue: TeamCatalogue) -> None:
    for league in US_LEAGUES:
        for team in catalogue.in_league(league):
            assert team.short, team.id
            assert team.name.endswith(team.short), team.id


def test_every_name_a_team_answers_to_finds_it_in_its_own_league(catalogue: TeamCatalogue) -> None:
    for team in catalogue:
        for name in team.names():
            assert catalogue.match_game_team(name, team.league) == team, (team.id, name)
            assert team in catalogue.lookup(name)


def test_ids_are_unique_slugs_and_get_finds_them(catalogue: TeamCatalogue) -> None:
    ids = [team.id for team in catalogue]
    assert len(ids) == len(set(ids))
    manchester = catalogue.get("manchester-united")
    assert manchester is not None and manchester.name == "Manchester United"
    assert catalogue.get("Manchester-United") == manchester
    assert catalogue.get("man-utd") is None


def test_teams_are_immutable(catalogue: TeamCatalogue) -> None:
    team = next(iter(catalogue))
    with pytest.raises(dataclasses.FrozenInstanceError):
        team.name = "Renamed"  # type: ignore[misc]
    catalogue.lookup(team.name).clear()
    assert catalogue.lookup(team.name) == [team]


# --- lookup and resolve --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "team_id"),
    [
        ("Manchester United", "manchester-united"),
        ("Man United", "manchester-united"),
        ("man utd", "manchester-united"),
        ("\uff2d\uff21\uff2e\u3000\uff35\uff2e\uff29\uff34\uff25\uff24", "manchester-united"),
        ("Man\u200bchester\u00ad United", "manchester-united"),
        ("manchester-united", "manchester-united"),
        ("Atletico Madrid", "atletico-madrid"),
        ("ATLE\u0301TICO  madrid", "atletico-madrid"),
        ("Atleti", "atletico-madrid"),
        ("Koln", "koln"),
        ("FC Koeln", "koln"),
        ("Borussia M\u2019gladbach", "borussia-monchengladbach"),
        ("Brighton and Hove Albion", "brighton-hove-albion"),
        ("Paris Saint Germain", "paris-saint-germain"),
        ("PSG", "paris-saint-germain"),
        ("Bodo/Glimt", "bodo-glimt"),
        ("FC Barcelona", "barcelona"),
        ("Kansas City Chiefs", "kansas-city-chiefs"),
        ("KC Chiefs", "kansas-city-chiefs"),
        ("Chiefs", "kansas-city-chiefs"),
        ("LAL", "los-angeles-lakers"),
        ("St Louis Blues", "st-louis-blues"),
        ("DC United", "dc-united"),
        ("Montreal Canadiens", "montreal-canadiens"),
        ("Utah Hockey Club", "utah-mammoth"),
        ("Oakland Athletics", "athletics"),
    ],
)
def test_resolve_reads_aliases_case_accents_and_unicode_forms(
    catalogue: TeamCatalogue, written: str, team_id: str
) -> None:
    team = catalogue.resolve(written)
    assert team is not None, written
    assert team.id == team_id


@pytest.mark.parametrize("unknown", ["Springfield Isotopes", "a", "", "   ", "\u200b", "Manchester"])
def test_unknown_names_are_not_guessed(catalogue: TeamCatalogue, unknown: str) -> None:
    assert catalogue.lookup(unknown) == []
    assert catalogue.resolve(unknown) is None
    assert catalogue.match_game_team(unknown, "premier-league") is None


AMBIGUOUS = {
    "Giants": {"nfl": "new-york-giants", "mlb": "san-francisco-giants"},
    "Rangers": {"mlb": "texas-rangers", "nhl": "new-york-rangers"},
    "Cardinals": {"nfl": "arizona-cardinals", "mlb": "st-louis-cardinals"},
    "Kings": {"nba": "sacramento-kings", "nhl": "los-angeles-kings"},
    "Panthers": {"nfl": "carolina-panthers", "nhl": "florida-panthers"},
    "Jets": {"nfl": "new-york-jets", "nhl": "winnipeg-jets"},
    "Wolves": {"nba": "minnesota-timberwolves", "premier-league": "wolverhampton-wanderers"},
    "Spurs": {"nba": "san-antonio-spurs", "premier-league": "tottenham-hotspur"},
    "KC": {"nfl": "kansas-city-chiefs", "mlb": "kansas-city-royals"},
}


@pytest.mark.parametrize(("printed", "by_league"), AMBIGUOUS.items())
def test_a_name_shared_across_leagues_is_ambiguous(
    catalogue: TeamCatalogue, printed: str, by_league: dict[str, str]
) -> None:
    assert {team.id for team in catalogue.lookup(printed)} == set(by_league.values())
    assert catalogue.resolve(printed) is None
    assert catalogue.match_game_team(printed, None) is None
    for league, team_id in by_league.items():
        team = catalogue.match_game_team(printed, league)
        assert team is not None and team.id == team_id, (printed, league)
        assert catalogue.match_game_team(printed.upper(), league) == team


def test_an_ambiguous_name_in_a_league_neither_team_plays_is_unsure(catalogue: TeamCatalogue) -> None:
    assert catalogue.match_game_team("Giants", "nba") is None
    assert catalogue.match_game_team("Jets", "mlb") is None


# --- match_game_team -----------------------------------------------------------------------------


def test_a_unique_name_from_another_competition_of_the_same_sport_is_accepted(
    catalogue: TeamCatalogue,
) -> None:
    # A Premier League club's schedule also lists its Champions League games.
    inter = catalogue.match_game_team("Inter", "premier-league")
    assert inter is not None and inter.id == "inter"
    assert catalogue.match_game_team("Benfica", "la-liga") == catalogue.get("benfica")


def test_a_team_of_another_sport_is_never_matched(catalogue: TeamCatalogue) -> None:
    assert catalogue.match_game_team("Inter", "nfl") is None
    assert catalogue.match_game_team("Chiefs", "premier-league") is None
    assert catalogue.match_game_team("Arsenal", "nba") is None


def test_an_unknown_league_is_an_error_not_a_silent_miss(catalogue: TeamCatalogue) -> None:
    with pytest.raises(ValueError, match="unknown league"):
        catalogue.in_league("premiership")
    with pytest.raises(ValueError, match="unknown league"):
        catalogue.match_game_team("Arsenal", "epl")


def _payload_dir() -> Path:
    """Where the shipped demo payloads live (the package layout is being regrouped)."""
    found = sorted(path.parent for path in SRC.rglob("premier-league.json"))
    assert len(found) == 1, found
    return found[0]


def _printed_team_names(node: object) -> list[str]:
    """Every `teams[].name` in a SerpAPI payload, wherever the block sits."""
    names: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "teams" and isinstance(value, list):
                names += [team["name"] for team in value if isinstance(team, dict) and "name" in team]
            names += _printed_team_names(value)
    elif isinstance(node, list):
        for item in node:
            names += _printed_team_names(item)
    return names


def test_every_team_printed_in_the_demo_payloads_is_recognised(catalogue: TeamCatalogue) -> None:
    payloads = sorted(_payload_dir().glob("*.json"))
    assert {path.stem for path in payloads} == set(catalogue.leagues)
    misses = []
    for path in payloads:
        printed = _printed_team_names(json.loads(path.read_text(encoding="utf-8")))
        assert printed, path.name
        misses += [
            (path.stem, name) for name in printed if catalogue.match_game_team(name, path.stem) is None
        ]
    assert misses == []


@pytest.mark.parametrize(
    ("printed", "league", "team_id"),
    [
        ("Man United", "premier-league", "manchester-united"),
        ("LOSC", "ligue-1", "lille"),
        ("Partizan", "premier-league", None),  # a Europa opponent outside the catalogue
        ("Aston Villa", "premier-league", "aston-villa"),
        ("Atlético Madrid", "la-liga", "atletico-madrid"),
        ("Inter Miami CF", "mls", "inter-miami"),
        ("Golden Knights", "nhl", "vegas-golden-knights"),
    ],
)
def test_names_from_the_upstream_reference(
    catalogue: TeamCatalogue, printed: str, league: str, team_id: str | None
) -> None:
    team = catalogue.match_game_team(printed, league)
    assert (team.id if team else None) == team_id


# --- validation ----------------------------------------------------------------------------------


def _team(team_id: str, league: str = "nfl", *aliases: str, name: str | None = None) -> Team:
    return Team(id=team_id, name=name or team_id.replace("-", " ").title(), league=league, aliases=aliases)


SPORTS = {
    "nfl": "american-football",
    "mlb": "baseball",
    "premier-league": "soccer",
    "champions-league": "soccer",
}


def test_a_valid_small_catalogue_loads() -> None:
    catalogue = TeamCatalogue([_team("a-one", "nfl", "Ones"), _team("b-one", "mlb", "Ones")], SPORTS)
    assert len(catalogue) == 2
    assert len(catalogue.lookup("ones")) == 2  # shared across leagues is allowed


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(CatalogueError, match="'a-one': duplicate id"):
        TeamCatalogue([_team("a-one"), _team("a-one", "mlb")], SPORTS)


def test_unknown_leagues_are_rejected() -> None:
    with pytest.raises(CatalogueError, match="unknown league 'xfl'"):
        TeamCatalogue([_team("a-one", "xfl")], SPORTS)
    club = dataclasses.replace(_team("club", "premier-league"), competitions=("europa-league",))
    with pytest.raises(CatalogueError, match="unknown league 'europa-league'"):
        TeamCatalogue([club], SPORTS)


def test_an_alias_shared_within_one_league_is_rejected() -> None:
    with pytest.raises(CatalogueError, match="nfl: 'ones' names both 'a-one' and 'b-one'"):
        TeamCatalogue([_team("a-one", "nfl", "Ones"), _team("b-one", "nfl", "ONES")], SPORTS)
    # Spellings that fold to one key are the same alias.
    with pytest.raises(CatalogueError, match="names both"):
        TeamCatalogue([_team("a-one", "nfl", "Café"), _team("b-one", "nfl", "Cafe\u0301")], SPORTS)


def test_a_name_shared_within_a_competition_listing_is_rejected() -> None:
    home = dataclasses.replace(_team("home", "premier-league", "United"), competitions=("champions-league",))
    away = _team("away", "champions-league", "United")
    with pytest.raises(CatalogueError, match="champions-league: 'united' names both"):
        TeamCatalogue([home, away], SPORTS)


def test_bad_ids_and_empty_names_are_rejected() -> None:
    with pytest.raises(CatalogueError, match="not a lower-case slug"):
        TeamCatalogue([_team("Bad Id")], SPORTS)
    with pytest.raises(CatalogueError, match="empty name"):
        TeamCatalogue([_team("a-one", "nfl", "\u200b")], SPORTS)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(CatalogueError) as caught:
        TeamCatalogue([_team("a-one", "xfl"), _team("a-one", "nfl")], SPORTS)
    assert "duplicate id" in str(caught.value) and "unknown league" in str(caught.value)


def test_the_shipped_file_passes_the_same_checks() -> None:
    text = (SRC / "sports" / "teams.json").read_text(encoding="utf-8")
    assert len(TeamCatalogue.from_json(text)) == len(TeamCatalogue.load())
    broken = json.loads(text)
    broken["teams"].append(dict(broken["teams"][0], id="copy"))
    with pytest.raises(CatalogueError, match="names both"):
        TeamCatalogue.from_json(json.dumps(broken))


def test_malformed_data_is_a_catalogue_error() -> None:
    with pytest.raises(CatalogueError, match="malformed"):
        TeamCatalogue.from_json('{"leagues": {"nfl": {}}, "teams": []}')
    with pytest.raises(CatalogueError, match="malformed"):
        TeamCatalogue.from_json('{"leagues": {"nfl": {"sport": "x"}}, "teams": [{"id": "a"}]}')
