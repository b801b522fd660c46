"""Quota economics (issue 11): pacing the month, fair shares, failures, back-off; injected clocks only."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from sports_api.cache import MemoryStore
from sports_api.core.errors import (
    BudgetExhausted,
    ClientShareExhausted,
    ShareSpent,
    UpstreamBackingOff,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from sports_api.quota.account import AccountUnavailable, parse
from sports_api.quota.budget import Budget, Kind
from sports_api.quota.clients import client_id
from sports_api.quota.cooldown import Cooldown
from sports_api.quota.pacing import (
    MAX_STRETCH,
    Account,
    Pacer,
    hourly_rate,
    live_stretch,
    month_bounds,
    plan_allowance,
)

# 2026-11-16 00:00 UTC: 15 days, 360 hours, left in November.
MID_NOVEMBER = datetime(2026, 11, 16, tzinfo=UTC).timestamp()
HOUR = 3600


class Clock:
    def __init__(self, now: float = MID_NOVEMBER) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---- pacing the month ------------------------------------------------------------------------


def test_month_bounds_cover_december_into_january() -> None:
    start, end = month_bounds(datetime(2026, 12, 31, 23, 59, tzinfo=UTC).timestamp())
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 12, 1, tzinfo=UTC)
    assert datetime.fromtimestamp(end, UTC) == datetime(2027, 1, 1, tzinfo=UTC)


def test_the_rate_spreads_what_is_left_over_the_hours_left() -> None:
    assert hourly_rate(3600, MID_NOVEMBER) == pytest.approx(10.0)
    assert hourly_rate(3600, MID_NOVEMBER + 1800) == pytest.approx(10.0)  # the hour under way counts
    assert hourly_rate(0, MID_NOVEMBER) == 0


def test_the_allowance_is_the_rate_within_the_cap() -> None:
    assert plan_allowance(3600, MID_NOVEMBER, cap=60) == 10
    assert plan_allowance(3600, MID_NOVEMBER, cap=6) == 6
    assert plan_allowance(3600, MID_NOVEMBER, cap=60, rate_limit=4) == 4
    assert plan_allowance(0, MID_NOVEMBER, cap=60) == 0


def test_a_fraction_of_a_search_an_hour_is_handed_out_whole_and_on_average() -> None:
    """80 searches over the last 10 days (240 hours): a third of a search an hour, 8 a day."""
    left = 80
    start, _ = month_bounds(MID_NOVEMBER)
    hours = [start + h * HOUR for h in range(24 * 20, 24 * 21)]
    given = [plan_allowance(left, hour, cap=60) for hour in hours]
    assert set(given) <= {0, 1}
    expected = sum(hourly_rate(left, hour) for hour in hours)
    assert abs(sum(given) - expected) <= 1


def test_a_month_paced_from_the_account_never_overspends_the_plan() -> None:
    """Spend every hour's allowance from the 1st to the last hour: the plan lasts exactly the month."""
    start, end = month_bounds(MID_NOVEMBER)
    left, spent_by_day = 5000, []
    hour = start
    while hour < end:
        spend = plan_allowance(left, hour, cap=60)
        left -= spend
        spent_by_day.append(spend)
        hour += HOUR
    assert left >= 0
    assert 5000 - left >= 4990  # and it is not left unspent either
    assert max(spent_by_day) <= 7  # 5000 / 720 hours: 6.9 an hour, not 60


def test_live_refreshes_slow_as_the_hour_fills_but_not_when_nothing_is_left() -> None:
    assert live_stretch(0, 10) == 1.0
    assert live_stretch(5, 10) == 1.0
    assert live_stretch(8, 10) == pytest.approx(2.5)
    assert live_stretch(9, 10) == pytest.approx(5.0)
    assert live_stretch(99, 100) == MAX_STRETCH
    assert live_stretch(10, 10) == 1.0  # no refresh can be bought: the copy goes stale as it is
    assert live_stretch(0, 0) == 1.0


def test_without_a_reading_the_pacer_uses_the_cap() -> None:
    pacer = Pacer(cap=60)
    assert pacer.allowance(MID_NOVEMBER) == 60 and pacer.rate(MID_NOVEMBER) is None
    pacer.update(Account(plan_searches_left=3600, read_at=MID_NOVEMBER))
    assert pacer.allowance(MID_NOVEMBER) == 10


