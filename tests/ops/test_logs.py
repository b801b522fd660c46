"""`make logs` against moto_server: real log groups, streams and JSON lines, read through make."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from typing import Any

import boto3
import pytest
from ops.logs import (
    Event,
    Reader,
    Source,
    combine,
    level_clause,
    parse_since,
    render,
    stream_prefix,
)
from ops.ui import Painter

from tests.ops.conftest import ROOT, _make_prefix, run_make
from tests.servers import Moto

PROJECT = "logs-test"
TASK_A = "3f2a9c1d5e6b47a8a1b2c3d4e5f60718"
TASK_B = "9b8c7d6e5f4a4b3c8d2e1f0a9b8c7d6e"
RID = "c0ffee00c0ffee00c0ffee00c0ffee00"
OTHER_RID = "0123456789abcdef0123456789abcdef"

STUB = """
Parameters:
  ProjectName: {Type: String}
  Environment: {Type: String}
Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "/${ProjectName}/${Environment}/%(suffix)s"}
Outputs:
  %(output)s: {Value: !Ref Group}
"""

# A platform stack whose log group was deleted by hand.
DANGLING = """
Resources:
  Marker: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: x, Name: /logs-test/staging/marker}}
Outputs:
  ServiceLogGroupName: {Value: /logs-test/staging/service}
