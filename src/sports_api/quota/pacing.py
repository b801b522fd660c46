"""Pacing the month: how many searches this hour may spend.

A plan counts searches per month (the free plan 250, the developer plan
5,000), so a fixed hourly cap spends the month in days. The hour's allowance
is therefore what SerpAPI says is left this month, spread evenly over the
hours left in it (this one included), and never more than
`SERPAPI_MAX_SEARCHES_PER_HOUR` nor SerpAPI's own hourly limit. A fraction
of a search per hour is handed out whole, in some hours and not others: at
0.35 an hour, every third hour gets one. Searches unspent in an hour stay
in the plan and raise the rate of the hours after it.

Without a reading from the Account API (no network, the demo) the allowance
is the configured cap, as before.

As an hour's allowance fills, live refreshes slow down first (`live_stretch`
lengthens a live answer's freshness), so idle and cold keys, which need one
search an hour, are not stopped by live games refreshing every minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

HOUR = 3600
MAX_STRETCH = 10.0  # a live answer stays fresh at most this many times TTL_LIVE_SECONDS


@dataclass(frozen=True, slots=True)
class Account:
    """What SerpAPI's Account API said, and when."""

    plan_searches_left: int
    read_at: float  # Unix time
    searches_per_month: int | None = None
    this_month_usage: int | None = None
    this_hour_searches: int | None = None
    last_hour_searches: int | None = None
    account_rate_limit_per_hour: int | None = None


def month_bounds(now: float) -> tuple[float, float]:
    """The calendar month (UTC) around `now`: its start and end, Unix time."""
    moment = datetime.fromtimestamp(now, UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start.timestamp(), end.timestamp()


def hours_left(now: float) -> float:
    """The clock hours left in the month (UTC) at `now`, the one under way included."""
    _, end = month_bounds(now)
    return max(1.0, (end - (now - now % HOUR)) / HOUR)


def hourly_rate(left: int, now: float) -> float:
    """Searches an hour that spend `left` evenly over the rest of the month, this hour included."""
    return max(0, left) / hours_left(now)


def plan_allowance(left: int, now: float, cap: int, rate_limit: int | None = None) -> int:
    """This clock hour's whole searches at the month's even rate, within `cap` and SerpAPI's hourly limit.

    At a rate of one or more an hour, its whole part; below one, one search
    every ceil(1 / rate) hours. Both round down: what an hour does not get
    stays in the plan and raises the rate of the hours after it, so the month
    is spent by its end and never before.
    """
    if left <= 0:
        return 0
    rate = hourly_rate(left, now)
    if rate >= 1:
        allowance = math.floor(rate)
    else:
        start, _ = month_bounds(now)
        hour = int((now - start) // HOUR)
        allowance = 1 if hour % math.ceil(1 / rate) == 0 else 0
    limits = [cap, left] + ([rate_limit] if rate_limit is not None and rate_limit > 0 else [])
    return max(0, min([allowance, *limits]))


def live_stretch(spent: int, allowance: int) -> float:
    """How many times TTL_LIVE_SECONDS a live answer stays fresh, given the hour's spending.

    1 while at least half the hour's allowance is left; then it grows as the
    rest runs out (2x at a quarter left, 4x at an eighth), up to MAX_STRETCH.
    Live refreshes thus slow down well before searches stop. Once nothing is
    left, 1 again: no refresh can be bought this hour anyway, and an answer
    past its freshness is then served as what it is, a stale copy.
    """
    if allowance <= 0 or spent >= allowance:
        return 1.0
    left = 1.0 - spent / allowance
    if left >= 0.5:
        return 1.0
    return min(MAX_STRETCH, 0.5 / max(left, 0.5 / MAX_STRETCH))


class Pacer:
    """The hour's allowance from this month's latest Account API reading, or the configured cap without one.

    A reading taken before the month turned says nothing of the new month's
    plan (its searches came back at the turn), so until the next reading the
    cap applies, as before the first.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.account: Account | None = None

    def update(self, account: Account) -> None:
        self.account = account

    def current(self, now: float) -> Account | None:
        """The latest reading, if it was taken in the month of `now`."""
        account = self.account
        if account is None or account.read_at < month_bounds(now)[0]:
            return None
        return account

    def allowance(self, now: float) -> int:
        account = self.current(now)
        if account is None:
            return self.cap
        return plan_allowance(account.plan_searches_left, now, self.cap, account.account_rate_limit_per_hour)

    def rate(self, now: float) -> float | None:
        """The month's even rate, searches an hour; None without a reading of this month."""
        account = self.current(now)
        return None if account is None else hourly_rate(account.plan_searches_left, now)
