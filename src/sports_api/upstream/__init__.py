"""Where games come from: SerpAPI, or the demo payloads shipped with the app."""

from .base import Lookup, Source

__all__ = ["Lookup", "Source"]
