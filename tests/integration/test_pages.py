"""The pages for people, over real HTTP: the scoreboard at `/`, and `/docs` and `/redoc` offline.

The browser test (tests/browser/) looks at the page in Chromium; these check
the HTML itself, its status codes and headers, and every asset it names.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from sports_api.sports.catalogue import LEAGUES
from sports_api.web.app import create_app
from tests.conftest import settings

HTML = "text/html; charset=utf-8"


class Page(HTMLParser):
    """The tags of a page, with their attributes, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def urls(self) -> list[str]:
        """Every address the markup names: src, href, and a ReDoc `spec-url`."""
        return [v for _, a in self.tags for k, v in a.items() if k in ("src", "href", "spec-url")]


@pytest.fixture
def web(serve) -> httpx.Client:
    server = serve()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def _live_leagues(client: httpx.Client) -> list[str]:
    return [
        league.slug
        for league in LEAGUES
        if client.get(f"/v1/leagues/{league.slug}/games", params={"status": "live,paused"}).json()["games"]
    ]


# --- the scoreboard ---------------------------------------------------------------


def test_scoreboard_is_server_rendered_html_with_every_part(web: httpx.Client) -> None:
    response = web.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == HTML
    page = Page(response.text)
    # Semantic landmarks, and the default league (NFL, as `/sports`).
    for landmark in ("main", "nav", "header", "footer"):
        assert page.find(landmark), landmark
    assert page.find("html", lang="en")
    assert page.find("a", href="/?league=nfl", aria_current="page")
    assert "NFL scores and table" in page.text
    assert [h["id"] for h in page.find("h2") if "id" in h] == [
        "live-heading",
        "upcoming-heading",
        "final-heading",
        "table-heading",
    ]
    # Every league is one link away, without JavaScript.
    for league in LEAGUES:
        assert page.find("a", href=f"/?league={league.slug}")
    # The table: a caption, column and row headers.
    assert page.find("table", class_="standings")
    assert page.find("caption")
    assert len(page.find("th", scope="col")) >= 5
    assert len(page.find("th", scope="row")) >= 20
    # Where the data came from, how old it is, and the JSON of what is shown.
    assert "Demo data, fetched just now" in page.text
    assert page.find("a", href="/v1/leagues/nfl/games")
    assert page.find("a", href="/v1/leagues/nfl/standings")
    assert page.find("a", href="/docs")
    # Start times in UTC inside <time datetime>, for the script to show locally.
    times = page.find("time", data_format="local")
    assert times
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t["datetime"]) for t in times)
    assert re.search(r"\w{3} \d\d \w{3}, \d\d:\d\d UTC", page.text)


def test_live_upcoming_and_final_games_are_grouped(web: httpx.Client) -> None:
    # Games follow the leagues' real hours: some nights at 4 AM nothing is on anywhere.
    live = _live_leagues(web)
    slug = live[0] if live else "nba"
    games = web.get(f"/v1/leagues/{slug}/games").json()["games"]
    page = Page(web.get("/", params={"league": slug}).text)
    for status in ("live", "paused", "scheduled", "final"):
        expected = sum(g["status"] == status for g in games)
        assert len(page.find("li", class_=f"game game-{status}")) == expected, status
    if not live:
        assert "No game in progress right now." in page.text
        return
    running = next(g for g in games if g["status"] in ("live", "paused"))
    assert (running["clock"] or running["status_text"]) in page.text
    # A live game: the script fetches the board again when the data's freshness runs out.
    board = page.find("div", id="board")[0]
    assert 5 <= int(board["data-refresh"]) <= 60


def test_no_refresh_when_nothing_is_live_or_about_to_start(web: httpx.Client) -> None:
    for league in LEAGUES:
        answer = web.get(f"/v1/leagues/{league.slug}/games")
        max_age = int(answer.headers["cache-control"].rsplit("=", 1)[1])
        horizon = time.time() + max_age + 120
        starts = [
            datetime.fromisoformat(g["start_time"]).timestamp()
            for g in answer.json()["games"]
            if g["status"] == "scheduled" and g["start_time"]
        ]
        if any(g["status"] in ("live", "paused") for g in answer.json()["games"]) or any(
            s <= horizon for s in starts
        ):
            continue
        board = Page(web.get("/", params={"league": league.slug}).text).find("div", id="board")[0]
        assert "data-refresh" not in board, league.slug
        return
    pytest.skip("every league has a game live or about to start at this moment")


