"""python -m ops COMMAND [options]: what the Make targets of mk/aws.mk run.

Each option's default is the Make variable of the same name, which mk/aws.mk
exports as OPS_<NAME>; this is the one place that reads them. The parsed
options become one Settings object, passed to the command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from . import OpsError
from .secret import KEY_FORMAT
from .settings import ARCH_ALIASES, Settings, machine_arch


def _env(name: str) -> str | None:
    return os.environ.get(f"OPS_{name}", "").strip() or None


def _checked(name: str, rule: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type: convert(text), refused as `NAME=text: rule` when it gives None or ValueError."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None:
            raise argparse.ArgumentTypeError(f"{name}={text}: {rule}")
        return value

    return parse


def _choice(name: str, allowed: dict[str, str] | tuple[str, ...]) -> Callable[[str], Any]:
    table = allowed if isinstance(allowed, dict) else {a: a for a in allowed}
    return _checked(name, f"use one of {', '.join(sorted(table))}", lambda text: table.get(text.lower()))


def _pattern(name: str, pattern: str, rule: str) -> Callable[[str], Any]:
    """A value the templates' AllowedPattern of the same parameter accepts."""
    return _checked(name, rule, lambda text: text if re.fullmatch(pattern, text) else None)


_ENV = _pattern("ENV", r"[a-z]([a-z0-9-]{0,9}[a-z0-9])?", "1-11 lower-case letters, digits and dashes")
_PROJECT = _pattern("PROJECT", r"[a-z][a-z0-9-]{1,18}[a-z0-9]", "3-20 lower-case letters, digits and dashes")
_SECONDS = _checked("SMOKE_WAIT", "a number of seconds", lambda text: max(0.0, float(text)))
_FORMAT = {"type": _choice("FORMAT", ("text", "json"))}
_BOOL = {"boolean": True}

