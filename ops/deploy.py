"""`make deploy-stack`, `make delete-stack` and `make outputs`."""

from __future__ import annotations

import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import OpsError
from .aws import Settings, error_code, error_message, var
from .cfn import StackFailed, Stacks
from .stacks import ORDER, plan, template_dir, template_path
from .ui import Painter, paint_for

NOT_DEPLOYED = ("REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "DELETE_COMPLETE")


def _parameters(stack: dict[str, Any] | None) -> dict[str, str] | None:
    if stack is None or stack["StackStatus"] in NOT_DEPLOYED:
        return None
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters") or []}


def _header(settings: Settings, verb: str) -> str:
    account = settings.client("sts").get_caller_identity()["Account"]
    return f"{verb} {settings.project} {settings.env} in account {account}, {settings.region}"


# -- deploy-stack ---------------------------------------------------------------------------------


def deploy_stack(settings: Settings) -> int:
    paint = paint_for()
    directory = template_dir()
    absent = [str(template_path(k, directory)) for k in ORDER if not template_path(k, directory).exists()]
    if absent:
        raise OpsError("templates missing: " + ", ".join(absent))
    stacks = Stacks(settings.cfn, settings.endpoint, paint=paint)
    how = "change sets" if stacks.mode == "changeset" else "CreateStack/UpdateStack"
    print(f"{_header(settings, 'Deploying')} ({how})")

    existing = {key: stacks.describe(settings.stack_name(key)) for key in ORDER}
    image = var("IMAGE_URI")
    keys = list(ORDER)
    if not image and _parameters(existing["service"]) is None:
        keys.remove("service")
    plans = [plan(key, settings, _parameters(existing[key]), directory) for key in keys]
    missing = [m for p in plans for m in p.missing]
    if missing:
        raise OpsError("cannot deploy, parameters missing:\n  " + "\n  ".join(missing))

    tags = {"Project": settings.project, "Environment": settings.env}
    for p in plans:
        print(paint(f"{p.name}", "bold") + f"  ({p.path.name})")
        try:
            result = stacks.deploy(p.name, p.body, p.parameters, tags)
        except StackFailed as exc:
            print(paint(str(exc), "red"), file=sys.stderr)
            raise OpsError(f"deploy-stack stopped at {p.name}; the stacks before it are deployed") from None
        print(f"  {p.name}: {paint(result, 'green')}")
    if "service" not in keys:
        print(
            paint(settings.stack_name("service"), "bold")
            + "  not deployed from here: the pipeline creates it "
            "after its first image build (or pass IMAGE_URI= to deploy it now)"
        )
    print()
    print_outputs(settings, paint)
    return 0


# -- outputs -------------------------------------------------------------------------------------


def _secret_state(settings: Settings, name: str) -> str:
    try:
        described = settings.client("secretsmanager").describe_secret(SecretId=name)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return "not created yet: make put-secret"
        return f"state unknown: {error_message(exc)}"
    if described.get("DeletedDate"):
        return "scheduled for deletion"
    stages = described.get("VersionIdsToStages") or {}
    if any("AWSCURRENT" in s for s in stages.values()):
        return "set"
    return "no value yet: make put-secret"


def _connection_state(settings: Settings, arn: str) -> str:
    """The GitHub connection stays PENDING until someone completes the handshake in the console."""
    service = "codeconnections" if ":codeconnections:" in arn else "codestar-connections"
    try:
        status = settings.client(service).get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"]
    except (ClientError, BotoCoreError):
        return arn
    if status == "PENDING":
        return (
            f"{arn}   PENDING: finish the GitHub handshake once at "
            f"https://{settings.region}.console.aws.amazon.com/codesuite/settings/connections"
            f"?region={settings.region}, then the pipeline can read the repository"
        )
    return f"{arn}   ({status})"


def print_outputs(settings: Settings, paint: Painter | None = None) -> int:
    paint = paint or paint_for()
    outputs = {key: settings.outputs(key, required=False) for key in ORDER}
    if var("FORMAT") == "json":
        print(json.dumps({settings.stack_name(k): v for k, v in outputs.items() if v}, indent=2))
        return 0
    if not any(outputs.values()):
        raise OpsError(f"no stacks of {settings.prefix} found ({settings.where()}): run `make deploy-stack`")
    platform, api, monitoring = outputs["platform"], outputs["api"], outputs["monitoring"]
    pipeline, service = outputs["pipeline"], outputs["service"]
    region = settings.region
    flags = f" --region {region}" + (f" --profile {settings.profile}" if settings.profile else "")
    rows: list[tuple[str, str]] = []
    if api:
        rows.append(("API URL", api.get("ApiUrl", "-")))
        if api.get("ApiKeyId"):
            rows.append(
                (
                    "API key",
                    f"aws apigateway get-api-key --api-key {api['ApiKeyId']} --include-value "
                    f"--query value --output text{flags}",
                )
            )
            rows.append(("", "(`make smoke` reads it itself)"))
    if platform.get("ServiceLogGroupName"):
        rows.append(("Service logs", f"{platform['ServiceLogGroupName']}   make logs ENV={settings.env}"))
    if api.get("AccessLogGroupName"):
        rows.append(("Access logs", f"{api['AccessLogGroupName']}   make logs REQUEST_ID=<id>"))
    if monitoring.get("DashboardUrl") or monitoring.get("DashboardName"):
        rows.append(("Dashboard", monitoring.get("DashboardUrl") or monitoring["DashboardName"]))
    if monitoring.get("AlarmTopicArn"):
        rows.append(("Alarm topic", monitoring["AlarmTopicArn"]))
    if platform.get("SerpApiSecretName"):
        name = platform["SerpApiSecretName"]
        rows.append(("SerpAPI key", f"{name}   ({_secret_state(settings, name)})"))
    if platform.get("RepositoryUri"):
        rows.append(("Image repo", platform["RepositoryUri"]))
    if pipeline.get("PipelineName"):
        rows.append(
            (
                "Pipeline",
                f"{pipeline['PipelineName']}   https://{region}.console.aws.amazon.com/codesuite/"
                f"codepipeline/pipelines/{pipeline['PipelineName']}/view?region={region}",
            )
        )
    if pipeline.get("ConnectionArn"):
        rows.append(("GitHub link", _connection_state(settings, pipeline["ConnectionArn"])))
    if service.get("ServiceName"):
        rows.append(("Service", f"{service['ServiceName']}   make status"))
    else:
        rows.append(("Service", "not created yet: the pipeline creates it after its first build"))
    print(paint(f"{settings.prefix} ({region})", "bold"))
    for label, value in rows:
        print(f"  {label:<14}{value}")
    return 0


# -- delete-stack ---------------------------------------------------------------------------------


def _confirm(settings: Settings) -> None:
    if var("CONFIRM") == settings.env:
        return
    if not sys.stdin.isatty():
        raise OpsError(f"not a terminal: pass CONFIRM={settings.env} to delete every {settings.prefix} stack")
    answer = input(
        f"Delete every {settings.prefix} stack in {settings.region} (ECR images and pipeline artifacts "
        f"included)? Type {settings.env} to confirm: "
    )
    if answer.strip() != settings.env:
        raise OpsError("not confirmed: nothing deleted")


def empty_repository(settings: Settings, name: str) -> int:
    ecr = settings.client("ecr")
    count = 0
    try:
        for page in ecr.get_paginator("list_images").paginate(repositoryName=name):
            ids = page.get("imageIds", [])
            for start in range(0, len(ids), 100):
                ecr.batch_delete_image(repositoryName=name, imageIds=ids[start : start + 100])
                count += len(ids[start : start + 100])
    except ClientError as exc:
        if error_code(exc) != "RepositoryNotFoundException":
            raise
    return count


def empty_bucket(settings: Settings, name: str) -> int:
    """Delete every object version and delete marker in the bucket."""
    s3 = settings.client("s3")
    count = 0
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            keys = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(keys), 1000):
                chunk = keys[start : start + 1000]
                s3.delete_objects(Bucket=name, Delete={"Objects": chunk, "Quiet": True})
                count += len(chunk)
    except ClientError as exc:
        if error_code(exc) != "NoSuchBucket":
            raise
    return count


