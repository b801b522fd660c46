"""The Build stage's tests run where Chromium and Redis exist: in the test image, for real.

Builds the test image (buildspecs/test-image.Dockerfile) with the engine this
machine has (docker, or podman on the local Debian base), checks that Debian's
chromium, redis-server and faketime work in it, then runs buildspec.yml's own
test step, the command make ci-local runs too, on a real subset of the suite:
the browser test and the Redis tests, which skip (or fail in CI) wherever
Chromium or Redis is missing, as on CodeBuild's hosts. Nothing of it may skip
here. The reports go to a temporary directory, not the checkout's.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.servers import ROOT

# A cold build (base image, Debian packages, every lock) takes minutes.
pytestmark = [pytest.mark.container, pytest.mark.timeout(1800)]

# The subset: the tests that need Chromium, and those that need a real redis-server.
SUBSET = "tests/browser tests/integration/test_redis.py"


def _engine_run(image: str, script: str) -> subprocess.CompletedProcess[str]:
    """`<engine> run --rm IMAGE bash -c SCRIPT`, with the engine settings of scripts/container-*."""
    return subprocess.run(
        [
            "bash",
            "-c",
            '. scripts/container-lib.sh; engine=$(container_engine); [ "$engine" = podman ] && podman_conf; '
            '"$engine" run --rm "$1" bash -c "$2"',
            "engine-run",
            image,
            script,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def test_image() -> str:
    built = subprocess.run(
        ["scripts/test-image", "build"], cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return built.stdout.strip()


def test_chromium_redis_and_faketime_run_in_the_test_image(test_image: str) -> None:
    chromium = _engine_run(test_image, "chromium --version")
    assert chromium.returncode == 0, chromium.stderr
    assert re.match(r"Chromium \d+\.", chromium.stdout), chromium.stdout
    redis = _engine_run(
        test_image,
        "redis-server --port 6390 --save '' --daemonize yes >/dev/null && "
        "for _ in $(seq 50); do redis-cli -p 6390 ping 2>/dev/null && break; sleep 0.1; done",
    )
    assert redis.stdout.split()[-1:] == ["PONG"], redis.stdout + redis.stderr
    faked = _engine_run(test_image, "faketime '2028-02-29 23:59:00' date -u +%FT%R")
    assert faked.stdout.strip() == "2028-02-29T23:59", faked.stdout + faked.stderr
    # The environments `make test` uses are the image's, from the locks.
    tools = _engine_run(test_image, ".venv/bin/python -c 'import playwright, pytest' && ls .tools")
    assert tools.returncode == 0, tools.stderr
    assert {"checkov", "openapi-python-client", "taskcat", "uv"} <= set(tools.stdout.split())


def test_the_build_stage_test_step_runs_the_suite_in_the_test_image(test_image: str, tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "buildspec.yml").read_text())
    (step,) = [c for c in spec["phases"]["pre_build"]["commands"] if c.startswith("make test")]
    assert step == "make test-in-container", "the test step this contract is about"
    reports = tmp_path / "reports"
    # The buildspec's own command line, as CodeBuild's shell and make ci-local run it.
    ran = subprocess.run(
        ["bash", "-c", step],
        cwd=ROOT,
        env={**os.environ, "CI": "true", "PYTEST_ARGS": SUBSET, "TEST_REPORTS": str(reports)},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    output = ran.stdout + ran.stderr
    assert ran.returncode == 0, output[-5000:]
    assert re.search(r"in the test image: Python 3\.\d+\.\d+, Chromium \d+", output), output[-3000:]
    suite = ET.parse(reports / "junit.xml").getroot().find("testsuite")
    counts = {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    assert counts["tests"] >= 10, counts
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, counts
    cases = {case.get("classname") for case in suite.iter("testcase")}
    assert {"tests.browser.test_scoreboard", "tests.integration.test_redis"} <= cases
    # In a container (its own host name), not on this machine.
    assert suite.get("hostname") != socket.gethostname()
    assert (reports / "scoreboard.png").stat().st_size > 10_000, "Chromium rendered the scoreboard"
    assert not (reports / "suite.json").exists(), "a subset is never taken for the whole suite"
