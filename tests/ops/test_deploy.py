"""`make deploy-stack`, `put-secret`, `outputs` and `delete-stack` against moto_server, on cloudformation/.

The templates are the real ones: with AWS_ENDPOINT_URL set the tool applies
ops/emulator.py and nothing else. moto's CloudFormation skips the types it
does not implement (CodePipeline, CodeBuild, API keys and stages, alarms, ...);
the tests check what it creates.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from ops.secret import read_key
from ops.stacks import ORDER

from ops import OpsError
from tests.ops.conftest import run_make
from tests.servers import Moto

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sports-api-dev:0123abc"
CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/00000000-0000-0000-0000-000000000000"
CREATED = {
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
    "AWS::S3::Bucket",
    "AWS::SSM::Parameter",
}


def _env(moto: Moto, env: str, **extra: str) -> dict[str, str]:
    return moto.env(
        ENV=env,
        GITHUB_REPO="acme/sports-api",
        ALERT_EMAIL="ops@example.com",
        CONNECTION_ARN=CONNECTION,
        **extra,
    )


def _stacks(cfn: Any, env: str) -> set[str]:
    live = set()
    for key in ORDER:
        try:
            cfn.describe_stacks(StackName=f"sports-api-{env}-{key}")
            live.add(key)
        except ClientError:
            pass
    return live


def _resources(cfn: Any, env: str) -> dict[str, list[str]]:
    """Physical ids by resource type, over the environment's stacks."""
    found: dict[str, list[str]] = defaultdict(list)
    for key in _stacks(cfn, env):
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=f"sports-api-{env}-{key}"):
            for r in page["StackResourceSummaries"]:
                found[r["ResourceType"]].append(r["PhysicalResourceId"])
    return found


def _vpcs(ec2: Any, env: str) -> list[str]:
    tags = [{"Name": "tag:Project", "Values": ["sports-api"]}, {"Name": "tag:Environment", "Values": [env]}]
    return [v["VpcId"] for v in ec2.describe_vpcs(Filters=tags)["Vpcs"]]


def _buckets(s3: Any, env: str) -> list[str]:
    return [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"sports-api-{env}-")]


def test_two_environments_deploy_side_by_side_redeploy_unchanged_and_delete_to_nothing(aws_env: Moto) -> None:
    cfn, ec2, ecr, s3 = (boto3.client(n) for n in ("cloudformation", "ec2", "ecr", "s3"))
    for env in ("dev", "staging"):
        first = run_make("deploy-stack", _env(aws_env, env))
        assert first.returncode == 0, first.stdout + first.stderr
        assert _stacks(cfn, env) == set(ORDER) - {"service"}
        assert "not deployed from here: the pipeline creates it" in first.stdout
        assert f"  Service logs  /sports-api/{env}/service" in first.stdout
        assert "  API URL       https://" in first.stdout

    again = run_make("deploy-stack", _env(aws_env, "dev"), f"IMAGE_URI={IMAGE}")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [f"  sports-api-dev-{key}: unchanged" in again.stdout for key in ORDER[:-1]] == [True] * 5
    assert "  sports-api-dev-service: created" in again.stdout

    dev, staging = _resources(cfn, "dev"), _resources(cfn, "staging")
    assert not CREATED - set(dev), f"moto created none of {sorted(CREATED - set(dev))}"
    assert len(_vpcs(ec2, "dev")) == len(_vpcs(ec2, "staging")) == 1
    assert set(dev["AWS::EC2::VPC"]).isdisjoint(staging["AWS::EC2::VPC"])

    # What delete-stack must clear first: an image, and versioned artifacts.
    repository = dev["AWS::ECR::Repository"][0]
    (bucket,) = [b for b in dev["AWS::S3::Bucket"] if "-pipeline-artifactbucket-" in b]
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag="0123abc")
    s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )  # moto ignores the template's
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="source.zip", Body=body)
    s3.delete_object(Bucket=bucket, Key="source.zip")

    secret = run_make("put-secret", _env(aws_env, "dev"), stdin="serpapi-0123456789abcdef0123456789abcdef\n")
    assert secret.returncode == 0, secret.stdout + secret.stderr
    assert "0123456789abcdef" not in secret.stdout + secret.stderr
    assert "Created secret sports-api/dev/serpapi-api-key" in secret.stdout
    assert "Started a new deployment of sports-api-dev" in secret.stdout
    outputs = run_make("outputs", _env(aws_env, "dev"))
    assert "SerpAPI key   sports-api/dev/serpapi-api-key   (set)" in outputs.stdout, outputs.stderr

    refused = run_make("delete-stack", _env(aws_env, "dev"))
    assert refused.returncode != 0 and "pass CONFIRM=dev" in refused.stderr
    assert _stacks(cfn, "dev") == set(ORDER)

    deleted = run_make("delete-stack", _env(aws_env, "dev"), "CONFIRM=dev")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert f"  emptied ECR repository {repository} (1 images)" in deleted.stdout
    assert f"  emptied artifact bucket {bucket} (3 object versions)" in deleted.stdout
    assert f"deleted the retained artifact bucket {bucket}" in deleted.stdout
    assert "Nothing of sports-api-dev is left in us-east-1" in deleted.stdout
    assert "Secret sports-api/dev/serpapi-api-key is kept" in deleted.stdout
    assert _stacks(cfn, "dev") == set() and _vpcs(ec2, "dev") == [] and _buckets(s3, "dev") == []
    # the other environment is untouched
    assert _stacks(cfn, "staging") == set(ORDER) - {"service"} and len(_vpcs(ec2, "staging")) == 1

    twice = run_make("delete-stack", _env(aws_env, "dev"), "CONFIRM=dev")
    assert twice.returncode == 0, twice.stdout + twice.stderr
    assert "sports-api-dev-network: not found, nothing to delete" in twice.stdout
    assert "Nothing of sports-api-dev is left" in twice.stdout

    # and the environment comes back: nothing the emulator kept stands in the way
    back = run_make("deploy-stack", _env(aws_env, "dev"), f"IMAGE_URI={IMAGE}")
    assert back.returncode == 0, back.stdout + back.stderr
    for env in ("dev", "staging"):
        gone = run_make("delete-stack", _env(aws_env, env), f"CONFIRM={env}")
        assert gone.returncode == 0, gone.stdout + gone.stderr


def test_delete_fails_naming_what_is_left(aws_env: Moto) -> None:
    """A VPC of the environment that no stack owns any more (its stack lost, say) is a leftover."""
    ec2 = boto3.client("ec2")
    tags = [{"Key": "Project", "Value": "sports-api"}, {"Key": "Environment", "Value": "qa"}]
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])
    vpc_id = vpc["Vpc"]["VpcId"]
    try:
        result = run_make("delete-stack", _env(aws_env, "qa"), "CONFIRM=qa")
        assert result.returncode != 0, result.stdout + result.stderr
        assert "sports-api-qa-network: not found, nothing to delete" in result.stdout
        assert f"Still in us-east-1, of sports-api-qa:\n  VPC {vpc_id} (10.99.0.0/16)\n" in result.stdout
        assert "error: delete-stack left 1 things of sports-api-qa (listed above)" in result.stderr
    finally:
        ec2.delete_vpc(VpcId=vpc_id)


@pytest.mark.parametrize(
    "key", ["not-a-key", "two\nlines-0123456789abcdef", "https://serpapi.com/?api_key=x"]
)
def test_put_secret_refuses_what_is_not_a_key_and_says_the_format(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(key))
    with pytest.raises(OpsError, match="16 to 256 letters, digits, '-' or '_', on one line"):
        read_key()