@pytest.mark.parametrize(
    ("last_read", "turned"),
    [
        ("2026-11-30T23:59:30+00:00", "2026-12-01T00:00:10+00:00"),  # a month's turn
        ("2026-12-31T23:58:00+00:00", "2027-01-01T00:03:00+00:00"),  # the year's turn
        ("2028-02-29T23:59:59+00:00", "2028-03-01T00:00:00+00:00"),  # after Feb 29
    ],
)
def test_a_reading_from_last_month_does_not_pace_the_new_one(last_read: str, turned: str) -> None:
    read_at, now = (datetime.fromisoformat(t).timestamp() for t in (last_read, turned))
    pacer = Pacer(cap=60)
    pacer.update(Account(plan_searches_left=30, read_at=read_at))  # 30 left for the month's last hour
    assert pacer.allowance(read_at) == 30 and pacer.rate(read_at) == 30
    # The plan renewed at the turn: 30 over a new month would be one search a day. The cap
    # applies, as before any reading, until the next one.
    assert pacer.current(now) is None
    assert pacer.allowance(now) == 60 and pacer.rate(now) is None
    pacer.update(Account(plan_searches_left=7440, read_at=now))
    assert pacer.current(now) is not None and pacer.allowance(now) == 10


# ---- the Account API's answer ----------------------------------------------------------------


def test_account_body_is_read_with_its_numbers() -> None:
    body = {
        "plan_searches_left": 4123,
        "searches_per_month": 5000,
        "this_month_usage": 877,
        "this_hour_searches": "3",
        "account_rate_limit_per_hour": 1000,
    }
    account = parse(body, MID_NOVEMBER)
    assert account.plan_searches_left == 4123 and account.this_hour_searches == 3
    assert account.read_at == MID_NOVEMBER and account.account_rate_limit_per_hour == 1000


@pytest.mark.parametrize("body", [[], {"plan_searches_left": None}, {"plan_searches_left": True}, {}])
def test_account_body_without_searches_left_is_refused(body: object) -> None:
    with pytest.raises(AccountUnavailable):
        parse(body, MID_NOVEMBER)


# ---- fair shares -----------------------------------------------------------------------------


def budget(per_hour: int = 20, clock: Clock | None = None, **options: object) -> Budget:
    clock = clock or Clock()
    return Budget(MemoryStore(clock=clock), per_hour, clock=clock, **options)  # type: ignore[arg-type]


async def spend(b: Budget, kind: Kind, client: str = "ip:a", times: int = 1) -> None:
    for _ in range(times):
        await (await b.acquire(kind, client)).succeeded()


async def test_unknown_names_share_at_most_half_the_hour() -> None:
    b = budget(per_hour=20, client_per_hour=100)
    for n in range(10):
        await spend(b, Kind.UNKNOWN, f"ip:{n}")
    with pytest.raises(ShareSpent) as refused:
        await b.acquire(Kind.UNKNOWN, "ip:new")
    assert refused.value.status == 503 and 1 <= refused.value.retry_after <= 3601
    await spend(b, Kind.LEAGUE, times=10)  # the other half is still there


async def test_each_client_gets_its_own_part_then_429() -> None:
    b = budget(per_hour=100, client_per_hour=3)
    await spend(b, Kind.UNKNOWN, "key:junk", times=3)
    with pytest.raises(ClientShareExhausted) as refused:
        await b.acquire(Kind.UNKNOWN, "key:junk")
    assert refused.value.status == 429 and refused.value.retry_after
    await spend(b, Kind.UNKNOWN, "key:other")  # another client is not held back
    await spend(b, Kind.TEAM, "key:junk")  # nor is the same client for a catalogue team


async def test_team_searches_cannot_spend_the_leagues_reserve() -> None:
    b = budget(per_hour=20, league_reserve=0.25)
    await spend(b, Kind.TEAM, times=15)
    with pytest.raises(ShareSpent):
        await b.acquire(Kind.TEAM)
    await spend(b, Kind.LEAGUE, times=5)
    with pytest.raises(BudgetExhausted):
        await b.acquire(Kind.LEAGUE)


