"""SerpAPI's Account API: how many searches the plan has left, read off the request path.

`GET {SERPAPI_BASE_URL}/account.json?api_key=…` is free (it is not a search).
The service reads it at start-up and every `SERPAPI_ACCOUNT_REFRESH_SECONDS`
in a background task, never while a client waits, and hands each reading to
the pacer. A failed read (network, timeout, an error status, a body without
`plan_searches_left`) is logged with the key masked and changes nothing: the
pacer keeps the last reading, or the configured cap if there never was one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
import orjson
import requests

from sports_api.core.redact import redact
from sports_api.quota.pacing import Account, Pacer

log = logging.getLogger(__name__)


class AccountUnavailable(Exception):
    """The Account API could not be read; the message is safe to log."""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def parse(body: Any, read_at: float) -> Account:
    """An Account from the API's JSON body; AccountUnavailable when it lacks the searches left."""
    if not isinstance(body, dict):
        raise AccountUnavailable("the Account API sent JSON that is not an object")
    left = _int(body.get("plan_searches_left"))
    if left is None:
        left = _int(body.get("total_searches_left"))
    if left is None:
        raise AccountUnavailable("the Account API's answer has no plan_searches_left")
    return Account(
        plan_searches_left=max(0, left),
        read_at=read_at,
        searches_per_month=_int(body.get("searches_per_month")),
        this_month_usage=_int(body.get("this_month_usage")),
        this_hour_searches=_int(body.get("this_hour_searches")),
        last_hour_searches=_int(body.get("last_hour_searches")),
        account_rate_limit_per_hour=_int(body.get("account_rate_limit_per_hour")),
    )


class AccountApi:
    def __init__(
        self, api_key: str, base_url: str, timeout: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._api_key = api_key
        self._url = base_url.rstrip("/") + "/account.json"
        self._timeout = timeout
        self._clock = clock

    async def read(self) -> Account:
        try:
            with anyio.fail_after(self._timeout):
                body = await anyio.to_thread.run_sync(self._get, abandon_on_cancel=True)
        except TimeoutError:
            raise AccountUnavailable(f"the Account API did not answer within {self._timeout:g} s") from None
        return parse(body, self._clock())

    def _get(self) -> Any:
        try:
            response = requests.get(self._url, params={"api_key": self._api_key}, timeout=self._timeout)
        except requests.RequestException as exc:
            # The message holds the URL, key and all.
            raise AccountUnavailable(redact(f"{type(exc).__name__}: {exc}", (self._api_key,))) from None
        if response.status_code != 200:
            raise AccountUnavailable(f"the Account API answered HTTP {response.status_code}")
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise AccountUnavailable("the Account API sent a body that is not JSON") from None


class AccountMonitor:
    """Reads the Account API now and then, and keeps the pacer up to date."""

    def __init__(
        self, api: AccountApi, pacer: Pacer, interval: float, clock: Callable[[], float] = time.time
    ):
        self._api = api
        self._pacer = pacer
        self.interval = interval
        self._clock = clock
        self.last_error: str | None = None
        self.last_attempt: float | None = None

    async def refresh(self) -> bool:
        """One read; True when the pacer got a new reading."""
        self.last_attempt = self._clock()
        try:
            account = await self._api.read()
        except AccountUnavailable as exc:
            self.last_error = str(exc)
            log.warning("account API read failed: %s", exc, extra={"event": "account_unavailable"})
            return False
        self.last_error = None
        self._pacer.update(account)
        return True

    async def run(self) -> None:
        """Read at once, then every `interval` seconds, until cancelled."""
        while True:
            try:
                await self.refresh()
            except Exception:  # a bug here must not end the reads for the life of the process
                log.exception("account API read failed unexpectedly", extra={"event": "account_unavailable"})
            await anyio.sleep(self.interval)

    def state(self) -> dict[str, object]:
        return {"last_error": self.last_error, "last_attempt": self.last_attempt}
