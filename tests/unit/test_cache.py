from __future__ import annotations

import asyncio

import orjson
import pytest

from sports_api.cache import Entry, MemoryStore
from sports_api.cache.flight import SingleFlight
from sports_api.core.errors import BudgetExhausted
from sports_api.quota.budget import Budget
from sports_api.sports.models import Game, Team


def game(score: int | None = 1) -> Game:
    team = Team(name="A", score=score, logo=None)
    return Game(
        competition="NFL", stage=None, status=None, date=None, time=None, venue=None,
        teams=[team], home=None, away=None,
    )  # fmt: skip


def test_entry_round_trips_through_bytes() -> None:
    entry = Entry.build([game()], "serpapi", 1700000000.25)
    assert Entry.load(entry.dump()) == entry
    assert orjson.loads(entry.games)[0]["teams"][0]["score"] == 1


def test_etag_follows_the_games_only() -> None:
    same = Entry.build([game()], "demo", 1.0), Entry.build([game()], "demo", 2.0)
    assert same[0].etag == same[1].etag and same[0].etag.startswith('W/"')
    assert Entry.build([game(2)], "demo", 1.0).etag != same[0].etag


@pytest.mark.parametrize("raw", [b"", b"garbage", b"1.0\nsource"])
def test_unreadable_entry_is_a_miss(raw: bytes) -> None:
    assert Entry.load(raw) is None


async def test_memory_store_expires_and_evicts() -> None:
    store = MemoryStore(max_entries=2)
    entry = Entry.build([], "demo", 0)
    await store.put("a", entry, 60)
    await store.put("b", entry, 60)
    await store.get("a")  # a is now most recently used
    await store.put("c", entry, 60)
    assert await store.get("b") is None
    assert await store.get("a") == entry
    await store.put("gone", entry, 0)
    assert await store.get("gone") is None


async def test_single_flight_shares_one_call() -> None:
    flight, calls = SingleFlight(), 0

    async def call() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return 42

    results = await asyncio.gather(*(flight.run("k", call) for _ in range(200)))
    assert results == [42] * 200 and calls == 1
    assert len(flight) == 0


async def test_single_flight_shares_the_failure_and_then_forgets_it() -> None:
    flight = SingleFlight()

    async def fail() -> None:
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    outcomes = await asyncio.gather(*(flight.run("k", fail) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(o, ValueError) for o in outcomes)

    async def ok() -> str:
        return "fresh"

    assert await flight.run("k", ok) == "fresh"


async def test_a_cancelled_caller_does_not_cancel_the_call_for_the_others() -> None:
    flight = SingleFlight()

    async def slow() -> str:
        await asyncio.sleep(0.05)
        return "done"

    impatient = asyncio.ensure_future(flight.run("k", slow))
    patient = asyncio.ensure_future(flight.run("k", slow))
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == "done"


async def test_budget_stops_at_the_hourly_cap_with_retry_after() -> None:
    budget = Budget(MemoryStore(), per_hour=3)
    for _ in range(3):
        await budget.spend()
    with pytest.raises(BudgetExhausted) as caught:
        await budget.spend()
    assert caught.value.retry_after is not None and 1 <= caught.value.retry_after <= 3601