# name: (Make alias, what it does, more about it, [(VARIABLE, help, argparse keywords)])
COMMANDS: dict[str, tuple[str, str, str, list[tuple[str, str, dict[str, Any]]]]] = {
    "deploy": (
        "make deploy-stack [IMAGE_URI=...] [ALERT_EMAIL=...]",
        "Create or update the stacks in order: network, platform, api, monitoring, pipeline "
        "(and service, given IMAGE_URI).",
        "Each stack gets the parameters its template declares; on an existing stack an option left "
        "unset keeps the stack's value. Change sets on AWS (an unchanged stack says so), "
        "CreateStack/UpdateStack on an emulator. On a failure, every failed resource and why.",
        [
            (
                "ARCH",
                "amd64 or arm64: the image's and the tasks' CPU (default: this machine's, for a new stack)",
                {"type": _choice("ARCH", ARCH_ALIASES)},
            ),
            ("IMAGE_URI", "the image the service runs: deploys the service stack from here", {}),
            ("ALERT_EMAIL", "where alarms are e-mailed", {}),
            ("GITHUB_REPO", "owner/name the pipeline builds (default: the origin remote)", {}),
            ("GITHUB_BRANCH", "the branch the pipeline builds (default main)", {}),
            ("CONNECTION_ARN", "an existing CodeConnections connection to GitHub (default: a new one)", {}),
            (
                "CFN_MODE",
                "changeset or direct (default: changeset on AWS, direct on an emulator)",
                {"type": _choice("CFN_MODE", ("changeset", "direct"))},
            ),
        ],
    ),
    "delete": (
        "make delete-stack CONFIRM=<ENV>",
        "Delete every stack of ENV in reverse order, then list what is left.",
        "Empties the ECR repository and the artifact bucket first; deletes the retained bucket and "
        "the log groups AWS made for ENV after the stacks; then searches for stacks, VPCs, log groups, "
        "images and buckets of ENV. Exit status 0 only when none is left; safe to run again.",
        [("CONFIRM", "the environment's name, required when stdin is not a terminal", {})],
    ),
    "outputs": (
        "make outputs [FORMAT=json]",
        "The deployed stacks' useful outputs.",
        "FORMAT=json prints every output of every stack, for scripts.",
        [("FORMAT", "text or json", _FORMAT)],
    ),
    "put-secret": (
        "make put-secret  (or: make put-secret < keyfile)",
        "Store the SerpAPI key in Secrets Manager, from a hidden prompt or stdin.",
        f"The key: {KEY_FORMAT} (SerpAPI's keys are 64 hex digits). Never an argument, never "
        "echoed. The running tasks are restarted so they read it.",
        [("RESTART", "roll the service so its tasks read the new key (default yes)", _BOOL)],
    ),
    "smoke": (
        "make smoke [API_URL=... API_KEY=...] [RELEASE_TEST=1]",
        "Call the deployed API as a client: /health, a data route with live data, 404, 403 without the key.",
        'The data route must answer "source": "serpapi": a deployment serving demo data fails. '
        "Failing checks are retried only while the ECS service is rolling out, up to SMOKE_WAIT "
        "seconds. With API_URL and API_KEY it runs on the standard library alone.",
        [
            ("API_URL", "the API's base URL (default: the api stack's ApiUrl)", {}),
            ("API_KEY", "its API key (default: read with apigateway get-api-key)", {}),
            (
                "SMOKE_WAIT",
                "most seconds to wait for a rollout in progress (default 300)",
                {"type": _SECONDS},
            ),
            (
                "RELEASE_TEST",
                "send X-Release-Test: 1: during a release, the requests reach the new revision "
                "through the test listener rule, before production traffic moves (default no)",
                _BOOL,
            ),
        ],
    ),
    "contract": (
        "make contract [LEAGUE=premier-league] [CAPTURE=contract-answer]",
        "One real SerpAPI search (SERPAPI_API_KEY) for a league, held to what the service promises.",
        "The service's own client and normaliser read the answer: games with ids, statuses from the "
        "set, start times on scheduled games, both teams of the league's games in the catalogue, a "
        "table that parses. Keeps the raw answer, the key scrubbed, in CAPTURE/; exit status 1 when "
        "the answer breaks the contract. The pipeline's contract stage and its daily run call it.",
        [
            ("LEAGUE", "the catalogue league to search for (default premier-league)", {}),
            ("CAPTURE", "where the answer and the report go (default contract-answer)", {}),
        ],
    ),
    "captures": (
        "make captures CAPTURE=<directory or artifact zip>",
        "Turn a contract run's kept answer into a test fixture under tests/captures/.",
        "tests/unit/test_captures.py reads every fixture through the contract check at the instant "
        "it was searched: a drifted answer fails there until the normaliser reads its shape.",
        [("CAPTURE", "a contract run's directory, or its build artifact (zip)", {})],
    ),
    "logs": (
        "make logs [FOLLOW=0] [SINCE=10m] [FILTER=...] [LEVEL=WARN] [REQUEST_ID=...] [TASK=...]",
        "Follow or read the service's log group (CloudWatch FilterLogEvents).",
        "REQUEST_ID merges the app's and API Gateway's lines of one request by time.",
        [
            ("FOLLOW", "keep following (default: yes, except with REQUEST_ID)", _BOOL),
            (
                "SINCE",
                "window start: 30s, 10m, 2h, 1d, 1w or an ISO time (default 10m; 24h with REQUEST_ID)",
                {},
            ),
            ("FILTER", "a CloudWatch filter pattern, passed as is", {}),
            ("LEVEL", "this level and above: DEBUG, INFO, WARN, ERROR, CRITICAL", {}),
            ("REQUEST_ID", "one request's lines, the app's and the gateway's", {}),
            ("TASK", "one task's stream: task id, its first characters, or the task ARN", {}),
            ("FORMAT", "text or json (the raw lines)", _FORMAT),
        ],
    ),
    "status": (
        "make status [FORMAT=json]",
        "One screen: verdict and reasons, pipeline, service, deployments, events, tasks, targets, alarms.",
        "Exit status: 0 healthy, 1 unhealthy, 2 cannot tell (no credentials, no stack); `make status` "
        "gives 2 for both 1 and 2, as Make does for any failing recipe. FORMAT=json prints the verdict "
        "and its reasons.",
        [("FORMAT", "text or json", _FORMAT)],
    ),
    "settings": ("make help", "Print the settings as resolved (ENV, PROJECT, REGION, ...).", "", []),
}
COMMON = [
    ("ENV", "the environment: dev, staging, prod, pr-42, ... (default dev)", {"type": _ENV}),
    ("PROJECT", "name prefix of the stacks (default sports-api)", {"type": _PROJECT}),
    ("REGION", "AWS region (default: AWS_REGION, the profile's, else us-east-1)", {}),
    ("PROFILE", "AWS CLI profile (default: boto3's usual chain)", {}),
]


