"""`make deploy-stack`, `put-secret`, `outputs` and `delete-stack`, run for real against moto_server.

moto's CloudFormation skips resource types it does not know (CodePipeline,
CodeBuild, Secrets Manager, API keys and stages, alarms, ...); the tests assert
on the ones it creates: VPC, subnets, security groups, ECR, cluster, ALB,
target group, log groups, roles, service.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from ops.cfn import StackFailed, Stacks
from ops.stacks import ORDER
from ops.ui import Painter

from tests.ops.conftest import FIXTURE_TEMPLATES, ROOT, Moto, run_make
from tests.ops.moto_compat import rewrite

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sports-api:0123abc"
CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/00000000-0000-0000-0000-000000000000"
LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
EXPECTED_TYPES = {
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::ECR::Repository",
    "AWS::ECS::Cluster",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
    "AWS::ECS::Service",
}
# What moto creates of the pipeline stack: the artifact bucket and the build parameters.
PIPELINE_TYPES = {"AWS::S3::Bucket", "AWS::SSM::Parameter"}


def _clients() -> dict[str, Any]:
    names = ("cloudformation", "ec2", "ecr", "ecs", "elbv2", "logs", "iam", "s3", "ssm")
    return {name: boto3.client(name) for name in names}


def _resources(cfn: Any, project: str) -> dict[str, list[str]]:
    """Physical ids by resource type, over every stack of the project."""
    found: dict[str, list[str]] = defaultdict(list)
    for key in ORDER:
        try:
            pages = cfn.get_paginator("list_stack_resources").paginate(StackName=f"{project}-dev-{key}")
            for page in pages:
                for r in page["StackResourceSummaries"]:
                    if r.get("PhysicalResourceId"):
                        found[r["ResourceType"]].append(r["PhysicalResourceId"])
        except ClientError:
            continue
    return found


def _exists(c: dict[str, Any], kind: str, ident: str, cluster: str | None) -> bool:
    try:
        if kind == "AWS::EC2::VPC":
            return bool(c["ec2"].describe_vpcs(VpcIds=[ident])["Vpcs"])
        if kind == "AWS::EC2::Subnet":
            return bool(c["ec2"].describe_subnets(SubnetIds=[ident])["Subnets"])
        if kind == "AWS::EC2::SecurityGroup":
            return bool(c["ec2"].describe_security_groups(GroupIds=[ident])["SecurityGroups"])
        if kind == "AWS::ECR::Repository":
            return bool(c["ecr"].describe_repositories(repositoryNames=[ident])["repositories"])
        if kind == "AWS::ECS::Cluster":
            found = c["ecs"].describe_clusters(clusters=[ident])["clusters"]
            return any(x["status"] == "ACTIVE" for x in found)
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            return bool(c["elbv2"].describe_load_balancers(LoadBalancerArns=[ident])["LoadBalancers"])
        if kind == "AWS::ElasticLoadBalancingV2::TargetGroup":
            return bool(c["elbv2"].describe_target_groups(TargetGroupArns=[ident])["TargetGroups"])
        if kind == "AWS::Logs::LogGroup":
            groups = c["logs"].describe_log_groups(logGroupNamePrefix=ident)["logGroups"]
            return any(g["logGroupName"] == ident for g in groups)
        if kind == "AWS::IAM::Role":
            return bool(c["iam"].get_role(RoleName=ident.rsplit("/", 1)[-1])["Role"])
        if kind == "AWS::ECS::Service":
            found = c["ecs"].describe_services(cluster=cluster, services=[ident])["services"]
            return any(x["status"] == "ACTIVE" for x in found)
        if kind == "AWS::S3::Bucket":
            c["s3"].head_bucket(Bucket=ident)
            return True
        if kind == "AWS::SSM::Parameter":
            return bool(c["ssm"].get_parameter(Name=ident)["Parameter"]["Value"])
    except ClientError:
        return False
    raise AssertionError(kind)


def _stack_names(cfn: Any, project: str) -> set[str]:
    live = set()
    for key in ORDER:
        try:
            cfn.describe_stacks(StackName=f"{project}-dev-{key}")
            live.add(key)
        except ClientError:
            pass
    return live


def _clear_what_moto_cannot_delete(ec2: Any, vpcs: list[str]) -> None:
    """moto 5.2 has no CloudFormation delete for NAT gateways, VPC endpoints, gateway attachments
    and route tables, so its VPC deletion fails with DependencyViolation; AWS deletes them with
    the stack. Remove them first, as CloudFormation would."""
    for vpc in vpcs:
        where = [{"Name": "vpc-id", "Values": [vpc]}]
        for nat in ec2.describe_nat_gateways(Filters=where)["NatGateways"]:
            ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
        endpoints = [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=where)["VpcEndpoints"]]
        if endpoints:
            ec2.delete_vpc_endpoints(VpcEndpointIds=endpoints)
        attached = [{"Name": "attachment.vpc-id", "Values": [vpc]}]
        for gateway in ec2.describe_internet_gateways(Filters=attached)["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc)
        for eni in ec2.describe_network_interfaces(Filters=where)["NetworkInterfaces"]:
            ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
        for table in ec2.describe_route_tables(Filters=where)["RouteTables"]:
            if any(a.get("Main") for a in table.get("Associations", [])):
                continue
            for association in table.get("Associations", []):
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
            ec2.delete_route_table(RouteTableId=table["RouteTableId"])


def _deploy_cycle(
    moto: Moto, project: str, templates: Path, expected: set[str] = EXPECTED_TYPES
) -> dict[str, str]:
    """The whole life of an environment, through make; returns the outputs of each step."""
    env = moto.env(
        PROJECT=project,
        OPS_TEMPLATE_DIR=str(templates),
        GITHUB_REPO="acme/sports-api",
        ALERT_EMAIL="ops@example.com",
        CONNECTION_ARN=CONNECTION,
    )
    c = _clients()
    seen: dict[str, str] = {}

    first = run_make("deploy-stack", env)
    assert first.returncode == 0, first.stdout + first.stderr
    seen["first"] = first.stdout
    assert _stack_names(c["cloudformation"], project) == set(ORDER) - {"service"}
    assert "not deployed from here: the pipeline creates it" in first.stdout
    assert f"  Service logs  /{project}/dev/service" in first.stdout

    second = run_make("deploy-stack", env, f"IMAGE_URI={IMAGE}")
    assert second.returncode == 0, second.stdout + second.stderr
    seen["second"] = second.stdout
    for key in ORDER[:-1]:
        assert f"  {project}-dev-{key}: unchanged" in second.stdout
    assert f"  {project}-dev-service: created" in second.stdout

    resources = _resources(c["cloudformation"], project)
    cluster = c["cloudformation"].describe_stacks(StackName=f"{project}-dev-platform")["Stacks"][0]["Outputs"]
    cluster_name = next(o["OutputValue"] for o in cluster if o["OutputKey"] == "ClusterName")
    missing = expected - set(resources)
    assert not missing, f"moto created none of {sorted(missing)}"
    absent = [
        f"{kind} {ident}"
        for kind in expected
        for ident in resources[kind]
        if not _exists(c, kind, ident, cluster_name)
    ]
    assert not absent, absent

    # what delete-stack must clear first: an image, and versioned artifacts
    repository = resources["AWS::ECR::Repository"][0]
    c["ecr"].put_image(
        repositoryName=repository,
        imageManifest=json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"digest": "sha256:" + "a" * 64},
            }
        ),
        imageTag="0123abc",
    )
    bucket = next(iter(resources.get("AWS::S3::Bucket", [])), None)
    if bucket:
        # moto's CloudFormation ignores VersioningConfiguration
        c["s3"].put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for body in (b"one", b"two"):
            c["s3"].put_object(Bucket=bucket, Key="source.zip", Body=body)
        c["s3"].delete_object(Bucket=bucket, Key="source.zip")

    secret = run_make("put-secret", env, stdin="serpapi-0123456789abcdef0123456789abcdef\n")
    assert secret.returncode == 0, secret.stdout + secret.stderr
    assert "0123456789abcdef" not in secret.stdout + secret.stderr
    seen["put-secret"] = secret.stdout

    outputs = run_make("outputs", env)
    assert outputs.returncode == 0, outputs.stderr
    assert "(set)" in outputs.stdout
    seen["outputs"] = outputs.stdout

    refused = run_make("delete-stack", env)
    assert refused.returncode != 0 and "pass CONFIRM=dev" in refused.stderr
    assert _stack_names(c["cloudformation"], project) == set(ORDER)

    _clear_what_moto_cannot_delete(c["ec2"], resources["AWS::EC2::VPC"])
    deleted = run_make("delete-stack", env, "CONFIRM=dev")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    seen["delete"] = deleted.stdout
    assert _stack_names(c["cloudformation"], project) == set()
    assert f"  emptied ECR repository {repository} (1 images)" in deleted.stdout
    if bucket:
        assert f"  emptied artifact bucket {bucket} (3 object versions)" in deleted.stdout
    # moto 5.2 deletes these with their stack; it leaves ECR repositories, clusters, services,
    # target groups and roles behind (no CloudFormation delete handlers), so those are not checked.
    for kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", LB):
        assert not any(_exists(c, kind, ident, None) for ident in resources[kind]), kind
    kept = [
        g["logGroupName"]
        for g in c["logs"].describe_log_groups(logGroupNamePrefix=f"/{project}/")["logGroups"]
    ]
    if kept:
        assert "Retained log groups" in deleted.stdout
        assert all(f"  {group}\n" in deleted.stdout for group in kept)
    else:
        assert "No log groups retained." in deleted.stdout

    again = run_make("delete-stack", env, "CONFIRM=dev")
    assert again.returncode == 0 and f"{project}-dev-network: not found" in again.stdout
    return seen


def test_deploy_and_delete_the_fixture_stacks(aws_env: Moto) -> None:
    seen = _deploy_cycle(aws_env, "fixture-test", FIXTURE_TEMPLATES)
    assert "  /fixture-test/dev/service\n" in seen["delete"]  # DeletionPolicy: Retain in the fixture
    assert "SerpAPI key   fixture-test/dev/serpapi-api-key   (set)" in seen["outputs"]
    assert "Created secret fixture-test/dev/serpapi-api-key" in seen["put-secret"]
    assert "Started a new deployment of fixture-test-dev" in seen["put-secret"]


def test_deploy_and_delete_the_real_stacks(aws_env: Moto, tmp_path: Path) -> None:
    templates = ROOT / "cloudformation"
    absent = [k for k in ORDER if not (templates / f"{k}.yaml").exists()]
    if absent:
        pytest.skip(f"cloudformation/ lacks {absent} yet")
    notes = rewrite(templates, tmp_path)  # around moto's CloudFormation bugs, each one named
    print("moto compatibility rewrites:", *notes, sep="\n  ")
    seen = _deploy_cycle(aws_env, "sports-api", tmp_path, EXPECTED_TYPES | PIPELINE_TYPES)
    assert "  API URL       https://" in seen["first"]


# -- change sets, as used against AWS -------------------------------------------------------------

SMALL = """
Parameters:
  Retention: {Type: Number, Default: 7}
  Owner: {Type: String}
Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /changeset-test/group, RetentionInDays: !Ref Retention}
"""


def test_change_sets_create_then_find_nothing_to_do(aws_env: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto executes change sets (without recording outputs, hence CFN_MODE=direct by default there)."""
    monkeypatch.setenv("CFN_MODE", "changeset")
    printed: list[str] = []
    cfn = boto3.client("cloudformation")
    stacks = Stacks(cfn, aws_env.url, out=printed.append, paint=Painter(False), sleep=lambda _s: None)
    params = [
        {"ParameterKey": "Owner", "ParameterValue": "ops"},
        {"ParameterKey": "Retention", "ParameterValue": "7"},
    ]
    assert stacks.mode == "changeset"
    assert stacks.deploy("changeset-test", SMALL, params, {"Project": "x"}) == "created"
    assert "    + Add     Group (AWS::Logs::LogGroup)" in printed
    assert boto3.client("logs").describe_log_groups(logGroupNamePrefix="/changeset-test/")["logGroups"]
    again = [
        {"ParameterKey": "Owner", "UsePreviousValue": True},
        {"ParameterKey": "Retention", "ParameterValue": "7"},
    ]
    assert stacks.deploy("changeset-test", SMALL, again, {"Project": "x"}) == "unchanged"
    # the empty change set is not left behind
    assert [s["Status"] for s in cfn.list_change_sets(StackName="changeset-test")["Summaries"]] == [
        "CREATE_COMPLETE"
    ]
    changed = [
        {"ParameterKey": "Owner", "UsePreviousValue": True},
        {"ParameterKey": "Retention", "ParameterValue": "14"},
    ]
    assert stacks.deploy("changeset-test", SMALL, changed, {"Project": "x"}) == "updated"
    # moto applies the new parameters but not the resource change itself
    parameters = cfn.describe_stacks(StackName="changeset-test")["Stacks"][0]["Parameters"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in parameters} == {"Owner": "ops", "Retention": "14"}
    stacks.delete("changeset-test")
    assert stacks.describe("changeset-test") is None


