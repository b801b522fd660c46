"""Whether a league is in season, read from the games its box lists.

Google's box for a league out of season (MLB or MLS in December) lists its
last games, weeks or months back, and the next season's first when they are
known, and nothing live. That is what this reads, from any source: no game
in progress and none within `NEAR` of the search, either side, is an
off-season. A fan then learns it in so many words, in the API (`season`) and
on the scoreboard, instead of wondering why nothing is on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from sports_api.sports.models import Game

NEAR = dt.timedelta(days=10)


class Season(BaseModel):
    state: Literal["in_season", "off_season"] = Field(
        description="`off_season`: nothing in progress and no game within ten days of the search."
    )
    last_game: dt.date | None = Field(
        default=None, description="Local day of the latest finished game listed."
    )
    next_game: dt.date | None = Field(
        default=None, description="Local day of the next game listed: the new season's first when off-season."
    )


def season(games: Iterable[Game], today: dt.date) -> Season | None:
    """The league's season as its games tell it on the search's local day; None without games."""
    listed = list(games)
    if not listed:
        return None
    finals = [g.start_date for g in listed if g.status == "final" and g.start_date is not None]
    coming = [g.start_date for g in listed if g.status == "scheduled" and g.start_date is not None]
    last = max(finals, default=None)
    upcoming = min(coming, default=None)
    live = any(g.status in ("live", "paused") for g in listed)
    near = any(abs(day - today) <= NEAR for day in (last, upcoming) if day is not None)
    return Season(state="in_season" if live or near else "off_season", last_game=last, next_game=upcoming)
