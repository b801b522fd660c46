"""How a demo game goes: its final score and, while it is played, its clock and the score so far.

A game's result is fixed by its fixture's digest and the two teams'
strengths for the season, so the world agrees with itself at every instant:
the score a live game shows is the part of its final already scored, the
table counts the same finals the games show, and a strong team ends near the
top. Scores are made of the sport's own scoring plays (touchdowns and field
goals, goals, runs), each at a moment of the game, so a live NFL score is
never 1 and a soccer score rises one goal at a time. A game level at the end
of regulation is settled as the sport settles it (overtime, a shootout,
extra innings) and says so in its status ("Final/OT", "Final/SO",
"Final/10"); soccer leaves it a draw.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from sports_api.upstream.demo.calendar import Fixture, digest


@dataclass(frozen=True, slots=True)
class Sport:
    minutes: int  # from start to final whistle, breaks included
    final: str  # the status text of a game decided in regulation


SPORTS = {
    "soccer": Sport(115, "FT"),
    "american-football": Sport(195, "Final"),
    "basketball": Sport(150, "Final"),
    "ice-hockey": Sport(160, "Final"),
    "baseball": Sport(180, "Final"),
}


@dataclass(frozen=True, slots=True)
class Result:
    home: int
    away: int
    status: str  # Google's final text
    extra: bool  # settled after regulation: an NHL loser's point (OTL)
    # Regulation's scoring plays: (home side?, points, when as a fraction of the game)
    plays: tuple[tuple[bool, int, float], ...]

    def score_at(self, fraction: float) -> tuple[int, int]:
        """The score once `fraction` of regulation has been played: the plays made by then."""
        home = sum(points for side, points, when in self.plays if side and when <= fraction)
        away = sum(points for side, points, when in self.plays if not side and when <= fraction)
        return home, away


def strength(team: str, season: int) -> float:
    """How good a team is this season, between 0 and 1: fixed per team and season."""
    return digest("strength", team, season) % 1000 / 1000


@functools.lru_cache(maxsize=16_384)
def result(fixture: Fixture, sport: str) -> Result:
    draws = _draws(fixture.key)
    edge = strength(fixture.home, fixture.season) - strength(fixture.away, fixture.season)
    plays: list[tuple[bool, int, float]] = []
    for side in (True, False):
        lean = edge if side else -edge
        home_bonus = 0.1 if side else 0.0
        for points in _scoring(sport, lean + home_bonus, draws):
            plays.append((side, points, next(draws)))
    home = sum(p for side, p, _ in plays if side)
    away = sum(p for side, p, _ in plays if not side)
    status, extra = SPORTS[sport].final, False
    if home == away and sport != "soccer":
        status, extra, home, away = _settle(sport, home, away, edge, draws)
    return Result(home, away, status, extra, tuple(plays))


def _scoring(sport: str, lean: float, draws: Iterator[float]) -> list[int]:
    """One team's scoring plays in regulation."""
    if sport == "soccer":
        return [1] * _poisson(max(0.3, 1.35 + 1.1 * lean), next(draws))
    if sport == "american-football":
        touchdowns = _poisson(max(0.8, 2.4 + 1.5 * lean), next(draws))
        goals = _poisson(1.7, next(draws))
        return [7 if next(draws) > 0.08 else 6 for _ in range(touchdowns)] + [3] * goals
    if sport == "ice-hockey":
        return [1] * _poisson(max(0.8, 3.0 + 1.2 * lean), next(draws))
    if sport == "baseball":
        return [1] * _poisson(max(1.0, 4.4 + 2.0 * lean), next(draws))
    # Basketball: some thirty baskets and free throws a quarter; plays of 2 and 3 points.
    total = int(100 + 8 * lean + 30 * next(draws))
    return (
        [3] * (total // 9) + [2] * ((total - 3 * (total // 9)) // 2) + [1] * ((total - 3 * (total // 9)) % 2)
    )


def _settle(
    sport: str, home: int, away: int, edge: float, draws: Iterator[float]
) -> tuple[str, bool, int, int]:
    home_wins = next(draws) < 0.5 + edge / 2
    if sport == "american-football":
        if next(draws) < 0.1:
            return "Final/OT", False, home, away  # a tie: it happens, and the table has a column for it
        points = 6 if next(draws) < 0.4 else 3
    elif sport == "ice-hockey":
        status = "Final/OT" if next(draws) < 0.6 else "Final/SO"
        return status, True, home + home_wins, away + (not home_wins)
    elif sport == "baseball":
        innings = 10 + int(next(draws) * 3)
        return f"Final/{innings}", False, home + home_wins, away + (not home_wins)
    else:
        points = 3 + int(next(draws) * 10)
    return "Final/OT", False, home + points * home_wins, away + points * (not home_wins)


def _poisson(mean: float, draw: float) -> int:
    """The count whose Poisson(mean) cumulative probability first passes `draw`."""
    count, term = 0, math.exp(-mean)
    total = term
    while total < draw and count < 30:
        count += 1
        term *= mean / count
        total += term
    return count


def _draws(key: str) -> Iterator[float]:
    n = 0
    while True:
        yield digest(key, n) % 1_000_003 / 1_000_003
        n += 1


# --- a game in progress -------------------------------------------------------------------


def fraction(sport: str, minutes: float) -> float:
    """How much of regulation is played `minutes` after the start (soccer's clock stops at half-time)."""
    if sport == "soccer":
        return min(_match_minute(minutes), 90) / 90
    return min(1.0, minutes / SPORTS[sport].minutes)


def _match_minute(minutes: float) -> int:
    m = int(minutes)
    return m + 1 if m < 45 else 45 if m < 60 else m - 14


def in_play(sport: str, minutes: float) -> str:
    """The status text Google shows `minutes` after the start: "67'", "3rd Quarter", "Top 5th"."""
    m = int(minutes)
    if sport == "soccer":
        if 45 <= m < 60:
            return "Halftime"
        return f"{_match_minute(m)}'" if m < 105 else f"90+{m - 104}'"
    if sport == "american-football":
        return _periods(m, 45, ("1st Quarter", "2nd Quarter", "Halftime", "3rd Quarter", "4th Quarter"))
    if sport == "basketball":
        return _periods(m, 33, ("1st Quarter", "2nd Quarter", "Halftime", "3rd Quarter", "4th Quarter"))
    if sport == "ice-hockey":
        return _periods(m, 40, ("1st Period", "End of 1st", "2nd Period", "End of 2nd", "3rd Period"))
    inning, half = divmod(m // 10, 2)
    return f"{'Top' if half == 0 else 'Bot'} {_ordinal(min(inning + 1, 9))}"


def _periods(minutes: int, length: int, names: tuple[str, ...]) -> str:
    # Breaks (half-time, intermissions) last two fifths of a period.
    spans = [length if "End" not in n and n != "Halftime" else length * 2 // 5 for n in names]
    for name, span in zip(names, spans, strict=True):
        if minutes < span:
            return name
        minutes -= span
    return names[-1]


def _ordinal(n: int) -> str:
    return f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'}"