# -- what a failure prints, which moto cannot produce (its stacks never fail asynchronously) -----


class _FailingCfn:
    """A stack whose creation rolls back, with the events CloudFormation would write."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        t = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

        def event(n: int, logical: str, kind: str, status: str, reason: str = "") -> dict[str, Any]:
            return {
                "EventId": str(n),
                "Timestamp": t,
                "LogicalResourceId": logical,
                "ResourceType": kind,
                "ResourceStatus": status,
                "ResourceStatusReason": reason,
            }

        self.events = [
            event(1, "s", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"),
            event(2, "Repository", "AWS::ECR::Repository", "CREATE_IN_PROGRESS"),
            event(
                3,
                "Listener",
                "AWS::ElasticLoadBalancingV2::Listener",
                "CREATE_FAILED",
                'Resource handler returned message: "A listener already exists on this port"',
            ),
            event(4, "Repository", "AWS::ECR::Repository", "CREATE_FAILED", "Resource creation cancelled"),
            event(
                5,
                "s",
                "AWS::CloudFormation::Stack",
                "ROLLBACK_IN_PROGRESS",
                "The following resource(s) failed to create: [Listener, Repository].",
            ),
            event(6, "Repository", "AWS::ECR::Repository", "DELETE_COMPLETE"),
            event(7, "s", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE"),
        ]
        self.created = False

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        if not self.created:
            raise ClientError({"Error": {"Code": "ValidationError", "Message": "Stack does not exist"}}, "x")
        return {"Stacks": [{"StackId": "id", "StackName": "s", "StackStatus": "ROLLBACK_COMPLETE"}]}

    def create_stack(self, **_: Any) -> dict[str, str]:
        self.created = True
        return {"StackId": "id"}

    def describe_stack_events(self, StackName: str) -> dict[str, Any]:
        return {"StackEvents": list(reversed(self.events))}

    def get_paginator(self, _name: str) -> Any:
        outer = self

        class Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [outer.describe_stack_events("id")]

        return Pages()


def test_a_failed_deploy_names_every_failed_resource_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CFN_MODE", "direct")
    printed: list[str] = []
    stacks = Stacks(_FailingCfn(), None, out=printed.append, paint=Painter(False), sleep=lambda _s: None)
    with pytest.raises(StackFailed) as failed:
        stacks.deploy("s", "{}", [], {})
    assert str(failed.value).splitlines() == [
        "s failed: ROLLBACK_COMPLETE",
        "  Listener (AWS::ElasticLoadBalancingV2::Listener) CREATE_FAILED: "
        'Resource handler returned message: "A listener already exists on this port"',
        "  Repository (AWS::ECR::Repository) CREATE_FAILED: Resource creation cancelled",
    ]
    assert any("ROLLBACK_IN_PROGRESS" in line and "failed to create" in line for line in printed)
