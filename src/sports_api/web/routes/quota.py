"""GET /v1/quota: what the plan has left, what this hour may spend, and who spent it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from sports_api.quota.clients import client_id
from sports_api.web.routes.deps import Service, known_parameters, problem_doc

router = APIRouter(tags=["health"], dependencies=[Depends(known_parameters)])


class AccountApiState(BaseModel):
    last_error: str | None = Field(description="Why the last read failed; null when it succeeded.")
    last_attempt: datetime | None = Field(description="When the Account API was last asked.")


class Plan(BaseModel):
    searches_left: int | None = Field(description="The plan's searches left this month, as SerpAPI said.")
    searches_per_month: int | None
    this_month_usage: int | None
    read_at: datetime | None = Field(description="When SerpAPI said so; null: never read (the cap applies).")
    hourly_rate: float | None = Field(description="Searches left spread over the hours left in the month.")
    account_api: AccountApiState | None = Field(description="Null when the source is not metered.")


class Share(BaseModel):
    limit: int
    spent: int


class ClientShare(Share):
    id: str = Field(description="Who you are to the service: `key:<API key id>` or `ip:<address>`.")
    found_nothing: int = Field(
        description="Your searches for names outside the catalogue this hour that found no games."
    )
    found_nothing_limit: int = Field(
        description="CLIENT_EMPTY_SEARCHES_PER_HOUR: past it, your searches for such names get 429."
    )


class Shares(BaseModel):
    league_reserve: int = Field(description="Searches this hour that only the catalogue's leagues may spend.")
    teams: Share = Field(description="Team searches, catalogue teams and other names together.")
    unknown_teams: Share = Field(description="Searches for names outside the catalogue, all clients.")
    client: ClientShare | None = Field(description="Your part of those; past it, 429.")


class Hour(BaseModel):
    hour_started: datetime
    resets_in: int = Field(description="Seconds until the next clock hour's counts.")
    cap: int = Field(description="SERPAPI_MAX_SEARCHES_PER_HOUR.")
    allowance: int = Field(description="This hour's searches: the plan's pace, within the cap.")
    spent: int = Field(description="Searches that succeeded this hour (and those under way).")
    failed: int = Field(description="Failed attempts this hour; they do not count against the allowance.")
    failure_allowance: int
    live_stretch: float = Field(description="How many times TTL_LIVE_SECONDS a live answer now stays fresh.")
    shares: Shares


class CooldownState(BaseModel):
    state: str = Field(description="`searching`, `probing`, `rate-limited` (a 429) or `backing-off` (5xx).")
    retry_after: int = Field(description="Seconds until searching resumes; 0 when it is allowed.")
    consecutive_failures: int


class QuotaState(BaseModel):
    source: str
    metered: bool = Field(description="Whether the source spends searches (false for the demo).")
    plan: Plan
    hour: Hour
    cooldown: CooldownState


@router.get(
    "/v1/quota",
    response_model=QuotaState,
    responses={503: problem_doc("Misconfigured: no source to report on.")},
    summary="The upstream quota: plan, this hour's allowance and shares, cool-down",
)
async def quota(request: Request, service: Service) -> QuotaState:
    client = client_id(
        request.scope.get("client"), request.scope["headers"], request.app.state.settings.forwarded_allow_ips
    )
    state = await service.quota(client)
    plan = dict(state["plan"])  # type: ignore[call-overload]
    if plan["read_at"] is not None:
        plan["read_at"] = datetime.fromtimestamp(plan["read_at"], UTC)
    if plan["account_api"] and plan["account_api"]["last_attempt"] is not None:
        attempt = plan["account_api"]["last_attempt"]
        plan["account_api"] = {**plan["account_api"], "last_attempt": datetime.fromtimestamp(attempt, UTC)}
    hour = dict(state["hour"])  # type: ignore[call-overload]
    hour["hour_started"] = datetime.fromtimestamp(hour["hour_started"], UTC)
    return QuotaState.model_validate({**state, "plan": plan, "hour": hour})
