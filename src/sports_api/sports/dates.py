"""When a game starts: Google's year-less, zone-less date texts, read as a local day and a UTC instant.

Google prints "today, 4:30 PM", "Sun, Feb 9, 6:30 PM", "Thu" or "11/7": never a year, never a
zone, always local to the search's `location`. The texts are read against the moment of the
search, seen in that location's zone. Whatever is not certain comes back as None, because a
wrong timestamp is worse than none: callers sort, filter and alert on these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

ZONE_DEFAULT = "America/New_York"

Direction = Literal["past", "future", "nearest"]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY = (
    r"(?P<weekday>mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)\.?"
)
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
# Each form is matched against the whole date part, lower-cased, commas as spaces.
_RELATIVE = re.compile(r"(?P<relative>today|tomorrow|yesterday)", re.ASCII)
_WEEKDAY_ALONE = re.compile(_WEEKDAY, re.ASCII)
_MONTH_DAY = (
    re.compile(rf"(?:{_WEEKDAY} )?{_MONTH} {_DAY}", re.ASCII),  # "Mon, Nov 9", "November 9"
    re.compile(rf"(?:{_WEEKDAY} )?{_DAY} {_MONTH}", re.ASCII),  # "9 Nov": British order
    re.compile(rf"(?:{_WEEKDAY} )?(?P<month>\d{{1,2}})/(?P<day>\d{{1,2}})", re.ASCII),  # "11/9": US order
)
_TIME = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?: ?(?P<half>[ap])\.? ?m\.?)?", re.ASCII)
# Words Google puts where a time would be when there is none yet.
_NO_TIME = frozenset({"tbd", "tba", "tbc", "postponed", "postp", "ppd", "delayed", "cancelled", "canceled"})
# Half a year: the nearest year of any month/day is closer than this unless the choice is a tie.
_HALF_YEAR = timedelta(days=183)


@dataclass(frozen=True, slots=True)
class Kickoff:
    """When a game starts, as far as the text makes it certain."""

    day: date | None  # the local calendar date, when certain
    start: datetime | None  # aware UTC datetime, when both the day and the time are certain


def parse_time(text: str | None) -> time | None:
    """A clock time: "7:30 PM", "7:30PM", "7 PM", "19:30"; None when there is none or it contradicts itself.

    A bare number is no time (it may be a day). "17:30 PM" is a 24-hour time with a redundant
    PM and reads as 17:30; "17:30 AM" and "0:30 PM" contradict themselves and read as None.
    """
    if not text:
        return None
    match = _TIME.fullmatch(_clean(text))
    if match is None or (match["minute"] is None and match["half"] is None):
        return None
    hour, minute, half = int(match["hour"]), int(match["minute"] or 0), match["half"]
    if minute > 59 or hour > 23:
        return None
    if half is None or (hour > 12 and half == "p"):
        return time(hour, minute)
    if hour > 12 or (hour == 0 and half == "p"):
        return None
    return time(hour % 12 + (12 if half == "p" else 0), minute)


def resolve(
    date_text: str | None,
    time_text: str | None,
    *,
    searched_at: datetime,
    zone: ZoneInfo,
    prefer: Direction = "nearest",
) -> Kickoff:
    """The day and start of a game from Google's `date` and `time` texts, read at `searched_at` in `zone`.

    `searched_at` is the aware moment of the search; its date in `zone` is "today". A time may
    sit in `date_text` ("today, 4:30 PM") or in `time_text`; a `time_text` that is not a time
    ("TBD") or disagrees with the one in `date_text` leaves `start` None. A text with no day
    (a time alone) gives nothing: the day is not certain.

    A bare weekday ("Sun", "Thu, 8:15 PM") is a day 1 to 6 days away, before or after: Google
    uses it for the coming week and the recent past alike. `prefer` picks the direction, and the
    caller sets it from the game's status (final: "past", scheduled: "future"); "nearest" takes
    the closer of the two, which is a guess. Today's own weekday is None: Google says "today"
    for today, and a week back and a week ahead are equally far.

    Never raises on any text; raises ValueError for a naive `searched_at` or an unknown `prefer`.
    """
    if searched_at.utcoffset() is None:
        raise ValueError("searched_at must be an aware datetime")
    if prefer not in ("past", "future", "nearest"):
        raise ValueError(f"prefer must be 'past', 'future' or 'nearest', not {prefer!r}")
    try:
        return _resolve(date_text, time_text, searched_at.astimezone(zone).date(), zone, prefer)
    except OverflowError:  # a search moment at the very ends of the calendar
        return Kickoff(None, None)


def _resolve(
    date_text: str | None, time_text: str | None, today: date, zone: ZoneInfo, prefer: Direction
) -> Kickoff:
    words = _clean(date_text or "").replace(",", " ").split()
    clock: time | None = None
    if words and words[-1] in _NO_TIME:
        words, certain = words[:-1], False
    else:
        certain = True
        for size in (2, 1):  # "6:30 pm" is two words, "6:30pm" one
            if len(words) > size and (clock := parse_time(" ".join(words[-size:]))):
                words = words[:-size]
                break
    day = _day(" ".join(words), today, prefer)
    if day is None:
        return Kickoff(None, None)
    if time_text and time_text.strip():
        given = parse_time(time_text)
        certain = certain and given is not None and clock in (None, given)
        clock = given
    if not certain or clock is None:
        return Kickoff(day, None)
    return Kickoff(day, _instant(day, clock, zone))


def _day(text: str, today: date, prefer: Direction) -> date | None:
    if match := _RELATIVE.fullmatch(text):
        return today + timedelta(days=("yesterday", "today", "tomorrow").index(match["relative"]) - 1)
    if match := _WEEKDAY_ALONE.fullmatch(text):
        return _weekday(_WEEKDAYS.index(match["weekday"][:3]), today, prefer)
    for form in _MONTH_DAY:
        if match := form.fullmatch(text):
            month = match["month"]
            number = int(month) if month.isdigit() else _MONTHS.index(month[:3]) + 1
            day = _nearest_year(number, int(match["day"]), today)
            weekday = match["weekday"]
            named = _WEEKDAYS.index(weekday[:3]) if weekday else None
            wrong_side = prefer == "past" and (day is None or day > today)  # a final is behind
            if prefer != "nearest" and (
                wrong_side or (named is not None and (day is None or day.weekday() != named))
            ):
                # A finished game is never ahead; a weekday names the year on the preferred side.
                day = _next_in_direction(number, int(match["day"]), today, prefer)
            if day is None or (named is not None and day.weekday() != named):
                return None
            return day
    return None


def _weekday(weekday: int, today: date, prefer: Direction) -> date | None:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0:
        return None
    after, before = today + timedelta(days=ahead), today - timedelta(days=7 - ahead)
    if prefer == "nearest":  # ahead + behind = 7, so one side is always nearer
        return after if ahead < 7 - ahead else before
    return after if prefer == "future" else before


def _nearest_year(month: int, day: int, today: date) -> date | None:
    """The month/day in the year that puts it nearest `today`: "Jan 3" read on Dec 28 is next year's.

    Only last, this and next year are candidates. A date half a year or more away is None: that
    is a tie between two years, or a Feb 29 whose nearest leap year is too far to be meant.
    """
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:  # no such day that year (Feb 29, Nov 31, month 13) or no such year
            continue
    nearest = min(candidates, key=lambda day: abs(day - today), default=None)
    return nearest if nearest is not None and abs(nearest - today) < _HALF_YEAR else None


def _next_in_direction(month: int, day: int, today: date, prefer: Direction) -> date | None:
    """The month/day's one occurrence within a year on the side `prefer` names (never today).

    Used when the nearest year puts a finished game ahead of today or half a year away (a
    final "1/5" read in July is January's, not next year's), or when a date that names its weekday is too far
    for the nearest year or has another weekday in it, such as a next season's opener
    ("Thu, Sep 9" read in January): the weekday must then match, which confirms the year.
    """
    step = 1 if prefer == "future" else -1
    for year in (today.year, today.year + step):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if 0 < (found - today).days * step <= 366:
            return found
    return None


def _instant(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None when the zone makes it uncertain.

    In a spring-forward gap the wall time never happens; in a fall-back fold it happens twice,
    an hour apart, and nothing in Google's text says which. Both folds agreeing is the test.
    """
    local = datetime.combine(day, clock)
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return first if first == second else None


def _clean(text: str) -> str:
    """Lower case, one plain space between words (U+202F and U+00A0 included), no trailing period."""
    return " ".join(text.lower().split()).rstrip(". ")
