"""Honouring SerpAPI's Retry-After: after a 429, no search until it has passed.

A 429 answers fast, so concurrent callers rarely overlap and single-flight
barely helps: in a storm the service would search once per request until the
hourly budget ran out (failed searches count), and then could not refresh
anything for the rest of the hour even after SerpAPI recovered. A rate limit
is the account's, not one key's, so the pause covers every key. It is kept
per process: with several tasks each may ask once per window, and the shared
budget still caps them all.
"""

from __future__ import annotations

import math


class Cooldown:
    def __init__(self) -> None:
        self._until = 0.0  # Unix time

    def start(self, seconds: int, now: float) -> None:
        self._until = max(self._until, now + seconds)

    def remaining(self, now: float) -> int:
        """Whole seconds left, for Retry-After; 0 when searching is allowed."""
        return max(0, math.ceil(self._until - now))
