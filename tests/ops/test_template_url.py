"""`make deploy-stack` sends the later stacks by TemplateURL through the platform's bucket, on moto_server.

moto's CloudFormation reads a TemplateURL from its own S3, as CloudFormation
reads it from S3 on AWS: the stacks it creates from those URLs prove the
upload, the URL and the parameters travel together. Then `make delete-stack`
leaves nothing, the template bucket included.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from ops.stacks import INLINE, ORDER

from tests.ops.conftest import run_make
from tests.ops.test_deploy import CONNECTION, _buckets, _stacks
from tests.servers import Moto

ENV = "tpl"


def _env(moto: Moto) -> dict[str, str]:
    return moto.env(ENV=ENV, GITHUB_REPO="acme/sports-api", CONNECTION_ARN=CONNECTION)


def _objects(s3: Any, bucket: str) -> dict[str, bytes]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def test_later_stacks_are_created_from_the_platform_bucket_and_all_of_it_goes(aws_env: Moto) -> None:
    cfn, s3 = boto3.client("cloudformation"), boto3.client("s3")
    first = run_make("deploy-stack", _env(aws_env))
    assert first.returncode == 0, first.stdout + first.stderr
    assert _stacks(cfn, ENV) == set(ORDER) - {"service"}
    outputs = cfn.describe_stacks(StackName=f"sports-api-{ENV}-platform")["Stacks"][0]["Outputs"]
    (bucket,) = [o["OutputValue"] for o in outputs if o["OutputKey"] == "TemplateBucketName"]
    for key in ("network", "platform"):
        assert f"sports-api-{ENV}-{key}  ({key}.yaml, inline)" in first.stdout
    objects = _objects(s3, bucket)
    for key in ("api", "monitoring", "pipeline"):
        assert key not in INLINE
        assert f"sports-api-{ENV}-{key}  ({key}.yaml, by URL from s3://{bucket})" in first.stdout
        (uploaded,) = [
            body for name, body in objects.items() if name.startswith(f"templates/sports-api-{ENV}-{key}/")
        ]
        # What the stack was created from is that object (boto3 parses a JSON template).
        template = cfn.get_template(StackName=f"sports-api-{ENV}-{key}")["TemplateBody"]
        assert template == (json.loads(uploaded) if isinstance(template, dict) else uploaded.decode())
    assert not [name for name in objects if "-network/" in name or "-platform/" in name]

    again = run_make("deploy-stack", _env(aws_env))
    assert again.returncode == 0, again.stdout + again.stderr
    assert [f"  sports-api-{ENV}-{key}: unchanged" in again.stdout for key in ORDER[:-1]] == [True] * 5

    deleted = run_make("delete-stack", _env(aws_env), f"CONFIRM={ENV}")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert f"deleted the retained template bucket {bucket}" in deleted.stdout
    assert _stacks(cfn, ENV) == set() and _buckets(s3, ENV) == []
