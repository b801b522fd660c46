"""`make delete-stack`: every stack of ENV in reverse order, then a check of what is left.

What the stacks cannot delete themselves is removed here: the images in the
ECR repository and the artifact bucket's object versions (before their
stacks), the artifact and template buckets themselves (kept by their stacks
so a stack deletion never fails on them), the archive table (kept by the service stack, with
deletion protection, so no stack update or deletion loses it; its fixed
name would make the next deploy fail), and the log groups AWS creates for
the environment (API Gateway's execution logs, Container Insights'
performance logs). Then the
account is searched for anything of the environment: its stacks, VPCs (by
their Project and Environment tags), log groups, image repository and
buckets. The exit status is 0 only when none is left, so a second run after a
failure says so too.
"""

from __future__ import annotations

import sys

from botocore.exceptions import ClientError

from . import OpsError
from .aws import describe_stack, error_code
from .cfn import StackFailed
from .deploy import header, stacks_for
from .settings import Settings
from .stacks import ORDER
from .ui import paint_for


def _confirm(settings: Settings) -> None:
    if settings.confirm == settings.env:
        return
    if not sys.stdin.isatty():
        raise OpsError(f"not a terminal: pass CONFIRM={settings.env} to delete every {settings.prefix} stack")
    answer = input(
        f"Delete every {settings.prefix} stack in {settings.region} (ECR images, pipeline artifacts "
        f"and the archive of results and favourites included)? Type {settings.env} to confirm: "
    )
    if answer.strip() != settings.env:
        raise OpsError("not confirmed: nothing deleted")


def _repositories(settings: Settings, known: dict[str, str]) -> dict[str, int]:
    """The environment's ECR repositories that exist, with their image counts."""
    ecr, found = settings.client("ecr"), {}
    for name in {known.get("RepositoryName"), settings.prefix} - {None}:
        try:
            pages = ecr.get_paginator("list_images").paginate(repositoryName=name)
            found[name] = sum(len(page["imageIds"]) for page in pages)
        except ClientError as exc:
            if error_code(exc) != "RepositoryNotFoundException":
                raise
    return found


# The buckets stacks keep when deleted: output that names each, and the start of the
# name CloudFormation gives it (how a second run finds it once the stack is gone).
_KEPT_BUCKETS = {
    "artifact bucket": ("ArtifactBucketName", "pipeline-artifactbucket-"),
    "template bucket": ("TemplateBucketName", "platform-templatebucket-"),
}


def _kind_of(settings: Settings, known: dict[str, str], name: str) -> str | None:
    """Which kept bucket a bucket name is, if any."""
    for label, (output, generated) in _KEPT_BUCKETS.items():
        if name == known.get(output) or name.startswith(f"{settings.prefix}-{generated}"):
            return label
    return None


def _buckets(settings: Settings, known: dict[str, str], kind: str | None = None) -> list[str]:
    """The kept buckets (of one kind, or all) by their outputs, or by their generated names."""
    pages = settings.client("s3").get_paginator("list_buckets").paginate()
    names = {b["Name"] for page in pages for b in page.get("Buckets", [])}
    found = {name: _kind_of(settings, known, name) for name in names}
    return sorted(name for name, label in found.items() if label and kind in (None, label))


def _archive_table(settings: Settings) -> str | None:
    """The service stack's archive table (`<prefix>-archive`) when it exists."""
    name = f"{settings.prefix}-archive"
    try:
        settings.client("dynamodb").describe_table(TableName=name)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return None
    return name


def delete_archive_table(settings: Settings, name: str) -> None:
    dynamodb = settings.client("dynamodb")
    dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
    dynamodb.delete_table(TableName=name)


def empty_repository(settings: Settings, name: str) -> int:
    ecr, count = settings.client("ecr"), 0
    paginator = ecr.get_paginator("list_images")
    for page in paginator.paginate(repositoryName=name, PaginationConfig={"PageSize": 100}):
        if page["imageIds"]:  # at most 100: what BatchDeleteImage takes
            ecr.batch_delete_image(repositoryName=name, imageIds=page["imageIds"])
        count += len(page["imageIds"])
    return count


def empty_bucket(settings: Settings, name: str) -> int:
    """Delete every object version and delete marker in the bucket."""
    s3, count = settings.client("s3"), 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        keys = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
        if keys:  # at most 1000 (MaxKeys counts both): what DeleteObjects takes
            s3.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        count += len(keys)
    return count


def _aws_created(settings: Settings, known: dict[str, str]) -> list[str]:
    """Log group prefixes AWS services create for the environment, which no stack deletes."""
    prefixes = [f"/aws/ecs/containerinsights/{settings.prefix}/"]  # the cluster is named <prefix>
    return prefixes + ([f"API-Gateway-Execution-Logs_{known['ApiId']}/"] if known.get("ApiId") else [])


