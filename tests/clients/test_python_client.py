"""The generated Python client, used as a consumer would, against the service on loopback (demo data).

The client is generated here from the served /openapi.json with the pinned
openapi-python-client (its own venv: `make .tools/openapi-python-client/.installed`,
which `make test` runs through `make tools`), then imported and called. The
"Use it from code" block of the docs runs too, so what it shows stays true.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from sports_api.web.app import create_app
from tests.conftest import settings
from tests.servers import _APP_VARIABLES, ROOT, ThreadServer

TOOL_VENV = ROOT / ".tools" / "openapi-python-client"
PACKAGE = "sports_api_client"
# The docs' "Use it from code" page (docs/clients.md): the first python block after its title runs here.
README = ROOT / "docs" / "clients.md"
SECTION = "# Use it from code"

# The generated modules, one per operation id, by tag.
EXPECTED_MODULES = {
    "leagues": {
        "list_leagues",
        "get_league_games",
        "get_league_standings",
        "get_sports",
        "get_league_events",
    },
    "teams": {"list_teams", "get_team", "get_team_games", "get_team_events"},
    "health": {"get_health", "get_readiness"},
}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadServer]:
    with pytest.MonkeyPatch.context() as env:
        for name in _APP_VARIABLES:
            env.delenv(name, raising=False)
        running = ThreadServer(create_app(settings(data_source="demo"))).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def generated(server: ThreadServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tool = TOOL_VENV / "bin" / "openapi-python-client"
    if not tool.exists():
        reason = f"{tool.relative_to(ROOT)} is missing: make .tools/openapi-python-client/.installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (make test installs it through make tools)")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("client")
    document = out / "openapi.json"
    document.write_bytes(httpx.get(f"{server.url}/openapi.json", timeout=10).content)
    env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        # The generator's defaults, as anyone would run it: no config file.
        [tool, "generate", "--path", document, "--output-path", out / "python"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(out / "python"))
    importlib.invalidate_caches()
    yield out / "python"
    sys.path.remove(str(out / "python"))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def client(generated: Path, server: ThreadServer) -> Any:
    return module("client").AuthenticatedClient(
        base_url=server.url, token="test-gateway-key", auth_header_name="x-api-key", prefix=""
    )


def test_method_names_read_like_the_operation_ids(generated: Path) -> None:
    api = generated / PACKAGE / "api"
    found = {
        tag.name: {p.stem for p in tag.glob("*.py")} - {"__init__"} for tag in api.iterdir() if tag.is_dir()
    }
    # Routes added later appear as more modules; these must be there, under these names.
    for tag, names in EXPECTED_MODULES.items():
        assert names <= found.get(tag, set()), (tag, found)
    assert not [name for names in found.values() for name in names if re.search(r"_v1_|_get$", name)]


def test_list_leagues(client: Any) -> None:
    leagues = module("api.leagues.list_leagues").sync(client=client)
    models = module("models")
    assert all(isinstance(league, models.LeagueInfo) for league in leagues)
    assert {"nfl", "premier-league"} <= {league.slug for league in leagues}


def test_league_games_with_a_filter(client: Any) -> None:
    models = module("models")
    games = module("api.leagues.get_league_games")
    everything = games.sync("nfl", client=client)
    finals = games.sync("nfl", client=client, status="final")
    assert isinstance(finals, models.LeagueGames)
    assert finals.league == "nfl" and finals.source == "demo"
    assert finals.games, "the demo has final NFL games"
    assert {game.status for game in finals.games} == {"final"}
    assert len(finals.games) < len(everything.games), "the filter kept everything"
    assert all(isinstance(game.teams[0], models.Team) for game in finals.games)


def test_standings(client: Any) -> None:
    table = module("api.leagues.get_league_standings").sync("premier-league", client=client)
    assert isinstance(table, module("models").LeagueStandings)
    positions = [row.position for row in table.standings]
    assert positions and positions == sorted(positions)
    assert all(row.team.name and isinstance(row.points, int) for row in table.standings)


def test_a_team(client: Any) -> None:
    team = module("api.teams.get_team").sync("Man United", client=client)
    assert isinstance(team, module("models").TeamInfo)
    assert (team.id, team.league) == ("manchester-united", "premier-league")
    games = module("api.teams.get_team_games").sync(team.id, client=client)
    assert games.team.id == "manchester-united"


def test_errors_reach_the_caller_as_typed_problems(client: Any) -> None:
    problem_type = module("models").Problem
    games = module("api.leagues.get_league_games")
    missing = games.sync("xfl", client=client)
    assert isinstance(missing, problem_type)
    assert (missing.status, missing.type_) == (404, "urn:sports-api:problem:unknown-league")
    assert "xfl" in missing.detail
    detailed = games.sync_detailed("xfl", client=client)
    assert detailed.status_code == 404 and isinstance(detailed.parsed, problem_type)
    bad_filter = games.sync("nfl", client=client, status="done")
    assert isinstance(bad_filter, problem_type) and bad_filter.status == 422
    # An answer the operation does not list (404 on the team list) arrives through `default`.
    no_league = module("api.teams.list_teams").sync(client=client, league="xfl")
    assert isinstance(no_league, problem_type) and no_league.status == 404


def test_the_api_key_goes_in_the_x_api_key_header(generated: Path, server: ThreadServer) -> None:
    sent: list[httpx.Request] = []
    client = module("client").AuthenticatedClient(
        base_url=server.url,
        token="test-gateway-key",
        auth_header_name="x-api-key",
        prefix="",
        httpx_args={"event_hooks": {"request": [sent.append]}},
    )
    assert module("api.health.get_health").sync(client=client).status == "ok"
    assert sent and sent[0].headers["x-api-key"] == "test-gateway-key"
    assert "authorization" not in sent[0].headers


def _documented_block() -> str:
    section = README.read_text().split(SECTION, 1)
    assert len(section) == 2, f"no {SECTION!r} section in {README.relative_to(ROOT)}"
    found = re.search(r"```python\n(.*?)```", section[1], re.DOTALL)
    assert found, f"{README.relative_to(ROOT)}: no python block under {SECTION!r}"
    return found.group(1)


def test_the_documented_code_runs(generated: Path, server: ThreadServer, monkeypatch) -> None:
    code = _documented_block()
    monkeypatch.setenv("SPORTS_API_URL", server.url)
    monkeypatch.setenv("SPORTS_API_GATEWAY_KEY", "test-gateway-key")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(README), "exec"), {"__name__": "documented"})
    lines = printed.getvalue().splitlines()
    assert "'nfl'" in lines[0], lines
    assert any(line.startswith("final ") for line in lines), lines
    assert any(line.startswith("manchester-united premier-league") for line in lines), lines
    assert lines[-1].startswith("404 urn:sports-api:problem:unknown-league"), lines


def test_tz_is_a_zone_name_and_an_unknown_one_a_typed_problem(client: Any) -> None:
    games = module("api.leagues.get_league_games")
    models = module("models")
    in_tokyo = games.sync("nfl", client=client, tz="Asia/Tokyo", from_="2000-01-01")
    assert isinstance(in_tokyo, models.LeagueGames)
    unknown = games.sync("nfl", client=client, tz="Mars/Olympus_Mons")
    assert isinstance(unknown, models.Problem) and unknown.status == 422
    assert "Mars/Olympus_Mons" in unknown.detail and "IANA" in unknown.detail


def test_an_events_data_reads_into_its_generated_model(client: Any, server: ThreadServer) -> None:
    models = module("models")
    with httpx.stream("GET", f"{server.url}/v1/leagues/nfl/events", timeout=10) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in answer.iter_lines():
            if line == "" and any(part.startswith("event: snapshot") for part in lines):
                break
            lines.append(line)
    data = next(line.removeprefix("data: ") for line in lines if line.startswith("data: "))
    snapshot = models.LeagueGames.from_dict(json.loads(data))
    assert snapshot.league == "nfl" and snapshot.games
    change = models.GameChange.from_dict(
        {"game": json.loads(data)["games"][0], "changed": ["score"], "source": "league:nfl",
         "fetched_at": "2026-11-23T18:01:02.113+00:00"}
    )  # fmt: skip
    assert change.game.id == snapshot.games[0].id and change.changed[0] == "score"
