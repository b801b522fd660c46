"""Every setting the service reads, in one place.

Values come from the environment (or a `.env` file for local runs). The
seeds' `SPORTS_API_KEY` is accepted as an alias so their deployments keep
working when they switch to this service.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DataSource(StrEnum):
    AUTO = "auto"
    SERPAPI = "serpapi"
    DEMO = "demo"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True, populate_by_name=True)

    serpapi_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SERPAPI_API_KEY", "SPORTS_API_KEY"),
        description="SerpAPI key; without it the service serves demo data.",
    )
    serpapi_base_url: HttpUrl = Field(default=HttpUrl("https://serpapi.com"))
    serpapi_timeout_seconds: float = Field(
        default=8.0,
        gt=0,
        le=25,
        description="Total time allowed for one upstream search. Stays under "
        "API Gateway's 29 s integration limit and the ALB's idle timeout.",
    )
    serpapi_max_searches_per_hour: int = Field(
        default=60,
        ge=0,
        description="Upstream budget per clock hour (shared across tasks with Redis).",
    )
    data_source: DataSource = DataSource.AUTO

    serpapi_location: str = Field(
        default="New York, New York, United States",
        min_length=1,
        description="The `location` every search sends: Google prints local times for it.",
    )
    serpapi_time_zone: str = Field(
        default="America/New_York",
        description="The IANA zone of SERPAPI_LOCATION, in which Google's local dates and times are read.",
    )

    ttl_live_seconds: int = Field(
        default=60, ge=1, description="How long an answer with a game in progress is fresh."
    )
    ttl_idle_seconds: int = Field(
        default=3600,
        ge=1,
        description="How long an answer with nothing live or about to start is fresh "
        "(SerpAPI answers a repeat search from its own cache for an hour anyway).",
    )
    stale_max_seconds: int = Field(
        default=86_400,
        ge=0,
        description="How long past freshness a result may still be served when upstream fails.",
    )
    stale_retry_seconds: int = Field(
        default=10,
        ge=0,
        description="While upstream fails, how long a stale copy is served as is before one "
        "request tries the upstream again (0: every request tries).",
    )
    redis_url: SecretStr | None = Field(
        default=None, description="Shared cache for several tasks, e.g. redis://host:6379/0."
    )

    log_level: str = "INFO"
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen on all interfaces
    port: int = Field(default=8080, ge=1, le=65535)
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses or CIDRs whose X-Forwarded-* headers are "
        "trusted: the load balancer's subnets in AWS.",
    )
    graceful_shutdown_seconds: int = Field(
        default=25,
        ge=1,
        description="How long in-flight requests may run after SIGTERM; under the ECS stop timeout.",
    )

    @field_validator("serpapi_api_key", "redis_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("serpapi_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.serpapi_time_zone)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    @cached_property
    def effective_source(self) -> DataSource:
        """The source actually served: `auto` resolves to live data when a key is set."""
        if self.data_source is DataSource.AUTO:
            return DataSource.SERPAPI if self.serpapi_api_key else DataSource.DEMO
        return self.data_source

    def problems(self) -> list[str]:
        """Configuration faults that make the service unable to answer data requests."""
        found = []
        if self.effective_source is DataSource.SERPAPI and not self.serpapi_api_key:
            found.append("DATA_SOURCE=serpapi but SERPAPI_API_KEY is not set")
        return found
