"""The seed tutorials' design, for comparison: no cache, one search per request.

A synchronous FastAPI handler that builds a `GoogleSearch`, calls SerpAPI and
returns its `sports_results`: what the tutorials this service replaces do.
Every request is an upstream search, spent from the quota, and FastAPI runs
each one in its thread pool. The bench points it at the same fake upstream as
the service (`SERPAPI_BASE_URL`).
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from serpapi import GoogleSearch

API_KEY = os.environ.get("SERPAPI_API_KEY", "")
BASE_URL = os.environ.get("SERPAPI_BASE_URL", "https://serpapi.com")

app = FastAPI(title="seed design")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/sports")
def sports(league: str = "nfl") -> Any:
    search = GoogleSearch({"q": f"{league} schedule", "api_key": API_KEY, "output": "json"})
    search.BACKEND = BASE_URL
    results = search.get_dict()
    return results.get("sports_results", {})
