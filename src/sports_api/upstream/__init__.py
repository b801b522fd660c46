"""Where games come from: SerpAPI, or the demo payloads shipped with the app."""

from sports_api.upstream.base import Lookup, Source

__all__ = ["Lookup", "Source"]