@pytest.mark.parametrize("league", LEAGUES, ids=lambda lg: lg.slug)
def test_every_league_renders(web: httpx.Client, league) -> None:
    response = web.get("/", params={"league": league.slug})
    assert response.status_code == 200
    page = Page(response.text)
    assert page.find("a", href=f"/?league={league.slug}", aria_current="page")
    assert f"{league.name} scores and table" in page.text
    assert page.find("section", aria_labelledby="table-heading")


def test_the_page_shares_the_json_routes_cache(web: httpx.Client) -> None:
    assert web.get("/", params={"league": "nba"}).status_code == 200
    games = web.get("/v1/leagues/nba/games").json()
    table = web.get("/v1/leagues/nba/standings").json()
    assert (games["cache"], table["cache"]) == ("hit", "hit")


def test_the_page_costs_no_search_the_json_routes_would_not(live, fake_serpapi) -> None:
    server = live()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/", params={"league": "premier-league"}).status_code == 200
        searched = list(fake_serpapi.stats.queries)
        # The searches the JSON routes make for the same data, each once...
        assert sorted(searched) in (
            ["Premier League schedule"],  # a table beside the games: one search feeds both
            ["Premier League schedule", "Premier League standings"],
        )
        # ...which they then answer from the cache, as does the page again.
        for path in ("/v1/leagues/premier-league/games", "/v1/leagues/premier-league/standings", "/"):
            assert client.get(path, params={"league": "premier-league"} if path == "/" else None).is_success
        assert fake_serpapi.stats.queries == searched


def test_page_headers(web: httpx.Client) -> None:
    response = web.get("/", params={"league": "mlb"})
    games = web.get("/v1/leagues/mlb/games")
    max_age = int(response.headers["cache-control"].rsplit("=", 1)[1])
    assert 0 < max_age <= int(games.headers["cache-control"].rsplit("=", 1)[1])
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "img-src 'self';" in csp  # demo data: no image from anywhere else
    assert response.headers["x-content-type-options"] == "nosniff"


def test_demo_page_names_no_other_host_and_its_assets_answer(web: httpx.Client) -> None:
    page = Page(web.get("/", params={"league": "premier-league"}).text)
    urls = page.urls()
    assert urls
    for url in urls:
        assert url.startswith(("/", "#")), url
    # The demo's payloads carry Google's logo addresses: the page shows initials instead.
    assert not page.find("img")
    assert any("logo-text" in attrs.get("class", "") for _, attrs in page.tags)
    for url in {u for u in urls if not u.startswith("#")}:
        assert web.get(url).status_code == 200, url


