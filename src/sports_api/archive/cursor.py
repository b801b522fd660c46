"""The `cursor` of a results page: where the next page starts, bound to the query it came from.

It is the start key of the last game served, with a digest of the query
(view, source, window, statuses) and a check digest over both, in base64url.
It is validated rather than secret: an altered or truncated cursor, or one
from another query, is a 422 problem; a forged cursor that passes can only
start the same query at another game.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

import orjson

from sports_api.archive.records import KEY_PATTERN
from sports_api.archive.store import View
from sports_api.core.errors import InvalidCursor
from sports_api.sports.filters import GameFilter

_VERSION = 1


def fingerprint(source: str, view: View, wanted: GameFilter) -> str:
    parts = (
        source,
        view.kind,
        view.subject,
        wanted.start.isoformat() if wanted.start else "",
        wanted.end.isoformat() if wanted.end else "",
        ",".join(sorted(wanted.statuses)) if wanted.statuses is not None else "*",
    )
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


def _check(query: str, key: str) -> str:
    return hashlib.blake2b(f"{_VERSION}\n{query}\n{key}".encode(), digest_size=6).hexdigest()


def encode(query: str, key: str) -> str:
    raw = orjson.dumps([_VERSION, query, key, _check(query, key)])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str, query: str) -> str:
    """The start key to continue after; InvalidCursor unless `cursor` came from this same query."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, made_for, key, check = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise InvalidCursor("cursor: not a cursor this service handed out; start without one.") from None
    if (
        version != _VERSION
        or not isinstance(made_for, str)
        or not isinstance(key, str)
        or not KEY_PATTERN.fullmatch(key)
        or check != _check(made_for, key)
    ):
        raise InvalidCursor("cursor: not a cursor this service handed out; start without one.")
    if made_for != query:
        raise InvalidCursor(
            "cursor: it belongs to another query; keep the same team or league, from, to, tz and status."
        )
    return key
