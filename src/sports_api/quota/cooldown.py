"""When not to search at all: after a 429, and after repeated 5xx or timeouts.

A 429 answers fast, so concurrent callers rarely overlap and single-flight
barely helps: in a storm the service would search once per request. A rate
limit is the account's, not one key's, so the pause covers every key until
its Retry-After has passed.

An outage is the same: SerpAPI failing with 5xx or not answering fails for
every key. After `after` failures in a row the service backs off: no key
searches for `base` seconds, doubled with every further failure up to `cap`,
each wait jittered (between half and all of it) so that several tasks do not
probe in step. When a back-off has passed, one search probes while the
others keep serving stale copies; the first success ends the back-off.

Both are kept per process: with several tasks each may probe once per
window, and the shared budget still caps them all.
"""

from __future__ import annotations

import math
import random
from typing import Literal

from sports_api.core.errors import (
    UpstreamBackingOff,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)


class Cooldown:
    def __init__(
        self,
        *,
        after: int = 2,
        base: float = 5.0,
        cap: float = 300.0,
        rng: random.Random | None = None,
    ) -> None:
        self._after = after
        self._base = base
        self._cap = cap
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._until = 0.0  # Unix time
        self._reason: Literal["rate-limited", "backing-off"] | None = None
        self.failures = 0  # consecutive 5xx and timeouts
        self._probing = False

    def start(self, seconds: int, now: float) -> None:
        """SerpAPI answered 429 with this Retry-After."""
        if now + seconds > self._until:
            self._until, self._reason = now + seconds, "rate-limited"

    def failed(self, now: float) -> float:
        """A 5xx, timeout or unreachable upstream; the back-off it starts, in seconds (0 for none yet)."""
        self._probing = False
        self.failures += 1
        if self.failures < self._after:
            return 0.0
        ceiling = min(self._cap, self._base * 2 ** (self.failures - self._after))
        wait = ceiling * self._rng.uniform(0.5, 1.0)
        if now + wait > self._until:
            self._until, self._reason = now + wait, "backing-off"
        return wait

    def succeeded(self) -> None:
        self.failures = 0
        self._probing = False
        if self._reason == "backing-off":
            self._until, self._reason = 0.0, None

    def settled(self) -> None:
        """A probe ended some other way (e.g. a 4xx): let the next one go."""
        self._probing = False

    def remaining(self, now: float) -> int:
        """Whole seconds left, for Retry-After; 0 when searching is allowed."""
        return max(0, math.ceil(self._until - now))

    def check(self, now: float) -> None:
        """Raise what a caller gets while no search may go out; otherwise let this one through.

        After a back-off has passed and while failures persist, only one search
        probes at a time.
        """
        wait = self.remaining(now)
        if wait and self._reason == "rate-limited":
            raise UpstreamRateLimited(
                "SerpAPI's rate limit is in force; the service is not searching until it passes",
                retry_after=wait,
            )
        if wait or (self._probing and self.failures >= self._after):
            raise UpstreamBackingOff(
                f"SerpAPI failed {self.failures} times in a row; the service is not searching "
                "until its back-off has passed",
                retry_after=max(1, wait),
            )
        if self.failures >= self._after:
            self._probing = True

    def state(self, now: float) -> dict[str, object]:
        wait = self.remaining(now)
        return {
            "state": (self._reason if wait else None) or ("probing" if self._probing else "searching"),
            "retry_after": wait,
            "consecutive_failures": self.failures,
        }

    @staticmethod
    def counts_as_outage(exc: UpstreamError) -> bool:
        """5xx, unreachable, timeouts: the failures a back-off answers to."""
        return isinstance(exc, UpstreamTimeout | UpstreamUnavailable)
