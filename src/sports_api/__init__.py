"""sports-api: live game schedules and scores, normalised, cached and quota-safe."""

__version__ = "0.1.0"
