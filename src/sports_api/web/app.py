"""The application factory: settings in, a wired FastAPI app out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from sports_api import __version__
from sports_api.cache import MemoryStore, Store
from sports_api.core.config import DataSource, Settings
from sports_api.quota.budget import Budget
from sports_api.quota.freshness import Freshness
from sports_api.service import SportsService
from sports_api.sports.teams import TeamCatalogue
from sports_api.upstream import Source
from sports_api.upstream.demo import DemoSource
from sports_api.upstream.serpapi import SerpApiSource
from sports_api.web import problems
from sports_api.web.hot import HotAnswers
from sports_api.web.middleware import RequestContextMiddleware, answer_hot
from sports_api.web.routes import health, leagues, teams

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
        if scope["type"] == "http" and scope["method"] == "GET":
            now = time.time()
            answer = self.hot_answers.get(scope["path"], scope["query_string"], now)
            if answer is not None:
                await answer_hot(answer, scope, send, now)
                return
        await super().__call__(scope, receive, send)


def _store(settings: Settings) -> Store:
    if settings.redis_url is None:
        return MemoryStore()
    from sports_api.cache.redis import RedisStore

    return RedisStore(settings.redis_url.get_secret_value())


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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        hot_answers.clear()
        await store.close()

    app = SportsApi(
        title="sports-api",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # No OpenTelemetry SDK is installed, so FastAPI's native telemetry
        # could never export; left on, it still looks up the global providers
        # (environment variables included) on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        openapi_tags=[
            {"name": "leagues", "description": "The catalogue, each league's games and its table."},
            {"name": "teams", "description": "The team catalogue, and one team's games across competitions."},
            {"name": "health", "description": "Liveness and readiness."},
        ],
    )
    app.state.settings = settings
    app.state.store = store
    app.hot_answers = hot_answers
    app.state.teams = catalogue
    app.state.sports = (
        SportsService(
            source,
            store,
            Budget(store, settings.serpapi_max_searches_per_hour),
            freshness=Freshness(live=settings.ttl_live_seconds, idle=settings.ttl_idle_seconds),
            stale_max=settings.stale_max_seconds,
            upstream_timeout=settings.serpapi_timeout_seconds,
            zone=settings.zone,
            teams=catalogue,
        )
        if source is not None
        else None
    )
    for router in (leagues.router, teams.router, health.router):
        app.include_router(router)
    problems.install(app)
    app.add_middleware(RequestContextMiddleware)
    return app
