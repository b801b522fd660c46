"""The application factory: settings in, a wired FastAPI app out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from sports_api import __version__
from sports_api.archive import Archive
from sports_api.cache import MemoryStore, Store
from sports_api.core.config import DataSource, Settings
from sports_api.events.hub import Hub
from sports_api.events.keeper import Keeper
from sports_api.events.push import Push
from sports_api.events.stream import SERVER_SEND
from sports_api.quota.freshness import Freshness
from sports_api.quota.wiring import Quota
from sports_api.service import SportsService
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Source
from sports_api.upstream.demo import DemoSource
from sports_api.upstream.serpapi import SerpApiSource
from sports_api.web import openapi, problems
from sports_api.web.hot import HotAnswers
from sports_api.web.middleware import RequestContextMiddleware, answer_hot, as_get, without_trailing_slash
from sports_api.web.routes import events, health, leagues, me, pages, results, teams
from sports_api.web.routes import quota as quota_routes

DESCRIPTION = """
Live game schedules and scores for leagues and teams, from Google's sports
results through SerpAPI, normalised into typed JSON.

Every answer says where it came from (`source`), when it was fetched
(`fetched_at`) and how the cache answered (`cache`: `hit`, `miss`, or `stale`
when the upstream failed and an older copy is served). Errors are RFC 9457
problem details.
"""


class SportsApi(FastAPI):
    """FastAPI, with repeats of fresh games answers served in front of it.

    Such an answer needs none of FastAPI's layers (error pages, telemetry,
    body limits, routing, validation, dependencies), and on a cache hit they
    were most of the time spent (bench/README.md). So each request is looked
    up in `hot_answers` first (`hot.py` says what lands there), and only the
    rest is handed to FastAPI.
    """

    hot_answers: HotAnswers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["method"] == "HEAD":
                scope, send = as_get(scope, send)
            if scope["path"][-1:] == "/" and scope["path"] != "/":
                scope = without_trailing_slash(scope)
            if scope["method"] == "GET":
                now = time.time()
                answer = self.hot_answers.get(scope["path"], scope["query_string"], now)
                if answer is not None:
                    await answer_hot(answer, scope, send, now)
                    return
            # An event stream's body goes out on this `send`, past the layers below, which wrap
            # every message but read only the response's start (`events/stream.py`).
            scope[SERVER_SEND] = send
        await super().__call__(scope, receive, send)


def _store(settings: Settings) -> Store:
    if settings.redis_url is None:
        return MemoryStore()
    from sports_api.cache.redis import RedisStore

    return RedisStore(settings.redis_url.get_secret_value(), breaker_seconds=settings.redis_breaker_seconds)


def _push(settings: Settings) -> Push:
    """Live push: this task's streams, and with Redis the channel every task hears changes on."""
    hub = Hub(buffer=settings.events_buffer, max_subscribers=settings.events_max_streams)
    bus = None
    if settings.redis_url is not None:
        from sports_api.events.bus import RedisBus

        bus = RedisBus(settings.redis_url.get_secret_value(), hub.deliver)
    push = Push(hub, bus)
    hub.on_watch = push.watch
    return push


def _source(settings: Settings, teams: TeamCatalogue) -> Source | None:
    if settings.effective_source is DataSource.DEMO:
        return DemoSource(teams, settings.zone)
    if settings.serpapi_api_key is None:
        return None  # misconfigured: /ready and the data routes say why
    return SerpApiSource(
        settings.serpapi_api_key.get_secret_value(),
        str(settings.serpapi_base_url),
        settings.serpapi_timeout_seconds,
        settings.serpapi_location,
    )


def create_app(settings: Settings | None = None) -> SportsApi:
    settings = settings or Settings()
    store = _store(settings)
    catalogue = TeamCatalogue.load()
    source = _source(settings, catalogue)
    hot_answers = HotAnswers()
    quota = Quota.build(settings, store, metered=source is not None and source.metered)
    archive = Archive.from_settings(settings)
    push = _push(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with quota.running():
            await archive.start()
            push.start()
            try:
                yield
            finally:
                await push.stop()
                await archive.stop()
        hot_answers.clear()
        await store.close()

    app = SportsApi(
        title="sports-api",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Its redirects are absolute URLs built from the caller's Host header;
        # `SportsApi.__call__` matches a trailing slash instead.
        redirect_slashes=False,
        # Served by routes/pages.py from local files, not a CDN.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
        # No OpenTelemetry SDK is installed, so FastAPI's native telemetry
        # could never export; left on, it still looks up the global providers
        # (environment variables included) on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        openapi_tags=[
            {"name": "leagues", "description": "The catalogue, each league's games and its table."},
            {"name": "teams", "description": "The team catalogue, and one team's games across competitions."},
            {"name": "results", "description": "Every game the service has seen, kept past Google's box."},
            {"name": "me", "description": "The caller's favourite teams (API Gateway's API key id)."},
            {"name": "health", "description": "Liveness and readiness."},
        ],
    )
    app.state.settings = settings
    app.state.store = store
    app.hot_answers = hot_answers
    app.state.teams = catalogue
    app.state.archive = archive
    app.state.sports = (
        SportsService(
            source,
            store,
            quota.budget,
            freshness=Freshness(live=settings.ttl_live_seconds, idle=settings.ttl_idle_seconds),
            stale_max=settings.stale_max_seconds,
            upstream_timeout=settings.serpapi_timeout_seconds,
            zone=settings.zone,
            teams=catalogue,
            cooldown=quota.cooldown,
            account=quota.account,
            on_document=archive.record,
            on_refresh=push.refreshed,
        )
        if source is not None
        else None
    )
    app.state.events = push
    if app.state.sports is not None:
        push.keeper = Keeper(app.state.sports, push.hub.client_for, retry_seconds=settings.ttl_live_seconds)
    routers = (
        leagues.router,
        results.router,
        teams.router,
        me.router,
        events.router,
        health.router,
        pages.router,
    )
    for router in (*routers, quota_routes.router):
        app.include_router(router)
    pages.mount(app)
    problems.install(app)
    openapi.install(app)
    app.add_middleware(RequestContextMiddleware)
    return app
