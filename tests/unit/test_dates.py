"""Google's year-less, zone-less date texts, read as a local day and a UTC start."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sports_api.sports.dates import ZONE_DEFAULT, Kickoff, parse_time, resolve

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
# Friday 27 November 2026, noon in New York.
FRIDAY = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def at(local: str, zone: ZoneInfo = NEW_YORK) -> datetime:
    """The UTC moment of a local wall-clock time, as the search's clock would give it."""
    return datetime.fromisoformat(local).replace(tzinfo=zone).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_default_zone_is_us_eastern() -> None:
    assert ZoneInfo(ZONE_DEFAULT) == NEW_YORK


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30 PM", time(19, 30)),
        ("7:30PM", time(19, 30)),
        ("7:30 pm", time(19, 30)),
        ("7:30\u202fPM", time(19, 30)),
        ("7:30\u00a0PM", time(19, 30)),
        ("  7:30   PM. ", time(19, 30)),
        ("7:30 p.m.", time(19, 30)),
        ("11:30\u202fAM", time(11, 30)),
        ("7 PM", time(19, 0)),
        ("7pm", time(19, 0)),
        ("19:30", time(19, 30)),
        ("07:05", time(7, 5)),
        ("0:15", time(0, 15)),
        ("12:00 AM", time(0, 0)),
        ("12:30 AM", time(0, 30)),
        ("12:00 PM", time(12, 0)),
        ("12:30 PM", time(12, 30)),
        ("17:30 PM", time(17, 30)),
        ("17:30 AM", None),
        ("0:30 PM", None),
        ("0:30 AM", time(0, 30)),
        ("13 PM", time(13, 0)),
        ("24:00", None),
        ("7:60 PM", None),
        ("25:00 PM", None),
        ("7", None),
        ("19", None),
        ("7:3 PM", None),
        ("7:30 XM", None),
        ("7:30 PM ET", None),
        ("TBD", None),
        ("TBA", None),
        ("Postponed", None),
        ("", None),
        ("   ", None),
        (None, None),
        ("\u0661\u0669:\u0663\u0660", None),  # Arabic-Indic digits are not Google's clock
    ],
)
def test_parse_time(text: str | None, expected: time | None) -> None:
    assert parse_time(text) == expected


