"""SerpAPI's `sports_results` block, turned into a document a program can use.

Google's sports box is loosely shaped: every value is a string, any block can
be missing, two generations of keys coexist, and the spotlight game is often
listed again in `games[]`. The normaliser accepts all of it and never raises
on a payload: what it cannot read with certainty it leaves null, because a
wrong value is worse than none. It is also the boundary against absurd
input: numbers are bounded, lists are capped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sports_api.sports import dates, status
from sports_api.sports.catalogue import League, TeamOrder, get_league, league_for_competition
from sports_api.sports.models import Document, Form, Game, Highlight, Standing, StandingTeam, Team
from sports_api.sports.names import fold
from sports_api.sports.teams import Team as CatalogueTeam
from sports_api.sports.teams import TeamCatalogue

# The real box lists tens of games and one table; anything far beyond that is
# not a sports box, and it must not cost memory or CPU in proportion.
MAX_GAMES = 200
MAX_ROWS = 64
MAX_SCORE = 999  # no sport here scores more; a larger "score" is not one
MAX_COUNT = 10_000  # games played, points, goals over a season

_INT = re.compile(r"\s*([+\-\u2212]?)\s*(\d{1,6})\b")
_KGMID = re.compile(r"/[gm]/[0-9a-z_]{2,32}")
# Google separates times from AM/PM with narrow no-break spaces (U+202F).
_ODD_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})
_FORM: dict[str, Form] = {"win": "win", "w": "win", "tie": "draw", "draw": "draw", "d": "draw"}
_FORM |= {"loss": "loss", "l": "loss", "lose": "loss"}


@dataclass(frozen=True, slots=True)
class Reading:
    """What the normaliser needs besides the payload: when and where it was searched."""

    searched_at: datetime  # aware
    zone: ZoneInfo  # the zone of the search's `location`: Google's local times are in it
    teams: TeamCatalogue
    league: League | None = None  # the league that was asked for, if any


def normalize(payload: Mapping[str, Any], reading: Reading) -> Document:
    """Every game in a SerpAPI response, spotlight first and each once, and the table if shown."""
    results = payload.get("sports_results")
    if not isinstance(results, Mapping):
        return Document(games=[])
    blocks: list[Any] = [results.get("game_spotlight")]
    listed = results.get("games")
    if isinstance(listed, list):
        blocks.extend(listed[:MAX_GAMES])
    games: list[_Parsed] = []
    for block in blocks:
        if isinstance(block, Mapping) and (parsed := _game(block, reading)) is not None:
            _merge_into(games, parsed)
    return Document(games=_with_unique_ids(games), standings=_standings(results, reading))


@dataclass(slots=True)
class _Parsed:
    game: Game
    day: str | None  # local date, ISO
    kgmid: str | None
    teams_key: tuple[str, ...]


def _game(block: Mapping[str, Any], reading: Reading) -> _Parsed | None:
    competition = _text(block.get("league")) or _text(block.get("tournament"))
    league = league_for_competition(competition) or (reading.league if competition is None else None)
    teams = [_team(t, league or reading.league, reading) for t in _dicts(block.get("teams"))]
    teams = [t for t in teams if t is not None][:2]
    if not teams:
        return None
    state = status.classify(_text(block.get("status")), has_score=any(t.score is not None for t in teams))
    date_text, time_text = _text(block.get("date")), _text(block.get("time"))
    kickoff = dates.resolve(
        date_text,
        time_text,
        searched_at=reading.searched_at,
        zone=reading.zone,
        prefer=_direction(state.status),
    )
    home = away = None
    order = (league or reading.league).order if (league or reading.league) else None
    if order is not None and len(teams) == 2:
        first, second = teams
        home, away = (first, second) if order is TeamOrder.HOME_FIRST else (second, first)
    kgmid = _text(block.get("kgmid"))
    kgmid = kgmid if kgmid and _KGMID.fullmatch(kgmid) else None
    teams_key = tuple(t.id or fold(t.name) for t in teams)
    day = kickoff.day.isoformat() if kickoff.day else None
    game = Game(
        id=kgmid
        or _derived_id(league.slug if league else fold(competition or ""), teams_key, day, date_text),
        competition=competition,
        league=league.slug if league else None,
        stage=_text(block.get("stage")),
        status=state.status,
        status_text=_text(block.get("status")),
        clock=state.clock if state.status in ("live", "paused") else None,
        start_time=kickoff.start,
        start_date=kickoff.day,
        date=date_text,
        time=time_text,
        venue=_text(block.get("stadium")),
        teams=teams,
        home=home,
        away=away,
        highlights=_highlights(block),
    )
    return _Parsed(game, day, kgmid, teams_key)


def _direction(word: str) -> dates.Direction:
    # A bare weekday is a day of the past week for a game that has been played
    # (or stopped), and of the coming week for one not yet played.
    if word in ("final", "suspended"):
        return "past"
    if word == "scheduled":
        return "future"
    return "nearest"


def _derived_id(competition: str, teams: tuple[str, ...], day: str | None, date_text: str | None) -> str:
    # Without a day the raw text is the best there is; it changes ("today",
    # then "yesterday"), so such ids are stable only while the text is.
    basis = "|".join((competition, *teams, day or f"text:{fold(date_text or '')}"))
    return "g-" + hashlib.blake2b(basis.encode(), digest_size=8).hexdigest()


def _merge_into(games: list[_Parsed], new: _Parsed) -> None:
    """Add a game, or fold it into its twin: the spotlight is often listed again in `games[]`."""
    for known in games:
        if known.kgmid and new.kgmid:
            same = known.kgmid == new.kgmid
        else:
            same = (
                known.teams_key == new.teams_key
                and (
                    (known.day is not None and known.day == new.day)
                    or (known.game.date is not None and known.game.date == new.game.date)
                )
                # A doubleheader has the same teams on the same day, but not the same scores or start.
                and _agree([t.score for t in known.game.teams], [t.score for t in new.game.teams])
                and _agree([known.game.start_time], [new.game.start_time])
            )
        if same:
            known.game = _merged(known.game, new.game)
            known.kgmid = known.kgmid or new.kgmid
            return
    games.append(new)


def _agree(first: list[Any], second: list[Any]) -> bool:
    """Equal wherever both are known."""
    return all(a == b for a, b in zip(first, second, strict=False) if a is not None and b is not None)


def _merged(first: Game, twin: Game) -> Game:
    """The first telling of a game, with what only its twin knew filled in."""
    filled = {
        name: getattr(twin, name)
        for name in ("stage", "venue", "start_time", "start_date", "time", "competition", "league", "clock")
        if getattr(first, name) is None and getattr(twin, name) is not None
    }
    if twin.id.startswith("/") and not first.id.startswith("/"):
        filled["id"] = twin.id
    if not first.highlights and twin.highlights:
        filled["highlights"] = twin.highlights
    if first.status == "unknown" and twin.status != "unknown":
        filled |= {"status": twin.status, "status_text": twin.status_text, "clock": twin.clock}
    return first.model_copy(update=filled)


def _with_unique_ids(parsed: list[_Parsed]) -> list[Game]:
    """No two games share an id: a second game with the same teams on one day (a doubleheader) gets `-2`."""
    seen: dict[str, int] = {}
    games = []
    for item in parsed:
        game = item.game
        count = seen.get(game.id, 0) + 1
        seen[game.id] = count
        games.append(game if count == 1 else game.model_copy(update={"id": f"{game.id}-{count}"}))
    return games


def _team(block: Mapping[str, Any], league: League | None, reading: Reading) -> Team | None:
    name = _text(block.get("name"))
    if not name:
        return None
    known = reading.teams.match_game_team(name, league.slug if league else None)
    return Team(
        id=known.id if known else None,
        name=name,
        score=_score(block.get("score")),
        logo=_text(block.get("thumbnail")),
    )


def _highlights(block: Mapping[str, Any]) -> list[Highlight]:
    found = [block.get("video_highlights"), *_dicts(block.get("video_highlight_carousel"))]
    return [
        Highlight(
            link=link,
            title=_text(item.get("title")),
            duration=_text(item.get("duration")),
            thumbnail=_text(item.get("thumbnail")),
        )
        for item in found[:20]
        if isinstance(item, Mapping) and (link := _text(item.get("link")))
    ]


def _standings(results: Mapping[str, Any], reading: Reading) -> list[Standing] | None:
    """The table's rows. Their keys are Google's column headers lower-cased: soccer's `mp`, `w`,
    `d`, `l`, `gf`, `ga`, `gd`, `pts`, `last_5`; baseball's `w`, `l`, `pct`, `gb`, `home`, `away`,
    `l10`; and so the NFL's `t` (ties) and the NHL's `gp` and `otl` (games played, overtime losses).
    A row of a known team gets the division or conference its league's table is grouped by.
    """
    league_block = results.get("league")
    rows = league_block.get("standings") if isinstance(league_block, Mapping) else None
    if not isinstance(rows, list):
        return None
    table = []
    for row in _dicts(rows[:MAX_ROWS]):
        team = row.get("team")
        name = _text(team.get("name")) if isinstance(team, Mapping) else _text(team)
        if not name:
            continue
        known = reading.teams.match_game_team(name, reading.league.slug if reading.league else None)
        table.append(
            Standing(
                position=_count(row.get("pos")),
                team=StandingTeam(
                    id=known.id if known else None,
                    name=name,
                    logo=_text(team.get("thumbnail")) if isinstance(team, Mapping) else None,
                ),
                group=_group(known),
                played=_count(row.get("mp") if row.get("mp") is not None else row.get("gp")),
                won=_count(row.get("w")),
                drawn=_count(row.get("d")),
                lost=_count(row.get("l")),
                tied=_count(row.get("t")),
                overtime_losses=_count(row.get("otl")),
                goals_for=_count(row.get("gf")),
                goals_against=_count(row.get("ga")),
                goal_difference=_signed(row.get("gd")),
                points=_signed(row.get("pts")),
                form=_form(row.get("last_5")),
                win_percentage=_fraction(row.get("pct")),
                games_behind=_behind(row.get("gb")),
                home_record=_text(row.get("home")),
                away_record=_text(row.get("away")),
                last_ten=_text(row.get("l10")),
            )
        )
    return table


def _group(team: CatalogueTeam | None) -> str | None:
    """The division or conference Google groups the team's league's table by."""
    league = get_league(team.league) if team is not None else None
    if team is None or league is None or league.table_groups is None:
        return None
    return getattr(team, league.table_groups)


def _form(value: Any) -> list[Form]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return []
    words = (fold(item) for item in value[:10] if isinstance(item, str))
    return [_FORM[word] for word in words if word in _FORM]


def _score(value: Any) -> int | None:
    """ "2" → 2; penalties such as "1 (4)" keep the match score; absent or absurd → None."""
    number = _signed(value)
    return number if number is not None and 0 <= number <= MAX_SCORE else None


def _count(value: Any) -> int | None:
    number = _signed(value)
    return number if number is not None and number >= 0 else None


def _signed(value: Any) -> int | None:
    """An integer from Google's text ("+5", "-3", a Unicode minus, "12"); None when absent or out of range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) <= MAX_COUNT else None
    if not isinstance(value, str) or not (match := _INT.match(value)):
        return None
    number = int(match.group(2))
    if number > MAX_COUNT:
        return None
    return -number if match.group(1) in ("-", "\u2212") else number


def _fraction(value: Any) -> float | None:
    """A US table's `pct` (".625", "0.625", "1.000") as a number between 0 and 1."""
    text = _text(value)
    if not text or not re.fullmatch(r"[01]?\.\d{1,4}|[01]", text):
        return None
    number = float(text)
    return number if 0.0 <= number <= 1.0 else None


def _behind(value: Any) -> float | None:
    """Games behind: "3.5", "12"; the leader's "-" or "—" is 0."""
    text = _text(value)
    if text in ("-", "\u2014", "\u2013"):
        return 0.0
    if not text or not re.fullmatch(r"\d{1,3}(?:\.5)?", text):
        return None
    return float(text)


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value[:500].translate(_ODD_SPACES).split())
    return cleaned or None


def _dicts(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, list):
        return (item for item in value if isinstance(item, Mapping))
    return ()
