"""`python -m ops`: one parser, a --help per command, Make variables as defaults, and `make help`."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ops.__main__ import COMMANDS, parse

from tests.ops.conftest import ROOT, run_make
from tests.servers import Moto


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_explains_itself(command: str) -> None:
    """A bare Python is enough to read the help: no boto3 is imported for it."""
    result = subprocess.run(
        [sys.executable, "-S", "-m", "ops", command, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    make, summary, _text, options = COMMANDS[command]
    assert result.stdout.startswith(f"usage: python -m ops {command} ")
    assert " ".join(summary.split()[:6]) in " ".join(result.stdout.split())
    assert f"Make: {make}" in result.stdout
    for name, *_ in options:
        assert f"--{name.lower().replace('_', '-')}" in result.stdout
    assert "--env ENV" in result.stdout and "--profile PROFILE" in result.stdout


def test_make_variables_become_the_defaults_and_flags_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPS_ENV", "pr-42")
    monkeypatch.setenv("OPS_FILTER", "{ $.status >= 500 }")
    monkeypatch.setenv("OPS_FOLLOW", "0")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    command, settings = parse(["logs", "--level", "WARN"])
    assert command == "logs"
    assert (settings.env, settings.filter, settings.follow, settings.level) == (
        "pr-42",
        "{ $.status >= 500 }",
        False,
        "WARN",
    )
    assert settings.endpoint == "http://127.0.0.1:5000"
    assert parse(["logs", "--env", "prod", "--follow"])[1].env == "prod"
    assert parse(["logs", "--follow"])[1].follow is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["status", "--env", "Prod"], "ENV=Prod: 1-11 lower-case letters"),
        (["deploy", "--arch", "sparc"], "ARCH=sparc: use one of aarch64, amd64, arm64, x86_64"),
        (["status", "--format", "yaml"], "FORMAT=yaml: use one of json, text"),
        (["smoke", "--smoke-wait", "soon"], "SMOKE_WAIT=soon: a number of seconds"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(argv)
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_make_help_groups_the_targets_and_resolves_the_settings(moto: Moto) -> None:
    result = run_make("help", moto.env(ENV="staging", REGION="eu-west-1"), timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    groups = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert groups == [
        "run/test:", "image:", "AWS:", "operate:", "docs:", "settings (override with make VAR=value):"
    ]  # fmt: skip
    operate = out.split("operate:\n", 1)[1].split("\n\n", 1)[0]
    operated = [line.split()[0] for line in operate.splitlines()]
    assert operated == ["smoke", "contract", "captures", "logs", "status"]
    assert "  ENV                staging" in out and "  REGION             eu-west-1" in out
    assert f"  AWS_ENDPOINT_URL   {moto.url}" in out
