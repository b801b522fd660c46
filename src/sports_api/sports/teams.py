"""The team catalogue: which teams exist, what they are called, and how to recognise them.

Google's sports box prints short names ("Chiefs", "Man United", "LOSC") while
clients write full ones ("Manchester United", "atletico madrid"). Both must
reach one canonical team, so that a team route has one cache key and one
search, and names outside the catalogue can be told apart from known ones
(issue 11 caps searches for unknown names). The data is `teams.json`, beside
this module; it is checked when loaded, so a bad edit fails at start-up and in
the tests, not on a request.

Names are matched by `names.team_key`. A name several teams answer to
("Giants", "Rangers", "Kings") is ambiguous: `lookup` returns all of them,
`resolve` none, and `match_game_team` decides by the game's league.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from .names import fold, team_key

_DATA = "teams.json"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ABBREVIATION = re.compile(r"^[A-Z][A-Z0-9]{1,3}$")  # "GB", "NYY", "B04", "LAFC"


class CatalogueError(ValueError):
    """The team data contradicts itself; the message lists every problem found."""


@dataclass(frozen=True, slots=True)
class Team:
    id: str  # stable slug, e.g. "manchester-united"
    name: str  # canonical name, e.g. "Manchester United"
    league: str  # primary catalogue league; "champions-league" for clubs whose own league is not listed
    aliases: tuple[str, ...]  # other names people and Google use: "Man United", "Man Utd", "MUFC"
    short: str | None = None  # what Google's box usually prints, when known ("Man United", "Chiefs")
    competitions: tuple[str, ...] = ()  # other catalogue competitions this season, e.g. ("champions-league",)
    # The league's official code ("KC", "NYR", "MUN"): what a badge shows when there is no logo.
    abbreviation: str | None = None
    # Where it is ranked: US leagues and MLS group tables by these ("AFC East", "Eastern Conference").
    conference: str | None = None
    division: str | None = None

    def names(self) -> tuple[str, ...]:
        """Every written form this team answers to: canonical name, short name, aliases and id."""
        return (self.name, *((self.short,) if self.short else ()), *self.aliases, self.id)

    def plays_in(self, league: str) -> bool:
        return self.league == league or league in self.competitions


class TeamCatalogue:
    """An immutable, validated set of teams with name lookup."""

    def __init__(self, teams: Iterable[Team], sports: dict[str, str] | None = None) -> None:
        """`sports` maps each known league slug to its sport; by default the leagues the teams name.

        Without it every league slug a team names is accepted and all are taken
        to be one sport, which is enough for tests of lookup.
        """
        self._teams = tuple(teams)
        if sports is None:
            sports = {slug: "" for team in self._teams for slug in (team.league, *team.competitions)}
        self._sports = dict(sports)
        _validate(self._teams, self._sports)
        self._by_id = {team.id: team for team in self._teams}
        self._by_key: dict[str, list[Team]] = {}
        for team in self._teams:
            for key in dict.fromkeys(team_key(name) for name in team.names()):
                self._by_key.setdefault(key, []).append(team)

    @classmethod
    def load(cls) -> TeamCatalogue:
        """The shipped catalogue, read and validated once per process."""
        return _shipped()

    @classmethod
    def from_json(cls, text: str) -> TeamCatalogue:
        """A catalogue from text shaped like `teams.json`; malformed rows are a CatalogueError."""
        data = json.loads(text)
        try:
            sports = {slug: league["sport"] for slug, league in data["leagues"].items()}
            teams = [
                Team(
                    id=row["id"],
                    name=row["name"],
                    league=row["league"],
                    aliases=tuple(row.get("aliases", ())),
                    short=row.get("short"),
                    competitions=tuple(row.get("competitions", ())),
                    abbreviation=row.get("abbreviation"),
                    conference=row.get("conference"),
                    division=row.get("division"),
                )
                for row in data["teams"]
            ]
        except (KeyError, TypeError, AttributeError) as error:
            raise CatalogueError(f"team catalogue: malformed data ({error!r})") from error
        return cls(teams, sports)

    @property
    def leagues(self) -> tuple[str, ...]:
        return tuple(self._sports)

    def lookup(self, name: str) -> list[Team]:
        """Every team answering to `name`: [] unknown, [one] resolved, [several] ambiguous."""
        return list(self._by_key.get(team_key(name), ()))

    def resolve(self, name: str) -> Team | None:
        """The one team answering to `name`; None when unknown or ambiguous."""
        found = self.lookup(name)
        return found[0] if len(found) == 1 else None

    def get(self, team_id: str) -> Team | None:
        return self._by_id.get(fold(team_id))

    def in_league(self, league: str) -> list[Team]:
        """The league's teams sorted by name; for champions-league, the clubs in its league phase."""
        self._check_league(league)
        return sorted((team for team in self._teams if team.plays_in(league)), key=lambda t: fold(t.name))

    def match_game_team(self, printed: str, league: str | None) -> Team | None:
        """The team a game's box means by `printed`, or None when unsure.

        A unique match is taken unless the game's league belongs to another
        sport (an NFL box never shows a soccer club). When several teams answer
        to the name, the one playing in `league` wins; a game in a team's
        schedule may come from another competition (a cup, Europe), so a
        unique match of the same sport outside `league` is still accepted.
        """
        found = self.lookup(printed)
        if league is None:
            return found[0] if len(found) == 1 else None
        self._check_league(league)
        inside = [team for team in found if team.plays_in(league)]
        if inside:
            return inside[0] if len(inside) == 1 else None
        sport = self._sports[league]
        same_sport = [team for team in found if self._sports[team.league] == sport]
        return same_sport[0] if len(same_sport) == 1 else None

    def _check_league(self, league: str) -> None:
        if league not in self._sports:
            raise ValueError(f"unknown league {league!r}; known: {', '.join(self._sports)}")

    def __iter__(self) -> Iterator[Team]:
        return iter(self._teams)

    def __len__(self) -> int:
        return len(self._teams)