async def test_the_leagues_reserve_covers_one_search_per_league_up_to_half_the_hour() -> None:
    assert budget(per_hour=60, league_keys=11).shares(MID_NOVEMBER).teams == 45  # a quarter: 15
    assert budget(per_hour=28, league_keys=11).shares(MID_NOVEMBER).teams == 17  # one per league
    assert budget(per_hour=10, league_keys=11).shares(MID_NOVEMBER).teams == 5  # at most half
    assert budget(per_hour=1, league_keys=11).shares(MID_NOVEMBER).teams == 1  # one search: no reserve


async def test_a_refusal_gives_back_every_place_it_took() -> None:
    b = budget(per_hour=20, client_per_hour=100)
    await spend(b, Kind.UNKNOWN, times=10)
    with pytest.raises(ShareSpent):
        await b.acquire(Kind.UNKNOWN)
    state = await b.status("ip:a")
    assert state["spent"] == 10
    assert state["shares"]["unknown_teams"] == {"limit": 10, "spent": 10}  # type: ignore[index]
    assert state["shares"]["client"] == {  # type: ignore[index]
        "id": "ip:a",
        "limit": 100,
        "spent": 10,
        "found_nothing": 0,
        "found_nothing_limit": 3,
    }


async def test_failed_searches_do_not_count_but_have_an_allowance_of_their_own() -> None:
    b = budget(per_hour=2, failures_per_hour=3)
    for _ in range(3):
        await (await b.acquire(Kind.LEAGUE)).failed()
    state = await b.status(None)
    assert state["spent"] == 0 and state["failed"] == 3
    with pytest.raises(ShareSpent, match="failed"):
        await b.acquire(Kind.LEAGUE)


async def test_concurrent_places_never_exceed_the_allowance() -> None:
    b = budget(per_hour=3)
    grants = [await b.acquire(Kind.LEAGUE) for _ in range(3)]  # all under way at once
    with pytest.raises(BudgetExhausted):
        await b.acquire(Kind.LEAGUE)
    await grants[0].failed()  # one failed: its place is free again
    await spend(b, Kind.LEAGUE)


async def test_a_new_hour_starts_with_fresh_counts() -> None:
    clock = Clock()
    b = budget(per_hour=1, clock=clock)
    await spend(b, Kind.LEAGUE)
    with pytest.raises(BudgetExhausted):
        await b.acquire(Kind.LEAGUE)
    clock.now += HOUR
    await spend(b, Kind.LEAGUE)


async def test_the_plan_paces_the_budget() -> None:
    clock = Clock()
    b = budget(per_hour=60, clock=clock)
    b.pacer.update(Account(plan_searches_left=720, read_at=clock.now))  # 2 an hour for 360 hours
    await spend(b, Kind.LEAGUE, times=2)
    with pytest.raises(BudgetExhausted, match="budget of 2"):
        await b.acquire(Kind.LEAGUE)


# ---- back-off --------------------------------------------------------------------------------


def test_backoff_starts_after_repeated_failures_doubles_and_is_capped() -> None:
    cooldown = Cooldown(after=2, base=4, cap=30, rng=random.Random(1))
    now = 1000.0
    assert cooldown.failed(now) == 0  # one failure is not an outage
    cooldown.check(now)
    waits = [cooldown.failed(now) for _ in range(6)]
    ceilings = [4, 8, 16, 30, 30, 30]
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling  # jittered between half and all of it
    with pytest.raises(UpstreamBackingOff) as held:
        cooldown.check(now)
    assert held.value.status == 503 and held.value.retry_after >= 1


def test_after_the_backoff_one_probe_goes_and_its_success_ends_it() -> None:
    cooldown = Cooldown(after=2, base=4, cap=30, rng=random.Random(2))
    cooldown.failed(0)
    wait = cooldown.failed(0)
    with pytest.raises(UpstreamBackingOff):
        cooldown.check(wait - 0.1)
    cooldown.check(wait + 0.1)  # the probe
    with pytest.raises(UpstreamBackingOff):
        cooldown.check(wait + 0.2)  # the others wait for it
    cooldown.succeeded()
    cooldown.check(wait + 0.3)
    cooldown.check(wait + 0.3)
    assert cooldown.state(wait + 0.3)["state"] == "searching"


