"""The scoreboard and the docs in a real browser: Debian's headless Chromium, driven by Playwright.

Playwright is used with the system's Chromium (`executable_path`), never a browser
of its own: nothing is downloaded. Every request the pages make is recorded, and
any to a host other than the app's loopback address is refused and fails the test.
Screenshots land in reports/ (reports/scoreboard.png is the one the README shows).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)

from sports_api.sports.catalogue import LEAGUES
from tests.servers import ROOT, ThreadServer, real_clock

REPORTS = ROOT / "reports"
# Debian's package first; the names other systems give the same browser after it.
CHROMIUM_NAMES = (
    "/usr/bin/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
LOCAL_SCHEMES = {"data", "blob", "about"}


def _chromium() -> str | None:
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = _chromium()
    if path is None:
        reason = "Chromium is not installed: `sudo make system-packages` installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must run this test)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        # On the real clock even under `make test-calendar` (libfaketime breaks Chromium);
        # each page is then given this process's moment (`open_page`).
        launched = playwright.chromium.launch(executable_path=path, env=real_clock())
        yield launched
        launched.close()


class Recorder:
    """Every request a browser context makes; anything not for the app's host is refused."""

    def __init__(self, context: BrowserContext, host: str) -> None:
        self.host = host
        self.urls: list[str] = []
        self.elsewhere: list[str] = []
        self.errors: list[str] = []
        self.refused: list[str] = []  # by the page's Content-Security-Policy, before any request
        context.route("**/*", self._route)

    def _route(self, route: Route, request: Request) -> None:
        self.urls.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname == self.host:
            route.continue_()
        else:
            self.elsewhere.append(request.url)
            route.abort("blockedbyclient")

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)
        page.on("response", self._response)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or message.text.startswith("Failed to load resource"):
            return  # a failed load is judged by its response, below
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)
        else:
            self.errors.append(message.text)

    def _response(self, response: Response) -> None:
        # The page itself may be an error page on purpose; what it loads may not fail.
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} {response.url}")

    def assert_stayed_local(self) -> None:
        assert self.urls, "no request was recorded"
        assert self.elsewhere == [], f"requests left {self.host}: {self.elsewhere}"
        assert self.errors == [], self.errors
        assert self.refused == [], self.refused


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., tuple[Page, Recorder]]]:
    contexts: list[BrowserContext] = []

    def open_(server: ThreadServer, **options: object) -> tuple[Page, Recorder]:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        contexts.append(context)
        recorder = Recorder(context, "127.0.0.1")
        if real_clock() != dict(os.environ):  # this process runs on a faked clock: so does the page
            context.clock.set_system_time(time.time())
        return recorder.watch(context.new_page()), recorder

    yield open_
    for context in contexts:
        context.close()


