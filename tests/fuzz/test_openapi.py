"""Schemathesis against the served /openapi.json: no 5xx, no schema violations.

Runs every schemathesis check (status codes, content types, headers, response
schemas, negative-data rejection, stateful links) over real HTTP. The seed is
random on purpose; a failure prints it for `schemathesis run --seed`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sports_api.web.app import create_app
from tests.conftest import settings
from tests.gateway import GATEWAY_KEY, ApiKeyGate
from tests.servers import ThreadServer, real_clock

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_openapi_contract_holds_under_fuzzing() -> None:
    # Behind API Gateway's key check, as deployed: the document's security scheme holds too.
    server = ThreadServer(ApiKeyGate(create_app(settings()))).start()
    schemathesis = Path(sys.executable).with_name("schemathesis")
    try:
        result = subprocess.run(
            [
                str(schemathesis), "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json",
                "--header", f"x-api-key: {GATEWAY_KEY}",
                "--checks", "all",
                "--max-examples", "150",
                "--workers", "2",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=real_clock(),  # a client of the app: under libfaketime, Hypothesis's timing hangs it
        )  # fmt: skip
    finally:
        server.stop()
    summary = result.stdout[-4000:]
    assert result.returncode == 0, summary
    assert "No issues found" in result.stdout, summary
