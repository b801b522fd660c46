"""Live push in a real browser: a goal upstream changes the score on the open scoreboard, without a reload.

Debian's Chromium through Playwright, as tests/browser/test_scoreboard.py drives
it (its fixtures; nothing leaves loopback, the page's Content-Security-Policy
stays strict: `connect-src 'self'`). The app serves live data from the fake
SerpAPI with the NFL's first game in progress; the test moves that game's
score upstream, and the card shows it within TTL_LIVE_SECONDS and a few
seconds: the same element, updated in place from the league's event stream
(EventSource), with no page load and no fetch of the board.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from tests.browser.test_scoreboard import Recorder, browser, open_page  # noqa: F401 - fixtures
from tests.fakes.serpapi import FakeSerpApi
from tests.servers import ThreadServer

TTL = 2  # TTL_LIVE_SECONDS


def test_a_goal_upstream_changes_the_score_in_place(
    live: Callable[..., ThreadServer],
    fake_serpapi: FakeSerpApi,
    open_page: Callable[..., tuple[Page, Recorder]],  # noqa: F811
) -> None:
    fake_serpapi.plan.live.add("nfl schedule")
    server = live(ttl_live_seconds=TTL, events_heartbeat_seconds=1, serpapi_max_searches_per_hour=100_000)
    games = httpx.get(f"{server.url}/v1/leagues/nfl/games", params={"status": "live"}, timeout=10).json()
    [game] = games["games"]
    assert [team["score"] for team in game["teams"]] == [1, 0]

    page, recorder = open_page(server)
    documents: list[str] = []
    page.on(
        "request",
        lambda request: documents.append(request.url) if request.resource_type == "document" else None,
    )
    page.goto(f"{server.url}/?league=nfl")
    card = page.locator(f'#board li.game[data-game-id="{game["id"]}"]')
    expect(card).to_have_class("game game-live")
    scores = card.locator("ul.teams li.team .score")
    expect(scores).to_have_text(["1", "0"])
    for team in game["teams"]:
        expect(card.locator(f'li.team[data-team-id="{team["id"]}"] .name')).to_have_count(1)
    # Marks that a reload, or the board fetched again and replaced, would lose.
    page.evaluate("() => { window.stayed = true; }")
    card.evaluate("el => { el.dataset.stayed = 'yes'; }")
    stream = f"{server.url}/events/nfl"  # the page's keyless path to the league's stream
    for _ in range(100):  # the page opens its stream (bounded: 10 s)
        if stream in recorder.urls:
            break
        page.wait_for_timeout(100)

    fake_serpapi.plan.live_score = ("2", "0")
    expect(scores).to_have_text(["2", "0"], timeout=(TTL + 8) * 1000)

    assert page.evaluate("() => window.stayed") is True  # no page load
    assert card.get_attribute("data-stayed") == "yes"  # the same card, changed in place
    assert documents == [f"{server.url}/?league=nfl"]  # the page itself, once
    board_fetches = [url for url in recorder.urls if url.startswith(f"{server.url}/?")]
    assert board_fetches == [f"{server.url}/?league=nfl"]  # and the board never fetched again
    assert recorder.urls.count(stream) == 1  # one stream, never dropped and opened again
    # Live data names its logos on Google's host: the recorder refused them before they left.
    assert all(
        url.startswith("https://ssl.gstatic.com/") and url.endswith(".png") for url in recorder.elsewhere
    )
    assert recorder.errors == [] and recorder.refused == []  # no error, nothing refused by the CSP