def _stack_log_groups(settings: Settings, stacks: Stacks, name: str) -> list[str]:
    if stacks.describe(name) is None:
        return []
    groups = []
    for page in settings.cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for resource in page["StackResourceSummaries"]:
            if resource.get("ResourceType") == "AWS::Logs::LogGroup" and resource.get("PhysicalResourceId"):
                groups.append(resource["PhysicalResourceId"])
    return groups


def _existing_log_groups(settings: Settings, names: set[str], prefixes: list[str]) -> list[str]:
    logs = settings.client("logs")
    found: set[str] = set()
    for prefix in prefixes:
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            found.update(g["logGroupName"] for g in page["logGroups"])
    for name in names - found:
        groups = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        found.update(g["logGroupName"] for g in groups if g["logGroupName"] == name)
    return sorted(found)


def delete_stack(settings: Settings) -> int:
    paint = paint_for()
    print(_header(settings, "Deleting"))
    _confirm(settings)
    stacks = Stacks(settings.cfn, settings.endpoint, paint=paint)
    platform = settings.outputs("platform", required=False)
    api = settings.outputs("api", required=False)
    pipeline = settings.outputs("pipeline", required=False)
    log_groups: set[str] = {
        g for g in (platform.get("ServiceLogGroupName"), api.get("AccessLogGroupName")) if g
    }
    for key in ORDER:
        log_groups.update(_stack_log_groups(settings, stacks, settings.stack_name(key)))
    skipped: list[str] = []

    for key in reversed(ORDER):
        name = settings.stack_name(key)
        if stacks.describe(name) is None:
            print(f"{name}: not found")
            continue
        if key == "pipeline" and pipeline.get("ArtifactBucketName"):
            n = empty_bucket(settings, pipeline["ArtifactBucketName"])
            print(f"  emptied artifact bucket {pipeline['ArtifactBucketName']} ({n} object versions)")
        if key == "platform" and platform.get("RepositoryName"):
            n = empty_repository(settings, platform["RepositoryName"])
            print(f"  emptied ECR repository {platform['RepositoryName']} ({n} images)")
        print(paint(name, "bold") + ": deleting")
        try:
            _, events = stacks.delete(name)
        except StackFailed as exc:
            print(paint(str(exc), "red"), file=sys.stderr)
            raise OpsError(
                f"delete-stack stopped at {name}; the stacks after it in the deploy order are gone"
            ) from None
        skipped += [
            f"{e.get('ResourceType')} {e.get('PhysicalResourceId') or e.get('LogicalResourceId')}"
            for e in events
            if e.get("ResourceStatus") == "DELETE_SKIPPED"
        ]
        print(f"  {name}: {paint('deleted', 'green')}")

    prefixes = [f"/{settings.project}/{settings.env}/", f"/aws/codebuild/{settings.prefix}"]
    if api.get("ApiId"):
        prefixes.append(f"API-Gateway-Execution-Logs_{api['ApiId']}/")
    retained = _existing_log_groups(settings, log_groups, prefixes)
    print()
    if retained:
        print("Retained log groups (kept for their history; they cost storage until deleted):")
        for group in retained:
            print(f"  {group}")
        print("  delete one with: aws logs delete-log-group --log-group-name NAME")
    else:
        print("No log groups retained.")
    others = [s for s in skipped if not s.startswith("AWS::Logs::LogGroup")]
    if others:
        print("Other retained resources (DeletionPolicy: Retain):")
        for item in others:
            print(f"  {item}")
    secret = platform.get("SerpApiSecretName")
    if secret:
        _secret_note(settings, secret)
    return 0


def _secret_note(settings: Settings, name: str) -> None:
    try:
        described = settings.client("secretsmanager").describe_secret(SecretId=name)
    except ClientError:
        return
    if described.get("DeletedDate"):
        print(
            f"Secret {name} is scheduled for deletion ({described['DeletedDate']:%Y-%m-%d}): until then "
            "a new deploy cannot create it again; "
            "`aws secretsmanager restore-secret --secret-id NAME` brings it back"
        )
    else:
        print(
            f"Secret {name} still exists (the stacks did not own it): "
            "`aws secretsmanager delete-secret --secret-id NAME` removes it"
        )
