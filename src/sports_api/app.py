"""The application factory: settings in, a wired FastAPI app out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__, problems
from .budget import Budget
from .cache import MemoryStore, Store
from .config import DataSource, Settings
from .games import GamesService
from .middleware import RequestContextMiddleware
from .routes import health, leagues, teams
from .upstream import Source
from .upstream.demo import DemoSource
from .upstream.serpapi import SerpApiSource

DESCRIPTION = """
Live game schedules and scores for leagues and teams, from Google's sports
results through SerpAPI, normalised into typed JSON.

Every answer says where it came from (`source`), when it was fetched
(`fetched_at`) and how the cache answered (`cache`: `hit`, `miss`, or `stale`
when the upstream failed and an older copy is served). Errors are RFC 9457
problem details.
"""


def _store(settings: Settings) -> Store:
    if settings.redis_url is None:
        return MemoryStore()
    from .cache.redis import RedisStore

    return RedisStore(settings.redis_url.get_secret_value())


def _source(settings: Settings) -> Source | None:
    if settings.effective_source is DataSource.DEMO:
        return DemoSource()
    if settings.serpapi_api_key is None:
        return None  # misconfigured: /ready and the data routes say why
    return SerpApiSource(
        settings.serpapi_api_key.get_secret_value(),
        str(settings.serpapi_base_url),
        settings.serpapi_timeout_seconds,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    store = _store(settings)
    source = _source(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await store.close()

    app = FastAPI(
        title="sports-api",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "leagues", "description": "The catalogue and each league's games."},
            {"name": "teams", "description": "One team's games across competitions."},
            {"name": "health", "description": "Liveness and readiness."},
        ],
    )
    app.state.settings = settings
    app.state.store = store
    app.state.games = (
        GamesService(
            source,
            store,
            Budget(store, settings.serpapi_max_searches_per_hour),
            ttl=settings.cache_ttl_seconds,
            stale_max=settings.stale_max_seconds,
            upstream_timeout=settings.serpapi_timeout_seconds,
        )
        if source is not None
        else None
    )
    for router in (leagues.router, teams.router, health.router):
        app.include_router(router)
    problems.install(app)
    app.add_middleware(RequestContextMiddleware)
    return app