def test_parse_time_reads_every_minute_of_the_day_in_both_clocks() -> None:
    for minutes in range(24 * 60):
        clock = time(minutes // 60, minutes % 60)
        twelve_hour = f"{(clock.hour - 1) % 12 + 1}:{clock.minute:02d} {'PM' if clock.hour >= 12 else 'AM'}"
        assert parse_time(twelve_hour) == clock, twelve_hour
        assert parse_time(clock.strftime("%H:%M")) == clock


@pytest.mark.parametrize(
    ("date_text", "time_text", "searched_at", "expected"),
    [
        # Every form in ../shared/reference/serpapi.md, read where its weekday holds.
        ("today, 4:30 PM", None, FRIDAY, Kickoff(date(2026, 11, 27), utc("2026-11-27T21:30"))),
        ("yesterday, 11:30\u202fAM", None, FRIDAY, Kickoff(date(2026, 11, 26), utc("2026-11-26T16:30"))),
        ("11/2", None, FRIDAY, Kickoff(date(2026, 11, 2), None)),
        ("11/7", None, FRIDAY, Kickoff(date(2026, 11, 7), None)),
        ("Oct 17", None, FRIDAY, Kickoff(date(2026, 10, 17), None)),
        (
            "Sun, Feb 9, 6:30 PM",
            None,
            at("2025-02-05T09:00"),
            Kickoff(date(2025, 2, 9), utc("2025-02-09T23:30")),
        ),
        (
            "Thu, Apr 18",
            "5:45 PM",
            at("2024-04-15T09:00"),
            Kickoff(date(2024, 4, 18), utc("2024-04-18T21:45")),
        ),
        # The forms quoted in issue 10.
        ("yesterday, 7:30 PM", None, FRIDAY, Kickoff(date(2026, 11, 26), utc("2026-11-27T00:30"))),
        ("Sun, Nov 22", None, FRIDAY, Kickoff(date(2026, 11, 22), None)),
        ("11/21", None, FRIDAY, Kickoff(date(2026, 11, 21), None)),
    ],
)
def test_reference_forms(
    date_text: str, time_text: str | None, searched_at: datetime, expected: Kickoff
) -> None:
    assert resolve(date_text, time_text, searched_at=searched_at, zone=NEW_YORK) == expected


@pytest.mark.parametrize(
    "date_text",
    [
        "Mon, Nov 9",
        "Nov 9",
        "November 9",
        "Nov. 9",
        "nov 9th",
        "9 Nov",
        "9 November",
        "Mon 9 Nov",
        "11/9",
        "Mon, 11/9",
        "Monday, November 9",
        "MON,NOV 9",
        "Mon.,  Nov\u00a09.",
    ],
)
def test_month_day_forms(date_text: str) -> None:
    assert resolve(date_text, None, searched_at=FRIDAY, zone=NEW_YORK) == Kickoff(date(2026, 11, 9), None)


@pytest.mark.parametrize(
    ("date_text", "expected_day"),
    [
        ("today", date(2026, 11, 27)),
        ("TODAY", date(2026, 11, 27)),
        ("Today.", date(2026, 11, 27)),
        ("tomorrow", date(2026, 11, 28)),
        ("Yesterday", date(2026, 11, 26)),
    ],
)
def test_relative_days(date_text: str, expected_day: date) -> None:
    assert resolve(date_text, None, searched_at=FRIDAY, zone=NEW_YORK) == Kickoff(expected_day, None)


@pytest.mark.parametrize(
    ("date_text", "time_text", "expected_start"),
    [
        ("Sun, Nov 29, 1:00 PM", None, "2026-11-29T18:00"),
        ("Sun, Nov 29 1:00PM", None, "2026-11-29T18:00"),
        ("Sun, Nov 29, 1 PM", None, "2026-11-29T18:00"),
        ("Sun, Nov 29, 13:00", None, "2026-11-29T18:00"),
        ("Sun, Nov 29, 13:00 PM", None, "2026-11-29T18:00"),
        ("Sun, Nov 29", "1:00 PM", "2026-11-29T18:00"),
        ("Sun, Nov 29", "1:00\u202fpm", "2026-11-29T18:00"),
        ("Sun, Nov 29, 1:00 PM", "1:00 PM", "2026-11-29T18:00"),  # both say the same
        ("Sun, Nov 29, 1:00 PM", "  ", "2026-11-29T18:00"),  # a blank time field says nothing
        ("Sun, Nov 29, 12:00 AM", None, "2026-11-29T05:00"),
        ("Sun, Nov 29, 12:30 PM", None, "2026-11-29T17:30"),
        ("Sun, Nov 29, 8:20 p.m.", None, "2026-11-30T01:20"),  # the UTC day is the next one
    ],
)
def test_times_in_either_field(date_text: str, time_text: str | None, expected_start: str) -> None:
    assert resolve(date_text, time_text, searched_at=FRIDAY, zone=NEW_YORK) == Kickoff(
        date(2026, 11, 29), utc(expected_start)
    )


@pytest.mark.parametrize(
    ("date_text", "time_text"),
    [
        ("Sun, Nov 29", "TBD"),
        ("Sun, Nov 29", "TBA"),
        ("Sun, Nov 29", "Postponed"),
        ("Sun, Nov 29", "Live"),
        ("Sun, Nov 29", "17:30 AM"),  # contradicts itself
        ("Sun, Nov 29, 1:00 PM", "4:00 PM"),  # the two fields disagree
        ("Sun, Nov 29, 1:00 PM", "TBD"),
        ("Sun, Nov 29, TBD", None),
        ("Sun, Nov 29, tba", "1:00 PM"),
        ("Sun, Nov 29, Postponed", None),
        ("Sun, Nov 29", None),
    ],
)
def test_no_certain_time_keeps_the_day(date_text: str, time_text: str | None) -> None:
    assert resolve(date_text, time_text, searched_at=FRIDAY, zone=NEW_YORK) == Kickoff(
        date(2026, 11, 29), None
    )


@pytest.mark.parametrize(
    ("date_text", "prefer", "expected_day"),
    [
        # Read on Friday 27 November 2026.
        ("Sun", "future", date(2026, 11, 29)),
        ("Sun", "past", date(2026, 11, 22)),
        ("Sun", "nearest", date(2026, 11, 29)),  # 2 days ahead, 5 behind
        ("Sunday", "nearest", date(2026, 11, 29)),
        ("Thu", "future", date(2026, 12, 3)),
        ("Thu", "past", date(2026, 11, 26)),
        ("Thu", "nearest", date(2026, 11, 26)),  # 1 behind, 6 ahead
        ("thurs", "nearest", date(2026, 11, 26)),
        ("Sat", "nearest", date(2026, 11, 28)),
        ("Sat", "past", date(2026, 11, 21)),
        ("Mon", "nearest", date(2026, 11, 30)),  # 3 ahead, 4 behind
        ("Tue", "nearest", date(2026, 11, 24)),  # 4 ahead, 3 behind
        ("Wed.", "future", date(2026, 12, 2)),
        ("Wednesday", "past", date(2026, 11, 25)),
    ],
)
def test_bare_weekdays(date_text: str, prefer: str, expected_day: date) -> None:
    kickoff = resolve(date_text, None, searched_at=FRIDAY, zone=NEW_YORK, prefer=prefer)  # type: ignore[arg-type]
    assert kickoff == Kickoff(expected_day, None)


@pytest.mark.parametrize("prefer", ["past", "future", "nearest"])
def test_todays_own_weekday_is_a_week_either_way_so_none(prefer: str) -> None:
    for text in ("Fri", "Friday", "Fri, 7:00 PM"):
        assert resolve(text, None, searched_at=FRIDAY, zone=NEW_YORK, prefer=prefer) == Kickoff(None, None)  # type: ignore[arg-type]


def test_weekday_with_a_time() -> None:
    kickoff = resolve("Sun, 1:00 PM", None, searched_at=FRIDAY, zone=NEW_YORK, prefer="future")
    assert kickoff == Kickoff(date(2026, 11, 29), utc("2026-11-29T18:00"))
    kickoff = resolve("Thu", "8:15 PM", searched_at=FRIDAY, zone=NEW_YORK, prefer="past")
    assert kickoff == Kickoff(date(2026, 11, 26), utc("2026-11-27T01:15"))


@pytest.mark.parametrize(
    ("date_text", "searched_at", "expected_day"),
    [
        ("Jan 3", at("2026-12-28T12:00"), date(2027, 1, 3)),
        ("1/3", at("2026-12-28T12:00"), date(2027, 1, 3)),
        ("Sun, Jan 3", at("2026-12-28T12:00"), date(2027, 1, 3)),
        ("Fri, Jan 1", at("2026-12-28T12:00"), date(2027, 1, 1)),
        ("Dec 28", at("2027-01-03T12:00"), date(2026, 12, 28)),
        ("Mon, Dec 28", at("2027-01-03T12:00"), date(2026, 12, 28)),
        ("12/31", at("2027-01-01T00:30"), date(2026, 12, 31)),
        ("tomorrow", at("2026-12-31T23:30"), date(2027, 1, 1)),
        ("yesterday", at("2027-01-01T00:10"), date(2026, 12, 31)),
        ("Fri", at("2026-12-30T12:00"), date(2027, 1, 1)),  # nearest: 2 ahead
        ("Thu", at("2027-01-02T12:00"), date(2026, 12, 31)),  # nearest: 2 behind
        ("Jun 1", at("2026-12-01T12:00"), date(2027, 6, 1)),  # 182 days ahead beats 183 behind
        ("Jun 2", at("2026-12-01T12:00"), date(2026, 6, 2)),  # 182 behind beats 183 ahead
        ("May 31", at("2026-12-01T12:00"), date(2027, 5, 31)),  # 181 ahead beats 184 behind
    ],
)
def test_year_turns(date_text: str, searched_at: datetime, expected_day: date) -> None:
    assert resolve(date_text, None, searched_at=searched_at, zone=NEW_YORK) == Kickoff(expected_day, None)


def test_today_is_the_local_date_not_the_utc_one() -> None:
    # 03:00 UTC on 1 January 2027 is still New Year's Eve in New York, and already morning in Tokyo.
    searched_at = utc("2027-01-01T03:00")
    assert resolve("today", None, searched_at=searched_at, zone=NEW_YORK).day == date(2026, 12, 31)
    assert resolve("today", None, searched_at=searched_at, zone=TOKYO).day == date(2027, 1, 1)
    assert resolve("Dec 31", None, searched_at=searched_at, zone=TOKYO).day == date(2026, 12, 31)


def test_the_zone_decides_the_instant() -> None:
    text = "today, 3:00 PM"
    assert resolve(text, None, searched_at=FRIDAY, zone=NEW_YORK).start == utc("2026-11-27T20:00")
    assert resolve(text, None, searched_at=FRIDAY, zone=LONDON).start == utc("2026-11-27T15:00")
    assert resolve(text, None, searched_at=FRIDAY, zone=TOKYO).start == utc("2026-11-28T06:00")


@pytest.mark.parametrize(
    ("date_text", "searched_at"),
    [
        ("Sat, Nov 9", FRIDAY),  # 9 November 2026 is a Monday
        ("Sun, Feb 9, 6:30 PM", FRIDAY),  # a Sunday in 2025, a Tuesday in 2027: no other year is tried
        ("Thu, Apr 18", FRIDAY),
        ("Wed, 11/10", FRIDAY),
        ("Feb 29", FRIDAY),  # neither 2025, 2026 nor 2027 has one
        ("2/29", at("2029-01-10T12:00")),  # 2028's is 316 days back
        ("Feb 29", at("2028-12-31T12:00")),  # 306 days back
        ("Mar 1", at("2027-08-31T12:00")),  # 183 days either way: a tie
        ("Nov 31", FRIDAY),
        ("Feb 30", FRIDAY),
        ("13/1", FRIDAY),
        ("0/5", FRIDAY),
        ("11/0", FRIDAY),
        ("Smarch 3", FRIDAY),
        ("Nov", FRIDAY),
        ("Nov 9 10", FRIDAY),
        ("Nov 123", FRIDAY),
        ("11/9/2026", FRIDAY),
        ("Feb 9 PM", FRIDAY),
        ("sunshine", FRIDAY),
        ("tomorrowish", FRIDAY),
        ("today tomorrow", FRIDAY),
        ("Sun, Nov 29, Live", FRIDAY),
        ("7:30 PM", FRIDAY),  # a time with no day
        ("TBD", FRIDAY),
        ("", FRIDAY),
        ("  ,  ", FRIDAY),
        (None, FRIDAY),
    ],
)
def test_uncertain_or_unreadable_dates_give_nothing(date_text: str | None, searched_at: datetime) -> None:
    assert resolve(date_text, "7:00 PM", searched_at=searched_at, zone=NEW_YORK) == Kickoff(None, None)


@pytest.mark.parametrize(
    ("date_text", "searched_at", "expected_day"),
    [
        ("Feb 29", at("2028-02-20T12:00"), date(2028, 2, 29)),
        ("Tue, Feb 29", at("2028-02-20T12:00"), date(2028, 2, 29)),
        ("2/29", at("2027-12-15T12:00"), date(2028, 2, 29)),
        ("Feb 29", at("2028-06-01T12:00"), date(2028, 2, 29)),
    ],
)
def test_feb_29_in_a_near_leap_year(date_text: str, searched_at: datetime, expected_day: date) -> None:
    assert resolve(date_text, None, searched_at=searched_at, zone=NEW_YORK) == Kickoff(expected_day, None)


@pytest.mark.parametrize(
    ("date_text", "zone", "expected"),
    [
        # New York 2026: 02:00 EST becomes 03:00 EDT on 8 March; 02:00 EDT becomes 01:00 EST on 1 November.
        ("Sun, Mar 8, 1:30 AM", NEW_YORK, "2026-03-08T06:30"),
        ("Sun, Mar 8, 2:00 AM", NEW_YORK, None),
        ("Sun, Mar 8, 2:30 AM", NEW_YORK, None),
        ("Sun, Mar 8, 3:00 AM", NEW_YORK, "2026-03-08T07:00"),
        ("Sun, Mar 8, 1:00 PM", NEW_YORK, "2026-03-08T17:00"),
        ("Sat, Mar 7, 1:00 PM", NEW_YORK, "2026-03-07T18:00"),
        ("Sun, Nov 1, 12:59 AM", NEW_YORK, "2026-11-01T04:59"),
        ("Sun, Nov 1, 1:00 AM", NEW_YORK, None),
        ("Sun, Nov 1, 1:30 AM", NEW_YORK, None),
        ("Sun, Nov 1, 2:00 AM", NEW_YORK, "2026-11-01T07:00"),
        ("Sun, Nov 1, 1:00 PM", NEW_YORK, "2026-11-01T18:00"),
        ("Sat, Oct 31, 1:00 PM", NEW_YORK, "2026-10-31T17:00"),
        # London 2026: 01:00 GMT becomes 02:00 BST on 29 March; 02:00 BST becomes 01:00 GMT on 25 October.
        ("Sun, Mar 29, 00:59", LONDON, "2026-03-29T00:59"),
        ("Sun, Mar 29, 01:30", LONDON, None),
        ("Sun, Mar 29, 02:00", LONDON, "2026-03-29T01:00"),
        ("Sun, Mar 29, 15:00", LONDON, "2026-03-29T14:00"),
        ("Sat, Mar 28, 15:00", LONDON, "2026-03-28T15:00"),
        ("Sun, Oct 25, 00:30", LONDON, "2026-10-24T23:30"),
        ("Sun, Oct 25, 1:30 AM", LONDON, None),
        ("Sun, Oct 25, 02:00", LONDON, "2026-10-25T02:00"),
        ("Sun, Oct 25, 15:00", LONDON, "2026-10-25T15:00"),
        ("Sat, Oct 24, 15:00", LONDON, "2026-10-24T14:00"),
    ],
)
def test_dst_boundaries(date_text: str, zone: ZoneInfo, expected: str | None) -> None:
    searched_at = at("2026-03-20T12:00", zone) if "Mar" in date_text else at("2026-10-28T12:00", zone)
    kickoff = resolve(date_text, None, searched_at=searched_at, zone=zone)
    assert kickoff.day is not None  # a gap or a fold loses the instant, never the day
    assert kickoff.start == (utc(expected) if expected else None)


def test_searched_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        resolve("today", None, searched_at=datetime(2026, 11, 27, 12, 0), zone=NEW_YORK)


def test_prefer_must_be_a_direction() -> None:
    with pytest.raises(ValueError, match="prefer"):
        resolve("Sun", None, searched_at=FRIDAY, zone=NEW_YORK, prefer="later")  # type: ignore[arg-type]


ZONES = st.sampled_from([NEW_YORK, LONDON, TOKYO, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("UTC")])
SEARCHES = st.datetimes(timezones=st.just(UTC))
PREFER = st.sampled_from(["past", "future", "nearest"])
# Pieces of real texts, so that the random ones reach the deep paths, not only the first check.
PIECES = st.sampled_from(
    ["today", "Sun", "Thursday", "Feb", "Nov.", "9", "29", "12", "/", ":", "30", "PM", "a.m.", ",", " ",
     "\u202f", "\u00a0", ".", "TBD", "th", "2026", "0", "-"]
)  # fmt: skip
TEXTS = st.none() | st.text() | st.lists(PIECES, max_size=8).map("".join)


def _check(kickoff: Kickoff, zone: ZoneInfo) -> None:
    assert isinstance(kickoff, Kickoff)
    if kickoff.start is not None:
        assert kickoff.day is not None
        assert kickoff.start.tzinfo is UTC
        assert kickoff.start.astimezone(zone).date() == kickoff.day


@given(date_text=TEXTS, time_text=TEXTS, searched_at=SEARCHES, zone=ZONES, prefer=PREFER)
def test_resolve_never_raises_and_a_start_lies_on_its_day(
    date_text: str | None, time_text: str | None, searched_at: datetime, zone: ZoneInfo, prefer: str
) -> None:
    _check(resolve(date_text, time_text, searched_at=searched_at, zone=zone, prefer=prefer), zone)  # type: ignore[arg-type]


@given(
    searched_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    offset=st.integers(min_value=-180, max_value=180),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
    zone=ZONES,
)
def test_printed_dates_read_back(searched_at: datetime, offset: int, minutes: int, zone: ZoneInfo) -> None:
    """Any day within half a year of the search, printed as Google prints it, resolves to that day."""
    today = searched_at.astimezone(zone).date()
    day = today + timedelta(days=offset)
    clock = time(minutes // 60, minutes % 60)
    twelve_hour = f"{(clock.hour - 1) % 12 + 1}:{clock.minute:02d}\u202f{'PM' if clock.hour >= 12 else 'AM'}"
    printed = [
        (f"{day:%a}, {day:%b} {day.day}, {twelve_hour}", None),
        (f"{day:%A}, {day:%B} {day.day}", f"{clock:%H:%M}"),
        (f"{day.day} {day:%b}", twelve_hour),
        (f"{day.month}/{day.day}", twelve_hour),
    ]
    local = datetime.combine(day, clock)
    certain = local.replace(tzinfo=zone, fold=0).utcoffset() == local.replace(tzinfo=zone, fold=1).utcoffset()
    for date_text, time_text in printed:
        kickoff = resolve(date_text, time_text, searched_at=searched_at, zone=zone)
        assert kickoff.day == day, date_text
        if certain:
            assert kickoff.start is not None
            assert kickoff.start.astimezone(zone).replace(tzinfo=None) == local
        else:
            assert kickoff.start is None
