"""What the service asks a source for, and what a source must offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sports_api.sports.catalogue import League, get_league
from sports_api.sports.names import fold
from sports_api.sports.teams import Team


@dataclass(frozen=True, slots=True)
class Lookup:
    """One question for the upstream: a league's games, its table, or a team's games."""

    kind: Literal["league", "standings", "team"]
    subject: str  # the league slug, the catalogue team id, or an unknown team's folded name
    query: str  # the SerpAPI `q`
    league: League | None = None  # the league asked for, or the team's own
    team: Team | None = None  # the catalogue team, when it is one

    @classmethod
    def for_league(cls, league: League) -> Lookup:
        return cls("league", league.slug, league.query, league)

    @classmethod
    def for_standings(cls, league: League) -> Lookup:
        return cls("standings", league.slug, f"{league.name} standings", league)

    @classmethod
    def for_team(cls, team: Team) -> Lookup:
        return cls("team", team.id, f"{team.name} schedule", get_league(team.league), team)

    @classmethod
    def for_unknown_team(cls, name: str) -> Lookup:
        """A name outside the catalogue: one key and one search however it is written."""
        folded = fold(name)
        return cls("team", f"?{folded}", f"{folded} schedule")

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"


class Source(Protocol):
    name: Literal["serpapi", "demo"]
    metered: bool  # whether a fetch spends the upstream budget

    async def fetch(self, lookup: Lookup, *, no_cache: bool = False) -> dict[str, Any]:
        """The raw SerpAPI-shaped payload; raises `UpstreamError` subclasses.

        `no_cache` asks for a fresh search rather than SerpAPI's hour-old
        cached answer: worth paying for only while a game is live.
        """
        ...
