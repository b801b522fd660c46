from __future__ import annotations

import asyncio

import orjson
import pytest

from sports_api.cache import Entry, MemoryStore
from sports_api.cache.entry import _PARSED, _PARSED_MAX
from sports_api.cache.flight import SingleFlight
from sports_api.core.errors import BudgetExhausted
from sports_api.quota.budget import Budget
from sports_api.sports.models import Document, Game, Standing, StandingTeam, Team

NOW = 1_800_000_000.0


def game(score: int | None = 1) -> Game:
    team = Team(name="A", score=score)
    return Game(
        id="g-1", competition="NFL", status="final", status_text="Final", start_time=None,
        date=None, time=None, venue=None, teams=[team], home=None, away=None,
    )  # fmt: skip


def entry(fetched_at: float = NOW, standings: list[Standing] | None = None) -> Entry:
    return Entry.build(Document(games=[game()], standings=standings), "serpapi", fetched_at, fetched_at + 60)


def test_entry_round_trips_through_bytes() -> None:
    table = [Standing(position=1, team=StandingTeam(name="A"), points=3)]
    for kept in (entry(), entry(standings=table)):
        assert Entry.load(kept.dump(), NOW) == kept
    assert orjson.loads(entry().parts["games"])[0]["teams"][0]["score"] == 1
    assert entry().parts["standings"] == b"null"
    assert entry(standings=table).document().standings == table


def test_an_entrys_document_is_parsed_once_per_content_and_the_memory_is_bounded() -> None:
    first = entry()
    again = Entry.load(first.dump(), NOW)  # the same content, read back from a store
    assert again is not None and again.document() is first.document()
    assert (
        Entry.build(Document(games=[game(score=2)]), "serpapi", NOW, NOW + 60).document()
        is not first.document()
    )
    for n in range(_PARSED_MAX):
        Entry.build(Document(games=[game(score=100 + n)]), "serpapi", NOW, NOW + 60).document()
    assert len(_PARSED) == _PARSED_MAX and (first.parts["games"], first.parts["standings"]) not in _PARSED


def _forged(header: dict, body: bytes = b"[]null") -> bytes:
    return orjson.dumps(header) + b"\n" + body


GOOD = {"source": "demo", "fetched_at": NOW, "fresh_until": NOW + 60, "parts": {"games": 2, "standings": 4}}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage",
        b"1.0\nsource",
        _forged({**GOOD, "fetched_at": "nan"}),
        _forged({**GOOD, "fetched_at": "inf"}),
        _forged({**GOOD, "fetched_at": NOW + 10 * 365 * 86_400, "fresh_until": NOW + 10 * 365 * 86_400}),
        _forged({**GOOD, "fresh_until": NOW + 10 * 365 * 86_400}),
        _forged({**GOOD, "source": "evil"}),
        _forged({**GOOD, "parts": {"games": 2}}, b"[]"),
        _forged({**GOOD, "parts": {"games": 3, "standings": 4}}),
        _forged({**GOOD, "parts": {"games": 2, "standings": 4}}, b"{}null"),
        _forged({**GOOD, "parts": {"games": 2, "standings": 4}}, b"[,nul"),
    ],
    ids=["empty", "garbage", "old-format", "nan", "inf", "future", "pinned", "source", "parts", "lengths",
         "not-a-list", "not-json"],
)  # fmt: skip
def test_unreadable_or_absurd_entry_is_a_miss(raw: bytes) -> None:
    assert Entry.load(raw, NOW) is None


def test_a_forged_entry_in_bounds_is_read() -> None:
    assert Entry.load(_forged(GOOD), NOW) is not None


async def test_memory_store_expires_and_evicts() -> None:
    clock = [NOW]
    store = MemoryStore(max_entries=2, clock=lambda: clock[0])
    kept = entry()
    await store.put("a", kept, 60)
    await store.put("b", kept, 60)
    await store.get("a")  # a is now most recently used
    await store.put("c", kept, 60)
    assert await store.get("b") is None
    assert await store.get("a") == kept
    clock[0] += 61
    assert await store.get("a") is None


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
