"""The hot-answer map and what it sends: expiry, bounds, 304s, per-request headers."""

from __future__ import annotations

from sports_api.web.hot import HotAnswer, HotAnswers, serve

ETAG = 'W/"abc"'


def answer(until: float = 1_000.0, body: bytes = b'{"cache":"hit"}') -> HotAnswer:
    return HotAnswer.build(body, ETAG, until)


def test_fresh_answers_are_found_until_they_go_stale() -> None:
    answers = HotAnswers()
    answers.put("/v1/leagues/nfl/games", b"", answer(until=100.0))
    assert answers.get("/v1/leagues/nfl/games", b"", now=99.9) is not None
    assert answers.get("/v1/leagues/nfl/games", b"x=1", now=99.9) is None
    assert answers.get("/v1/leagues/nfl/games", b"", now=100.0) is None
    assert len(answers) == 0  # a stale answer is dropped, not kept


def test_oldest_answer_makes_room_when_full() -> None:
    answers = HotAnswers(max_entries=2)
    for path in ("/a", "/b", "/c"):
        answers.put(path, b"", answer())
    assert answers.get("/a", b"", 0) is None
    assert answers.get("/b", b"", 0) is not None and answers.get("/c", b"", 0) is not None


def test_long_query_strings_are_not_kept() -> None:
    answers = HotAnswers(max_query=16)
    answers.put("/sports", b"league=nfl", answer())
    answers.put("/sports", b"league=nfl&junk=" + b"x" * 64, answer())
    assert len(answers) == 1


async def sent(hot: HotAnswer, if_none_match: str | None, now: float) -> list[dict]:
    messages: list[dict] = []

    async def send(message: dict) -> None:
        messages.append(message)

    status = await serve(hot, send, b"req-1", if_none_match, now)
    assert status == messages[0]["status"]
    return messages


async def test_answer_carries_freshness_left_and_the_request_id() -> None:
    start, body = await sent(answer(until=1_000.0), None, now=400.4)
    assert start["status"] == 200
    assert start["headers"] == [
        (b"etag", ETAG.encode()),
        (b"cache-control", b"public, max-age=600"),  # 599.6 s left, rounded up: never 0 while fresh
        (b"content-length", b"15"),
        (b"content-type", b"application/json"),
        (b"x-request-id", b"req-1"),
    ]
    assert body["body"] == b'{"cache":"hit"}'


async def test_matching_if_none_match_is_a_304_without_body() -> None:
    start, body = await sent(answer(), '"other", "abc"', now=0)
    assert start["status"] == 304
    assert [name for name, _ in start["headers"]] == [b"etag", b"cache-control", b"x-request-id"]
    assert body["body"] == b""


async def test_a_stale_copy_says_no_freshness_left_while_it_is_kept() -> None:
    stale = HotAnswer.build(b'{"cache":"stale"}', ETAG, until=100.0, cache="stale")
    start, body = await sent(stale, None, now=90.0)
    assert (b"cache-control", b"public, max-age=0") in start["headers"]
    assert body["body"] == b'{"cache":"stale"}'
