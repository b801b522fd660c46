"""One cached answer: the games already encoded, so a hit costs no serialising."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from sports_api.sports.models import Game


@dataclass(frozen=True, slots=True)
class Entry:
    games: bytes  # a JSON array of games
    source: str
    fetched_at: float  # Unix time
    etag: str

    @classmethod
    def build(cls, games: list[Game], source: str, fetched_at: float) -> Entry:
        encoded = orjson.dumps([game.model_dump(mode="json") for game in games])
        digest = hashlib.blake2b(encoded + source.encode(), digest_size=12).hexdigest()
        return cls(encoded, source, fetched_at, f'W/"{digest}"')

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)

    def dump(self) -> bytes:
        """Three header lines, then the games: read back without parsing JSON."""
        return f"{self.fetched_at!r}\n{self.source}\n{self.etag}\n".encode() + self.games

    @classmethod
    def load(cls, raw: bytes) -> Entry | None:
        try:
            fetched_at, source, etag, games = raw.split(b"\n", 3)
            return cls(games, source.decode(), float(fetched_at), etag.decode())
        except ValueError:
            return None
