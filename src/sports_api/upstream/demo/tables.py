"""A league's table, counted from the demo's own season so far, as Google's box writes it.

The table is never invented beside the games: it adds up the finals of the
season on show (the one under way, or the last one when the league is out of
season), so a team's last result is the last letter of its form and nobody
has played more games than a season holds. Rows are written as SerpAPI
writes `sports_results.league.standings[]`: strings, keyed by Google's column
headers lower-cased (soccer's `mp`, `w`, `d`, `l`, `gf`, `ga`, `gd`, `pts`,
`last_5`; baseball's `w`, `l`, `pct`, `gb`, `home`, `away`, `l10`; the NFL's
`t`, the NHL's `gp`, `otl`). Leagues Google shows in groups (NFL divisions,
NBA and NHL conferences, MLB divisions, MLS conferences) come group by
group, each ranked from 1, in the order Google lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sports_api.sports.catalogue import League
from sports_api.sports.teams import Team, TeamCatalogue
from sports_api.upstream.demo.calendar import Fixture
from sports_api.upstream.demo.play import SPORTS, result

_COMPASS = {"East": 0, "North": 1, "Central": 2, "South": 3, "West": 4}
_FORM = {"W": "win", "D": "tie", "L": "loss"}


@dataclass(slots=True)
class _Record:
    won: int = 0
    drawn: int = 0  # draws in soccer, ties in the NFL
    lost: int = 0
    overtime_lost: int = 0  # NHL: lost after regulation, worth a point
    scored: int = 0
    conceded: int = 0
    home: list[int] = field(default_factory=lambda: [0, 0])  # wins, losses
    away: list[int] = field(default_factory=lambda: [0, 0])
    letters: list[str] = field(default_factory=list)  # "W", "D", "L", oldest first

    @property
    def played(self) -> int:
        return self.won + self.drawn + self.lost + self.overtime_lost

    @property
    def pct(self) -> float:
        return (self.won + self.drawn / 2) / self.played if self.played else 0.0


def finished(fixtures: Sequence[Fixture], sport: str, now: datetime) -> list[Fixture]:
    """The fixtures whose final whistle has gone at `now`."""
    length = timedelta(minutes=SPORTS[sport].minutes)
    return [f for f in fixtures if f.start + length <= now]


def standings(
    league: League, teams: TeamCatalogue, played: Sequence[Fixture], block: Callable[[Team], dict[str, Any]]
) -> list[dict[str, Any]]:
    """SerpAPI-shaped rows for `played` (a season's finals, in order), every team of the league listed."""
    records = {team.id: _Record() for team in teams.in_league(league.slug)}
    for fixture in played:
        _count(records, fixture, league.sport)
    groups: dict[str, list[Team]] = {}
    for team in teams.in_league(league.slug):
        groups.setdefault(_group(team, league), []).append(team)
    rows = []
    for name in sorted(groups, key=_group_order):
        ranked = sorted(groups[name], key=lambda t: _rank(records[t.id], league.sport, t.name))
        lead = records[ranked[0].id]
        for position, team in enumerate(ranked, 1):
            row = {"pos": str(position), "team": block(team)}
            row |= _columns(records[team.id], lead, league.sport)
            rows.append(row)
    return rows


def _count(records: dict[str, _Record], fixture: Fixture, sport: str) -> None:
    final = result(fixture, sport)
    for team, mine, theirs, at_home in (
        (fixture.home, final.home, final.away, True),
        (fixture.away, final.away, final.home, False),
    ):
        record = records.get(team)
        if record is None:
            continue
        record.scored += mine
        record.conceded += theirs
        venue = record.home if at_home else record.away
        if mine > theirs:
            record.won += 1
            record.letters.append("W")
            venue[0] += 1
        elif mine == theirs:
            record.drawn += 1
            record.letters.append("D")
        else:
            if final.extra and sport == "ice-hockey":
                record.overtime_lost += 1
            else:
                record.lost += 1
            record.letters.append("L")
            venue[1] += 1


def _group(team: Team, league: League) -> str:
    if league.table_groups is None:
        return ""
    return getattr(team, league.table_groups) or ""


def _group_order(name: str) -> tuple[str, int, str]:
    """AFC before NFC, then East, North, Central, South, West; conferences by name."""
    first, _, last = name.rpartition(" ")
    return (first, _COMPASS.get(last, 9), last) if last in _COMPASS else (name, 0, "")


def _rank(record: _Record, sport: str, name: str) -> tuple[object, ...]:
    if sport == "soccer":
        return (-_soccer_points(record), -(record.scored - record.conceded), -record.scored, name)
    if sport == "ice-hockey":
        return (-_hockey_points(record), record.played, -record.won, name)
    return (-record.pct, -record.won, name)


def _soccer_points(record: _Record) -> int:
    return 3 * record.won + record.drawn


def _hockey_points(record: _Record) -> int:
    return 2 * record.won + record.overtime_lost


def _columns(record: _Record, lead: _Record, sport: str) -> dict[str, Any]:
    if sport == "soccer":
        difference = record.scored - record.conceded
        return {
            "mp": str(record.played),
            "w": str(record.won),
            "d": str(record.drawn),
            "l": str(record.lost),
            "gf": str(record.scored),
            "ga": str(record.conceded),
            "gd": f"{difference:+d}" if difference else "0",
            "pts": str(_soccer_points(record)),
            "last_5": [_FORM[letter] for letter in record.letters[-5:]],
        }
    if sport == "ice-hockey":
        return {
            "gp": str(record.played),
            "w": str(record.won),
            "l": str(record.lost),
            "otl": str(record.overtime_lost),
            "pts": str(_hockey_points(record)),
        }
    if sport == "american-football":
        return {"w": str(record.won), "l": str(record.lost), "t": str(record.drawn), "pct": _pct(record)}
    behind = max(0.0, ((lead.won - record.won) + (record.lost - lead.lost)) / 2)
    last_ten = record.letters[-10:]
    return {
        "w": str(record.won),
        "l": str(record.lost),
        "pct": _pct(record),
        "gb": "-" if behind == 0 else f"{behind:g}",
        "home": f"{record.home[0]}-{record.home[1]}",
        "away": f"{record.away[0]}-{record.away[1]}",
        "l10": f"{last_ten.count('W')}-{last_ten.count('L')}",
    }


def _pct(record: _Record) -> str:
    """Google's ".625", "1.000", ".000"."""
    text = f"{record.pct:.3f}"
    return text.removeprefix("0") if record.pct < 1 else text
