"""A team's games in progress, as its league's answer shows them.

A catalogue team's answer and its league's answer show the same game in
progress. Keeping each team's own search a minute fresh would cost a paid
search per team per minute of play; the league's one search a minute already
carries every game in progress. So a team's running games are read from its
league's answer, and the team's own search is repeated only as often as its
other games need (`SportsService`).

A game is the same game in both answers when it has the same id (Google's
Knowledge Graph id, or the digest of league, teams and day), or, when only
one of the answers has Google's id, the same two catalogue teams on the same
known local day, and only one such game (a doubleheader is never guessed at).
"""

from __future__ import annotations

from collections.abc import Callable

from sports_api.sports.models import Document, Game

OVER = frozenset({"final", "cancelled", "postponed"})
# What a game's answer may lack in the league's copy and be taken from the team's: what does not
# change while it is played (never its status, clock or scores).
STEADY = ("competition", "league", "stage", "start_time", "start_date", "date", "time", "venue", "highlights")


def same_game(a: Game, b: Game) -> bool:
    """The same id; or, when only one answer has Google's id, the same catalogue teams on the same day."""
    if a.id == b.id:
        return True
    if a.id.startswith("/") == b.id.startswith("/"):
        return False  # two Knowledge Graph ids, or two digests of the same facts: different games
    ids_a, ids_b = {team.id for team in a.teams}, {team.id for team in b.teams}
    if None in ids_a or len(ids_a) < 2 or ids_a != ids_b:
        return False
    return a.start_date is not None and a.start_date == b.start_date


def twin(game: Game, league: Document) -> Game | None:
    """The league's copy of `game`, if the league's answer shows it, and only one such game."""
    for other in league.games:
        if other.id == game.id:
            return other
    found = [other for other in league.games if same_game(game, other)]
    return found[0] if len(found) == 1 else None  # two (a doubleheader): not sure which


def covered(team: Document, league: Document, running: Callable[[Game], bool]) -> bool:
    """Whether the league's answer follows every game of the team's that is running.

    It does when it shows the game running too (so the league's answer is
    itself refreshed as a live one) or already over.
    """
    return all(
        (found := twin(game, league)) is not None and (running(found) or found.status in OVER)
        for game in team.games
        if running(game)
    )


def follow(team: Document, league: Document, running: Callable[[Game], bool]) -> Document:
    """The team's answer with each running game as the league's (newer) answer shows it.

    The league's copy wins for everything that changes during a game (status,
    clock, scores); what does not change and only the team's answer states (a
    venue, highlights, the start) is kept, and so is the team answer's id for
    the game, so that it stays stable between answers.
    The caller passes a league answer fetched after the team's, never before.
    """
    games = []
    for game in team.games:
        found = twin(game, league) if running(game) else None
        if found is None:
            games.append(game)
            continue
        kept = {
            name: value
            for name in STEADY
            if getattr(found, name) in (None, []) and (value := getattr(game, name)) not in (None, [])
        }
        games.append(found.model_copy(update={**kept, "id": game.id}))
    return team.model_copy(update={"games": games})
