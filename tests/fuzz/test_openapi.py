"""Schemathesis against the served /openapi.json: no 5xx, no schema violations.

Runs every schemathesis check (status codes, content types, headers, response
schemas, negative-data rejection, stateful links) over real HTTP. The seed is
random on purpose; a failure prints it for `schemathesis run --seed`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_openapi_contract_holds_under_fuzzing(serve) -> None:
    server = serve()
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis), "run", f"{server.url}/openapi.json",
            "--checks", "all",
            "--max-examples", "150",
            "--workers", "2",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    summary = result.stdout[-4000:]
    assert result.returncode == 0, summary
    assert "No issues found" in result.stdout, summary