def _live_league(server: ThreadServer) -> str | None:
    """A league with a game in progress; None at the hours no league plays (4 AM in New York)."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for league in LEAGUES:
            answer = client.get(f"/v1/leagues/{league.slug}/games", params={"status": "live,paused"})
            if answer.json()["games"]:
                return league.slug
    return None


def _pick(page: Page, slug: str) -> None:
    """Switch league with the picker, as a person would, and wait for the new page."""
    name = next(league.name for league in LEAGUES if league.slug == slug)
    picker = page.get_by_role("navigation", name="Leagues")
    picker.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(f"**/?league={slug}")
    expect(picker.get_by_role("link", name=name, exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def test_scoreboard_in_chromium(serve, open_page) -> None:
    server = serve()
    found = _live_league(server)
    target = found or "nba"  # at the hours nothing is on, the NBA's results and next games
    page, recorder = open_page(server, timezone_id="Asia/Tokyo")
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("NFL")

    # The league picker switches league (via another one when the live league is the default).
    if target == LEAGUES[0].slug:
        _pick(page, LEAGUES[1].slug)
    _pick(page, target)

    main = page.get_by_role("main")
    live = main.locator("section.group-live li.game")
    if found:
        expect(live.first).to_be_visible()
        expect(live.first.locator(".badge-live")).to_have_text("Live")
        expect(live.first.locator(".clock")).not_to_be_empty()
    else:
        expect(main.locator("section.group-live")).to_contain_text("No game in progress right now.")
    expect(main.locator("section.group-upcoming li.game").first).to_be_visible()
    expect(main.locator("section.group-final li.game").first).to_be_visible()
    # Each game is a headed article a screen reader can jump between.
    assert main.get_by_role("article").count() >= 3

    table = main.get_by_role("table")
    expect(table.locator("caption")).to_contain_text("standings")
    assert table.locator("tbody tr").count() >= 10
    expect(table.get_by_role("columnheader").first).to_be_visible()

    # The script shows start times in the viewer's zone instead of UTC.
    expect(main.locator("[data-tz-note]")).to_have_text("Times are in your time zone (Asia/Tokyo).")
    first_start = main.locator('section.group-upcoming time[data-format="local"]').first
    expect(first_start).not_to_contain_text("UTC")
    expect(main.locator("p.meta").first).to_contain_text("Demo data, fetched")

    # Keyboard: the skip link comes first, then every league is reachable with Tab.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the scores"
    # Another league than the one shown: Enter on the current league's own link would not add history.
    other = "mlb" if target != "mlb" else "nhl"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == f"/?league={other}":
            break
    else:
        raise AssertionError(f"the {other} link was not reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "focus must be visible"
    page.keyboard.press("Tab")  # and back: the screenshot shows the live league
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/?league={other}")
    page.go_back()
    page.wait_for_url(f"**/?league={target}")
    expect((live if found else main.locator("section.group-final li.game")).first).to_be_visible()

    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=REPORTS / "scoreboard.png", full_page=True)
    recorder.assert_stayed_local()


def test_scoreboard_without_javascript(serve, open_page) -> None:
    server = serve()
    page, recorder = open_page(server, java_script_enabled=False)
    page.goto(f"{server.url}/?league=nba")
    expect(page.get_by_role("heading", level=1)).to_contain_text("NBA")
    expect(page.locator("[data-tz-note]").first).to_have_text("Times are in UTC.")
    expect(page.locator('time[data-format="local"]').first).to_contain_text("UTC")
    _pick(page, "premier-league")
    expect(page.get_by_role("table")).to_be_visible()
    recorder.assert_stayed_local()


def test_live_board_refreshes_when_its_data_goes_stale(serve, open_page) -> None:
    # Fresh for 1 s: the board asks again after the script's floor (5 s), not before.
    server = serve(ttl_live_seconds=1, stale_retry_seconds=0)
    target = _live_league(server)
    if target is None:
        pytest.skip("no league has a game in progress at this hour (the demo keeps real hours)")
    page, recorder = open_page(server)
    # Without its event stream (refused, as behind API Gateway without a key), the board polls.
    page.route("**/events/*", lambda route: route.abort())
    page.goto(f"{server.url}/?league={target}")
    board = page.locator("#board")
    assert int(board.get_attribute("data-refresh") or 0) == 5
    fetched = board.locator('p.meta time[data-format="ago"]').first.get_attribute("datetime")
    with page.expect_request(lambda r: r.url.endswith(f"/?league={target}"), timeout=15_000):
        pass
    expect(board.locator('p.meta time[data-format="ago"]').first).not_to_have_attribute(
        "datetime", fetched or "", timeout=5_000
    )
    expect(page.locator("section.group-live li.game").first).to_be_visible()
    recorder.assert_stayed_local()


def test_unknown_league_page(serve, open_page) -> None:
    server = serve()
    page, recorder = open_page(server)
    response = page.goto(f"{server.url}/?league=quidditch")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Unknown league")
    _pick(page, "nhl")
    recorder.assert_stayed_local()


def test_swagger_ui_renders_offline(serve, open_page) -> None:
    server = serve()
    page, recorder = open_page(server)
    page.goto(f"{server.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("sports-api", timeout=15_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.locator(".opblock").count() >= 5
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=REPORTS / "docs.png")
    recorder.assert_stayed_local()


def test_redoc_renders_offline(serve, open_page) -> None:
    server = serve()
    page, recorder = open_page(server)
    page.goto(f"{server.url}/redoc")
    expect(page.get_by_role("heading", level=1).first).to_contain_text("sports-api", timeout=15_000)
    expect(page.get_by_text("/v1/leagues/{slug}/games").first).to_be_attached()
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=REPORTS / "redoc.png")
    # ReDoc's sidebar asks Redocly's CDN for their logo: the page's policy refuses it.
    assert all("cdn.redoc.ly/redoc/logo-mini.svg" in text for text in recorder.refused), recorder.refused
    recorder.refused.clear()
    recorder.assert_stayed_local()