def test_a_failed_probe_backs_off_longer() -> None:
    cooldown = Cooldown(after=1, base=10, cap=1000, rng=random.Random(3))
    first = cooldown.failed(0)
    cooldown.check(first + 1)
    second = cooldown.failed(first + 1)
    assert second >= 10  # 20 jittered: at least half
    with pytest.raises(UpstreamBackingOff):
        cooldown.check(first + 1 + second - 0.5)


def test_a_429_pauses_every_key_until_its_retry_after() -> None:
    cooldown = Cooldown()
    cooldown.start(90, 0)
    with pytest.raises(UpstreamRateLimited) as held:
        cooldown.check(30)
    assert held.value.retry_after == 60
    cooldown.check(90)


def test_which_failures_are_an_outage() -> None:
    assert Cooldown.counts_as_outage(UpstreamTimeout("slow"))
    assert Cooldown.counts_as_outage(UpstreamUnavailable("500"))
    assert not Cooldown.counts_as_outage(UpstreamRateLimited("429"))


# ---- who is asking ---------------------------------------------------------------------------

HEADER = [(b"x-api-key-id", b"t2k9x4q7z1")]


def test_the_api_key_id_is_believed_only_from_a_trusted_proxy() -> None:
    assert client_id(("10.0.3.7", 51234), HEADER, "10.0.0.0/16") == "key:t2k9x4q7z1"
    assert client_id(("203.0.113.9", 51234), HEADER, "10.0.0.0/16") == "ip:203.0.113.9"
    assert client_id(("203.0.113.9", 51234), HEADER, "*") == "key:t2k9x4q7z1"


def test_an_address_uvicorn_took_from_a_trusted_proxys_forwarded_for_keeps_the_header() -> None:
    # uvicorn replaced the proxy's address by the client's, port 0, having trusted the proxy.
    assert client_id(("198.51.100.23", 0), HEADER, "127.0.0.1") == "key:t2k9x4q7z1"
    assert client_id(("198.51.100.23", 0), [], "127.0.0.1") == "ip:198.51.100.23"


@pytest.mark.parametrize("value", [b"", b"a b", b"x" * 129, b"\xff\xfe", b"id;drop"])
def test_an_insane_api_key_id_is_ignored(value: bytes) -> None:
    assert client_id(("127.0.0.1", 5000), [(b"x-api-key-id", value)], "127.0.0.1") == "ip:127.0.0.1"


# ---- the Redis circuit-breaker ---------------------------------------------------------------


def test_the_breaker_skips_redis_after_an_error_then_lets_one_probe_through() -> None:
    from sports_api.cache.redis import Breaker

    clock = Clock(0.0)
    breaker = Breaker(5.0, clock)
    assert breaker.allow() and not breaker.is_open
    assert breaker.failed() is True  # opened now: logged once
    assert breaker.failed() is False  # already open: not logged again
    clock.now = 4.9
    assert not breaker.allow()
    clock.now = 5.0
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # the others keep skipping while it runs
    breaker.succeeded()
    assert breaker.allow() and not breaker.is_open


async def test_a_client_whose_names_find_nothing_is_stopped_for_the_hour() -> None:
    clock = Clock(MID_NOVEMBER)
    b = budget(per_hour=100, client_empty_per_hour=2, clock=clock)
    for _ in range(2):
        await spend(b, Kind.UNKNOWN, "key:bot")
        await b.found_nothing("key:bot")
    with pytest.raises(ClientShareExhausted) as refused:
        await b.acquire(Kind.UNKNOWN, "key:bot")
    assert refused.value.status == 429 and "found nothing" in refused.value.detail
    await spend(b, Kind.UNKNOWN, "key:other")  # another client is not held back
    await spend(b, Kind.TEAM, "key:bot")  # nor the bot for a catalogue team
    clock.now += 3600
    await spend(b, Kind.UNKNOWN, "key:bot")  # a new hour, a new chance
