"""The offline source: SerpAPI payloads shipped with the app, one per league.

They take the same path as live data (normaliser, cache, headers), so
`make run` without a key shows exactly what the service does.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson

from sports_api.sports.catalogue import LEAGUES
from sports_api.upstream.base import Lookup

NO_RESULTS = {"error": "Google hasn't returned any results for this query."}


class DemoSource:
    name = "demo"
    metered = False

    def __init__(self) -> None:
        folder = resources.files("sports_api.upstream") / "payloads"
        self._payloads: dict[str, dict[str, Any]] = {
            league.slug: orjson.loads((folder / f"{league.slug}.json").read_bytes()) for league in LEAGUES
        }

    async def fetch(self, lookup: Lookup) -> dict[str, Any]:
        if lookup.kind == "league":
            return self._payloads.get(lookup.subject, NO_RESULTS)
        return self._team(lookup.subject)

    def _team(self, team: str) -> dict[str, Any]:
        """A team's games gathered from every league, as Google's team box would list them."""
        wanted = team.casefold()
        spotlight, games = None, []
        for payload in self._payloads.values():
            results = payload.get("sports_results", {})
            if spotlight is None and _plays(results.get("game_spotlight"), wanted):
                spotlight = results["game_spotlight"]
            games.extend(g for g in results.get("games", []) if _plays(g, wanted))
        if spotlight is None and not games:
            return dict(NO_RESULTS)
        results: dict[str, Any] = {"title": team, "games": games}
        if spotlight is not None:
            results["game_spotlight"] = spotlight
        return {"search_metadata": {"status": "Success"}, "sports_results": results}


def _plays(game: Any, wanted: str) -> bool:
    if not isinstance(game, dict):
        return False
    return any(wanted in str(team.get("name", "")).casefold() for team in game.get("teams", []))
