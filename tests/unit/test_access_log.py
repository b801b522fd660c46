"""The access line, formatted without `logging` and written in batches, is the line `logging` would write."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Iterator

import orjson
import pytest

from sports_api.core import logs

KEY = "0123456789abcdef0123456789abcdef"
FIELDS = {
    "method": "GET",
    "path": "/v1/leagues/nfl/games",
    "status": 200,
    "duration_ms": 0.42,
    "cache": "hit",
    "upstream_ms": None,
    "client": "10.0.0.7",
}


@pytest.fixture
def configure() -> Iterator[Callable[..., io.StringIO]]:
    """`logs.configure` as in the deployed process, its handler writing to a buffer; undone afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logs._handler)

    def configured(level: str, secrets: tuple[str, ...] = ()) -> io.StringIO:
        logs.configure(level, secrets)
        captured = io.StringIO()
        root.handlers[0].setStream(captured)  # type: ignore[attr-defined]
        return captured

    yield configured
    root.handlers[:], _, logs._handler = saved
    root.setLevel(saved[1])


def test_direct_line_equals_the_formatted_record(configure) -> None:
    stdout = configure("INFO", (KEY,))
    logs.access("req-1", FIELDS)
    direct = orjson.loads(stdout.getvalue())
    record = logging.makeLogRecord(
        {"name": "sports_api.access", "levelname": "INFO", "msg": "GET /v1/leagues/nfl/games 200"}
    )
    record.__dict__.update(FIELDS, request_id="req-1")
    formatted = orjson.loads(logs.JsonFormatter((KEY,)).format(record))
    assert stdout.getvalue().count("\n") == 1
    assert list(direct) == list(formatted)
    assert {**direct, "time": None} == {**formatted, "time": None}


def test_log_level_above_info_drops_access_lines(configure) -> None:
    stdout = configure("WARNING")
    logs.access("req-2", FIELDS)
    assert stdout.getvalue() == ""


def test_secrets_in_a_path_are_masked(configure) -> None:
    stdout = configure("INFO", (KEY,))
    logs.access("req-3", {**FIELDS, "path": f"/v1/teams/{KEY}/games"})
    line = orjson.loads(stdout.getvalue())
    assert KEY not in line["message"]
    # The path field is the request's own, as before; only messages were ever masked.
    assert line["path"] == f"/v1/teams/{KEY}/games"


async def test_access_lines_wait_for_the_timer_inside_the_event_loop(configure) -> None:
    stdout = configure("INFO")
    logs.access("req-4", FIELDS)
    logs.access("req-5", FIELDS)
    assert stdout.getvalue() == ""
    await asyncio.sleep(logs.JsonHandler.ACCESS_DELAY + 0.05)
    assert [orjson.loads(line)["request_id"] for line in stdout.getvalue().splitlines()] == ["req-4", "req-5"]


async def test_other_records_and_flush_write_waiting_access_lines_first(configure) -> None:
    stdout = configure("INFO")
    logs.access("req-6", FIELDS)
    logging.getLogger("sports_api.service").warning("upstream failed")
    logs.access("req-7", FIELDS)
    logging.getLogger().handlers[0].flush()
    lines = [orjson.loads(line) for line in stdout.getvalue().splitlines()]
    assert [line.get("request_id", line["message"]) for line in lines] == [
        "req-6",
        "upstream failed",
        "req-7",
    ]


def test_outside_an_event_loop_access_lines_go_out_at_once(configure) -> None:
    stdout = configure("INFO")
    logs.access("req-8", FIELDS)
    assert orjson.loads(stdout.getvalue())["request_id"] == "req-8"
