"""Changes between tasks: Redis pub/sub on one channel.

The task whose search refreshed a key delivers the change to its own
subscribers at once and publishes it; every other task hears it on the
channel and delivers it to its own. A task ignores its own messages
(`origin`), and the hub's change log drops a change heard twice. Without
Redis there is no bus: one task, in-process delivery only.

Pub/sub keeps nothing: a task whose subscription is down (Redis restarting)
misses what is published meanwhile, and its clients get those games at the
next change, or a fresh snapshot when they reconnect. The subscription is
taken again with a back-off, and every miss is logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from sports_api.events.changes import Change, read_message

log = logging.getLogger(__name__)

CHANNEL = "sports-api:events"
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


class RedisBus:
    def __init__(
        self,
        url: str,
        deliver: Callable[[Change], object],
        channel: str = CHANNEL,
        *,
        socket_timeout: float = 1.0,
    ) -> None:
        self.origin = os.urandom(8).hex()
        self.channel = channel
        self._deliver = deliver
        # Publishing is one short command; the subscription reads for as long as the task lives.
        self._publisher = Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
        )
        self._listener = Redis.from_url(url, socket_connect_timeout=socket_timeout, health_check_interval=30)
        self._task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self.subscribed = asyncio.Event()
        self.heard = 0
        self.published = 0

    def publish(self, change: Change) -> None:
        """Send it on the channel, without waiting (called from inside a refresh)."""
        task = asyncio.get_running_loop().create_task(self._publish(change.message(self.origin)))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self, message: bytes) -> None:
        try:
            await self._publisher.publish(self.channel, message)
            self.published += 1
        except RedisError as exc:
            log.warning(
                "could not publish a change to the other tasks (%s)",
                type(exc).__name__,
                extra={"event": "events_publish_failed"},
            )

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with self._listener.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.subscribed.set()
                    if failures:
                        log.info("listening for changes again", extra={"event": "events_bus_recovered"})
                    failures = 0
                    while True:
                        message = await pubsub.get_message(timeout=5.0)
                        if message is not None and message.get("type") == "message":
                            self._heard(message["data"])
            except (RedisError, OSError) as exc:
                self.subscribed.clear()
                wait = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning(
                    "not listening for other tasks' changes (%s); again in %g s",
                    type(exc).__name__,
                    wait,
                    extra={"event": "events_bus_error"},
                )
                await asyncio.sleep(wait)

    def _heard(self, raw: bytes) -> None:
        read = read_message(raw)
        if read is None:
            log.warning("unreadable message on %s", self.channel, extra={"event": "events_bus_invalid"})
            return
        origin, change = read
        if origin == self.origin:
            return
        self.heard += 1
        self._deliver(change)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        await self._publisher.aclose()
        await self._listener.aclose()
