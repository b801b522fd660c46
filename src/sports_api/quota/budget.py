"""The upstream budget: a hard cap on searches per clock hour.

SerpAPI plans are counted in searches, so the cap is counted before a search
is made, failed ones included. With Redis the count is shared by every task;
if Redis fails, each task falls back to counting for itself.
"""

from __future__ import annotations

import time

from sports_api.cache import MemoryStore, Store, StoreUnavailable
from sports_api.core.errors import BudgetExhausted

HOUR = 3600


class Budget:
    def __init__(self, store: Store, per_hour: int) -> None:
        self._store = store
        self._local = store if isinstance(store, MemoryStore) else MemoryStore()
        self._per_hour = per_hour

    async def spend(self) -> None:
        now = time.time()
        counter = f"budget:{int(now // HOUR)}"
        try:
            used = await self._store.incr(counter, HOUR + 60)
        except StoreUnavailable:
            used = await self._local.incr(counter, HOUR + 60)
        if used > self._per_hour:
            retry_after = int(HOUR - now % HOUR) + 1
            raise BudgetExhausted(
                f"The service's budget of {self._per_hour} upstream searches this hour is spent",
                retry_after=retry_after,
            )
