"""The ceiling: a bare ASGI app (no framework) that sends a recorded answer.

The bench records the service's cached answer for the hot key (status,
headers but `date`, which uvicorn adds, and body) into the file named by
`BENCH_ANSWER`, and this app sends exactly those bytes for every request.
Under the same uvicorn, on the same core, nothing written in Python can
answer an HTTP request faster, so the service's requests per second are
reported as a fraction of this app's.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

_recorded = json.loads(Path(os.environ["BENCH_ANSWER"]).read_text())
STATUS: int = _recorded["status"]
HEADERS = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in _recorded["headers"]]
BODY = base64.b64decode(_recorded["body"])


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await receive()  # startup
        await send({"type": "lifespan.startup.complete"})
        await receive()  # shutdown
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": STATUS, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
