"""`make contract` and `make captures`: one real search held to the service's contract, and its answer kept.

`make contract` is the pipeline's contract stage and its daily run
(buildspecs/contract.yml), with the SerpAPI key from Secrets Manager in
SERPAPI_API_KEY. It searches once for LEAGUE exactly as the service does: the
service's client (`SerpApiSource`) configured by the service's settings (key,
base URL, location, time zone, timeout), then its normaliser, held to
`sports_api.upstream.contract`. It writes CAPTURE/answer.json (the whole raw
answer, the key scrubbed) and CAPTURE/report.json, and exits 1 when the answer
no longer normalises or the search failed: the release stops there.

`make captures CAPTURE=<that directory, or the build's artifact zip>` turns
it into tests/captures/<league>-<when>.json, which tests/unit/test_captures.py
reads through the same check at the instant it was searched. A capture of a
drifted answer fails that test until the normaliser reads the new shape.

No line printed and no file kept holds the key: every text passes `redact`,
the answer `scrub`, and a file that would still hold it is not written.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import OpsError
from .settings import Settings

if TYPE_CHECKING:
    from sports_api.core.config import Settings as ServiceSettings
    from sports_api.upstream.contract import Verdict

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "captures"


class ContractBroken(OpsError):
    """The live answer no longer normalises, or could not be had."""


def contract(settings: Settings) -> int:
    from sports_api.core.config import Settings as ServiceSettings

    verdict = run_contract(ServiceSettings(), settings.league, Path(settings.capture), datetime.now(UTC))
    if not verdict.holds:
        raise ContractBroken(
            f"the live answer for {settings.league} breaks the contract ({len(verdict.problems)} problems, "
            f"listed above; the answer is in {settings.capture}/): `make captures` keeps it as a "
            "test fixture, to teach the normaliser its shape"
        )
    return 0


def run_contract(
    service: ServiceSettings,
    league_slug: str,
    out: Path,
    searched_at: datetime,
    say: Callable[[str], None] = print,
) -> Verdict:
    """One search for the league, checked and kept under `out`; `searched_at` is the instant it is read at."""
    import anyio

    from sports_api.core.errors import UpstreamError
    from sports_api.core.redact import redact
    from sports_api.sports.catalogue import get_league
    from sports_api.sports.normalize import Reading
    from sports_api.sports.teams import TeamCatalogue
    from sports_api.upstream.base import Lookup
    from sports_api.upstream.contract import Verdict, check
    from sports_api.upstream.serpapi import SerpApiSource

    league = get_league(league_slug)
    if league is None:
        raise OpsError(f"LEAGUE={league_slug}: not a catalogue league")
    if service.serpapi_api_key is None:
        raise OpsError("SERPAPI_API_KEY is not set: the contract check makes one real search")
    key = service.serpapi_api_key.get_secret_value()
    answers: list[bytes] = []
    source = SerpApiSource(
        key,
        str(service.serpapi_base_url),
        service.serpapi_timeout_seconds,
        service.serpapi_location,
        max_concurrency=1,
        on_answer=answers.append,
    )
    lookup = Lookup.for_league(league)
    say(f"contract: {league.slug} ({lookup.query!r}) at {searched_at.isoformat()}")
    try:
        payload = anyio.run(partial(source.fetch, lookup))
    except UpstreamError as exc:
        verdict = Verdict(0, None, [f"the search failed: {exc}"])
    else:
        verdict = check(payload, Reading(searched_at, service.zone, TeamCatalogue.load(), league))
    report = {
        "league": league.slug,
        "query": lookup.query,
        "searched_at": searched_at.isoformat(),
        "location": service.serpapi_location,
        "time_zone": service.serpapi_time_zone,
        "origin": urlsplit(str(service.serpapi_base_url)).hostname,
        "games": verdict.games,
        "table_rows": verdict.table_rows,
        "holds": verdict.holds,
        "problems": [redact(p, (key,)) for p in verdict.problems],
    }
    _keep(out, key, report, answers[0] if answers else None)
    table = "no table" if verdict.table_rows is None else f"a table of {verdict.table_rows} rows"
    say(f"  {verdict.games} games, {table}")
    for problem in report["problems"]:
        say(f"  broken: {problem}")
    say(f"  the answer is kept in {out}/ (`make captures CAPTURE={out}` makes it a test fixture)")
    say("  the contract holds" if verdict.holds else "  the contract is broken")
    return verdict


def _keep(out: Path, key: str, report: dict[str, Any], raw: bytes | None) -> None:
    """Write report.json and the scrubbed answer; refuse any file that would still hold the key."""
    from sports_api.core.redact import redact
    from sports_api.upstream.contract import scrub

    files = {"report.json": json.dumps(report, indent=2, ensure_ascii=False)}
    if raw is not None:
        try:
            answer = json.loads(raw)
        except ValueError:  # not JSON: kept as text, for the record
            files["answer.txt"] = redact(raw.decode("utf-8", "replace"), (key,))
        else:
            files["answer.json"] = json.dumps(scrub(answer, key), indent=1, ensure_ascii=False)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("report.json", "answer.json", "answer.txt"):
        (out / name).unlink(missing_ok=True)  # nothing of an earlier run stays beside this one
    for name, text in files.items():
        if key in text:
            raise OpsError(f"{name} would hold the SerpAPI key: not written")
        (out / name).write_text(text + "\n", encoding="utf-8")


# -- make captures ---------------------------------------------------------------------------------


def captures(settings: Settings) -> int:
    path = write_fixture(Path(settings.capture), FIXTURES)
    print(f"kept {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print("  tests/unit/test_captures.py reads it through the contract check at its own instant")
    return 0


def write_fixture(capture: Path, fixtures: Path) -> Path:
    """The contract run's answer and the instant it was read at, as one fixture file under `fixtures`."""
    from sports_api.upstream.contract import scrub

    report, answer = (json.loads(text) for text in _read_capture(capture))
    searched_at = datetime.fromisoformat(report["searched_at"]).astimezone(UTC)
    fixture = {
        "league": report["league"],
        "searched_at": searched_at.isoformat().replace("+00:00", "Z"),
        "location": report["location"],
        "time_zone": report["time_zone"],
        "origin": report.get("origin"),
        "holds_when_captured": report["holds"],
        # Scrubbed again, with no key to look for: key fields and `api_key=` in URLs.
        "answer": scrub(answer, ""),
    }
    fixtures.mkdir(parents=True, exist_ok=True)
    path = fixtures / f"{report['league']}-{searched_at:%Y%m%d-%H%M}.json"
    path.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _read_capture(capture: Path) -> tuple[str, str]:
    """report.json and answer.json from a directory or a zip (the build's artifact), wherever inside."""
    if capture.is_dir():
        files = {p.name: p.read_text(encoding="utf-8") for p in capture.rglob("*.json")}
    elif capture.is_file() and zipfile.is_zipfile(capture):
        with zipfile.ZipFile(capture) as archive:
            files = {
                Path(n).name: io.TextIOWrapper(archive.open(n), encoding="utf-8").read()
                for n in archive.namelist()
                if n.endswith(".json")
            }
    else:
        raise OpsError(f"CAPTURE={capture}: no such directory or zip (the contract build's artifact)")
    if "report.json" not in files:
        raise OpsError(f"{capture} holds no report.json: not a contract run's capture")
    if "answer.json" not in files:
        raise OpsError(f"{capture} holds no JSON answer (the search failed): nothing to keep")
    return files["report.json"], files["answer.json"]
