"""The real `make` targets, run against moto_server (tests/servers.py starts it)."""

from __future__ import annotations

import re
import subprocess

from tests.servers import ROOT


def _make_prefix() -> list[str]:
    """`make`, with mk/aws.mk added when the main Makefile does not include it yet."""
    makefile = (ROOT / "Makefile").read_text()
    included = re.search(r"^-?include .*mk/", makefile, re.MULTILINE) is not None
    # -o: never rebuild the shared virtualenv from a test.
    base = ["make", "--no-print-directory", "-s", "-o", ".venv/.installed"]
    return base if included else [*base, "-f", "Makefile", "-f", "mk/aws.mk"]


def run_make(
    target: str, env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_make_prefix(), target, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
