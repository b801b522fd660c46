"""`make contract` against the fake SerpAPI: a good answer holds, a drifted one fails, no key leaks.

The check runs the service's own client over real HTTP to the fake on
loopback, at a fixed instant. The fake serves the shipped payloads; a test
replaces the one for the league's query to serve a drifted answer, the way
tests/integration/test_results.py does.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ops.contract import run_contract

from ops import OpsError
from sports_api.core.config import Settings
from sports_api.sports.catalogue import get_league
from tests.conftest import FAKE_KEY, settings
from tests.fakes.serpapi import FakeSerpApi
from tests.servers import _APP_VARIABLES, ROOT

SEARCHED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # the shipped payloads' created_at
QUERY = get_league("premier-league").query.casefold()


def _service(fake: FakeSerpApi, **values: object) -> Settings:
    return settings(serpapi_api_key=FAKE_KEY, serpapi_base_url=fake.url, serpapi_timeout_seconds=5, **values)


def _files(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def _leaky_drift(fake: FakeSerpApi) -> dict:
    """The league's answer renamed out of the normaliser's reach, echoing the key wherever SerpAPI could."""
    answer = copy.deepcopy(fake._payloads[QUERY])
    results = answer.pop("sports_results")
    answer["sports_box"] = results
    answer["search_parameters"] = {**answer.get("search_parameters", {}), "api_key": FAKE_KEY}
    answer["search_metadata"]["json_endpoint"] = f"https://serpapi.com/search.json?q=x&api_key={FAKE_KEY}"
    answer["sports_results"] = {"games": [{"status": f"Ended {FAKE_KEY}", "teams": [{"name": FAKE_KEY}]}]}
    fake._payloads[QUERY] = answer
    return answer


def test_a_good_answer_holds_and_is_kept_as_it_came(fake_serpapi: FakeSerpApi, tmp_path: Path) -> None:
    out = tmp_path / "contract-answer"
    lines: list[str] = []
    verdict = run_contract(_service(fake_serpapi), "premier-league", out, SEARCHED, lines.append)
    assert verdict.holds, verdict.problems
    assert verdict.games == 4
    assert fake_serpapi.stats.queries == ["Premier League schedule"], "one search per run"
    assert fake_serpapi.stats.keys == {FAKE_KEY}
    files = _files(out)
    assert set(files) == {"report.json", "answer.json"}
    assert json.loads(files["answer.json"]) == fake_serpapi._payloads[QUERY], "the whole raw answer"
    report = json.loads(files["report.json"])
    assert report["holds"] is True and report["problems"] == []
    assert report["searched_at"] == "2026-11-23T06:00:00+00:00"
    assert (report["league"], report["origin"], report["time_zone"]) == (
        "premier-league",
        "127.0.0.1",
        "America/New_York",
    )
    assert lines[-1] == "  the contract holds"


def test_a_drifted_answer_fails_and_says_how(fake_serpapi: FakeSerpApi, tmp_path: Path) -> None:
    answer = copy.deepcopy(fake_serpapi._payloads[QUERY])
    spotlight = answer["sports_results"]["game_spotlight"]
    spotlight["status"] = answer["sports_results"]["games"][0]["status"] = "Result confirmed"
    answer["sports_results"]["games"][1]["teams"][0]["name"] = "Liverpool Reserves XI"
    answer["sports_results"]["league"] = {"table": []}
    fake_serpapi._payloads[QUERY] = answer
    out = tmp_path / "contract-answer"
    verdict = run_contract(_service(fake_serpapi), "premier-league", out, SEARCHED, lambda _: None)
    assert not verdict.holds
    problems = "\n".join(verdict.problems)
    assert "status 'Result confirmed' is not one the service reads" in problems
    assert "teams not in the catalogue: ['Liverpool Reserves XI']" in problems
    assert "the box's `league` block holds no `standings` rows" in problems
    report = json.loads(_files(out)["report.json"])
    assert report["holds"] is False and report["problems"] == verdict.problems
    assert json.loads(_files(out)["answer.json"]) == answer, "the drifted answer is kept, to be captured"


@pytest.mark.parametrize(
    ("mode", "status", "kept"), [("status", 401, set()), ("malformed", 200, {"answer.txt"})]
)
def test_a_failed_search_fails_the_check(
    fake_serpapi: FakeSerpApi, tmp_path: Path, mode: str, status: int, kept: set[str]
) -> None:
    fake_serpapi.set(mode=mode, status=status)
    out = tmp_path / "contract-answer"
    verdict = run_contract(_service(fake_serpapi), "premier-league", out, SEARCHED, lambda _: None)
    assert not verdict.holds and verdict.games == 0
    assert verdict.problems[0].startswith("the search failed: SerpAPI")
    assert set(_files(out)) == {"report.json", *kept}


def test_the_key_appears_in_no_output_and_no_kept_file(
    fake_serpapi: FakeSerpApi, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    served = _leaky_drift(fake_serpapi)
    assert FAKE_KEY in json.dumps(served)
    out = tmp_path / "contract-answer"
    verdict = run_contract(_service(fake_serpapi), "premier-league", out, SEARCHED)
    assert not verdict.holds
    printed = capfd.readouterr()
    assert "Ended ***" in printed.out, "the problems are printed, redacted"
    files = _files(out)
    assert set(files) == {"report.json", "answer.json"}
    for where, text in {"stdout": printed.out, "stderr": printed.err, **files}.items():
        assert FAKE_KEY not in text, where
    kept = json.loads(files["answer.json"])
    assert kept["search_parameters"]["api_key"] == "***"
    assert kept["search_metadata"]["json_endpoint"].endswith("api_key=***")


def test_the_command_fails_a_drifted_answer_and_prints_no_key(
    fake_serpapi: FakeSerpApi, tmp_path: Path
) -> None:
    """`python -m ops contract` as the buildspec's `make contract` runs it, in its own process."""
    _leaky_drift(fake_serpapi)
    out = tmp_path / "contract-answer"
    env = {k: v for k, v in os.environ.items() if k not in _APP_VARIABLES and not k.startswith("OPS_")}
    env |= {
        "SERPAPI_API_KEY": FAKE_KEY,
        "SERPAPI_BASE_URL": fake_serpapi.url,
        "OPS_LEAGUE": "premier-league",
        "OPS_CAPTURE": str(out),
    }
    run = subprocess.run(
        [sys.executable, "-m", "ops", "contract"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "breaks the contract" in run.stderr and "make captures" in run.stderr
    for where, text in {"stdout": run.stdout, "stderr": run.stderr, **_files(out)}.items():
        assert FAKE_KEY not in text, where


def test_without_a_key_or_a_catalogue_league_nothing_is_searched(
    fake_serpapi: FakeSerpApi, tmp_path: Path
) -> None:
    with pytest.raises(OpsError, match="SERPAPI_API_KEY is not set"):
        run_contract(settings(serpapi_base_url=fake_serpapi.url), "premier-league", tmp_path, SEARCHED)
    with pytest.raises(OpsError, match="not a catalogue league"):
        run_contract(_service(fake_serpapi), "premiership", tmp_path, SEARCHED)
    assert fake_serpapi.calls == 0
