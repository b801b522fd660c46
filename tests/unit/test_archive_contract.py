"""The archive store contract, run against both backends: SQLite in a temporary directory, and
DynamoDB on moto_server over HTTP (started here, as the ops tests start theirs).

Every test takes `store` and runs once per backend; the rule they check is one
(`archive/records.py`), the storage two.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest

from sports_api.archive import Archive, ArchiveError, GameRecord, Sighting, View, upsert
from sports_api.archive.records import merge
from sports_api.archive.sqlite import SqliteStore
from sports_api.archive.store import ArchiveStore
from sports_api.core.errors import ArchiveUnavailable, FavouritesFull
from sports_api.sports.filters import GameFilter, window
from sports_api.sports.models import Document, Game, Team
from tests.servers import Moto

ZONE = ZoneInfo("America/New_York")
T0 = datetime(2026, 10, 1, 12, tzinfo=UTC).timestamp()
_tables = itertools.count()


# -- fixtures ------------------------------------------------------------------


def dynamo_table(moto: Moto) -> str:
    from sports_api.archive.dynamodb import table_definition

    name = f"archive-{next(_tables)}"
    client = boto3.client("dynamodb", endpoint_url=moto.url)
    client.create_table(**table_definition(name))
    return name


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[ArchiveStore]:
    if request.param == "sqlite":
        opened: ArchiveStore = SqliteStore(tmp_path / "data")
    else:
        from sports_api.archive.dynamodb import DynamoStore

        moto = request.getfixturevalue("aws_env")
        opened = DynamoStore(dynamo_table(moto), endpoint_url=moto.url)
    yield opened
    opened.close()


# -- helpers -------------------------------------------------------------------


def game(
    game_id: str,
    *,
    status: str = "scheduled",
    start: datetime | None = None,
    day: date | None = None,
    league: str | None = "premier-league",
    teams: tuple[str, str] = ("arsenal", "chelsea"),
    score: tuple[int | None, int | None] = (None, None),
) -> Game:
    sides = [Team(id=team, name=team.title(), score=goals) for team, goals in zip(teams, score, strict=True)]
    return Game(
        id=game_id,
        competition="Premier League",
        league=league,
        status=status,
        status_text=status.title(),
        start_time=start,
        start_date=day if day is not None else (start.astimezone(ZONE).date() if start else None),
        date=None,
        time=None,
        teams=sides,
        home=sides[0],
        away=sides[1],
    )


def seen(item: Game, at: float, source: str = "serpapi", **hints: str) -> Sighting:
    return Sighting(item, at, source, **hints)


def one(store: ArchiveStore, game_id: str, source: str = "serpapi") -> GameRecord:
    return store.get_many(source, [game_id])[game_id]


def kick_off(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 10, 1, hour, tzinfo=UTC) + timedelta(days=day)


LEAGUE = View("league", "premier-league")


# -- the merge rule ------------------------------------------------------------


def test_a_new_game_is_stored_with_its_first_and_last_sighting(store: ArchiveStore) -> None:
    upsert(store, [seen(game("g1", start=kick_off(3)), T0)], ZONE)
    record = one(store, "g1")
    assert (record.first_seen, record.last_seen, record.observed_at) == (T0, T0, T0)
    assert record.status == "scheduled" and not record.final
    assert record.teams == ("arsenal", "chelsea") and record.league == "premier-league"
    assert record.start_key == "2026-10-04T15:00:00Z#g1"
    assert record.to_game() == game("g1", start=kick_off(3))


def test_the_latest_status_and_score_win_and_the_sightings_span_both(store: ArchiveStore) -> None:
    upsert(store, [seen(game("g1", start=kick_off(0)), T0)], ZONE)
    upsert(store, [seen(game("g1", status="live", start=kick_off(0), score=(1, 0)), T0 + 60)], ZONE)
    record = one(store, "g1")
    assert record.status == "live" and record.to_game().teams[0].score == 1
    assert (record.first_seen, record.last_seen) == (T0, T0 + 60)


def test_an_older_answer_never_overwrites_a_newer_one(store: ArchiveStore) -> None:
    upsert(store, [seen(game("g1", status="live", start=kick_off(0), score=(2, 1)), T0 + 120)], ZONE)
    upsert(store, [seen(game("g1", status="live", start=kick_off(0), score=(1, 1)), T0 + 60)], ZONE)
    record = one(store, "g1")
    assert record.to_game().teams[0].score == 2
    assert (record.first_seen, record.last_seen, record.observed_at) == (T0 + 60, T0 + 120, T0 + 120)


def test_a_final_is_never_overwritten_by_an_older_answer_nor_by_a_later_non_final(
    store: ArchiveStore,
) -> None:
    final = game("g1", status="final", start=kick_off(0), score=(3, 1))
    upsert(store, [seen(final, T0 + 7200)], ZONE)
    upsert(store, [seen(game("g1", status="live", start=kick_off(0), score=(1, 1)), T0 + 3600)], ZONE)
    # Fetched later, yet SerpAPI's hour-old copy: still shows the game live.
    upsert(store, [seen(game("g1", status="live", start=kick_off(0), score=(2, 1)), T0 + 9000)], ZONE)
    record = one(store, "g1")
    assert record.final and record.to_game() == final
    assert (record.first_seen, record.last_seen) == (T0 + 3600, T0 + 9000)
    # A newer final (a corrected score) does replace it.
    upsert(store, [seen(game("g1", status="final", start=kick_off(0), score=(3, 2)), T0 + 9600)], ZONE)
    assert one(store, "g1").to_game().teams[1].score == 2


def test_a_start_a_later_answer_no_longer_prints_is_kept(store: ArchiveStore) -> None:
    upsert(store, [seen(game("g1", start=kick_off(0)), T0)], ZONE)
    only_day = game("g1", status="final", day=kick_off(0).astimezone(ZONE).date(), score=(0, 0))
    upsert(store, [seen(only_day, T0 + 9000)], ZONE)
    record = one(store, "g1")
    assert record.final and record.to_game().start_time == kick_off(0)
    assert record.start_key == "2026-10-01T15:00:00Z#g1"


def test_the_write_is_conditional_on_the_version_read(store: ArchiveStore) -> None:
    upsert(store, [seen(game("g1", start=kick_off(0)), T0)], ZONE)
    stored = one(store, "g1")
    # Two writers read version 1; the first to write wins, the second must read again.
    first = merge(stored, seen(game("g1", status="live", start=kick_off(0), score=(1, 0)), T0 + 60), ZONE)
    second = merge(stored, seen(game("g1", status="live", start=kick_off(0), score=(0, 1)), T0 + 90), ZONE)
    assert store.write([first]) == []
    assert store.write([second]) == ["g1"]
    assert one(store, "g1").to_game().teams[0].score == 1
    # A new game written twice as new: the second is a conflict, not an overwrite.
    fresh = merge(None, seen(game("g2", start=kick_off(1)), T0), ZONE)
    assert store.write([fresh]) == []
    assert store.write([fresh]) == ["g2"]


def test_the_store_itself_refuses_a_non_final_over_a_final(store: ArchiveStore) -> None:
    """The backend's own condition, beside the merge: a writer with the right version but a bug
    (or an older release) still cannot replace a final with anything else."""
    upsert(store, [seen(game("g1", status="final", start=kick_off(0), score=(2, 0)), T0)], ZONE)
    stored = one(store, "g1")
    forged = GameRecord(
        **{
            **{field: getattr(stored, field) for field in GameRecord.__slots__},
            "status": "live",
            "final": False,
            "version": stored.version + 1,
        }
    )
    assert store.write([forged]) == ["g1"]
    assert one(store, "g1").final


def test_a_writer_that_loses_a_race_merges_again_and_keeps_the_final(store: ArchiveStore) -> None:
    upsert(store, [seen(game("g1", status="live", start=kick_off(0), score=(1, 0)), T0)], ZONE)
    real_write = store.write
    raced = threading.Event()

    def write_after_a_rival(records):  # another task stores the final between our read and our write
        if not raced.is_set():
            raced.set()
            upsert(
                store, [seen(game("g1", status="final", start=kick_off(0), score=(2, 0)), T0 + 7200)], ZONE
            )
        return real_write(records)

    store.write = write_after_a_rival  # type: ignore[method-assign]
    outcome = upsert(
        store, [seen(game("g1", status="live", start=kick_off(0), score=(1, 1)), T0 + 3600)], ZONE
    )
    store.write = real_write  # type: ignore[method-assign]
    assert raced.is_set() and outcome.written == 1 and outcome.lost == 0
    record = one(store, "g1")
    assert record.final and record.to_game().teams[0].score == 2 and record.last_seen == T0 + 7200


def test_several_sightings_of_one_game_in_a_batch_merge_in_fetch_order(store: ArchiveStore) -> None:
    batch = [
        seen(game("g1", status="final", start=kick_off(0), score=(2, 2)), T0 + 7200),
        seen(game("g1", start=kick_off(0)), T0),
        seen(game("g1", status="live", start=kick_off(0), score=(1, 1)), T0 + 3600),
    ]
    assert upsert(store, batch, ZONE).written == 1
    record = one(store, "g1")
    assert record.final and (record.first_seen, record.last_seen) == (T0, T0 + 7200)


# -- views, date ranges, pages -------------------------------------------------


def _season(store: ArchiveStore) -> list[str]:
    """A game a day from 1 October to 30 November, alternating home and away for Arsenal."""
    sightings = []
    for day in range(61):
        sides = ("arsenal", f"rival-{day}") if day % 2 == 0 else (f"rival-{day}", "arsenal")
        status = "final" if day < 50 else "scheduled"
        sightings.append(seen(game(f"g{day:02d}", status=status, start=kick_off(day), teams=sides), T0 + day))
    upsert(store, sightings, ZONE)
    return [f"g{day:02d}" for day in range(61)]


def test_a_league_s_games_in_a_month_come_in_start_order(store: ArchiveStore) -> None:
    ids = _season(store)
    october = store.query("serpapi", LEAGUE, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", None, 100)
    assert [record.id for record in october] == ids[:31]
    whole = store.query("serpapi", LEAGUE, None, None, None, 100)
    assert [record.id for record in whole] == ids


def test_a_team_s_games_as_either_side_are_its_games(store: ArchiveStore) -> None:
    ids = _season(store)
    found = store.query("serpapi", View("team", "arsenal"), "2026-11-01T00:00:00Z", None, None, 100)
    assert [record.id for record in found] == ids[31:]
    assert [r.id for r in store.query("serpapi", View("team", "rival-7"), None, None, None, 10)] == ["g07"]


def test_a_query_continues_after_a_key_and_stops_at_its_limit(store: ArchiveStore) -> None:
    ids = _season(store)
    first = store.query("serpapi", View("team", "arsenal"), None, "2026-10-20T00:00:00Z", None, 5)
    assert [record.id for record in first] == ids[:5]
    rest = store.query(
        "serpapi", View("team", "arsenal"), None, "2026-10-20T00:00:00Z", first[-1].start_key, 100
    )
    assert [record.id for record in rest] == ids[5:19]
    # Continuing after a key past the window (a hand-made cursor) is an empty page, not an error.
    assert store.query("serpapi", LEAGUE, None, "2026-10-20T00:00:00Z", "2026-10-25T00:00:00Z#x", 5) == []
    assert store.query("serpapi", LEAGUE, "2026-10-25T00:00:00Z", "2026-10-20T00:00:00Z", None, 5) == []


async def test_pages_of_a_month_cover_it_once_in_order(store: ArchiveStore) -> None:
    ids = _season(store)
    archive = Archive(lambda: store, ZONE, backend=store.name)
    await archive.start()
    try:
        start, end = window(None, date(2026, 10, 1), date(2026, 10, 31), ZoneInfo("Europe/London"))
        wanted = GameFilter(None, start, end)
        pages, after = [], None
        while True:
            page, after = await archive.page("serpapi", View("team", "arsenal"), wanted, after, 7)
            pages.append([record.id for record in page])
            if after is None:
                break
        assert [len(page) for page in pages] == [7, 7, 7, 7, 3]
        assert [game_id for page in pages for game_id in page] == ids[:31]
        # A status filter applies on top of the window, page by page.
        finals, _ = await archive.page(
            "serpapi", LEAGUE, GameFilter(frozenset({"scheduled"}), None, None), None, 50
        )
        assert [record.id for record in finals] == ids[50:]
    finally:
        await archive.stop()


def test_a_game_known_by_its_day_is_in_a_window_only_when_the_whole_day_is(store: ArchiveStore) -> None:
    upsert(store, [seen(game("d1", status="final", day=date(2026, 10, 10)), T0)], ZONE)
    key = one(store, "d1").start_key
    assert key == "2026-10-10T04:00:00Z#d1"  # midnight in New York
    assert [r.id for r in store.query("serpapi", LEAGUE, "2026-10-10T00:00:00Z", None, None, 10)] == ["d1"]


async def test_day_only_games_at_the_edge_of_a_window_are_left_out(store: ArchiveStore) -> None:
    upsert(store, [seen(game("d1", status="final", day=date(2026, 10, 10)), T0)], ZONE)
    archive = Archive(lambda: store, ZONE, backend=store.name)
    await archive.start()
    try:
        inside = GameFilter(None, *window(None, date(2026, 10, 10), date(2026, 10, 10), ZONE))
        cut = GameFilter(None, datetime(2026, 10, 10, 5, tzinfo=UTC), datetime(2026, 10, 11, 12, tzinfo=UTC))
        assert [r.id for r in (await archive.page("serpapi", LEAGUE, inside, None, 10))[0]] == ["d1"]
        assert (await archive.page("serpapi", LEAGUE, cut, None, 10))[0] == []
    finally:
        await archive.stop()


def test_an_undated_game_is_kept_but_in_no_view_until_an_answer_dates_it(store: ArchiveStore) -> None:
    upsert(store, [seen(game("u1"), T0)], ZONE)
    assert one(store, "u1").start_key is None
    assert store.query("serpapi", LEAGUE, None, None, None, 10) == []
    upsert(store, [seen(game("u1", start=kick_off(2)), T0 + 60)], ZONE)
    assert [r.id for r in store.query("serpapi", LEAGUE, None, None, None, 10)] == ["u1"]


def test_a_rescheduled_game_moves_in_the_views(store: ArchiveStore) -> None:
    upsert(store, [seen(game("m1", start=kick_off(2)), T0)], ZONE)
    upsert(store, [seen(game("m1", status="postponed", start=kick_off(20)), T0 + 60)], ZONE)
    early = store.query("serpapi", LEAGUE, None, "2026-10-10T00:00:00Z", None, 10)
    late = store.query("serpapi", LEAGUE, "2026-10-10T00:00:00Z", None, None, 10)
    assert early == [] and [r.id for r in late] == ["m1"]


def test_searched_league_and_team_file_games_that_do_not_say(store: ArchiveStore) -> None:
    nameless = game("h1", start=kick_off(1), league=None, teams=("arsenal", "chelsea"))
    nameless = nameless.model_copy(
        update={"teams": [Team(name="Gunners"), Team(id="chelsea", name="Chelsea")]}
    )
    upsert(store, [seen(nameless, T0, league="premier-league", team="arsenal")], ZONE)
    record = one(store, "h1")
    assert record.league == "premier-league" and set(record.teams) == {"chelsea", "arsenal"}
    assert [r.id for r in store.query("serpapi", View("team", "arsenal"), None, None, None, 5)] == ["h1"]


def test_live_and_demo_games_never_mix(store: ArchiveStore) -> None:
    upsert(
        store,
        [seen(game("s1", start=kick_off(1)), T0, "serpapi"), seen(game("d1", start=kick_off(1)), T0, "demo")],
        ZONE,
    )
    assert [r.id for r in store.query("serpapi", LEAGUE, None, None, None, 10)] == ["s1"]
    assert [r.id for r in store.query("demo", LEAGUE, None, None, None, 10)] == ["d1"]


def test_retention_sets_when_a_game_may_be_forgotten(store: ArchiveStore) -> None:
    upsert(store, [seen(game("r1", start=kick_off(1)), T0)], ZONE, retention_days=30)
    assert one(store, "r1").expires_at == int(T0 + 30 * 86_400)
    purged = store.purge(T0 + 31 * 86_400)
    if store.name == "sqlite":
        assert purged == 1 and store.get_many("serpapi", ["r1"]) == {}
    else:  # the table's TTL does it, on DynamoDB's schedule
        assert purged == 0 and one(store, "r1").expires_at == int(T0 + 30 * 86_400)


# -- favourites ----------------------------------------------------------------


def test_favourites_round_trip_per_caller(store: ArchiveStore) -> None:
    assert store.favourites("k1") == []
    assert store.add_favourite("k1", "chelsea", 3, T0) is True
    assert store.add_favourite("k1", "arsenal", 3, T0) is True
    assert store.add_favourite("k1", "arsenal", 3, T0) is False  # already there: no change
    assert store.favourites("k1") == ["arsenal", "chelsea"]
    assert store.favourites("k2") == []
    assert store.remove_favourite("k1", "arsenal") is True
    assert store.remove_favourite("k1", "arsenal") is False
    assert store.favourites("k1") == ["chelsea"]


def test_favourites_stop_at_the_limit(store: ArchiveStore) -> None:
    for team in ("a", "b", "c"):
        store.add_favourite("k1", team, 3, T0)
    with pytest.raises(FavouritesFull):
        store.add_favourite("k1", "d", 3, T0)
    assert store.add_favourite("k1", "b", 3, T0) is False  # one already kept is not refused
    assert store.favourites("k1") == ["a", "b", "c"]


# -- the writer ----------------------------------------------------------------


def _document(*games: Game) -> Document:
    return Document(games=list(games))


async def test_recorded_answers_are_written_in_the_background(store: ArchiveStore) -> None:
    archive = Archive(lambda: store, ZONE, backend=store.name)
    await archive.start()
    try:
        archive.record(_document(game("w1", start=kick_off(1)), game("w2", start=kick_off(2))), T0, "demo")
        archive.record(_document(game("w1", status="live", start=kick_off(1))), T0 + 60, "demo")
        assert archive.counters.queued == 2 and archive.counters.written == 0  # nothing written yet
        await archive.flush()
        assert archive.counters.written >= 2 and archive.counters.lost == 0
        assert one(store, "w1", "demo").status == "live" and one(store, "w2", "demo").first_seen == T0
    finally:
        await archive.stop()


def test_sqlite_survives_a_restart(tmp_path) -> None:
    first = SqliteStore(tmp_path)
    upsert(first, [seen(game("p1", status="final", start=kick_off(1)), T0)], ZONE)
    first.add_favourite("k1", "arsenal", 20, T0)
    first.close()
    again = SqliteStore(tmp_path)
    assert one(again, "p1").final and again.favourites("k1") == ["arsenal"]
    assert again._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


async def test_a_full_queue_drops_and_counts_and_never_waits(tmp_path) -> None:
    archive = Archive(lambda: SqliteStore(tmp_path), ZONE, backend="sqlite", queue_size=2)
    await archive.start()
    try:
        for n in range(5):  # no await in between: the writer cannot run, the queue fills
            archive.record(_document(game(f"q{n}", start=kick_off(n))), T0, "demo")
        assert (archive.counters.queued, archive.counters.dropped) == (2, 3)
    finally:
        await archive.stop()
    assert archive.counters.written == 2


async def test_a_sqlite_file_that_refuses_writes_is_an_outage_that_is_counted_not_raised(
    tmp_path, caplog
) -> None:
    store = SqliteStore(tmp_path)
    archive = Archive(lambda: store, ZONE, backend="sqlite")
    await archive.start()
    store._db.execute(
        "PRAGMA query_only = ON"
    )  # every write now fails: "attempt to write a readonly database"
    try:
        archive.record(_document(game("x1", start=kick_off(1))), T0, "demo")
    finally:
        await archive.stop()
    assert archive.counters.failed_batches == 1 and archive.counters.lost == 1
    assert any(getattr(r, "event", None) == "archive_failed" for r in caplog.records)


async def test_a_dynamodb_endpoint_that_is_down_is_an_outage_that_is_counted(aws_env: Moto) -> None:
    from sports_api.archive.dynamodb import DynamoStore
    from tests.servers import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    archive = Archive(lambda: DynamoStore("archive-down", endpoint_url=dead), ZONE, backend="dynamodb")
    await archive.start()
    try:
        archive.record(_document(game("x1", start=kick_off(1))), T0, "demo")
        await archive.stop()
        assert archive.counters.failed_batches == 1 and archive.counters.lost == 1
        with pytest.raises(ArchiveUnavailable):
            await archive.favourites("k1")  # stopped: reads say the archive is unavailable
    finally:
        await archive.stop()


async def test_a_store_that_cannot_be_opened_leaves_the_archive_unavailable(tmp_path) -> None:
    def broken() -> ArchiveStore:
        raise ArchiveError("read-only file system")

    archive = Archive(broken, ZONE, backend="sqlite")
    await archive.start()
    archive.record(_document(game("x1", start=kick_off(1))), T0, "demo")  # no exception
    assert archive.counters.dropped == 1 and not archive.available
    with pytest.raises(ArchiveUnavailable):
        await archive.page("demo", LEAGUE, GameFilter(), None, 10)
    await archive.stop()


async def test_stopping_is_never_held_up_by_a_store_that_hangs(tmp_path) -> None:
    store = SqliteStore(tmp_path)
    release = threading.Event()
    real_write = store.write

    def hanging_write(records):
        release.wait(30)
        return real_write(records)

    store.write = hanging_write  # type: ignore[method-assign]
    archive = Archive(lambda: store, ZONE, backend="sqlite", stop_seconds=0.3)
    await archive.start()
    archive.record(_document(game("h1", start=kick_off(1))), T0, "demo")
    archive.record(_document(game("h2", start=kick_off(2))), T0, "demo")
    await asyncio.sleep(0.1)  # the writer takes the first answer and hangs on it
    started = time.monotonic()
    await archive.stop()
    assert time.monotonic() - started < 2
    release.set()