def _log_groups(settings: Settings, known: dict[str, str]) -> list[str]:
    prefixes = [f"/{settings.project}/{settings.env}/", f"aws-waf-logs-{settings.prefix}"]
    paginator = settings.client("logs").get_paginator("describe_log_groups")
    return sorted(
        g["logGroupName"]
        for prefix in prefixes + _aws_created(settings, known)
        for page in paginator.paginate(logGroupNamePrefix=prefix)
        for g in page["logGroups"]
    )


def leftovers(settings: Settings, known: dict[str, str]) -> list[str]:
    """Everything of the environment still in the account and region, one line each."""
    left = []
    for key in ORDER:
        stack = describe_stack(settings.cfn, settings.stack_name(key))
        if stack is not None:
            left.append(f"stack {stack['StackName']} ({stack['StackStatus']})")
    tags = [
        {"Name": "tag:Project", "Values": [settings.project]},
        {"Name": "tag:Environment", "Values": [settings.env]},
    ]
    pages = settings.client("ec2").get_paginator("describe_vpcs").paginate(Filters=tags)
    left += [f"VPC {vpc['VpcId']} ({vpc['CidrBlock']})" for page in pages for vpc in page["Vpcs"]]
    left += [f"log group {group}" for group in _log_groups(settings, known)]
    left += [f"ECR repository {name} ({n} images)" for name, n in _repositories(settings, known).items()]
    left += [f"S3 bucket {name}" for name in _buckets(settings, known)]
    table = _archive_table(settings)
    left += [f"DynamoDB table {table}"] if table else []
    return left


def delete(settings: Settings) -> int:
    paint = paint_for()
    print(header(settings, "Deleting"))
    _confirm(settings)
    stacks = stacks_for(settings, paint)
    known = {k: v for key in ("platform", "api", "pipeline") for k, v in settings.outputs(key, False).items()}
    failed = None
    for key in reversed(ORDER):
        name = settings.stack_name(key)
        if stacks.describe(name) is None:
            print(f"{name}: not found, nothing to delete")
            continue
        print(paint(name, "bold") + ": deleting")
        if key == "platform":
            for repository in _repositories(settings, known):
                count = empty_repository(settings, repository)
                print(f"  emptied ECR repository {repository} ({count} images)")
        if key == "pipeline":
            for bucket in _buckets(settings, known, "artifact bucket"):
                count = empty_bucket(settings, bucket)
                print(f"  emptied artifact bucket {bucket} ({count} object versions)")
        if settings.endpoint:
            from . import emulator

            resources = emulator.prepare_delete(settings, name)
        try:
            stacks.delete(name)
        except StackFailed as exc:
            print(paint(str(exc), "red"), file=sys.stderr)
            failed = name
            break
        print(f"  {name}: {paint('deleted', 'green')}")
        if settings.endpoint:
            emulator.finish_delete(settings, resources)

    if failed is None:
        for bucket in _buckets(settings, known):
            kind = _kind_of(settings, known, bucket)
            empty_bucket(settings, bucket)
            settings.client("s3").delete_bucket(Bucket=bucket)
            print(f"deleted the retained {kind} {bucket}")
        table = _archive_table(settings)
        if table is not None:
            delete_archive_table(settings, table)
            print(f"deleted the retained archive table {table} (results and favourites)")
        for group in _log_groups(settings, known):
            if group.startswith(tuple(_aws_created(settings, known))):
                settings.client("logs").delete_log_group(logGroupName=group)
                print(f"deleted the log group {group} (made by AWS for the environment, not by a stack)")
    left = leftovers(settings, known)
    print()
    _secret_note(
        settings, known.get("SerpApiSecretName") or f"{settings.project}/{settings.env}/serpapi-api-key"
    )
    if failed:
        left.insert(0, f"(deletion stopped at {failed}; the stacks after it in the deploy order are gone)")
    if left:
        print(paint(f"Still in {settings.region}, of {settings.prefix}:", "red"))
        for line in left:
            print(f"  {line}")
        raise OpsError(
            f"delete-stack left {len(left) - bool(failed)} things of {settings.prefix} (listed above)"
        )
    print(f"Nothing of {settings.prefix} is left in {settings.region}: no stack, VPC, log group, "
          "image repository, bucket or table.")  # fmt: skip
    return 0


def _secret_note(settings: Settings, name: str) -> None:
    """The key is not a stack's: it stays for the next deploy, and this says how to remove it."""
    try:
        described = settings.client("secretsmanager").describe_secret(SecretId=name)
    except ClientError:
        return
    if described.get("DeletedDate"):
        print(f"Secret {name} is scheduled for deletion ({described['DeletedDate']:%Y-%m-%d}).")
    else:
        print(
            f"Secret {name} is kept (no stack owns it; the next deploy uses it again): "
            f"`aws secretsmanager delete-secret --secret-id {name}` removes it."
        )