def _validate(teams: tuple[Team, ...], sports: dict[str, str]) -> None:
    """Collect every problem, so one run of the tests shows them all."""
    problems: list[str] = []
    seen_ids: set[str] = set()
    for team in teams:
        if not _SLUG.match(team.id):
            problems.append(f"{team.id!r}: id is not a lower-case slug")
        if team.id in seen_ids:
            problems.append(f"{team.id!r}: duplicate id")
        seen_ids.add(team.id)
        if not team.name.strip() or any(not team_key(name) for name in team.names()):
            problems.append(f"{team.id!r}: empty name, short name or alias")
        for league in (team.league, *team.competitions):
            if league not in sports:
                problems.append(f"{team.id!r}: unknown league {league!r}")
        if team.abbreviation is not None and not _ABBREVIATION.match(team.abbreviation):
            problems.append(f"{team.id!r}: abbreviation {team.abbreviation!r} is not 2-4 capitals and digits")
    # Within one league's listing a name must point at one team, else a league's
    # own games could not be read.
    for league in sports:
        owner: dict[str, str] = {}
        codes: dict[str, str] = {}
        for team in teams:
            if not team.plays_in(league):
                continue
            if team.abbreviation is not None:
                other = codes.setdefault(team.abbreviation, team.id)
                if other != team.id:
                    problems.append(
                        f"{league}: abbreviation {team.abbreviation!r} of both {other!r} and {team.id!r}"
                    )
            for key in dict.fromkeys(team_key(name) for name in team.names()):
                other = owner.setdefault(key, team.id)
                if other != team.id:
                    problems.append(f"{league}: {key!r} names both {other!r} and {team.id!r}")
    if problems:
        raise CatalogueError("team catalogue: " + "; ".join(problems))


@functools.cache
def _shipped() -> TeamCatalogue:
    text = resources.files(__package__).joinpath(_DATA).read_text(encoding="utf-8")
    return TeamCatalogue.from_json(text)
