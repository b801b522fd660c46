"""Pages for people: the scoreboard at `/`, and the API docs served without a CDN.

The scoreboard asks the SportsService for exactly what the JSON routes ask it
(`/v1/leagues/{slug}/games` and `/standings`), so it shares their cache
entries and never costs a search of its own. A problem renders as an HTML page
with the problem's status code, not as JSON.

Swagger UI and ReDoc load their scripts and styles from this service, from
files of the pinned `fastapi-offline` package (byte for byte the npm releases
swagger-ui-dist 5.32.6 and redoc 2.5.3; tests/integration/test_pages.py pins
their digests), so `/docs` and `/redoc` work on a machine that reaches no CDN.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from sports_api.core import context
from sports_api.core.errors import Misconfigured, ServiceError, UnknownLeague
from sports_api.service import Result, SportsService
from sports_api.sports.catalogue import LEAGUES, League, get_league
from sports_api.sports.models import Document
from sports_api.sports.season import season
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Lookup
from sports_api.web import render

router = APIRouter(include_in_schema=False)

STATIC = "/static"  # this package's static/: the page's stylesheet, script and icon
DOCS_ASSETS = "/docs/assets"  # Swagger UI's and ReDoc's files, from fastapi-offline
DEFAULT_LEAGUE = LEAGUES[0].slug  # as `/sports`: NFL
MIN_REFRESH_SECONDS = 5

# Scripts and styles from this service only; logo images from an https host
# only when the data is live (the demo's logos are never loaded: it works offline).
_CSP = (
    "default-src 'self'; img-src 'self'{images}; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# The docs pages run FastAPI's inline set-up script and ReDoc's generated styles and
# search worker; nothing may come from another host. ReDoc's sidebar shows Redocly's
# logo from their CDN: refused here (it hides itself when it cannot load).
_DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
    "font-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def mount(app: FastAPI) -> None:
    """Serve the page's own files and the docs' vendored ones."""
    app.mount(STATIC, StaticFiles(packages=[("sports_api.web", "static")]), name="static")
    app.mount(DOCS_ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")


def _base(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")


@router.get("/", response_class=HTMLResponse)
async def scoreboard(request: Request) -> Response:
    base = _base(request)
    slug = request.query_params.get("league") or DEFAULT_LEAGUE
    league = get_league(slug[:64])
    if league is None:
        known = ", ".join(lg.slug for lg in LEAGUES)
        return _problem(request, UnknownLeague(f"No league {slug[:64]!r}. The leagues are: {known}."), None)
    service: SportsService | None = request.app.state.sports
    if service is None:
        return _problem(request, Misconfigured("; ".join(request.app.state.settings.problems())), league)
    try:
        games = await service.get(Lookup.for_league(league))
    except ServiceError as exc:
        return _problem(request, exc, league)
    table: Result | None = None
    table_problem = None
    try:
        table = await _standings(service, league, games)
    except ServiceError as exc:  # the games are still worth showing
        table_problem = exc.title.lower()
    now = time.time()
    document = games.entry.document()
    standings = table.entry.document().standings if table is not None else None
    logos = games.entry.source != "demo"
    fresh_for = games.fresh_for(now)
    board = render.Board(
        league=league,
        leagues=LEAGUES,
        games=document.games,
        games_data=_data(games),
        standings=(standings or []) if table is not None else None,
        standings_data=_data(table) if table is not None else None,
        standings_problem=table_problem,
        time_zone=service.time_zone,
        now=now,
        base=base,
        logos=logos,
        refresh=_refresh(document, now, fresh_for, request.app.state.settings.stale_retry_seconds),
        abbreviations=_codes(request.app.state.teams),
        season=season(document.games, datetime.fromtimestamp(games.entry.fetched_at, service.zone).date()),
    )
    headers = {
        "Cache-Control": f"public, max-age={fresh_for}",
        "Content-Security-Policy": _CSP.format(images=" https:" if logos else ""),
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(render.scoreboard(board), headers=headers)


async def _standings(service: SportsService, league: League, games: Result) -> Result:
    """The table as `/v1/leagues/{slug}/standings` finds it: a soccer league's comes with its games."""
    if league.sport == "soccer" and games.entry.parts["standings"] != b"null":
        return games
    return await service.get(Lookup.for_standings(league))


def _codes(teams: TeamCatalogue) -> dict[str, str]:
    return {team.id: team.abbreviation for team in teams if team.abbreviation}


def _data(result: Result) -> render.Data:
    return render.Data(result.entry.source, result.entry.fetched_at, result.cache)


def _refresh(document: Document, now: float, fresh_for: int, stale_retry: int) -> int | None:
    """When the script should fetch the board again: only while a game is live or about to be."""
    moment = datetime.fromtimestamp(now, UTC)
    soon = moment + timedelta(seconds=fresh_for + 60)
    live = any(
        game.status in render.LIVE
        or (
            game.status == "scheduled"
            and game.start_time is not None
            and moment - timedelta(hours=6) <= game.start_time <= soon
        )
        for game in document.games
    )
    if not live:
        return None
    return max(fresh_for, stale_retry, MIN_REFRESH_SECONDS)


def _problem(request: Request, exc: ServiceError, league: League | None) -> Response:
    ctx = context.current()
    body = render.error_page(
        exc.status,
        exc.title,
        exc.detail,
        leagues=LEAGUES,
        current=league.slug if league else None,
        base=_base(request),
        request_id=ctx.request_id if ctx else None,
    )
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": _CSP.format(images="")}
    if exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    return HTMLResponse(body, status_code=exc.status, headers=headers)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    base = _base(request)
    page = get_swagger_ui_html(
        openapi_url=base + str(request.app.openapi_url),
        title=f"{request.app.title} · Swagger UI",
        swagger_js_url=f"{base}{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{base}{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{base}{STATIC}/favicon.svg",
        # Swagger UI's default sends the document's URL to validator.swagger.io for a badge.
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers["Content-Security-Policy"] = _DOCS_CSP
    return page


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    base = _base(request)
    page = get_redoc_html(
        openapi_url=base + str(request.app.openapi_url),
        title=f"{request.app.title} · ReDoc",
        redoc_js_url=f"{base}{DOCS_ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{base}{STATIC}/favicon.svg",
        with_google_fonts=False,
    )
    page.headers["Content-Security-Policy"] = _DOCS_CSP
    return page
