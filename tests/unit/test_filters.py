"""Filters by status and start window, and the freshness a document earns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from sports_api.quota.freshness import Freshness
from sports_api.sports.filters import GameFilter, window
from sports_api.sports.models import Document, Game, Team

NEW_YORK = ZoneInfo("America/New_York")
UTC_ZONE = ZoneInfo("UTC")


def game(status: str = "final", start: datetime | None = None, day: date | None = None) -> Game:
    return Game(
        id=f"g-{status}-{start}-{day}", competition="NFL", status=status, status_text=None,
        start_time=start, start_date=day, date=None, time=None, venue=None,
        teams=[Team(name="A")], home=None, away=None,
    )  # fmt: skip


EVENING = game("final", datetime(2026, 11, 23, 1, 0, tzinfo=UTC), date(2026, 11, 22))  # 20:00 in New York
DAY_ONLY = game("final", None, date(2026, 11, 22))
NOTHING = game("scheduled")
LIVE = game("live", datetime(2026, 11, 22, 21, 0, tzinfo=UTC), date(2026, 11, 22))


def kept(games: list[Game], wanted: GameFilter) -> list[Game]:
    return wanted.apply(games, NEW_YORK)


def test_no_filter_keeps_everything() -> None:
    assert kept([EVENING, DAY_ONLY, NOTHING], GameFilter()) == [EVENING, DAY_ONLY, NOTHING]
    assert not GameFilter().active


def test_status_filter() -> None:
    assert kept([EVENING, LIVE, NOTHING], GameFilter(statuses=frozenset({"live", "scheduled"}))) == [
        LIVE,
        NOTHING,
    ]


def test_a_day_is_read_in_the_clients_zone() -> None:
    # 01:00 UTC on the 23rd is the evening of the 22nd in New York.
    in_utc = GameFilter(None, *window(date(2026, 11, 23), None, None, UTC_ZONE))
    in_new_york = GameFilter(None, *window(date(2026, 11, 22), None, None, NEW_YORK))
    assert kept([EVENING], in_utc) == [EVENING]
    assert kept([EVENING, DAY_ONLY, NOTHING], in_new_york) == [EVENING, DAY_ONLY]


def test_a_game_known_only_by_its_day_is_in_a_window_only_when_the_whole_day_is() -> None:
    # The 22nd in New York runs 05:00 UTC on the 22nd to 05:00 on the 23rd: a UTC day does not hold it.
    assert kept([DAY_ONLY], GameFilter(None, *window(date(2026, 11, 22), None, None, UTC_ZONE))) == []
    wide = GameFilter(None, *window(None, date(2026, 11, 21), date(2026, 11, 23), UTC_ZONE))
    assert kept([DAY_ONLY, NOTHING], wide) == [DAY_ONLY]


def test_from_and_to_are_inclusive_days() -> None:
    lower, upper = window(None, date(2026, 11, 22), date(2026, 11, 22), NEW_YORK)
    assert (lower, upper) == (
        datetime(2026, 11, 22, tzinfo=NEW_YORK),
        datetime(2026, 11, 23, tzinfo=NEW_YORK),
    )
    assert kept([EVENING, DAY_ONLY], GameFilter(None, lower, upper)) == [EVENING, DAY_ONLY]
    assert kept([EVENING], GameFilter(None, *window(None, date(2026, 11, 23), None, NEW_YORK))) == []
    assert kept([EVENING], GameFilter(None, *window(None, None, date(2026, 11, 21), NEW_YORK))) == []


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
def test_the_ends_of_the_calendar_clamp(zone: str) -> None:
    lower, upper = window(date(1, 1, 1), None, date(9999, 12, 31), ZoneInfo(zone))
    assert lower is not None and upper is not None and lower < upper


def test_an_empty_window_keeps_no_game() -> None:
    for empty in (
        window(None, date(2026, 11, 23), date(2026, 11, 22), UTC_ZONE),
        window(date(2026, 11, 22), date(2026, 11, 24), None, UTC_ZONE),
    ):
        assert kept([EVENING, DAY_ONLY, LIVE], GameFilter(None, *empty)) == []


NOW = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
POLICY = Freshness(live=60, idle=3600)


@pytest.mark.parametrize(
    ("games", "seconds"),
    [
        ([LIVE.model_copy(update={"status": "paused"})], 60),
        ([LIVE], 60),
        ([EVENING, DAY_ONLY], 3600),
        ([], 3600),
        ([game("scheduled", datetime(2026, 11, 22, 20, 20, tzinfo=UTC))], 20 * 60 + 60),
        ([game("scheduled", datetime(2026, 11, 22, 23, 0, tzinfo=UTC))], 3600),
        ([game("scheduled", datetime(2026, 11, 22, 19, 55, tzinfo=UTC))], 60),  # due to have started
        ([game("scheduled", datetime(2026, 11, 21, 19, 55, tzinfo=UTC))], 3600),  # a day late: not live
    ],
)
def test_freshness_follows_the_games(games: list[Game], seconds: int) -> None:
    assert POLICY.seconds(Document(games=games), NOW.timestamp()) == seconds
