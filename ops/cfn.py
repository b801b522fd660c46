"""CloudFormation through boto3's waiters: change sets, creates, updates, deletes, failure reports.

Templates go inline (TemplateBody) or, uploaded first, by TemplateURL: the same
choice aws-cli's `cloudformation deploy` makes with `--s3-bucket`.

The waiting is botocore's (`stack_create_complete`, `change_set_create_complete`,
...). While a waiter polls, a handler on its DescribeStacks calls prints the
stack's new events, so a long deploy shows its progress as it happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from . import OpsError
from .aws import describe_stack
from .ui import Painter, paint_for

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
SETTLED_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
STUCK = ("UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED")  # a person has to act
MAX_MINUTES = 90


class StackFailed(OpsError):
    pass


def waiter_for(operation: str) -> str:
    """botocore's waiter that ends an operation: `stack_update_complete` for UPDATE_..._IN_PROGRESS."""
    kind = operation.split("_")[0]
    return f"stack_{'create' if kind == 'ROLLBACK' else kind.lower()}_complete"


@dataclass
class Stacks:
    """Operations on the stacks of one account and region, printing as they go."""

    cfn: Any
    change_sets: bool
    delay: float = 10
    out: Callable[[str], None] = print
    paint: Painter = field(default_factory=paint_for)

    def describe(self, name: str) -> dict[str, Any] | None:
        return describe_stack(self.cfn, name)

    # -- events ----------------------------------------------------------------------------

    def latest_event_id(self, stack_id: str) -> str | None:
        events = self.cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
        return events[0]["EventId"] if events else None

    def events_since(self, stack_id: str, marker: str | None) -> list[dict[str, Any]]:
        """The stack's events after the one with id `marker`, oldest first."""
        found: list[dict[str, Any]] = []
        for page in self.cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id):
            for event in page["StackEvents"]:
                if event["EventId"] == marker:
                    return found[::-1]
                found.append(event)
        return found[::-1]

    def print_event(self, event: dict[str, Any]) -> None:
        status = event.get("ResourceStatus", "")
        colour = ("red",) if "FAILED" in status or "ROLLBACK" in status else ()
        when = event["Timestamp"].astimezone(UTC).strftime("%H:%M:%S")
        line = (
            f"    {when}  {self.paint(f'{status:<28}', *colour)} "
            f"{event.get('LogicalResourceId', '')} ({event.get('ResourceType', '')})"
        )
        reason = event.get("ResourceStatusReason") or ""
        self.out(line + (f": {reason}" if reason and reason != "User Initiated" else ""))

    @staticmethod
    def failure_report(events: list[dict[str, Any]]) -> list[str]:
        """Every *_FAILED resource among the events, with its reason, first failure first."""
        return [
            f"  {e.get('LogicalResourceId')} ({e.get('ResourceType')}) {e['ResourceStatus']}: "
            f"{e.get('ResourceStatusReason') or '(no reason given)'}"
            for e in events
            if e.get("ResourceStatus", "").endswith("_FAILED")
        ]

    # -- waiting ---------------------------------------------------------------------------

    def wait(
        self, waiter: str, stack_id: str, marker: str | None, by: str | None = None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run the waiter, printing the stack's events as they come; the stack then, and the events.

        `by` is what to describe the stack by (default its id): a deletion waits by name,
        which stops answering once the stack is gone.
        """
        seen: list[dict[str, Any]] = []

        def show(**_: Any) -> None:
            new = self.events_since(stack_id, seen[-1]["EventId"] if seen else marker)
            seen.extend(new)
            for event in new:
                self.print_event(event)

        attempts = int(MAX_MINUTES * 60 / max(self.delay, 1))
        hook, handler_id = "after-call.cloudformation.DescribeStacks", f"ops-events-{id(self)}"
        self.cfn.meta.events.register(hook, show, unique_id=handler_id)
        try:
            self.cfn.get_waiter(waiter).wait(
                StackName=by or stack_id, WaiterConfig={"Delay": self.delay, "MaxAttempts": attempts}
            )
        except WaiterError as exc:
            if "Max attempts exceeded" in str(exc):
                raise StackFailed(f"gave up waiting for {stack_id} after {MAX_MINUTES} minutes") from None
        finally:
            self.cfn.meta.events.unregister(hook, unique_id=handler_id)
        show()
        return describe_stack(self.cfn, by or stack_id) or {"StackStatus": "DELETE_COMPLETE"}, seen

    def settle(self, name: str) -> dict[str, Any] | None:
        """The stack (None when there is none), once an operation someone else started on it has ended."""
        stack = self.describe(name)
        status = (stack or {}).get("StackStatus", "")
        if stack is None or not status.endswith("_IN_PROGRESS") or status == "REVIEW_IN_PROGRESS":
            return stack
        self.out(f"  {name} is {status}: waiting for it to finish")
        self.wait(waiter_for(status), stack["StackId"], self.latest_event_id(stack["StackId"]))
        return self.describe(name)

    # -- deploying -------------------------------------------------------------------------

    def deploy(
        self,
        name: str,
        body: str,
        parameters: list[dict[str, Any]],
        tags: dict[str, str],
        url: str | None = None,
    ) -> str:
        """Create or update the stack; returns 'created', 'updated' or 'unchanged'. Raises StackFailed.

        With `url` (the template uploaded to S3: ops/upload.py) CloudFormation reads it
        from there, as TemplateURL; otherwise `body` goes inline, as TemplateBody.
        """
        stack = self.settle(name)
        if stack is not None and stack["StackStatus"] == "ROLLBACK_COMPLETE":
            self.out(f"  {name} is ROLLBACK_COMPLETE (its creation failed): deleting it to create it again")
            self.delete(name)
            stack = None
        if stack is not None and stack["StackStatus"] in STUCK:
            raise StackFailed(
                f"{name} is {stack['StackStatus']}: fix the resources named in its events, then "
                "continue the rollback or delete the stack in the CloudFormation console"
            )
        creating = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
        if creating:  # a new stack cannot take UsePreviousValue
            parameters = [p for p in parameters if not p.get("UsePreviousValue")]
        args = {
            "StackName": name,
            **({"TemplateURL": url} if url else {"TemplateBody": body}),
            "Parameters": parameters,
            "Capabilities": CAPABILITIES,
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
        try:
            if self.change_sets:
                stack_id, marker = self._execute_change_set(args, creating)
            elif creating:
                stack_id, marker = self.cfn.create_stack(**args)["StackId"], None
            else:
                stack_id = stack["StackId"]  # type: ignore[index]
                marker = self.latest_event_id(stack_id)
                self.cfn.update_stack(**args)
        except ClientError as exc:
            if any(text in str(exc) for text in NO_CHANGES):
                return "unchanged"
            raise
        if stack_id is None:
            return "unchanged"
        final, events = self.wait(waiter_for("CREATE" if creating else "UPDATE"), stack_id, marker)
        if final["StackStatus"] in SETTLED_OK:
            return "created" if creating else "updated"
        lines = [f"{name} failed: {final['StackStatus']}"]
        if final.get("StackStatusReason"):
            lines.append(f"  {final['StackStatusReason']}")
        lines += self.failure_report(events) or ["  (no failed resource among its events: see the console)"]
        raise StackFailed("\n".join(lines))

    def _execute_change_set(self, args: dict[str, Any], creating: bool) -> tuple[str | None, str | None]:
        """Create a change set, show it, execute it; (None, None) when it holds no changes."""
        created = self.cfn.create_change_set(
            **args,
            ChangeSetName="ops-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S"),
            ChangeSetType="CREATE" if creating else "UPDATE",
            Description="make deploy-stack",
        )
        try:
            self.cfn.get_waiter("change_set_create_complete").wait(
                ChangeSetName=created["Id"], WaiterConfig={"Delay": min(self.delay, 5), "MaxAttempts": 120}
            )
        except WaiterError:
            reason = (
                self.cfn.describe_change_set(ChangeSetName=created["Id"]).get("StatusReason") or "(no reason)"
            )
            self.cfn.delete_change_set(ChangeSetName=created["Id"])
            if any(text in reason for text in NO_CHANGES):
                return None, None
            raise StackFailed(f"{args['StackName']}: the change set failed: {reason}") from None
        marks = {"Add": "+", "Modify": "~", "Remove": "-", "Import": ">", "Dynamic": "?"}
        for page in self.cfn.get_paginator("describe_change_set").paginate(ChangeSetName=created["Id"]):
            for change in page.get("Changes", []):
                rc = change.get("ResourceChange", {})
                action = rc.get("Action", "?")
                self.out(
                    f"    {marks.get(action, '?')} {action:<7} {rc.get('LogicalResourceId')} "
                    f"({rc.get('ResourceType')})"
                    + (" (replacement)" if rc.get("Replacement") == "True" else "")
                )
        marker = self.latest_event_id(created["StackId"])
        self.cfn.execute_change_set(ChangeSetName=created["Id"])
        return created["StackId"], marker

    # -- deleting --------------------------------------------------------------------------

    def delete(self, name: str) -> tuple[bool, list[dict[str, Any]]]:
        """Delete the stack and wait; (False, []) when it did not exist. Raises StackFailed."""
        stack = self.settle(name)
        if stack is None:
            return False, []
        marker = self.latest_event_id(stack["StackId"])
        self.cfn.delete_stack(StackName=stack["StackId"])
        final, events = self.wait("stack_delete_complete", stack["StackId"], marker, by=name)
        if final["StackStatus"] != "DELETE_COMPLETE":
            lines = [f"{name} was not deleted: {final['StackStatus']}", *self.failure_report(events)]
            raise StackFailed("\n".join(lines))
        return True, events
