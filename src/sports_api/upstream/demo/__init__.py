"""The demo source: a season calendar per league, games played out by the clock, and tables from them."""

from sports_api.upstream.demo.source import NO_RESULTS, DemoSource

__all__ = ["NO_RESULTS", "DemoSource"]
