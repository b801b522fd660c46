"""`python -m sports_api`: the server as deployed, configured from the environment."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import uvicorn

from sports_api.core import logs
from sports_api.core.config import DataSource, Settings
from sports_api.web.app import create_app
from sports_api.web.server import BoundedHttpToolsProtocol

# The ALB's default idle timeout is 60 s; keep connections open longer so the
# balancer, not the app, closes them (otherwise it sees resets as 502s).
KEEP_ALIVE_SECONDS = 65


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    settings = Settings()
    secrets = tuple(s.get_secret_value() for s in (settings.serpapi_api_key, settings.redis_url) if s)
    logs.configure(settings.log_level, secrets)
    log = logging.getLogger("sports_api")
    if settings.effective_source is DataSource.DEMO:
        log.info(
            "serving demo data: SERPAPI_API_KEY is not set (or DATA_SOURCE=demo)", extra={"event": "startup"}
        )
    else:
        log.info("serving live data from SerpAPI", extra={"event": "startup"})
    for problem in settings.problems():
        log.error("misconfigured: %s", problem, extra={"event": "startup"})
    # uvicorn drains in-flight requests, then re-raises the stop signal; a
    # requested stop is a clean exit (status 0), not a death by signal.
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGINT, _stopped)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        # httptools, with a size cap and a read deadline on request heads (web/server.py).
        http=BoundedHttpToolsProtocol,
        port=settings.port,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        access_log=False,
        server_header=False,
        log_config=None,
    )


if __name__ == "__main__":
    main()
