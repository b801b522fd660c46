"""The kept SerpAPI answers (tests/captures/, written by `make captures`) still hold the contract.

Each fixture is a contract run's raw answer, the key scrubbed, with the
instant it was searched at and the zone it was read in: the normaliser reads
it at that instant, so the check never depends on today. A capture of a
drifted answer fails here until the normaliser reads its shape.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ops.contract import FIXTURES, write_fixture

from ops import OpsError
from sports_api.core.redact import MASK
from sports_api.sports.catalogue import get_league
from sports_api.sports.normalize import Reading
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream.contract import Verdict, check

CAPTURED = sorted(FIXTURES.glob("*.json"))


def _verdict(fixture: dict) -> Verdict:
    league = get_league(fixture["league"])
    assert league is not None, fixture["league"]
    searched_at = datetime.fromisoformat(fixture["searched_at"])
    assert searched_at.tzinfo is not None
    reading = Reading(searched_at, ZoneInfo(fixture["time_zone"]), TeamCatalogue.load(), league)
    return check(fixture["answer"], reading)


def test_there_are_captures() -> None:
    assert CAPTURED, f"no fixture in {FIXTURES}: `make captures` writes them"


@pytest.mark.parametrize("path", CAPTURED, ids=lambda p: p.stem)
def test_every_capture_holds_the_contract_at_its_own_instant(path: Path) -> None:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    assert path.stem.startswith(fixture["league"] + "-")
    assert "api_key=" not in json.dumps(fixture).replace(f"api_key={MASK}", "")
    verdict = _verdict(fixture)
    assert verdict.holds, verdict.problems


def _run(tmp_path: Path, answer: dict, **report: object) -> Path:
    run = tmp_path / "contract-answer"
    run.mkdir()
    base = {
        "league": "premier-league",
        "searched_at": "2026-11-23T01:00:00-05:00",
        "location": "New York, New York, United States",
        "time_zone": "America/New_York",
        "origin": "serpapi.com",
        "holds": True,
    }
    (run / "report.json").write_text(json.dumps({**base, **report}))
    (run / "answer.json").write_text(json.dumps(answer))
    return run


def test_a_contract_run_becomes_a_fixture_from_its_directory_or_its_zip(tmp_path: Path) -> None:
    answer = json.loads((CAPTURED[0]).read_text())["answer"]
    answer["search_parameters"] = {"q": "Premier League schedule", "api_key": "left-in-by-hand-0123"}
    run = _run(tmp_path, answer)
    path = write_fixture(run, tmp_path / "fixtures")
    assert path.name == "premier-league-20261123-0600.json"
    fixture = json.loads(path.read_text())
    assert fixture["searched_at"] == "2026-11-23T06:00:00Z"
    assert fixture["answer"]["search_parameters"]["api_key"] == MASK
    assert _verdict(fixture).holds
    # The build's artifact, as downloaded: a zip, the files anywhere inside.
    artifact = tmp_path / "answer.zip"
    with zipfile.ZipFile(artifact, "w") as archive:
        for name in ("report.json", "answer.json"):
            archive.write(run / name, f"contract-answer/{name}")
    again = write_fixture(artifact, tmp_path / "from-zip")
    assert json.loads(again.read_text()) == fixture


def test_a_drifted_capture_is_kept_and_fails_the_contract(tmp_path: Path) -> None:
    answer = json.loads((CAPTURED[0]).read_text())["answer"]
    answer["sports_results"]["fixtures"] = answer["sports_results"].pop("games")
    del answer["sports_results"]["game_spotlight"]
    path = write_fixture(_run(tmp_path, answer, holds=False), tmp_path / "fixtures")
    fixture = json.loads(path.read_text())
    assert fixture["holds_when_captured"] is False
    assert _verdict(fixture).problems[0].startswith("no games")


def test_a_run_without_an_answer_is_refused(tmp_path: Path) -> None:
    run = _run(tmp_path, {})
    (run / "answer.json").unlink()
    with pytest.raises(OpsError, match="no JSON answer"):
        write_fixture(run, tmp_path / "fixtures")
    with pytest.raises(OpsError, match="no such directory or zip"):
        write_fixture(tmp_path / "missing", tmp_path / "fixtures")
