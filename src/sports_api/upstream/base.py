"""What the games service asks a source for, and what a source must offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sports_api.sports.catalogue import League


@dataclass(frozen=True, slots=True)
class Lookup:
    """One question for the upstream: a league's games or a team's games."""

    kind: Literal["league", "team"]
    subject: str  # the league slug, or the team as the client wrote it
    query: str  # the SerpAPI `q`
    league: League | None = None

    @classmethod
    def for_league(cls, league: League) -> Lookup:
        return cls("league", league.slug, league.query, league)

    @classmethod
    def for_team(cls, team: str) -> Lookup:
        return cls("team", team, f"{team} schedule")

    @property
    def key(self) -> str:
        """Cache key: case and spacing of a team name do not make a new search."""
        return f"{self.kind}:{' '.join(self.subject.casefold().split())}"


class Source(Protocol):
    name: Literal["serpapi", "demo"]
    metered: bool  # whether a fetch spends the upstream budget

    async def fetch(self, lookup: Lookup) -> dict[str, Any]:
        """The raw SerpAPI-shaped payload; raises `UpstreamError` subclasses."""
        ...
