"""API Gateway's key check, in front of the app on loopback: what the OpenAPI document promises.

The app itself never checks `x-api-key`; the deployed REST API does
(cloudformation/api.yaml: `ApiKeyRequired` on every method but GET /health),
and answers 403 with a problem. Tests that hold the app to the document's
security scheme (the fuzzer's auth checks) run it behind this stand-in. Its
403 body carries `status`, as the document's `Problem` requires; the
DEFAULT_4XX gateway response in cloudformation/api.yaml does not send one yet.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from sports_api.web.openapi import API_KEY_HEADER, KEYLESS_PATHS

GATEWAY_KEY = "test-gateway-key-0123456789"
GATEWAY_KEY_ID = "t2k9x4q7z1"  # what $context.identity.apiKeyId would be for it
# Fetching the document is how a fuzzer starts; the gateway would ask a key for it too.
_OPEN = KEYLESS_PATHS | {"/openapi.json"}


class ApiKeyGate:
    def __init__(self, app: ASGIApp, key: str = GATEWAY_KEY) -> None:
        self.app = app
        self.key = key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _OPEN:
            await self.app(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope["headers"] if name != b"x-api-key-id"]
        if dict(headers).get(API_KEY_HEADER.encode()) == self.key:
            # The gateway tells the service whose key it was; a caller cannot.
            headers.append((b"x-api-key-id", GATEWAY_KEY_ID.encode()))
            await self.app({**scope, "headers": headers}, receive, send)
            return
        body = orjson.dumps(
            {
                "type": "urn:sports-api:problem:gateway",
                "title": "Forbidden",
                "status": 403,
                "detail": "INVALID_API_KEY",  # $context.error.responseType, missing key or wrong
                "request_id": "gateway-stand-in",
            }
        )
        headers = [(b"content-type", b"application/problem+json"), (b"x-request-id", b"gateway-stand-in")]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})