def test_static_assets(web: httpx.Client) -> None:
    for path, kind in (
        ("/static/scoreboard.css", "text/css"),
        ("/static/scoreboard.js", "text/javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(kind), path
    assert web.get("/static/../app.py").status_code == 404
    assert web.get("/static/nothing.css").status_code == 404


def test_live_data_shows_logos_with_alt_text(live) -> None:
    server = live()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.get("/", params={"league": "premier-league"})
    assert response.status_code == 200
    page = Page(response.text)
    images = page.find("img")
    assert images
    assert all(img["src"].startswith("https://") and "alt" in img for img in images)
    assert "Live data from Google via SerpAPI" in page.text
    assert "img-src 'self' https:;" in response.headers["content-security-policy"]


def test_data_is_escaped(live, fake_serpapi) -> None:
    payload = fake_serpapi.payload_for("premier league schedule")
    payload["sports_results"]["games"][0]["teams"][0]["name"] = '<script>alert("x")</script> & Co'
    server = live()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        body = client.get("/", params={"league": "premier-league"}).text
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in body


def test_head_is_answered(web: httpx.Client) -> None:
    # Issue 12 answers HEAD on every GET route; until it lands this fails with 405.
    response = web.head("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == HTML


# --- problems render as pages ------------------------------------------------------


def _problem_page(response: httpx.Response, status: int, title: str) -> Page:
    assert response.status_code == status
    assert response.headers["content-type"] == HTML
    assert response.headers["cache-control"] == "no-store"
    page = Page(response.text)
    assert title in page.text
    assert f"HTTP {status}" in page.text
    assert page.find("nav")  # the league picker, to get back on track
    return page


def test_unknown_league_is_an_html_404(web: httpx.Client) -> None:
    page = _problem_page(web.get("/", params={"league": "quidditch"}), 404, "Unknown league")
    assert "No league 'quidditch'" in page.text
    assert not page.find("a", aria_current="page")


def test_upstream_down_is_an_html_502(live, fake_serpapi) -> None:
    fake_serpapi.set(mode="status", status=500)
    server = live()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.get("/", params={"league": "nhl"})
    page = _problem_page(response, 502, "Upstream unavailable")
    assert page.find("a", href="/?league=nhl", aria_current="page")


def test_upstream_rate_limit_is_an_html_503_with_retry_after(live, fake_serpapi) -> None:
    fake_serpapi.set(mode="status", status=429, retry_after="30")
    server = live()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.get("/", params={"league": "nba"})
    _problem_page(response, 503, "Upstream rate limit reached")
    assert 0 < int(response.headers["retry-after"]) <= 30


def test_misconfigured_is_an_html_503(serve) -> None:
    server = serve(data_source="serpapi")
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.get("/")
    page = _problem_page(response, 503, "Service misconfigured")
    assert "SERPAPI_API_KEY" in page.text


def test_stale_copy_is_shown_with_a_warning(live, fake_serpapi) -> None:
    server = live(ttl_live_seconds=1, ttl_idle_seconds=1, stale_retry_seconds=0)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/", params={"league": "premier-league"}).status_code == 200
        fake_serpapi.set(mode="status", status=500)
        time.sleep(1.1)
        response = client.get("/", params={"league": "premier-league"})
    assert response.status_code == 200
    assert "The data source is not answering" in Page(response.text).text


# --- the docs, offline -------------------------------------------------------------

# The vendored files are byte for byte these npm releases: swagger-ui-dist 5.32.6
# (the first two) and redoc 2.5.3. A new fastapi-offline changes them, and this
# says so: check its files against the npm tarballs (`npm pack swagger-ui-dist@X
# redoc@Y`), then update the digests.
VENDORED = {
    "swagger-ui-bundle.js": "4b5a9b35a1adf37f00d39c0bae23cdb37007e2946240ef035137cc85b4d55349",
    "swagger-ui.css": "ca238f7d7c2cf4480c1e77a9c3b9da915ab216e96ffd354e69076560c650c6de",
    "redoc.standalone.js": "1320f442151c57c447d3b70c7ffc6c4f86d08464020fe34c8cc5d3164e9944f0",
}


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_name_no_other_host_and_every_asset_answers(web: httpx.Client, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == HTML
    body = response.text
    # No absolute address at all: not in markup, not in the inline script.
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", body, re.IGNORECASE), body
    page = Page(body)
    named = set(page.urls())
    named |= set(re.findall(r"url: '([^']+)'", body))  # Swagger UI's document
    assert {"/openapi.json"} <= named
    assert any(u.endswith(".js") for u in named)
    for url in named:
        assert urlsplit(url).netloc == "", url
        asset = web.get(urljoin(path, url))
        assert asset.status_code == 200, url
        assert len(asset.content) > 0, url


def test_vendored_docs_assets_are_the_pinned_releases(web: httpx.Client) -> None:
    for name, digest in VENDORED.items():
        response = web.get(f"/docs/assets/{name}")
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == digest, name


def test_swagger_ui_sends_nothing_to_its_validator(web: httpx.Client) -> None:
    assert '"validatorUrl": null' in web.get("/docs").text


def test_docs_are_not_in_the_openapi_document(web: httpx.Client) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    assert not {"/", "/docs", "/redoc"} & set(paths)


async def test_pages_honour_the_root_path() -> None:
    # Behind a gateway stage ("/prod"), every address the pages name carries it.
    app = create_app(settings())
    transport = httpx.ASGITransport(app=app, root_path="/prod")
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for path in ("/", "/docs", "/redoc"):
            response = await client.get(path)
            assert response.status_code == 200, path
            urls = [u for u in Page(response.text).urls() if not u.startswith("#")]
            assert urls
            assert all(u.startswith("/prod/") for u in urls), (path, urls)
