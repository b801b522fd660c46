"""Liveness for the load balancer, readiness for people and deploys."""

from __future__ import annotations

from fastapi import APIRouter, Request

from sports_api.cache import StoreUnavailable
from sports_api.core.errors import Misconfigured
from sports_api.web.routes.deps import problem_doc
from sports_api.web.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Liveness: the process answers")
async def health() -> Health:
    return Health()


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: problem_doc("Not ready: the reason is in `detail`.")},
    summary="Readiness: configuration valid and the cache reachable",
)
async def ready(request: Request) -> Readiness:
    state = request.app.state
    problems = state.settings.problems()
    try:
        await state.store.ping()
    except StoreUnavailable as exc:
        problems.append(str(exc))
    if state.sports is not None:
        problems += state.sports.readiness_problems()
    if problems:
        raise Misconfigured("; ".join(problems))
    return Readiness(source=state.settings.effective_source.value, cache=state.store.kind)
