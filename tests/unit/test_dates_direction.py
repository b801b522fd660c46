"""A game's status tells which side of today its year-less date is on (issue 22's off-seasons).

A league out of season lists finals months back ("1/5" read in July) and the next
season's first games months ahead ("Thu, Sep 9" read in January): the nearest year
would put the first in the future and the second in the past, or call them ties.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from sports_api.sports.dates import resolve

NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).astimezone(UTC)


@pytest.mark.parametrize(
    ("date_text", "searched_at", "prefer", "expected"),
    [
        ("1/5", at("2026-07-10T12:00"), "past", date(2026, 1, 5)),  # nearest would be 2027's
        ("4/7", at("2027-10-07T12:00"), "past", date(2027, 4, 7)),  # 183 days: a tie for "nearest"
        ("Thu, Sep 9", at("2027-01-25T12:00"), "future", date(2027, 9, 9)),  # nearest is 2026's Sep 9, a Wed
        ("Fri, Mar 26", at("2026-10-05T12:00"), "future", date(2027, 3, 26)),
        ("Thu, Sep 10", at("2026-01-20T12:00"), "future", date(2026, 9, 10)),  # 233 days ahead
        ("Sat, Oct 31", at("2026-11-02T12:00"), "future", date(2026, 10, 31)),  # the weekday agrees: kept
    ],
)
def test_the_status_picks_the_year(
    date_text: str, searched_at: datetime, prefer: str, expected: date
) -> None:
    assert resolve(date_text, None, searched_at=searched_at, zone=NEW_YORK, prefer=prefer).day == expected


@pytest.mark.parametrize(
    ("date_text", "searched_at", "prefer"),
    [
        ("Mar 1", at("2027-08-31T12:00"), "nearest"),  # a tie stays a tie without a status
        ("Mar 1", at("2027-08-31T12:00"), "future"),  # no weekday to confirm a far future year
        ("Mon, Sep 9", at("2027-01-25T12:00"), "future"),  # a Wednesday in 2026, a Thursday in 2027
        ("Thu, Apr 18", at("2026-11-27T12:00"), "nearest"),
    ],
)
def test_what_stays_uncertain(date_text: str, searched_at: datetime, prefer: str) -> None:
    assert resolve(date_text, None, searched_at=searched_at, zone=NEW_YORK, prefer=prefer).day is None
