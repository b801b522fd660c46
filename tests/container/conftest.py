"""Tests that build and run container images (the `container` marker): make container-test runs them.

They take minutes and a container engine, so a plain `pytest` or `make test`
skips them, saying so; `pytest -m container` (make container-test) runs them.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "container" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="builds and runs container images: make container-test runs it")
    for item in items:
        if item.get_closest_marker("container"):
            item.add_marker(skip)
