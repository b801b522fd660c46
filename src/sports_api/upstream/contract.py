"""What a live SerpAPI answer must still give the service: the contract a release is checked against.

Google's sports box changes shape every few months, and the normaliser is
built never to fail on a payload: a changed shape shows up quietly, as games
without times, statuses it cannot read, teams it no longer recognises. This
check makes that loud. An answer for a catalogue league, read by the
service's own normaliser, holds when:

- it has games, each with an id, no two alike;
- every status is one the service reads (from the fixed set, not `unknown`);
- every scheduled game has a `start_time`;
- both teams of every game of the league asked for are catalogue teams;
- a `league` block carries a table whose every row parses (a position, a
  team, and points or a won-lost record).

The pipeline's contract stage runs it on one real search per release and
daily (ops/contract.py); tests/unit/test_captures.py runs it on every kept
capture. `scrub` takes the key out of an answer before it is kept anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sports_api.core.redact import MASK, redact
from sports_api.sports.models import Document, Standing
from sports_api.sports.normalize import Reading, normalize

# Fields that hold a key in SerpAPI's answers (search_parameters) or in URLs' names.
_KEY_FIELDS = frozenset({"api_key", "serp_api_key", "apikey"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one answer gave, and every way it broke the contract (none: it holds)."""

    games: int
    table_rows: int | None  # None: the answer showed no table
    problems: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.problems


def check(payload: Mapping[str, Any], reading: Reading) -> Verdict:
    """The answer read as the service reads it, held to the contract; `reading.league` is the league asked."""
    if reading.league is None:
        raise ValueError("the contract is checked on a catalogue league's answer")
    document = normalize(payload, reading)
    problems = _games(document, reading.league.slug) + _table(payload, document)
    rows = None if document.standings is None else len(document.standings)
    return Verdict(len(document.games), rows, problems)


def _games(document: Document, league: str) -> list[str]:
    if not document.games:
        return ["no games: the answer has no sports box, or a shape the normaliser no longer reads"]
    problems = []
    ids = [game.id for game in document.games]
    if any(not game_id for game_id in ids) or len(set(ids)) != len(ids):
        problems.append(f"game ids missing or repeated: {ids}")
    for game in document.games:
        where = f"{game.id} ({' v '.join(t.name for t in game.teams)})"
        if game.status == "unknown":
            problems.append(f"{where}: status {game.status_text!r} is not one the service reads")
        if game.status == "scheduled" and game.start_time is None:
            problems.append(f"{where}: scheduled, but {game.date!r} {game.time!r} gives no start_time")
        if game.league == league:
            strangers = [t.name for t in game.teams if t.id is None]
            if len(game.teams) != 2 or strangers:
                problems.append(f"{where}: teams not in the catalogue: {strangers or 'fewer than two'}")
    return problems


def _table(payload: Mapping[str, Any], document: Document) -> list[str]:
    results = payload.get("sports_results")
    block = results.get("league") if isinstance(results, Mapping) else None
    if block is None:
        return []  # a games box without a table: nothing to hold it to
    rows = block.get("standings") if isinstance(block, Mapping) else None
    if not isinstance(rows, list) or not rows:
        return ["the box's `league` block holds no `standings` rows"]
    table = document.standings or []
    problems = []
    if len(table) != len(rows):
        problems.append(f"the table has {len(rows)} rows, of which {len(table)} name a team")
    problems += [f"table row {row.team.name!r} does not parse" for row in table if not _parses(row)]
    return problems


def _parses(row: Standing) -> bool:
    record = row.points is not None or (row.won is not None and row.lost is not None)
    return row.position is not None and record


def scrub(value: Any, secret: str) -> Any:
    """A copy of a parsed answer with the key gone: key fields masked, the key masked in every string."""
    if isinstance(value, Mapping):
        return {k: MASK if str(k).lower() in _KEY_FIELDS else scrub(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item, secret) for item in value]
    if isinstance(value, str):
        return redact(value, (secret,))
    return value
