"""Terminal output: colour only on a terminal and when NO_COLOR is unset, times in UTC."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import TextIO

_CODES = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2", "cyan": "36"}


def use_colour(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


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
    return Painter(use_colour(stream))


def warn(message: str) -> None:
    print(message, file=sys.stderr)


def utc(value: datetime | float | int | None, with_date: bool = True) -> str:
    """A datetime, or epoch milliseconds, as `2026-11-23 06:41:02Z`."""
    if value is None:
        return "-"
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value / 1000, UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%SZ" if with_date else "%H:%M:%SZ")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    now = now or datetime.now(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    seconds = int((now - value).total_seconds())
    if seconds < 0:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"
