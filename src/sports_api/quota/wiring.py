"""The quota's parts built from the settings, and the Account API reader's life."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sports_api.cache import Store
from sports_api.core.config import Settings
from sports_api.quota.account import AccountApi, AccountMonitor
from sports_api.quota.budget import Budget
from sports_api.quota.cooldown import Cooldown
from sports_api.quota.pacing import Pacer
from sports_api.sports.catalogue import LEAGUES


@dataclass(slots=True)
class Quota:
    budget: Budget
    cooldown: Cooldown
    account: AccountMonitor | None  # None without a key, or with a source that spends nothing

    @classmethod
    def build(
        cls, settings: Settings, store: Store, metered: bool, clock: Callable[[], float] = time.time
    ) -> Quota:
        pacer = Pacer(settings.serpapi_max_searches_per_hour)
        budget = Budget(
            store,
            settings.serpapi_max_searches_per_hour,
            pacer=pacer,
            failures_per_hour=settings.serpapi_max_failed_searches_per_hour,
            client_per_hour=settings.client_searches_per_hour,
            client_empty_per_hour=settings.client_empty_searches_per_hour,
            unknown_share=settings.unknown_team_share,
            league_reserve=settings.league_reserve_share,
            league_keys=len(LEAGUES),
            clock=clock,
        )
        cooldown = Cooldown(
            after=settings.backoff_after_failures,
            base=settings.backoff_base_seconds,
            cap=settings.backoff_max_seconds,
        )
        account = None
        if metered and settings.serpapi_api_key is not None:
            api = AccountApi(
                settings.serpapi_api_key.get_secret_value(),
                str(settings.serpapi_base_url),
                settings.serpapi_account_timeout_seconds,
                clock,
            )
            account = AccountMonitor(api, pacer, settings.serpapi_account_refresh_seconds, clock)
        return cls(budget, cooldown, account)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Read the Account API in the background (at once, then every few minutes) while the app runs."""
        if self.account is None:
            yield
            return
        task = asyncio.create_task(self.account.run(), name="account-api")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
