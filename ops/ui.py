"""Terminal output: colour only on a terminal and when NO_COLOR is unset, times in UTC."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import TextIO

_CODES = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2"}


class Painter:
    """Wraps text in ANSI codes when enabled; a no-op otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"


def paint_for(stream: TextIO | None = None) -> Painter:
    """Colour only on a terminal, and only when NO_COLOR is unset."""
    try:
        return Painter(not os.environ.get("NO_COLOR") and (stream or sys.stdout).isatty())
    except (AttributeError, ValueError):
        return Painter(False)


def _in_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc(value: datetime | None) -> str:
    """A datetime as `2026-11-23 06:41:02Z`."""
    return "-" if value is None else _in_utc(value).strftime("%Y-%m-%d %H:%M:%SZ")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    seconds = int(((now or datetime.now(UTC)) - _in_utc(value)).total_seconds())
    if seconds < 0:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"
