"""The service's side of live push: a refresh's change, to this task's streams and to the others."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sports_api.cache import Entry
from sports_api.events.changes import Change
from sports_api.events.hub import Hub
from sports_api.events.keeper import Keeper
from sports_api.upstream import Lookup

if TYPE_CHECKING:
    from sports_api.events.bus import RedisBus

log = logging.getLogger(__name__)


class Push:
    """This task's hub, its bus to the other tasks (with Redis), and the keeper (once there is a service)."""

    def __init__(self, hub: Hub, bus: RedisBus | None = None) -> None:
        self.hub = hub
        self.bus = bus
        self.keeper: Keeper | None = None

    def watch(self, lookup: Lookup, watched: bool) -> None:
        """`Hub(on_watch=)`."""
        if self.keeper is not None:
            self.keeper.watch(lookup, watched)

    def start(self) -> None:
        if self.bus is not None:
            self.bus.start()

    async def stop(self) -> None:
        """Close every stream (with `retry:`), then stop refreshing and listening."""
        self.hub.close_all("shutdown")
        if self.keeper is not None:
            await self.keeper.stop()
        if self.bus is not None:
            await self.bus.stop()

    def refreshed(self, lookup: Lookup, known: Entry | None, entry: Entry) -> None:
        """`SportsService(on_refresh=)`: a search replaced `known` with `entry`. Never raises."""
        if lookup.kind == "standings" or known is None:
            return
        try:
            change = Change.between(lookup.key, known.document(), entry.document(), entry.fetched_at)
            if change is None:
                return
            self.hub.deliver(change)
            if self.bus is not None:
                self.bus.publish(change)
        except Exception:  # a refresh has been paid for and stored: its answer must not fail
            log.exception("could not push a change of %s", lookup.key, extra={"event": "events_push_error"})
