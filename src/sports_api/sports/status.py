"""One status word for a game, from the dozen ways Google's sports box spells it.

Google writes "Final/OT", "FT (P)", "Full-time", "67'", "Top 5th" or nothing at all. Programs
need one of a fixed set of words, and a clock while the game runs. Texts are matched whole,
case-insensitively, with odd spaces and a trailing period forgiven; a text that matches no rule
is "unknown" rather than a guess (the caller keeps Google's text as `status_text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

GameStatus = Literal["scheduled", "live", "paused", "final", "postponed", "cancelled", "suspended", "unknown"]
STATUSES: tuple[GameStatus, ...] = (
    "scheduled",
    "live",
    "paused",
    "final",
    "postponed",
    "cancelled",
    "suspended",
    "unknown",
)

_FLAGS = re.IGNORECASE | re.ASCII
_ORDINAL = r"(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth)"
_PERIOD = r"(?:quarter|qtr|period|half|inning|inn)"
_GAME_CLOCK = r"\d{1,2}:\d{2}"
# The clock is Google's own words: "67'", "45+2'", "3rd Quarter", "Q4 2:15", "OT", "Top 5th".
_LIVE = re.compile(
    rf"""live|in[- ]progress
    |(?:live\ ?[-:|]?\ ?)?(?P<clock>
        \d{{1,3}}(?:\ ?\+\ ?\d{{1,2}})?\ ?['\u2019\u2032]
      |(?:{_ORDINAL}|q[1-4])(?:\ ?{_PERIOD})?(?:\ {_GAME_CLOCK})?
      |{_GAME_CLOCK}\ (?:-\ )?(?:{_ORDINAL}|q[1-4])(?:\ {_PERIOD})?
      |\d?\ ?ot(?:\ {_GAME_CLOCK})?|overtime|(?:{_ORDINAL}\ (?:half\ )?)?extra[- ]time
      |(?:top|bot|bottom)(?:\ of)?(?:\ the)?\ {_ORDINAL}(?:\ inning)?
    )""",
    _FLAGS | re.VERBOSE,
)
# Between periods or innings: the game has started and will go on, but the clock is stopped.
_PAUSED = re.compile(
    rf"""half[- ]?time|ht|(?:{_ORDINAL}\ )?intermission
    |(?:end|mid|middle)(?:\ of)?(?:\ the)?\ (?:{_ORDINAL}(?:\ {_PERIOD})?|q[1-4]|regulation)""",
    _FLAGS | re.VERBOSE,
)
# A delay before the start keeps a game scheduled; once there is a score it has stopped play.
_DELAYED = re.compile(r"delayed|delay|(?:rain|weather|lightning) delay(?:ed)?", _FLAGS)
# Words for a game yet to start: a score alongside them contradicts them.
_NOT_STARTED = re.compile(r"scheduled|tbd|tba|tbc|not started|upcoming|pre-?game", _FLAGS)
_SETTLED: tuple[tuple[re.Pattern[str], GameStatus], ...] = (
    (
        re.compile(
            r"""final(?:\ ?[/(-]?\ ?(?:\d?\ ?ot|so|pens?|aet|\d{1,2})\)?)?|f/(?:\d?ot|so|\d{1,2})
            |(?:ft|full[- ]?time)(?:\ ?\((?:p|pens?|aet)\))?|aet|a\.e\.t|after\ extra[- ]time
            |after\ penalties|ap|pens|ended|finished""",
            _FLAGS | re.VERBOSE,
        ),
        "final",
    ),
    (re.compile(r"postponed|postp|ppd", _FLAGS), "postponed"),
    (re.compile(r"cancell?ed|canc", _FLAGS), "cancelled"),
    # An abandoned game started and stopped short; whether it resumes, is replayed or is
    # awarded is decided later. "suspended" (stopped, unfinished) claims no more than that.
    (re.compile(r"suspended|susp|interrupted|abandoned", _FLAGS), "suspended"),
)


@dataclass(frozen=True, slots=True)
class Status:
    """A game's status word, and while it is live or paused the clock as Google gives it."""

    status: GameStatus
    clock: str | None  # while live/paused: "67'", "45+2'", "3rd Quarter", "Top 5th", "Halftime"...


def classify(text: str | None, *, has_score: bool) -> Status:
    """The status of a game from Google's `status` text and whether the game shows a score.

    No text means not started, unless there is a score: then it may be over or under way, and
    the answer is "unknown". "Live" and "In progress" say the game runs but give no clock.
    """
    cleaned = " ".join((text or "").split()).rstrip(". ")
    if not cleaned:
        return Status("unknown" if has_score else "scheduled", None)
    if match := _LIVE.fullmatch(cleaned):
        return Status("live", match["clock"])
    if _PAUSED.fullmatch(cleaned):
        return Status("paused", cleaned)
    if _DELAYED.fullmatch(cleaned):
        return Status("suspended" if has_score else "scheduled", None)
    if _NOT_STARTED.fullmatch(cleaned):
        return Status("unknown" if has_score else "scheduled", None)
    for pattern, status in _SETTLED:
        if pattern.fullmatch(cleaned):
            return Status(status, None)
    return Status("unknown", None)
