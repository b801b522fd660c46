"""The sports domain's data, as programs receive it: games, teams and tables.

Everything here is normalised: times are UTC, statuses come from one fixed
set, ids are stable across fetches and numbers are integers. The raw texts
Google printed stay beside the parsed values (`status_text`, `date`, `time`),
so nothing is lost when a text could not be read with certainty.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from sports_api.sports.status import GameStatus

Form = Literal["win", "draw", "loss"]


class Team(BaseModel):
    id: str | None = Field(
        default=None, description="The catalogue's team id (`GET /v1/teams`), when the team is known."
    )
    name: str = Field(description="As Google prints it, e.g. `Man United`.")
    score: int | None = Field(default=None, description="Null until the game has a score.")
    logo: str | None = None


class Highlight(BaseModel):
    link: str
    title: str | None = None
    duration: str | None = None
    thumbnail: str | None = None


class Game(BaseModel):
    id: str = Field(
        description="Stable across fetches: Google's Knowledge Graph id (`/g/…`) when it gives one, "
        "else `g-` and a digest of competition, teams and local date."
    )
    competition: str | None = Field(description="League or tournament, as Google names it.")
    league: str | None = Field(
        default=None, description="The catalogue league slug of the competition, when it is one."
    )
    stage: str | None = None
    status: GameStatus = Field(
        description="One of a fixed set; `paused` is half-time or an intermission, "
        "`unknown` a text the service cannot read with certainty."
    )
    status_text: str | None = Field(description='Google\'s text, e.g. "Final/OT", "FT (P)", "67\'".')
    clock: str | None = Field(
        default=None,
        description="While live or paused, as Google gives it: `67'`, `3rd Quarter`, `Top 5th`.",
    )
    start_time: dt.datetime | None = Field(
        description="ISO-8601 in UTC; null when Google's text does not say it with certainty."
    )
    start_date: dt.date | None = Field(
        default=None,
        description="The local day of the start in the answer's `time_zone`, when certain; "
        "known more often than `start_time` (finished games rarely show a time).",
    )
    date: str | None = Field(description='Raw, local and sometimes relative: "today, 4:30 PM".')
    time: str | None = Field(description="Raw time text, when Google gives it apart from the date.")
    venue: str | None = None
    teams: list[Team] = Field(description="In the order Google lists them.")
    home: Team | None = Field(description="Null when the competition's team order is unknown.")
    away: Team | None = None
    highlights: list[Highlight] = []


class StandingTeam(BaseModel):
    id: str | None = None
    name: str
    logo: str | None = None


class Standing(BaseModel):
    """One row of a league table; columns a sport does not use are null."""

    position: int | None = Field(
        description="As Google ranks it: within its `group` when the table has groups."
    )
    team: StandingTeam
    group: str | None = Field(
        default=None,
        description="The division or conference the row is ranked in, as Google groups the league's table "
        '(NFL and MLB divisions: "AFC East"; NBA, NHL and MLS conferences: "Eastern Conference"); '
        "from the team catalogue, null for one-table leagues and teams outside it.",
    )
    played: int | None = None
    won: int | None = None
    drawn: int | None = None
    lost: int | None = None
    tied: int | None = Field(default=None, description="NFL tables: `t`, games ending level after overtime.")
    overtime_losses: int | None = Field(
        default=None, description="NHL tables: `otl`, games lost in overtime or a shootout (a point each)."
    )
    goals_for: int | None = None
    goals_against: int | None = None
    goal_difference: int | None = None
    points: int | None = None
    form: list[Form] = Field(default=[], description="Last games, oldest first.")
    win_percentage: float | None = Field(default=None, description="US tables: `pct`, e.g. 0.625.")
    games_behind: float | None = Field(default=None, description="US tables: `gb`; 0 for the leader.")
    home_record: str | None = Field(default=None, description='US tables, e.g. "41-40".')
    away_record: str | None = None
    last_ten: str | None = Field(default=None, description='US tables: record in the last ten, e.g. "6-4".')


class Document(BaseModel):
    """Everything one search told us: its games and, when Google showed one, the table."""

    games: list[Game]
    standings: list[Standing] | None = None
