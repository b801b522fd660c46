"""`make status`: one screen that says whether the service is healthy, and if not, why.

Sections: verdict, pipeline (last executions, the failed action's message),
service (counts, deployments, circuit breaker), recent service events,
running and stopped tasks, target health, alarms. A section whose data the
account (or an emulator) cannot give says so in one line; the rest still print.

The exit status is the verdict, for scripts: 0 HEALTHY, 1 UNHEALTHY, 2 UNKNOWN
(no credentials, no stack, the service unreadable). FORMAT=json prints the
verdict and its reasons instead of the screen.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import OpsError
from .aws import describe_stack, error_code, error_message, explain
from .settings import Settings
from .ui import Painter, ago, paint_for, utc

EXIT = {"HEALTHY": 0, "UNHEALTHY": 1, "UNKNOWN": 2}
MAX_EVENTS, MAX_STOPPED, MAX_EXECUTIONS = 8, 5, 5
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
COLOURS = {"Failed": "red", "Stopped": "red", "Succeeded": "green", "FAILED": "red", "IN_PROGRESS": "yellow"}
COLOURS |= {"healthy": "green", "initial": "yellow", "draining": "yellow"}


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    decisive: bool = False  # what it cannot tell leaves the verdict unknown


def short(arn_or_id: str | None, keep: int = 8) -> str:
    return (arn_or_id or "-").rsplit("/", 1)[-1][:keep]


def revision(task_definition_arn: str | None) -> str:
    """`family:revision` of a task definition ARN."""
    return (task_definition_arn or "-").rsplit("/", 1)[-1]


class Status:
    def __init__(self, settings: Settings, paint: Painter) -> None:
        self.settings, self.paint = settings, paint
        self.now = datetime.now(UTC)
        self.svc: dict[str, Any] | None = None
        self.cluster = self.name = None
        self.outputs = functools.cache(lambda key: settings.outputs(key, required=False))

    def colour(self, text: str, state: str, default: str = "red") -> str:
        return self.paint(text, COLOURS.get(state, default)) if COLOURS.get(state, default) else text

    def guarded(self, title: str, build: Callable[[Section], None], decisive: bool = False) -> Section:
        section = Section(title, decisive=decisive)
        try:
            build(section)
        except (ClientError, BotoCoreError) as exc:
            section.lines.append(self.paint(f"unavailable: {error_message(exc)}", "yellow"))
            section.unknown.append(f"{title.lower()}: {error_message(exc)}")
        return section

    # -- pipeline --------------------------------------------------------------------------

    def pipeline(self, section: Section) -> None:
        name = self.outputs("pipeline").get("PipelineName")
        if not name:
            section.lines.append(f"stack {self.settings.stack_name('pipeline')} not deployed: no pipeline")
            section.unknown.append("pipeline not deployed")
            return
        section.title = f"Pipeline {name}"
        cp = self.settings.client("codepipeline")
        try:
            found = cp.list_pipeline_executions(pipelineName=name, maxResults=MAX_EXECUTIONS)
        except ClientError as exc:
            if error_code(exc) != "PipelineNotFoundException":
                raise
            section.lines.append(
                self.paint(f"pipeline {name} not found, though its stack exists", "yellow")
                + " (an emulator's CloudFormation may skip AWS::CodePipeline::Pipeline)"
            )
            section.unknown.append(f"pipeline {name} not found")
            return
        executions = found["pipelineExecutionSummaries"]
        section.lines += [] if executions else ["no executions yet"]
        for ex in executions:
            status = ex.get("status", "?")
            source = next(iter(ex.get("sourceRevisions") or []), {})
            commit = (source.get("revisionId") or "")[:7] or ex.get("trigger", {}).get("triggerType", "")
            summary = ((source.get("revisionSummary") or "").splitlines() or [""])[0]
            section.lines.append(
                f"{self.colour(f'{status:<11}', status, '')} {utc(ex.get('startTime'))}  "
                f"{short(ex['pipelineExecutionId'])}  {commit}  {summary}".rstrip()
            )
        if executions and executions[0].get("status") == "Failed":
            latest = executions[0]["pipelineExecutionId"]
            section.problems.append(f"the last pipeline execution failed ({short(latest)})")
            section.lines += self.failed_actions(cp, name, latest)

    def failed_actions(self, cp: Any, name: str, execution_id: str) -> list[str]:
        """The execution's failed action and its message; else the pipeline state's; else why not."""

        def failed(stage: str | None, action: str | None, message: str | None) -> str:
            return self.paint(f"  failed: {stage}/{action}: {message or '(no message)'}", "red")

        lines: list[str] = []
        first_error = None
        try:
            where = {"pipelineName": name, "filter": {"pipelineExecutionId": execution_id}}
            for d in cp.list_action_executions(**where)["actionExecutionDetails"]:
                result = d.get("output", {}).get("executionResult", {})
                if d.get("status") == "Failed":
                    why = result.get("errorDetails", {}).get("message") or result.get(
                        "externalExecutionSummary"
                    )
                    lines.append(failed(d.get("stageName"), d.get("actionName"), why))
                    url = result.get("externalExecutionUrl")
                    lines += [f"          {url}"] if url else []
            if lines:
                return lines
        except (ClientError, BotoCoreError) as exc:
            first_error = error_message(exc)
        try:
            stages = cp.get_pipeline_state(name=name).get("stageStates", [])
        except (ClientError, BotoCoreError) as exc:
            return [self.paint(f"  failed action unknown: {first_error or error_message(exc)}", "yellow")]
        for stage in stages:
            for action in stage.get("actionStates", []):
                latest = action.get("latestExecution", {})
                why = latest.get("errorDetails", {}).get("message") or latest.get("summary")
                if latest.get("status") == "Failed":
                    lines.append(failed(stage.get("stageName"), action.get("actionName"), why))
        return lines or ["  (no failed action in the pipeline's current state)"]

    # -- service ---------------------------------------------------------------------------

    def service(self, section: Section) -> None:
        self.cluster, self.name = (
            self.outputs("platform").get("ClusterName"),
            self.outputs("service").get("ServiceName"),
        )
        missing = "platform" if not self.cluster else "service" if not self.name else None
        if missing:
            stack = self.settings.stack_name(missing)
            why = "no cluster" if missing == "platform" else "the pipeline creates it after its first build"
            section.lines.append(f"stack {stack} not deployed: {why}")
            section.unknown.append(f"stack {stack} not deployed")
            return
        ecs = self.settings.client("ecs")
        found = ecs.describe_services(cluster=self.cluster, services=[self.name])["services"]
        self.svc = svc = found[0] if found and found[0].get("status") != "INACTIVE" else None
        section.title = f"Service {self.name} (cluster {self.cluster})"
        if svc is None:
            section.lines.append(self.paint("the service does not exist in the cluster", "red"))
            section.problems.append(f"service {self.name} not found in cluster {self.cluster}")
            return
        running, desired, pending = (svc.get(k, 0) for k in ("runningCount", "desiredCount", "pendingCount"))
        counts = f"running {running} / desired {desired} / pending {pending}"
        section.lines.append(
            f"{svc.get('status')}  {self.paint(counts, 'green' if running >= desired > 0 else 'red')}"
        )
        if desired == 0:
            section.problems.append("desired count is 0: the service is scaled to zero")
        elif running < desired:
            section.problems.append(f"{running} of {desired} tasks running")
        image = self.image_of(svc.get("taskDefinition"))
        section.lines.append(
            f"task definition {revision(svc.get('taskDefinition'))}" + (f"  image {image}" if image else "")
        )
        breaker = svc.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker")
        on = {True: "on", False: "off"}
        section.lines.append(
            f"circuit breaker {on[bool(breaker.get('enable'))]}, rollback {on[bool(breaker.get('rollback'))]}"
            if breaker
            else "circuit breaker: not configured"
        )
        for d in svc.get("deployments", []):
            rollout = d.get("rolloutState", "")
            tasks = f"running {d.get('runningCount', 0)}/{d.get('desiredCount', 0)}"
            section.lines.append(
                f"deployment {d.get('status', ''):<8} {self.colour(f'{rollout:<11}', rollout, '')} "
                f"{revision(d.get('taskDefinition'))}  {tasks}  failed tasks {d.get('failedTasks', 0)}  "
                f"{ago(d.get('updatedAt') or d.get('createdAt'), self.now)}"
            )
            if d.get("rolloutStateReason") and rollout != "COMPLETED":
                section.lines.append(f"  {d['rolloutStateReason']}")
            if rollout == "FAILED":
                section.problems.append(
                    f"deployment {d.get('id')} FAILED: {d.get('rolloutStateReason', '')}".strip()
                )
            elif rollout == "IN_PROGRESS":
                section.problems.append(f"a deployment is in progress ({revision(d.get('taskDefinition'))})")

    def image_of(self, task_definition: str | None) -> str | None:
        try:
            found = self.settings.client("ecs").describe_task_definition(taskDefinition=task_definition)
        except (ClientError, BotoCoreError):
            return None
        return next((c.get("image") for c in found["taskDefinition"].get("containerDefinitions", [])), None)

    def events(self, section: Section) -> None:
        events = (self.svc or {}).get("events", [])[:MAX_EVENTS]
        section.lines += [f"{utc(e.get('createdAt'))}  {e.get('message', '')}" for e in events]
        section.lines += [] if events else ["no service" if self.svc is None else "no events"]

    def tasks(self, section: Section) -> None:
        if self.svc is None:
            section.lines.append("no service")
            return
        ecs = self.settings.client("ecs")
        pages = ecs.get_paginator("list_tasks").paginate
        where = {"cluster": self.cluster, "serviceName": self.name, "PaginationConfig": {"PageSize": 100}}
        described = [  # pages of 100 task ARNs: what one DescribeTasks takes
            t
            for status in ("RUNNING", "STOPPED")
            for page in pages(**where, desiredStatus=status)
            if page["taskArns"]
            for t in ecs.describe_tasks(cluster=self.cluster, tasks=page["taskArns"])["tasks"]
        ]
        live = [t for t in described if "STOPPED" not in (t.get("desiredStatus"), t.get("lastStatus"))]
        dead = [t for t in described if t not in live]
        dead.sort(key=lambda t: t.get("stoppedAt") or t.get("createdAt") or self.now, reverse=True)
        del dead[MAX_STOPPED:]
        section.lines.append(f"running ({len(live)}):" if live else "running: none")
        for t in live:
            health = t.get("healthStatus", "UNKNOWN")
            section.lines.append(
                f"  {short(t['taskArn'])}  {t.get('lastStatus', ''):<8} health {health:<8} "
                f"{revision(t.get('taskDefinitionArn'))}  started {utc(t.get('startedAt'))}"
            )
        section.lines.append(f"stopped, newest first ({len(dead)}):" if dead else "stopped: none recently")
        for t in dead:
            section.lines.append(
                f"  {short(t['taskArn'])}  {utc(t.get('stoppedAt'))}  "
                f"{revision(t.get('taskDefinitionArn'))}  {t.get('stopCode', '')}".rstrip()
            )
            section.lines.append("    " + self.paint(t.get("stoppedReason") or "(no reason)", "red"))
            for c in t.get("containers", []):
                code = c.get("exitCode")
                reason = f", {c['reason']}" if c.get("reason") else ""
                section.lines.append(
                    f"    container {c.get('name')}: exit code {'-' if code is None else code}{reason}"
                )

    # -- targets and alarms ----------------------------------------------------------------

    def targets(self, section: Section) -> None:
        arn = self.outputs("platform").get("TargetGroupArn")
        if not arn:
            section.lines.append("no target group output on the platform stack")
            section.unknown.append("no target group")
            return
        section.title = f"Targets {arn.split('/')[-2] if '/' in arn else arn}"
        elbv2 = self.settings.client("elbv2")
        found = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        if not found:
            section.lines.append(self.paint("no registered targets", "red"))
            section.problems.append("the target group has no registered targets")
        for t in found:
            health, target = t.get("TargetHealth", {}), f"{t['Target']['Id']}:{t['Target'].get('Port', '')}"
            state = health.get("State", "?")
            detail = " ".join(x for x in (health.get("Reason"), health.get("Description")) if x)
            section.lines.append(f"{target:<24} {self.colour(f'{state:<10}', state)} {detail}".rstrip())
            if state not in ("healthy", "draining", "initial"):
                reason = f" ({health['Reason']})" if health.get("Reason") else ""
                section.problems.append(f"target {target} is {state}{reason}")

    def alarms(self, section: Section) -> None:
        """The monitoring stack's alarms; without that stack, those named like the environment."""
        monitoring = self.settings.stack_name("monitoring")
        names = []
        if describe_stack(self.settings.cfn, monitoring):
            pages = self.settings.cfn.get_paginator("list_stack_resources").paginate(StackName=monitoring)
            names = [
                r["PhysicalResourceId"]
                for page in pages
                for r in page["StackResourceSummaries"]
                if r.get("ResourceType") in ALARM_TYPES and r.get("PhysicalResourceId")
            ]
        where = {"AlarmNames": names[:100]} if names else {"AlarmNamePrefix": self.settings.prefix}
        scope = f"of stack {monitoring}" if names else f"named {self.settings.prefix}*"
        pages = self.settings.client("cloudwatch").get_paginator("describe_alarms").paginate(**where)
        alarms = [a for page in pages for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])]
        if not alarms:
            section.lines.append(f"no alarms {scope}")
            return
        for a in (a for a in alarms if a.get("StateValue") == "ALARM"):
            since = utc(a.get("StateUpdatedTimestamp"))
            section.lines.append(f"{self.paint('ALARM', 'red', 'bold')}  {a['AlarmName']}  since {since}")
            section.lines += [f"  {a['StateReason']}"] if a.get("StateReason") else []
            section.problems.append(f"alarm {a['AlarmName']} is firing")
        states = sorted(a.get("StateValue", "?") for a in alarms)
        counts = ", ".join(f"{states.count(s)} {s}" for s in sorted(set(states)))
        section.lines.append(f"{len(alarms)} alarms {scope}: {counts}")

    # -- the screen ------------------------------------------------------------------------

    def build(self) -> list[Section]:
        return [
            self.guarded("Pipeline", self.pipeline),
            self.guarded("Service", self.service, decisive=True),
            self.guarded("Service events, newest first", self.events),
            self.guarded("Tasks", self.tasks),
            self.guarded("Targets", self.targets),
            self.guarded("Alarms", self.alarms),
        ]

    @staticmethod
    def verdict(sections: list[Section]) -> str:
        if any(s.problems for s in sections):
            return "UNHEALTHY"
        return "UNKNOWN" if any(s.unknown for s in sections if s.decisive) else "HEALTHY"

    def render(self, sections: list[Section]) -> str:
        verdict = self.verdict(sections)
        colour = {"UNHEALTHY": "red", "UNKNOWN": "yellow", "HEALTHY": "green"}[verdict]
        out = [
            self.paint(f"{self.settings.prefix}  {self.settings.region}", "bold") + f"  {utc(self.now)}",
            f"Verdict: {self.paint(verdict, colour, 'bold')}",
        ]
        out += [f"  - {p}" for s in sections for p in s.problems]
        out += [f"  ? {u}" for s in sections for u in s.unknown]
        for s in sections:
            out += ["", self.paint(s.title, "bold"), *(f"  {line}" for line in s.lines)]
        return "\n".join(out)

    def summary(self, sections: list[Section]) -> dict[str, Any]:
        return {
            "stacks": self.settings.prefix,
            "region": self.settings.region,
            "time": self.now.isoformat(timespec="seconds"),
            "verdict": self.verdict(sections),
            "problems": [p for s in sections for p in s.problems],
            "unknown": [u for s in sections for u in s.unknown],
        }


def status(settings: Settings) -> int:
    """Print the screen (or the JSON summary); the exit status is the verdict's."""
    try:
        settings.account()  # no credentials: say so, verdict unknown
        report = Status(settings, paint_for())
        sections = report.build()
    except (OpsError, ClientError, BotoCoreError) as exc:
        reason = str(exc) if isinstance(exc, OpsError) else explain(exc, settings) or str(exc)
        print(f"error: {reason}", file=sys.stderr)
        unknown = {"stacks": settings.prefix, "verdict": "UNKNOWN", "problems": [], "unknown": [reason]}
        if settings.format == "json":
            print(json.dumps(unknown))
        return EXIT["UNKNOWN"]
    as_json = settings.format == "json"
    print(json.dumps(report.summary(sections), indent=2) if as_json else report.render(sections))
    return EXIT[report.verdict(sections)]