def _add(parser: argparse._ActionsContainer, name: str, text: str, kw: dict[str, Any]) -> None:
    """--name-like-this, whose default is OPS_<NAME> (the Make variable NAME)."""
    default = _env(name)
    if kw.get("boolean"):  # NAME=0 or --no-name-like-this, NAME=1 or --name-like-this
        flag = None if default is None else default.lower() not in ("0", "false", "no", "off")
        kw, text = {"action": argparse.BooleanOptionalAction, "default": flag}, f"{text} ({name}=0|1)"
    else:
        kw = {"metavar": name, "default": default, **kw}
    parser.add_argument("--" + name.lower().replace("_", "-"), dest=name.lower(), help=text, **kw)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops",
        description="Deploy, inspect, smoke-test and delete the sports-api stacks (boto3; "
        "AWS_ENDPOINT_URL sends every call to an emulator such as moto_server).",
        epilog="Every option is also a Make variable: `make deploy-stack IMAGE_URI=...` passes "
        "--image-uri. `python -m ops COMMAND --help` describes a command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (make, summary, text, options) in COMMANDS.items():
        paragraphs = [textwrap.fill(p, 88) for p in (summary, text) if p]
        command = sub.add_parser(
            name,
            help=summary,
            description="\n\n".join([*paragraphs, f"Make: {make}"]),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for option in options:
            _add(command, *option)
        where = command.add_argument_group("where (every command)")
        for option in COMMON:
            _add(where, *option)
    return parser


def parse(argv: list[str] | None = None) -> tuple[str, Settings]:
    args = vars(build_parser().parse_args(argv))
    command = args.pop("command")
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in args.items() if k in known and v is not None}
    settings = Settings(
        region_setting=args.get("region") or os.environ.get("AWS_REGION") or None,
        endpoint=os.environ.get("AWS_ENDPOINT_URL") or None,
        **values,
    )
    return command, settings


# What each command runs: module:function, imported when run (boto3 only where needed).
RUNS = {
    "deploy": "deploy:deploy",
    "delete": "teardown:delete",
    "outputs": "deploy:print_outputs",
    "put-secret": "secret:put_secret",
    "smoke": "smoke:smoke",
    "contract": "contract:contract",
    "captures": "contract:captures",
    "logs": "logs:logs",
    "status": "status:status",
    "settings": "__main__:show_settings",
}


def _run(command: str, settings: Settings) -> int:
    module, function = RUNS[command].split(":")
    return int(getattr(importlib.import_module(f"{__package__}.{module}"), function)(settings))


def show_settings(settings: Settings) -> int:
    """The resolved settings, one per line (`make help` prints them)."""
    try:
        region = settings.region
    except ImportError:
        region = settings.region_setting or "(boto3 not installed: `make venv`)"
    rows = {
        "ENV": settings.env,
        "PROJECT": settings.project,
        "REGION": region,
        "PROFILE": settings.profile or "(boto3's default chain)",
        "ARCH": settings.arch or f"{machine_arch()} (this machine's; a deployed stack keeps its own)",
        "AWS_ENDPOINT_URL": settings.endpoint or "(AWS itself)",
    }
    for name, value in rows.items():
        print(f"  {name:<18} {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    command, settings = parse(argv)
    try:
        return _run(command, settings)
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `make logs | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        message = _explain(exc, settings)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1


def _explain(exc: Exception, settings: Settings) -> str | None:
    if isinstance(exc, ModuleNotFoundError):
        return f"{exc.name} is not installed: run `make venv`"
    try:
        from .aws import explain
    except ImportError:  # no botocore: the error is not an AWS one
        return None
    return explain(exc, settings)


if __name__ == "__main__":
    sys.exit(main())
