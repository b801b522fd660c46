"""ops/cfn.py: change sets as used against AWS (on moto), and what a failed deploy prints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber
from ops.cfn import StackFailed, Stacks
from ops.ui import Painter

from tests.servers import Moto

SMALL = """
Parameters:
  Retention: {Type: Number, Default: 7}
  Owner: {Type: String}
Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /changeset-test/group, RetentionInDays: !Ref Retention}
"""


def test_change_sets_create_then_find_nothing_to_do(aws_env: Moto) -> None:
    printed: list[str] = []
    cfn = boto3.client("cloudformation")
    stacks = Stacks(cfn, change_sets=True, delay=0.1, out=printed.append, paint=Painter(False))
    params = [
        {"ParameterKey": "Owner", "ParameterValue": "ops"},
        {"ParameterKey": "Retention", "ParameterValue": "7"},
    ]
    assert stacks.deploy("changeset-test", SMALL, params, {"Project": "x"}) == "created"
    assert "    + Add     Group (AWS::Logs::LogGroup)" in printed
    assert boto3.client("logs").describe_log_groups(logGroupNamePrefix="/changeset-test/")["logGroups"]
    again = [{"ParameterKey": "Owner", "UsePreviousValue": True}, params[1]]
    assert stacks.deploy("changeset-test", SMALL, again, {"Project": "x"}) == "unchanged"
    # the empty change set is not left behind
    summaries = cfn.list_change_sets(StackName="changeset-test")["Summaries"]
    assert [s["Status"] for s in summaries] == ["CREATE_COMPLETE"]
    changed = [{"ParameterKey": "Owner", "UsePreviousValue": True}, {**params[1], "ParameterValue": "14"}]
    assert stacks.deploy("changeset-test", SMALL, changed, {"Project": "x"}) == "updated"
    parameters = cfn.describe_stacks(StackName="changeset-test")["Stacks"][0]["Parameters"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in parameters} == {"Owner": "ops", "Retention": "14"}
    assert stacks.delete("changeset-test")[0] is True
    assert stacks.describe("changeset-test") is None
    assert stacks.delete("changeset-test") == (False, [])


def _event(n: int, logical: str, kind: str, status: str, reason: str = "") -> dict[str, Any]:
    return {
        "StackId": "id",
        "StackName": "s",
        "EventId": str(n),
        "Timestamp": datetime(2026, 11, 23, 6, 0, n, tzinfo=UTC),
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
    }


def test_a_failed_deploy_names_every_failed_resource_and_why() -> None:
    """What CloudFormation answers while a creation rolls back, which moto cannot produce."""
    events = [
        _event(1, "s", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"),
        _event(2, "Repository", "AWS::ECR::Repository", "CREATE_IN_PROGRESS"),
        _event(
            3,
            "Listener",
            "AWS::ElasticLoadBalancingV2::Listener",
            "CREATE_FAILED",
            'Resource handler returned message: "A listener already exists on this port"',
        ),
        _event(4, "Repository", "AWS::ECR::Repository", "CREATE_FAILED", "Resource creation cancelled"),
        _event(
            5, "s", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", "The following resource(s) failed"
        ),
        _event(6, "Repository", "AWS::ECR::Repository", "DELETE_COMPLETE"),
        _event(7, "s", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE"),
    ]
    now = datetime(2026, 11, 23, 6, tzinfo=UTC)

    def stack(status: str) -> dict[str, Any]:
        return {"Stacks": [{"StackId": "id", "StackName": "s", "StackStatus": status, "CreationTime": now}]}

    cfn = boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(cfn)
    stub.add_client_error("describe_stacks", "ValidationError", "Stack with id s does not exist")
    stub.add_response("create_stack", {"StackId": "id"})
    # the waiter's first look: still rolling back; each look prints the new events
    stub.add_response("describe_stacks", stack("ROLLBACK_IN_PROGRESS"))
    stub.add_response("describe_stack_events", {"StackEvents": events[4::-1]})
    stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
    stub.add_response("describe_stack_events", {"StackEvents": events[::-1]})
    stub.add_response("describe_stack_events", {"StackEvents": events[::-1]})
    stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
    stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
    printed: list[str] = []
    stacks = Stacks(cfn, change_sets=False, delay=0, out=printed.append, paint=Painter(False))
    with stub:
        try:
            stacks.deploy("s", "{}", [], {})
        except StackFailed as failed:
            report = str(failed).splitlines()
        else:
            raise AssertionError("the deploy did not fail")
    assert report == [
        "s failed: ROLLBACK_COMPLETE",
        "  Listener (AWS::ElasticLoadBalancingV2::Listener) CREATE_FAILED: "
        'Resource handler returned message: "A listener already exists on this port"',
        "  Repository (AWS::ECR::Repository) CREATE_FAILED: Resource creation cancelled",
    ]
    # the events were printed as the waiter saw them, each once, oldest first
    assert [line.split()[1] for line in printed] == [e["ResourceStatus"] for e in events]
