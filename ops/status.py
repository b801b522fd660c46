"""`make status`: one screen that says whether the service is healthy, and if not, why.

Sections: verdict, pipeline (last executions, the failed action's message),
service (counts, deployments, circuit breaker), recent service events,
running and stopped tasks, target health, alarms. A section whose data the
account (or an emulator) cannot give says so in one line; the rest still print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws import Settings, error_code, error_message
from .ui import Painter, ago, paint_for, utc

MAX_EVENTS = 8
MAX_STOPPED = 5
MAX_EXECUTIONS = 5
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def short(arn_or_id: str | None, keep: int = 8) -> str:
    if not arn_or_id:
        return "-"
    return arn_or_id.rsplit("/", 1)[-1][:keep]


def family_revision(task_definition_arn: str | None) -> str:
    return (task_definition_arn or "-").rsplit("/", 1)[-1]


class Status:
    def __init__(self, settings: Settings, paint: Painter) -> None:
        self.settings = settings
        self.paint = paint
        self.now = datetime.now(UTC)
        self._outputs: dict[str, dict[str, str]] = {}

    def outputs(self, key: str) -> dict[str, str]:
        if key not in self._outputs:
            self._outputs[key] = self.settings.outputs(key, required=False)
        return self._outputs[key]

    def guarded(self, title: str, build: Callable[[Section], None]) -> Section:
        section = Section(title)
        try:
            build(section)
        except (ClientError, BotoCoreError) as exc:
            message = error_message(exc)
            section.lines.append(self.paint(f"unavailable: {message}", "yellow"))
            section.unknown.append(f"{title.lower()}: {message}")
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
            executions = cp.list_pipeline_executions(pipelineName=name, maxResults=MAX_EXECUTIONS)[
                "pipelineExecutionSummaries"
            ]
        except ClientError as exc:
            if error_code(exc) != "PipelineNotFoundException":
                raise
            section.lines.append(
                self.paint(f"pipeline {name} not found, though its stack exists", "yellow")
                + " (an emulator's CloudFormation may skip AWS::CodePipeline::Pipeline)"
            )
            section.unknown.append(f"pipeline {name} not found")
            return
        if not executions:
            section.lines.append("no executions yet")
            return
        for ex in executions:
            status = ex.get("status", "?")
            colour = (
                ("red",) if status in ("Failed", "Stopped") else ("green",) if status == "Succeeded" else ()
            )
            revision = next(iter(ex.get("sourceRevisions") or []), {})
            commit = (revision.get("revisionId") or "")[:7]
            summary = ((revision.get("revisionSummary") or "").splitlines() or [""])[0]
            trigger = ex.get("trigger", {}).get("triggerType", "")
            section.lines.append(
                f"{self.paint(f'{status:<11}', *colour)} {utc(ex.get('startTime'))}  "
                f"{short(ex['pipelineExecutionId'])}  {commit or trigger}  {summary}".rstrip()
            )
        latest = executions[0]
        if latest.get("status") == "Failed":
            section.problems.append(
                f"the last pipeline execution failed ({short(latest['pipelineExecutionId'])})"
            )
            section.lines += self.failed_actions(cp, name, latest["pipelineExecutionId"])

    def failed_actions(self, cp: Any, name: str, execution_id: str) -> list[str]:
        """The failed action of an execution and its message."""
        try:
            details = cp.list_action_executions(
                pipelineName=name, filter={"pipelineExecutionId": execution_id}
            )["actionExecutionDetails"]
            lines = []
            for d in details:
                if d.get("status") != "Failed":
                    continue
                result = d.get("output", {}).get("executionResult", {})
                message = (
                    result.get("errorDetails", {}).get("message")
                    or result.get("externalExecutionSummary")
                    or "(no message)"
                )
                lines.append(
                    self.paint(f"  failed: {d.get('stageName')}/{d.get('actionName')}: {message}", "red")
                )
                if result.get("externalExecutionUrl"):
                    lines.append(f"          {result['externalExecutionUrl']}")
            if lines:
                return lines
        except (ClientError, BotoCoreError) as exc:
            first_error = error_message(exc)
        else:
            first_error = None
        try:
            state = cp.get_pipeline_state(name=name)
        except (ClientError, BotoCoreError) as exc:
            reason = first_error or error_message(exc)
            return [self.paint(f"  failed action unknown: {reason}", "yellow")]
        lines = []
        for stage in state.get("stageStates", []):
            for action in stage.get("actionStates", []):
                latest = action.get("latestExecution", {})
                if latest.get("status") == "Failed":
                    message = (
                        latest.get("errorDetails", {}).get("message")
                        or latest.get("summary")
                        or "(no message)"
                    )
                    lines.append(
                        self.paint(
                            f"  failed: {stage.get('stageName')}/{action.get('actionName')}: {message}", "red"
                        )
                    )
        return lines or ["  (no failed action in the pipeline's current state)"]

    # -- service ---------------------------------------------------------------------------

    def service_names(self) -> tuple[str | None, str | None]:
        cluster = self.outputs("platform").get("ClusterName")
        service = self.outputs("service").get("ServiceName")
        return cluster, service

    def describe_service(self) -> dict[str, Any] | None:
        cluster, service = self.service_names()
        if not cluster or not service:
            return None
        found = self.settings.client("ecs").describe_services(cluster=cluster, services=[service])["services"]
        return found[0] if found else None

    def service(self, section: Section, svc: dict[str, Any] | None) -> None:
        cluster, name = self.service_names()
        if not cluster:
            section.lines.append(f"stack {self.settings.stack_name('platform')} not deployed: no cluster")
            section.problems.append("the platform stack is not deployed")
            return
        if not name:
            section.lines.append(
                f"stack {self.settings.stack_name('service')} not deployed: "
                "the pipeline creates it after its first build"
            )
            section.problems.append("the service is not deployed")
            return
        section.title = f"Service {name} (cluster {cluster})"
        if svc is None or svc.get("status") == "INACTIVE":
            section.lines.append(self.paint("the service does not exist in the cluster", "red"))
            section.problems.append(f"service {name} not found in cluster {cluster}")
            return
        running, desired, pending = (
            svc.get("runningCount", 0),
            svc.get("desiredCount", 0),
            svc.get("pendingCount", 0),
        )
        counts = f"running {running} / desired {desired} / pending {pending}"
        ok = running >= desired > 0
        section.lines.append(f"{svc.get('status')}  {self.paint(counts, 'green' if ok else 'red')}")
        if desired == 0:
            section.problems.append("desired count is 0: the service is scaled to zero")
        elif running < desired:
            section.problems.append(f"{running} of {desired} tasks running")
        image = self.image_of(svc.get("taskDefinition"))
        section.lines.append(
            f"task definition {family_revision(svc.get('taskDefinition'))}"
            + (f"  image {image}" if image else "")
        )
        breaker = svc.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker")
        if breaker:
            section.lines.append(
                "circuit breaker "
                + ("on" if breaker.get("enable") else "off")
                + (", rollback on" if breaker.get("rollback") else ", rollback off")
            )
        else:
            section.lines.append("circuit breaker: not configured")
        deployments = svc.get("deployments", [])
        for d in deployments:
            rollout = d.get("rolloutState", "")
            colour = ("red",) if rollout == "FAILED" else ("yellow",) if rollout == "IN_PROGRESS" else ()
            line = (
                f"deployment {d.get('status', ''):<8} {self.paint(f'{rollout:<11}', *colour)} "
                f"{family_revision(d.get('taskDefinition'))}  "
                f"running {d.get('runningCount', 0)}/{d.get('desiredCount', 0)}  "
                f"failed tasks {d.get('failedTasks', 0)}  "
                f"{ago(d.get('updatedAt') or d.get('createdAt'), self.now)}"
            )
            section.lines.append(line)
            if d.get("rolloutStateReason") and rollout != "COMPLETED":
                section.lines.append(f"  {d['rolloutStateReason']}")
            if rollout == "FAILED":
                section.problems.append(
                    f"deployment {d.get('id')} FAILED: {d.get('rolloutStateReason', '')}".strip()
                )
            elif rollout == "IN_PROGRESS":
                section.problems.append(
                    f"a deployment is in progress ({family_revision(d.get('taskDefinition'))})"
                )

    def image_of(self, task_definition: str | None) -> str | None:
        if not task_definition:
            return None
        try:
            td = self.settings.client("ecs").describe_task_definition(taskDefinition=task_definition)[
                "taskDefinition"
            ]
        except (ClientError, BotoCoreError):
            return None
        containers = td.get("containerDefinitions", [])
        return containers[0].get("image") if containers else None

    def events(self, section: Section, svc: dict[str, Any] | None) -> None:
        if svc is None:
            section.lines.append("no service")
            return
        events = svc.get("events", [])[:MAX_EVENTS]
        if not events:
            section.lines.append("no events")
        for e in events:
            section.lines.append(f"{utc(e.get('createdAt'))}  {e.get('message', '')}")

    def tasks(self, section: Section, svc: dict[str, Any] | None) -> None:
        cluster, name = self.service_names()
        if svc is None or not cluster or not name:
            section.lines.append("no service")
            return
        ecs = self.settings.client("ecs")
        running = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus="RUNNING")["taskArns"]
        stopped = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus="STOPPED")["taskArns"]
        described: list[dict[str, Any]] = []
        arns = running + stopped
        for start in range(0, len(arns), 100):
            described += ecs.describe_tasks(cluster=cluster, tasks=arns[start : start + 100])["tasks"]
        live = [
            t for t in described if t.get("desiredStatus") != "STOPPED" and t.get("lastStatus") != "STOPPED"
        ]
        dead = sorted(
            (t for t in described if t not in live),
            key=lambda t: t.get("stoppedAt") or t.get("createdAt") or self.now,
            reverse=True,
        )[:MAX_STOPPED]
        section.lines.append(f"running ({len(live)}):" if live else "running: none")
        for t in live:
            health = t.get("healthStatus", "UNKNOWN")
            section.lines.append(
                f"  {short(t['taskArn'])}  {t.get('lastStatus', ''):<8} health {health:<8} "
                f"{family_revision(t.get('taskDefinitionArn'))}  started {utc(t.get('startedAt'))}"
            )
        section.lines.append(f"stopped, newest first ({len(dead)}):" if dead else "stopped: none recently")
        for t in dead:
            section.lines.append(
                f"  {short(t['taskArn'])}  {utc(t.get('stoppedAt'))}  "
                f"{family_revision(t.get('taskDefinitionArn'))}  {t.get('stopCode', '')}".rstrip()
            )
            section.lines.append("    " + self.paint(t.get("stoppedReason") or "(no reason)", "red"))
            for c in t.get("containers", []):
                exit_code = c.get("exitCode")
                detail = (
                    f"    container {c.get('name')}: exit code {exit_code if exit_code is not None else '-'}"
                )
                if c.get("reason"):
                    detail += f", {c['reason']}"
                section.lines.append(detail)

    # -- targets ---------------------------------------------------------------------------

    def targets(self, section: Section) -> None:
        arn = self.outputs("platform").get("TargetGroupArn")
        if not arn:
            section.lines.append("no target group output on the platform stack")
            section.unknown.append("no target group")
            return
        section.title = f"Targets {short(arn, 64) if '/' not in arn else arn.split('/')[-2]}"
        found = self.settings.client("elbv2").describe_target_health(TargetGroupArn=arn)[
            "TargetHealthDescriptions"
        ]
        if not found:
            section.lines.append(self.paint("no registered targets", "red"))
            section.problems.append("the target group has no registered targets")
        for t in found:
            health = t.get("TargetHealth", {})
            state = health.get("State", "?")
            colour = (
                ("green",)
                if state == "healthy"
                else ("yellow",)
                if state in ("initial", "draining")
                else ("red",)
            )
            target = f"{t['Target']['Id']}:{t['Target'].get('Port', '')}"
            detail = " ".join(x for x in (health.get("Reason"), health.get("Description")) if x)
            section.lines.append(f"{target:<24} {self.paint(f'{state:<10}', *colour)} {detail}".rstrip())
            if state not in ("healthy", "draining", "initial"):
                section.problems.append(
                    f"target {target} is {state}"
                    + (f" ({health.get('Reason')})" if health.get("Reason") else "")
                )

    # -- alarms ----------------------------------------------------------------------------

    def alarm_names(self) -> list[str]:
        name = self.settings.stack_name("monitoring")
        names = []
        try:
            pages = self.settings.cfn.get_paginator("list_stack_resources").paginate(StackName=name)
            for page in pages:
                for r in page["StackResourceSummaries"]:
                    if r.get("ResourceType") in ALARM_TYPES and r.get("PhysicalResourceId"):
                        names.append(r["PhysicalResourceId"])
        except ClientError as exc:
            if "does not exist" not in str(exc):
                raise
        return names

    def alarms(self, section: Section) -> None:
        cw = self.settings.client("cloudwatch")
        names = self.alarm_names()
        alarms: list[dict[str, Any]] = []
        if names:
            for start in range(0, len(names), 100):
                page = cw.describe_alarms(AlarmNames=names[start : start + 100])
                alarms += page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
            scope = f"of stack {self.settings.stack_name('monitoring')}"
        else:
            for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=self.settings.prefix):
                alarms += page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
            scope = f"named {self.settings.prefix}*"
        if not alarms:
            section.lines.append(f"no alarms {scope}")
            return
        counts: dict[str, int] = {}
        for a in alarms:
            counts[a.get("StateValue", "?")] = counts.get(a.get("StateValue", "?"), 0) + 1
        firing = [a for a in alarms if a.get("StateValue") == "ALARM"]
        for a in firing:
            section.lines.append(
                f"{self.paint('ALARM', 'red', 'bold')}  {a['AlarmName']}  "
                f"since {utc(a.get('StateUpdatedTimestamp'))}"
            )
            if a.get("StateReason"):
                section.lines.append(f"  {a['StateReason']}")
            section.problems.append(f"alarm {a['AlarmName']} is firing")
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        section.lines.append(f"{len(alarms)} alarms {scope}: {summary}")

    # -- the screen ------------------------------------------------------------------------

    def build(self) -> list[Section]:
        svc_holder: dict[str, Any] = {}

        def service(section: Section) -> None:
            svc_holder["svc"] = self.describe_service()
            self.service(section, svc_holder["svc"])

        sections = [self.guarded("Pipeline", self.pipeline), self.guarded("Service", service)]
        svc = svc_holder.get("svc")
        sections += [
            self.guarded("Service events, newest first", lambda s: self.events(s, svc)),
            self.guarded("Tasks", lambda s: self.tasks(s, svc)),
            self.guarded("Targets", self.targets),
            self.guarded("Alarms", self.alarms),
        ]
        return sections

    def render(self, sections: list[Section]) -> str:
        problems = [p for s in sections for p in s.problems]
        unknown = [u for s in sections for u in s.unknown]
        service_known = not any(u.startswith("service") for u in unknown)
        if problems:
            verdict = self.paint("UNHEALTHY", "red", "bold")
        elif not service_known:
            verdict = self.paint("UNKNOWN", "yellow", "bold")
        else:
            verdict = self.paint("HEALTHY", "green", "bold")
        out = [
            self.paint(f"{self.settings.prefix}  {self.settings.region}", "bold") + f"  {utc(self.now)}",
            f"Verdict: {verdict}",
        ]
        out += [f"  - {p}" for p in problems]
        out += [f"  ? {u}" for u in unknown]
        for s in sections:
            out.append("")
            out.append(self.paint(s.title, "bold"))
            out += [f"  {line}" for line in s.lines]
        return "\n".join(out)


def status(settings: Settings) -> int:
    # Fail early, with the usual clear message, when there are no credentials at all.
    settings.client("sts").get_caller_identity()
    report = Status(settings, paint_for())
    print(report.render(report.build()))
    return 0
