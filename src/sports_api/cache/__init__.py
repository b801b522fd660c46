"""Where normalised games are kept so the upstream is asked as rarely as possible."""

from .entry import Entry
from .memory import MemoryStore
from .store import Store, StoreLock, StoreUnavailable

__all__ = ["Entry", "MemoryStore", "Store", "StoreLock", "StoreUnavailable"]