"""


def _line(**fields: Any) -> str:
    return json.dumps(fields)


def _stack(cfn: Any, name: str, body: str, env: str = "dev") -> None:
    cfn.create_stack(
        StackName=name,
        TemplateBody=body,
        Parameters=[
            {"ParameterKey": "ProjectName", "ParameterValue": PROJECT},
            {"ParameterKey": "Environment", "ParameterValue": env},
        ]
        if "ProjectName" in body
        else [],
    )


@pytest.fixture(scope="module")
def seeded(moto: Moto) -> dict[str, Any]:
    """Stacks with the two log groups, and lines of both shapes with known ids and levels."""
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    cfn = session.client("cloudformation", endpoint_url=moto.url)
    logs = session.client("logs", endpoint_url=moto.url)
    _stack(cfn, f"{PROJECT}-dev-platform", STUB % {"suffix": "service", "output": "ServiceLogGroupName"})
    _stack(cfn, f"{PROJECT}-dev-api", STUB % {"suffix": "api-access", "output": "AccessLogGroupName"})
    _stack(cfn, f"{PROJECT}-staging-platform", DANGLING)
    app, gateway = f"/{PROJECT}/dev/service", f"/{PROJECT}/dev/api-access"
    now = int(time.time() * 1000)
    a = [
        (now - 9000, _line(level="INFO", logger="uvicorn.error", message="Application startup complete.")),
        (
            now - 6000,
            _line(
                level="INFO", logger="sports_api.access", message="GET /health 200", request_id=OTHER_RID,
                method="GET", path="/health", status=200, duration_ms=0.8, client="10.0.1.7",
            ),
        ),
        (
            now - 3000,
            _line(
                level="ERROR", logger="sports_api.access", message="GET /v1/leagues/nfl/games 502",
                request_id=RID, method="GET", path="/v1/leagues/nfl/games", status=502,
                duration_ms=10012.4, cache="miss", upstream_ms=10003.1, client="10.0.1.7",
            ),
        ),
    ]  # fmt: skip
    b = [
        (now - 5000, _line(level="WARNING", logger="sports_api.budget", message="SerpAPI budget 80% spent")),
        (
            now - 3100,
            _line(
                level="ERROR", logger="sports_api.upstream", message="SerpAPI timed out", request_id=RID,
                error="TimeoutError: read timed out",
                traceback="Traceback (most recent call last):\n  File \"x.py\", line 1\nTimeoutError",
            ),
        ),
        (now - 2000, "a plain line from the container"),
    ]  # fmt: skip
    g = [
        (now - 5900, _line(requestId=OTHER_RID, httpMethod="GET", path="/health", status="200")),
        (
            now - 3200,
            _line(
                requestId=RID, ip="203.0.113.9", caller="-", apiKeyId="k3y1d", httpMethod="GET",
                resourcePath="/v1/leagues/{slug}/games", path="/v1/leagues/nfl/games", status="502",
                responseLatency="10030", integrationLatency="10020",
                requestTime="23/Nov/2026:06:50:01 +0000",
            ),
        ),
    ]  # fmt: skip
    for stream, events in ((f"ecs/api/{TASK_A}", a), (f"ecs/api/{TASK_B}", b)):
        logs.create_log_stream(logGroupName=app, logStreamName=stream)
        logs.put_log_events(
            logGroupName=app,
            logStreamName=stream,
            logEvents=[{"timestamp": t, "message": m} for t, m in events],
        )
    logs.create_log_stream(logGroupName=gateway, logStreamName="access")
    logs.put_log_events(
        logGroupName=gateway, logStreamName="access", logEvents=[{"timestamp": t, "message": m} for t, m in g]
    )
    return {"app": a, "b": b, "gateway": g, "logs": logs}


def _logs(moto: Moto, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_make("logs", moto.env(PROJECT=PROJECT, **env), "FOLLOW=0", *args, timeout=60)


def _messages(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if not line.startswith("    ")]


def test_one_shot_read_merges_streams_by_time(moto: Moto, seeded: dict[str, Any]) -> None:
    result = _logs(moto)
    assert result.returncode == 0, result.stderr
    lines = _messages(result.stdout)
    order = [
        "Application startup complete.",
        "GET /health 200",
        "SerpAPI budget 80% spent",
        "SerpAPI timed out",
        "GET /v1/leagues/nfl/games 502",
        "a plain line from the container",
    ]
    assert [next(m for m in order if m in line) for line in lines] == order
    assert all(line[:4].isdigit() and line[23] == "Z" for line in lines)  # ISO time, UTC
    assert " 3f2a9c1d " in lines[0] and " 9b8c7d6e " in lines[2]  # short task ids
    assert "ERROR" in lines[4] and "request_id=" + RID in lines[4] and "upstream_ms=10003.1" in lines[4]
    assert "WARN " in lines[2]
    assert "\033[" not in result.stdout  # piped: no colour
    assert "    TimeoutError" in result.stdout  # the traceback, indented under its line
    assert "gateway" not in result.stdout  # the access log is read for REQUEST_ID only
    assert "reading /logs-test/dev/service" in result.stderr


def test_level_filter(moto: Moto, seeded: dict[str, Any]) -> None:
    errors = _messages(_logs(moto, "LEVEL=ERROR").stdout)
    assert len(errors) == 2 and all(" ERROR " in line for line in errors)
    warnings = _messages(_logs(moto, "LEVEL=WARN").stdout)
    assert len(warnings) == 3 and "SerpAPI budget 80% spent" in warnings[0]


def test_request_id_joins_the_gateway_and_the_app(moto: Moto, seeded: dict[str, Any]) -> None:
    result = run_make("logs", moto.env(PROJECT=PROJECT), f"REQUEST_ID={RID}", timeout=60)  # reads once
    assert result.returncode == 0, result.stderr
    lines = _messages(result.stdout)
    assert len(lines) == 3, result.stdout
    assert " gateway " in lines[0] and "GET /v1/leagues/nfl/games 502" in lines[0]
    assert (
        f"requestId={RID}" in lines[0]
        and "responseLatency=10030" in lines[0]
        and "ip=203.0.113.9" in lines[0]
    )
    assert "requestTime" not in lines[0]
    assert "SerpAPI timed out" in lines[1] and "GET /v1/leagues/nfl/games 502" in lines[2]
    assert OTHER_RID not in result.stdout
    assert "/logs-test/dev/api-access" in result.stderr


def test_json_format_passes_the_raw_lines(moto: Moto, seeded: dict[str, Any]) -> None:
    result = _logs(moto, "FORMAT=json", f"TASK={TASK_A[:6]}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [message for _, message in seeded["app"]]
    plain = _logs(moto, "FORMAT=json", f"TASK=arn:aws:ecs:us-east-1:123456789012:task/c/{TASK_B}")
    parsed = [json.loads(line) for line in plain.stdout.splitlines()]
    assert parsed[-1]["message"] == "a plain line from the container"  # wrapped: jq still reads it
    assert parsed[-1]["stream"] == f"ecs/api/{TASK_B}"


def test_filter_pattern_reaches_cloudwatch_unexpanded(moto: Moto, seeded: dict[str, Any]) -> None:
    result = _logs(moto, "FILTER={ $.status >= 500 }", "LEVEL=ERROR")
    assert result.returncode == 0, result.stderr
    assert '[{ ($.status >= 500) && ($.level = "ERROR" || $.level = "CRITICAL") }]' in result.stderr
    text = _logs(moto, 'FILTER="budget"')
    assert _messages(text.stdout) == [line for line in _messages(text.stdout) if "budget" in line]
    assert len(_messages(text.stdout)) == 1


def test_missing_group_stack_and_credentials_are_said_clearly(moto: Moto, seeded: dict[str, Any]) -> None:
    group = _logs(moto, ENV="staging")
    assert group.returncode != 0
    assert "error: log group /logs-test/staging/service does not exist" in group.stderr
    assert "Traceback" not in group.stderr
    stack = _logs(moto, ENV="prod")
    assert "error: stack logs-test-prod-platform does not exist" in stack.stderr
    env = moto.env(PROJECT=PROJECT)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    creds = run_make("logs", env, "FOLLOW=0", timeout=60)
    assert creds.returncode != 0 and "error: no AWS credentials found" in creds.stderr


def test_follow_prints_new_lines_as_they_arrive(moto: Moto, seeded: dict[str, Any]) -> None:
    # A stream of its own, and a window wide enough for any start-up delay.
    live = "f0110f0110f0110f0110f0110f0110f0"
    seeded["logs"].create_log_stream(logGroupName=f"/{PROJECT}/dev/service", logStreamName=f"ecs/api/{live}")
    env = moto.env(PROJECT=PROJECT, SINCE="5m", TASK=live[:6])
    process = subprocess.Popen(
        [*_make_prefix(), "logs"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        time.sleep(1.5)
        for n in (1, 2):
            seeded["logs"].put_log_events(
                logGroupName=f"/{PROJECT}/dev/service",
                logStreamName=f"ecs/api/{live}",
                logEvents=[
                    {
                        "timestamp": int(time.time() * 1000),
                        "message": _line(level="INFO", message=f"live {n}"),
                    }
                ],
            )
            time.sleep(0.5)
        seen = [lines.get(timeout=15) for _ in range(2)]
        assert [line.split()[-1] for line in seen] == ["1", "2"], seen
        time.sleep(0.6)
        assert lines.empty(), "a line was printed twice"
        assert process.poll() is None  # still following
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


# -- units -----------------------------------------------------------------------------------------


def test_parse_since() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_since("10m", now) == int(datetime(2026, 11, 23, 11, 50, tzinfo=UTC).timestamp() * 1000)
    assert parse_since("1h30m", now) == int(datetime(2026, 11, 23, 10, 30, tzinfo=UTC).timestamp() * 1000)
    assert parse_since("2026-11-23T06:00Z", now) == int(
        datetime(2026, 11, 23, 6, tzinfo=UTC).timestamp() * 1000
    )
    with pytest.raises(Exception, match="SINCE=yesterday"):
        parse_since("yesterday", now)


def test_patterns() -> None:
    assert level_clause(40) == '$.level = "ERROR" || $.level = "CRITICAL"'
    assert 'WARN"' in (level_clause(30) or "") and level_clause(10) is None
    assert combine(None, []) == ""
    assert combine(None, ['$.a = "1"']) == '{ $.a = "1" }'
    assert combine("{ $.b > 2 }", ['$.a = "1"']) == '{ ($.b > 2) && ($.a = "1") }'
    assert combine('"timeout"', ['$.a = "1"']) == '"timeout"'  # text: the clause is checked client-side
    assert stream_prefix("abc") == "ecs/api/abc"
    assert stream_prefix("arn:aws:ecs:r:1:task/cluster/abc") == "ecs/api/abc"


def test_colour_marks_errors_and_warnings_only() -> None:
    error = Event(0, _line(level="ERROR", message="boom"), f"ecs/api/{TASK_A}", "app", "1")
    info = Event(0, _line(level="INFO", message="fine"), f"ecs/api/{TASK_A}", "app", "2")
    assert "\033[31;1mERROR\033[0m" in render(error, Painter(True))
    assert "\033[3" not in render(info, Painter(True)).replace("\033[2m", "")
    assert "\033[" not in render(error, Painter(False))


class _FakeLogs:
    """FilterLogEvents over a list that grows; honours startTime."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def get_paginator(self, _name: str) -> _FakeLogs:
        return self

    def paginate(self, **args: Any) -> list[dict[str, Any]]:
        return [{"events": [e for e in self.events if e["timestamp"] >= args["startTime"]]}]


def test_follow_does_not_repeat_events_read_again_in_the_overlap() -> None:
    fake = _FakeLogs()
    out: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    polls = iter(range(3))

    def sleep(_seconds: float) -> None:
        n = next(polls, None)
        if n is None:
            raise KeyboardInterrupt
        fake.events.append(
            {"timestamp": 1000 + n, "message": f"line {n}", "eventId": str(n), "logStreamName": "s"}
        )

    fake.events.append({"timestamp": 999, "message": "first", "eventId": "x", "logStreamName": "s"})
    reader = Reader(fake, [Source("app", "g")], 0, out=Out(), poll=0, sleep=sleep)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        reader.run(follow=True)
    assert [line.split()[-1] for line in "".join(out).splitlines()] == ["first", "0", "1", "2"]
