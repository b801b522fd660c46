"""CloudFormation: change sets, waits that print the stack's events, and failure reports.

Two ways to apply a template, one flow around them:
- `changeset` (the default on AWS): create a change set (CREATE or UPDATE),
  wait, show its changes, execute, wait. An empty change set is "no changes".
- `direct`: CreateStack/UpdateStack. The default when AWS_ENDPOINT_URL is set,
  because moto 5.2 executes change sets without recording the stack's Outputs
  and Exports, so the next stack's Fn::ImportValue fails there. CFN_MODE=
  changeset|direct overrides the choice.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from . import OpsError
from .aws import describe_stack, var
from .ui import Painter, paint_for

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
SETTLED_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}


class StackFailed(OpsError):
    pass


def mode(endpoint: str | None) -> str:
    value = (var("CFN_MODE") or ("direct" if endpoint else "changeset")).lower()
    if value not in ("changeset", "direct"):
        raise OpsError(f"CFN_MODE={value}: use changeset or direct")
    return value


def poll_seconds(endpoint: str | None) -> float:
    return float(var("OPS_POLL_SECONDS") or (0.2 if endpoint else 5))


def timeout_seconds() -> float:
    return float(var("OPS_TIMEOUT_MINUTES") or 90) * 60


def in_progress(status: str) -> bool:
    return status.endswith("_IN_PROGRESS")


class Stacks:
    """Operations on the stacks of one account and region, printing as they go."""

    def __init__(
        self,
        cfn: Any,
        endpoint: str | None = None,
        out: Callable[[str], None] = print,
        paint: Painter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cfn = cfn
        self.endpoint = endpoint
        self.mode = mode(endpoint)
        self.poll = poll_seconds(endpoint)
        self.out = out
        self.paint = paint or paint_for()
        self.sleep = sleep

    # -- reading ---------------------------------------------------------------------------

    def describe(self, name: str) -> dict[str, Any] | None:
        return describe_stack(self.cfn, name)

    def latest_event_id(self, stack_id: str) -> str | None:
        try:
            events = self.cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise
        return events[0]["EventId"] if events else None

    def events_since(self, stack_id: str, marker: str | None) -> list[dict[str, Any]]:
        """The stack's events after the one with id `marker`, oldest first."""
        found: list[dict[str, Any]] = []
        paginator = self.cfn.get_paginator("describe_stack_events")
        try:
            for page in paginator.paginate(StackName=stack_id):
                for event in page["StackEvents"]:
                    if marker is not None and event["EventId"] == marker:
                        return list(reversed(found))
                    found.append(event)
        except ClientError as exc:
            if "does not exist" not in str(exc):
                raise
        return list(reversed(found))

    # -- printing --------------------------------------------------------------------------

    def print_event(self, event: dict[str, Any]) -> None:
        status = event.get("ResourceStatus", "")
        colour = ("red",) if "FAILED" in status or "ROLLBACK" in status else ()
        when = event["Timestamp"].astimezone(UTC).strftime("%H:%M:%S")
        reason = event.get("ResourceStatusReason") or ""
        line = (
            f"    {when}  {self.paint(f'{status:<28}', *colour)} "
            f"{event.get('LogicalResourceId', '')} ({event.get('ResourceType', '')})"
        )
        if reason and reason != "User Initiated":
            line += f": {reason}"
        self.out(line)

    def failure_report(self, events: list[dict[str, Any]]) -> list[str]:
        """Every *_FAILED resource among the events, with its reason, first failure first."""
        lines = []
        for event in events:
            status = event.get("ResourceStatus", "")
            if not status.endswith("_FAILED"):
                continue
            reason = event.get("ResourceStatusReason") or "(no reason given)"
            lines.append(
                f"  {event.get('LogicalResourceId')} ({event.get('ResourceType')}) {status}: {reason}"
            )
        return lines

    # -- waiting ---------------------------------------------------------------------------

    def wait(
        self,
        stack_id: str,
        marker: str | None,
        started: float,
        by: str | None = None,
        settled: Callable[[str], bool] | None = None,
    ) -> tuple[str, list[dict[str, Any]]]:
        """Poll until the stack settles, printing new events; returns the status and the events seen.

        `by` is what to describe the stack by (default its id): a deletion polls by name,
        which stops answering once the stack is gone. `settled` says which statuses end
        the wait (default: any but *_IN_PROGRESS), so a status from before the operation
        started does not end it.
        """
        seen: list[dict[str, Any]] = []
        deadline = started + timeout_seconds()
        settled = settled or (lambda status: not in_progress(status))
        while True:
            stack = self.describe(by or stack_id)
            new = self.events_since(stack_id, marker)
            if new:
                marker = new[-1]["EventId"]
                seen.extend(new)
                for event in new:
                    self.print_event(event)
            status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
            if settled(status):
                return status, seen
            if time.monotonic() > deadline:
                raise StackFailed(f"gave up waiting after {timeout_seconds() / 60:.0f} minutes: {status}")
            self.sleep(self.poll)

    def settle(self, name: str, stack: dict[str, Any]) -> dict[str, Any] | None:
        """Wait out an operation someone else started on the stack."""
        if stack["StackStatus"] == "REVIEW_IN_PROGRESS" or not in_progress(stack["StackStatus"]):
            return stack
        self.out(f"  {name} is {stack['StackStatus']}: waiting for it to finish")
        self.wait(stack["StackId"], self.latest_event_id(stack["StackId"]), time.monotonic())
        return self.describe(name)

    # -- deploying -------------------------------------------------------------------------

    def deploy(self, name: str, body: str, parameters: list[dict[str, Any]], tags: dict[str, str]) -> str:
        """Create or update the stack; returns 'created', 'updated' or 'unchanged'. Raises StackFailed."""
        stack = self.describe(name)
        if stack is not None:
            stack = self.settle(name, stack)
        if stack is not None and stack["StackStatus"] == "ROLLBACK_COMPLETE":
            self.out(f"  {name} is ROLLBACK_COMPLETE (its creation failed): deleting it to create it again")
            self.delete(name)
            stack = None
        if stack is not None and stack["StackStatus"] in (
            "UPDATE_ROLLBACK_FAILED",
            "ROLLBACK_FAILED",
            "DELETE_FAILED",
        ):
            raise StackFailed(
                f"{name} is {stack['StackStatus']}: fix the resources named in its events, then "
                "continue the rollback or delete the stack in the CloudFormation console"
            )
        creating = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
        if creating:
            # A new stack cannot take UsePreviousValue.
            parameters = [p for p in parameters if not p.get("UsePreviousValue")]
        tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
        if self.mode == "changeset":
            return self._deploy_change_set(name, body, parameters, tag_list, creating)
        return self._deploy_direct(name, body, parameters, tag_list, creating)

    def _deploy_direct(
        self,
        name: str,
        body: str,
        parameters: list[dict[str, Any]],
        tags: list[dict[str, str]],
        creating: bool,
    ) -> str:
        args = {
            "StackName": name,
            "TemplateBody": body,
            "Parameters": parameters,
            "Capabilities": CAPABILITIES,
            "Tags": tags,
        }
        started = time.monotonic()
        if creating:
            stack_id = self.cfn.create_stack(**args)["StackId"]
            marker = None
        else:
            stack_id = self.describe(name)["StackId"]  # type: ignore[index]
            marker = self.latest_event_id(stack_id)
            try:
                self.cfn.update_stack(**args)
            except ClientError as exc:
                if any(text in str(exc) for text in NO_CHANGES):
                    return "unchanged"
                raise
        return self._finish(name, stack_id, marker, started, creating)

    def _deploy_change_set(
        self,
        name: str,
        body: str,
        parameters: list[dict[str, Any]],
        tags: list[dict[str, str]],
        creating: bool,
    ) -> str:
        change_set_name = "ops-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        try:
            created = self.cfn.create_change_set(
                StackName=name,
                ChangeSetName=change_set_name,
                ChangeSetType="CREATE" if creating else "UPDATE",
                TemplateBody=body,
                Parameters=parameters,
                Capabilities=CAPABILITIES,
                Tags=tags,
                Description="make deploy-stack",
            )
        except ClientError as exc:
            if any(text in str(exc) for text in NO_CHANGES):
                return "unchanged"
            raise
        change_set_id, stack_id = created["Id"], created["StackId"]
        change_set = self._wait_change_set(change_set_id)
        if change_set["Status"] == "FAILED":
            reason = change_set.get("StatusReason") or "(no reason given)"
            self._delete_change_set(change_set_id)
            if any(text in reason for text in NO_CHANGES):
                return "unchanged"
            raise StackFailed(f"{name}: the change set failed: {reason}")
        self._print_changes(change_set)
        marker = self.latest_event_id(stack_id)
        started = time.monotonic()
        self.cfn.execute_change_set(ChangeSetName=change_set_id)
        self._wait_execution_start(change_set_id)
        return self._finish(name, stack_id, marker, started, creating)

    def _wait_change_set(self, change_set_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 600
        while True:
            change_set = self.cfn.describe_change_set(ChangeSetName=change_set_id)
            if change_set["Status"] in ("CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE"):
                pages = [change_set]
                token = change_set.get("NextToken")
                while token:
                    page = self.cfn.describe_change_set(ChangeSetName=change_set_id, NextToken=token)
                    pages.append(page)
                    token = page.get("NextToken")
                change_set["Changes"] = [c for p in pages for c in p.get("Changes", [])]
                return change_set
            if time.monotonic() > deadline:
                raise StackFailed(f"change set {change_set_id} still {change_set['Status']} after 10 minutes")
            self.sleep(min(self.poll, 2))

    def _wait_execution_start(self, change_set_id: str) -> None:
        """ExecuteChangeSet returns before the stack leaves its old status: wait until it has."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            execution = self.cfn.describe_change_set(ChangeSetName=change_set_id).get("ExecutionStatus")
            if execution not in ("AVAILABLE", "UNAVAILABLE"):
                return
            self.sleep(min(self.poll, 2))

    def _delete_change_set(self, change_set_id: str) -> None:
        with contextlib.suppress(ClientError):  # one left behind does no harm
            self.cfn.delete_change_set(ChangeSetName=change_set_id)

    def _print_changes(self, change_set: dict[str, Any]) -> None:
        marks = {"Add": "+", "Modify": "~", "Remove": "-", "Import": ">", "Dynamic": "?"}
        for change in change_set.get("Changes", []):
            rc = change.get("ResourceChange", {})
            action = rc.get("Action", "?")
            replace = " (replacement)" if rc.get("Replacement") == "True" else ""
            self.out(
                f"    {marks.get(action, '?')} {action:<7} {rc.get('LogicalResourceId')} "
                f"({rc.get('ResourceType')}){replace}"
            )

    def _finish(self, name: str, stack_id: str, marker: str | None, started: float, creating: bool) -> str:
        status, events = self.wait(stack_id, marker, started)
        if status in SETTLED_OK:
            return "created" if creating else "updated"
        report = self.failure_report(events) or self.failure_report(self.events_since(stack_id, marker))
        stack = self.describe(stack_id)
        lines = [f"{name} failed: {status}"]
        if stack and stack.get("StackStatusReason"):
            lines.append(f"  {stack['StackStatusReason']}")
        lines += report or ["  (no failed resource among the events: see the stack's events in the console)"]
        raise StackFailed("\n".join(lines))

    # -- deleting --------------------------------------------------------------------------

    def delete(self, name: str) -> tuple[bool, list[dict[str, Any]]]:
        """Delete the stack and wait; (False, []) when it did not exist. Raises StackFailed."""
        stack = self.describe(name)
        if stack is None:
            return False, []
        stack = self.settle(name, stack)
        if stack is None:
            return False, []
        stack_id = stack["StackId"]
        marker = self.latest_event_id(stack_id)
        started = time.monotonic()
        self.cfn.delete_stack(StackName=stack_id)
        status, events = self.wait(
            stack_id,
            marker,
            started,
            by=name,
            settled=lambda status: status in ("DELETE_COMPLETE", "DELETE_FAILED"),
        )
        if status != "DELETE_COMPLETE":
            report = self.failure_report(events)
            raise StackFailed("\n".join([f"{name} was not deleted: {status}", *report]))
        return True, events
