"""Where normalised games are kept so the upstream is asked as rarely as possible."""

from sports_api.cache.entry import Entry
from sports_api.cache.memory import MemoryStore
from sports_api.cache.store import Store, StoreLock, StoreUnavailable

__all__ = ["Entry", "MemoryStore", "Store", "StoreLock", "StoreUnavailable"]
