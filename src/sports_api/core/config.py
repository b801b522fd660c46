"""Every setting the service reads, in one place.

Values come from the environment (or a `.env` file for local runs). The
seeds' `SPORTS_API_KEY` is accepted as an alias so their deployments keep
working when they switch to this service.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, HttpUrl, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ArchiveBackend = Literal["sqlite", "dynamodb", "off"]


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
    serpapi_max_failed_searches_per_hour: int = Field(
        default=10,
        ge=0,
        description="Failed upstream attempts (5xx, timeouts, 429s) allowed per clock hour, apart from "
        "the searches: failures do not count against the plan's pacing.",
    )
    serpapi_account_refresh_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="How often SerpAPI's Account API (free) is read for the plan's searches left; "
        "it is also read at start-up.",
    )
    serpapi_account_timeout_seconds: float = Field(
        default=5.0, gt=0, le=25, description="Total time allowed for one Account API read."
    )
    client_searches_per_hour: int = Field(
        default=20,
        ge=0,
        description="Searches for team names outside the catalogue that one client (API Gateway's "
        "API key id, else its address) may cause per clock hour; past it, 429 with Retry-After.",
    )
    client_empty_searches_per_hour: int = Field(
        default=3,
        ge=1,
        description="How many of one client's searches for names outside the catalogue may find "
        "nothing in a clock hour; past it, that client's further ones get 429 with Retry-After.",
    )
    unknown_team_share: float = Field(
        default=0.5,
        ge=0,
        le=0.5,
        description="The part of the hour's searches that names outside the catalogue may spend, "
        "all clients together (at most half).",
    )
    league_reserve_share: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="The part of the hour's searches kept for the catalogue's leagues (games and "
        "tables): team searches cannot spend it.",
    )
    backoff_after_failures: int = Field(
        default=2,
        ge=1,
        description="Consecutive upstream 5xx or timeouts after which no key searches until a back-off "
        "has passed.",
    )
    backoff_base_seconds: float = Field(
        default=5.0, gt=0, description="The first back-off; it doubles (jittered) with each failed probe."
    )
    backoff_max_seconds: float = Field(default=300.0, gt=0, description="The longest back-off.")
    redis_breaker_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="After a Redis error, how long nothing is sent to Redis (copies and counts stay "
        "in the task) before one call tries again.",
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

    # The archive of every game seen, and each caller's favourite teams (`archive/`).
    archive_backend: ArchiveBackend = Field(
        default="sqlite",
        description="Where results and favourites are kept: `sqlite` (a file under DATA_DIR; one task), "
        "`dynamodb` (the table ARCHIVE_TABLE; shared by every task), or `off`.",
    )
    data_dir: Path = Field(
        default=Path(".data"),
        description="Directory of the SQLite archive (`archive.sqlite3`); created when missing.",
    )
    archive_table: str | None = Field(
        default=None,
        min_length=3,
        max_length=255,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="The DynamoDB table when ARCHIVE_BACKEND=dynamodb (the service stack creates it).",
    )
    archive_endpoint_url: str | None = Field(
        default=None,
        description="Another DynamoDB endpoint (DynamoDB Local, moto); unset in AWS.",
    )
    archive_region: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
        description="The AWS region of ARCHIVE_TABLE; unset: AWS_REGION, else the SDK's own default.",
    )
    archive_retention_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Forget a game this many days after it was last seen (DynamoDB TTL, or a purge in "
        "SQLite); unset keeps everything.",
    )
    archive_queue_size: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Answers waiting to be archived; past it a new answer is dropped (and counted), "
        "never waited for.",
    )
    favourites_max: int = Field(
        default=20, ge=1, le=100, description="How many favourite teams one caller may keep."
    )

    # Live push (issue 23): the event-stream routes (`events/`).
    events_heartbeat_seconds: float = Field(
        default=10.0,
        gt=0,
        le=15,
        description="Seconds of silence on an event stream after which a heartbeat is sent (at most 15).",
    )
    events_max_seconds: float = Field(
        default=840.0,
        ge=1,
        le=870,
        description="How long an event stream lasts before it closes itself with `retry:` and the client "
        "reconnects: under API Gateway's 15-minute limit on a streamed answer.",
    )
    events_retry_ms: int = Field(
        default=2000, ge=100, le=60_000, description="The reconnection delay (`retry:`) streams tell clients."
    )
    events_buffer: int = Field(
        default=64,
        ge=1,
        le=10_000,
        description="Events waiting for one slow client; past it the client is dropped (and reconnects).",
    )
    events_max_streams: int = Field(
        default=20_000, ge=1, description="Event streams one task holds; past it a new one gets 503."
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

    @field_validator(
        "archive_table", "archive_endpoint_url", "archive_region", "archive_retention_days", mode="before"
    )
    @classmethod
    def _blank_archive_setting_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _archive_table_named(self) -> Settings:
        if self.archive_backend == "dynamodb" and not self.archive_table:
            raise ValueError("ARCHIVE_BACKEND=dynamodb needs ARCHIVE_TABLE")
        return self

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
