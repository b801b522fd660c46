"""The league catalogue: what can be asked for, and how to ask SerpAPI for it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TeamOrder(StrEnum):
    """How Google's sports box orders a game's two teams."""

    HOME_FIRST = "home_first"  # soccer
    AWAY_FIRST = "away_first"  # US sports: "Away @ Home"


@dataclass(frozen=True, slots=True)
class League:
    slug: str
    name: str
    sport: str
    query: str
    order: TeamOrder
    # Competition names Google prints for this league, lower-cased; used to
    # recognise a game's league when a team query mixes competitions.
    aliases: tuple[str, ...] = ()
    # What Google's table of this league is grouped by: a catalogue team's "division" or
    # "conference" (NFL divisions, NBA and NHL conferences); None for one table.
    table_groups: str | None = None


def _soccer(slug: str, name: str, *aliases: str, groups: str | None = None) -> League:
    return League(slug, name, "soccer", f"{name} schedule", TeamOrder.HOME_FIRST, aliases, groups)


def _us(slug: str, name: str, sport: str, *aliases: str, groups: str) -> League:
    return League(slug, name, sport, f"{name} schedule", TeamOrder.AWAY_FIRST, aliases, groups)


LEAGUES: tuple[League, ...] = (
    _us("nfl", "NFL", "american-football", "national football league", groups="division"),
    _us("nba", "NBA", "basketball", "national basketball association", groups="conference"),
    _us("mlb", "MLB", "baseball", "major league baseball", groups="division"),
    _us("nhl", "NHL", "ice-hockey", "national hockey league", groups="conference"),
    _soccer("mls", "MLS", "major league soccer", groups="conference"),
    _soccer("premier-league", "Premier League", "english premier league", "epl"),
    _soccer("serie-a", "Serie A", "serie a tim", "serie a enilive"),
    _soccer("la-liga", "La Liga", "laliga", "laliga ea sports"),
    _soccer("bundesliga", "Bundesliga"),
    _soccer("ligue-1", "Ligue 1", "ligue 1 mcdonald's", "ligue 1 uber eats"),
    _soccer("champions-league", "Champions League", "uefa champions league"),
)

_BY_SLUG = {league.slug: league for league in LEAGUES}
_BY_COMPETITION = {
    alias: league
    for league in LEAGUES
    for alias in (league.name.lower(), league.slug.replace("-", " "), *league.aliases)
}


def get_league(slug: str) -> League | None:
    return _BY_SLUG.get(slug.lower())


def league_for_competition(competition: str | None) -> League | None:
    """The catalogue league Google means by a competition name, if it is one we know."""
    if not competition:
        return None
    return _BY_COMPETITION.get(competition.strip().lower())
